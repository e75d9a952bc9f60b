//! The workload: each terminal's day as a cashier lives it — sign-in, then
//! sales, voids, refunds, pre-auths and completions, balance inquiries and
//! settlement by the seed, signing in again on `77`/`A0` — and what each
//! saw, handed to the auditor.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kassa_core::{Amount, TxnKind};
use kassa_network_sim::CardAccount;
use kassa_terminal::{Card, OriginalRef, ScriptedTerminal};

use super::auditor::{Auditor, Outcome, Seen};
use super::rng::Rng;
use super::{World, cards, lock};

/// One terminal's day: sign-in, then requests by the seed, as a cashier would.
pub(super) async fn worker(
    world: Arc<World>,
    mut t: ScriptedTerminal,
    mut rng: Rng,
    budget: Arc<AtomicU64>,
    ops: Arc<AtomicU64>,
) -> ScriptedTerminal {
    let cards = cards();
    let mut signed_in = false;
    loop {
        if lock(&world.violation).is_some() {
            break;
        }
        if !signed_in {
            match t.sign_in().await {
                Ok((batch, _)) => {
                    world.note(format!("{} signed in, batch {batch:06}", id(&t)));
                }
                Err(e) => {
                    world.note(format!("{} sign-in failed: {}", id(&t), kind_of(&e)));
                    tokio::time::sleep(Duration::from_millis(rng.between(500, 5_000))).await;
                    continue;
                }
            }
        }
        if budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1)).is_err() {
            break;
        }
        ops.fetch_add(1, Ordering::Relaxed);
        signed_in = operate(&world, &mut t, &mut rng, &cards).await;
        if let Some(store) = world.store()
            && let Err(e) = Auditor::ledger(&store).await
            && !e.contains("closed")
        {
            world.fail(e);
        }
        tokio::time::sleep(Duration::from_millis(rng.between(0, 4_000))).await;
    }
    t
}

pub(super) fn id(t: &ScriptedTerminal) -> String {
    t.terminal_id().to_string()
}

/// An error in a word (its text may carry nothing that varies between runs).
pub(super) fn kind_of(e: &kassa_terminal::TerminalError) -> &'static str {
    use kassa_terminal::TerminalError as E;
    match e {
        E::Connect { .. } => "cannot connect",
        E::Timeout(_) => "no answer in time",
        E::Closed => "connection closed",
        E::BadMac => "answer failed its MAC",
        E::NotSignedIn => "not signed in",
        E::ReversalKept(_) => "its kept reversal not settled",
        E::Io(_) => "i/o error",
        E::Decode(_) => "answer unreadable",
        E::Encode(_) => "request not encodable",
        E::SignInRefused(_) => "sign-in refused",
        E::Keys(_) => "working keys failed their check",
        E::Usage(_) => "refused by the terminal",
    }
}

/// One operation; whether the terminal is still signed in after it.
async fn operate(world: &World, t: &mut ScriptedTerminal, rng: &mut Rng, cards: &[(CardAccount, Card)]) -> bool {
    let batch = t.state().batch;
    let log: Vec<kassa_terminal::LogEntry> = t.state().log.iter().filter(|e| !e.reversed).cloned().collect();
    let pick = |rng: &mut Rng, kinds: &[&str], this_batch: bool| -> Option<kassa_terminal::LogEntry> {
        let found: Vec<&kassa_terminal::LogEntry> =
            log.iter().filter(|e| kinds.contains(&e.kind.as_str()) && (!this_batch || e.batch == batch)).collect();
        (!found.is_empty()).then(|| found[rng.below(found.len() as u64) as usize].clone())
    };
    let choice = rng.weighted(&[40, 8, 8, 8, 6, 3, 2, 5, 4]);
    if choice == 8 {
        return settle(world, t).await;
    }
    let (kind, original) = match choice {
        0 => (TxnKind::Sale, None),
        1 => (TxnKind::SaleVoid, pick(rng, &["sale"], true)),
        2 => (TxnKind::Refund, pick(rng, &["sale"], false)),
        3 => (TxnKind::PreAuth, None),
        4 => (TxnKind::Completion, pick(rng, &["preauth"], false)),
        5 => (TxnKind::PreAuthVoid, pick(rng, &["preauth"], true)),
        6 => (TxnKind::CompletionVoid, pick(rng, &["completion"], true)),
        _ => (TxnKind::BalanceInquiry, None),
    };
    if kind.original_kind().is_some() && original.is_none() {
        // Nothing to void, refund or complete yet: a sale instead.
        return transact(world, t, rng, cards, TxnKind::Sale, None).await;
    }
    transact(world, t, rng, cards, kind, original).await
}

async fn transact(
    world: &World,
    t: &mut ScriptedTerminal,
    rng: &mut Rng,
    cards: &[(CardAccount, Card)],
    kind: TxnKind,
    original: Option<kassa_terminal::LogEntry>,
) -> bool {
    // The original's card, presented again; else one of the test cards (the
    // usable ones mostly; now and then a lost, stolen or expired one).
    let card = match &original {
        Some(o) => {
            let seen = lock(&world.auditor)
                .seen
                .iter()
                .rev()
                .find(|s| s.terminal == id(t) && s.batch == o.batch && s.trace == o.trace)
                .map(|s| s.pan.clone());
            cards.iter().find(|(c, _)| Some(&c.pan) == seen.as_ref()).map(|(_, c)| c.clone())
        }
        None => {
            let i = rng.weighted(&[30, 20, 3, 2, 1, 1, 10, 0]);
            cards.get(i).map(|(_, c)| c.clone())
        }
    };
    let Some(card) = card else { return true };
    let amount = match (&original, kind) {
        (Some(o), TxnKind::SaleVoid | TxnKind::PreAuthVoid | TxnKind::CompletionVoid) => o.amount,
        (Some(o), TxnKind::Refund) => rng.between(1, o.amount.max(1)),
        (Some(o), TxnKind::Completion) => rng.between(1, o.amount.max(1)),
        (_, TxnKind::BalanceInquiry) => 0,
        _ => rng.between(1, 60_000),
    };
    let reference = original.as_ref().map(|o| OriginalRef {
        batch: o.batch,
        trace: o.trace,
        date: Some(o.date.clone()),
        rrn: Some(o.rrn.clone()),
        auth_code: Some(o.auth_code.clone()),
    });
    let trace_before = t.state().trace;
    let result = t.transact(kind, &card, Amount(amount), reference.as_ref()).await;
    let (outcome, trace, batch, sign_in_again) = match &result {
        Ok(a) if a.code.is_approved() => (Outcome::Approved, a.trace, a.batch, false),
        Ok(a) => {
            let code = a.code.as_str().to_string();
            let again = code == "A0" || code == "77";
            (Outcome::Declined(code), a.trace, a.batch, again)
        }
        // A kept reversal sent first moves the trace on; the request's own is the last used.
        Err(_) => (Outcome::Unanswered, t.state().trace, t.state().batch, false),
    };
    if outcome == Outcome::Unanswered && t.state().trace == trace_before {
        // It never got a trace number (a kept reversal could not go first): nothing was asked.
        world.note(format!(
            "{} {} not sent ({})",
            id(t),
            kind.name(),
            result.as_ref().err().map(kind_of).unwrap_or("")
        ));
        return still_signed_in(&result);
    }
    let words = match &outcome {
        Outcome::Approved => "00".to_string(),
        Outcome::Declined(code) => code.clone(),
        Outcome::Unanswered => format!("no answer ({})", result.as_ref().err().map(kind_of).unwrap_or("")),
    };
    world.note(format!("{} {:06}/{:06} {} {amount} → {words}", id(t), batch, trace, kind.name()));
    if kind != TxnKind::BalanceInquiry {
        // A request that never left (no connection) is recorded too: nothing may stand for it.
        lock(&world.auditor).record(Seen {
            terminal: id(t),
            batch,
            trace,
            kind,
            amount,
            pan: card.pan.clone(),
            original: original.as_ref().map(|o| (o.batch, o.trace)),
            outcome,
        });
    }
    !sign_in_again && still_signed_in(&result)
}

/// A cashier signs in again on `77` and `A0`, to a kept reversal's answer too.
fn still_signed_in<T>(result: &Result<T, kassa_terminal::TerminalError>) -> bool {
    use kassa_terminal::TerminalError as E;
    match result {
        Err(E::NotSignedIn) => false,
        Err(E::ReversalKept(code)) => code != "77" && code != "A0",
        _ => true,
    }
}

/// Settles the terminal's batch (uploading it when the totals differ).
pub(super) async fn settle(world: &World, t: &mut ScriptedTerminal) -> bool {
    let batch = t.state().batch;
    match t.settle().await {
        Ok(a) => {
            world.note(format!(
                "{} settles batch {batch:06} → {}{}",
                id(t),
                a.code.as_str(),
                if a.balanced { " balanced".to_string() } else { format!(" uploaded {}", a.uploaded) }
            ));
            a.code.is_approved() && a.next_batch.is_some()
        }
        Err(e) => {
            world.note(format!("{} settles batch {batch:06} → {}", id(t), kind_of(&e)));
            true
        }
    }
}
