//! The simulation's auditor. It knows what the terminals saw — each request
//! and its answer, or that none came — and reads the host's store and the
//! network simulator's books; from product.md and the protocol profile, not
//! from the switch's code, it says what must hold:
//!
//! - the ledger sums to zero, agrees with the transaction records, and no
//!   merchant's available funds are below zero;
//! - the network's standing set equals the host's;
//! - every sale, completion and refund a terminal saw approved is recorded
//!   once, approved (or voided, when its void was approved), and stands at
//!   the network; every one it saw unanswered is not standing anywhere (it
//!   was never done, or was undone, exactly once); so no card is charged
//!   twice;
//! - refunds never add up to more than their sale;
//! - each terminal's batch totals, recomputed here from what it saw
//!   approved, equal the host's;
//! - each business day's settlement totals equal the auditor's own sums.

use std::collections::{BTreeMap, BTreeSet};

use kassa_core::{Batch, MerchantId, TerminalId, Trace, TxnKind};
use kassa_store::{Store, TxnKey, TxnState};

/// What a terminal got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Declined(String),
    /// No valid answer (nothing arrived in time, the connection failed, or
    /// the answer did not verify): the terminal keeps a reversal.
    Unanswered,
}

/// One financial request as a terminal saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub terminal: String,
    pub batch: u32,
    pub trace: u32,
    pub kind: TxnKind,
    pub amount: u64,
    pub pan: String,
    /// The original's (batch, trace) for voids, refunds and completions.
    pub original: Option<(u32, u32)>,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub struct Auditor {
    pub merchant: String,
    pub seen: Vec<Seen>,
}

/// Sales and completions: what a batch's debit totals count.
fn debit(kind: TxnKind) -> bool {
    matches!(kind, TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice)
}

/// Voids of sales and completions, and refunds: what its credit totals count.
fn credit(kind: TxnKind) -> bool {
    matches!(kind, TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::Refund)
}

/// A business day as its settlement recorded it, all merchants together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub gross: u64,
    pub voids: u64,
    pub refunds: u64,
    /// Late reversals of earlier settled days, settled with this one.
    pub adjustments: i64,
}

impl Auditor {
    pub fn new(merchant: &str) -> Auditor {
        Auditor { merchant: merchant.to_string(), seen: Vec::new() }
    }

    pub fn record(&mut self, seen: Seen) {
        self.seen.push(seen);
    }

    fn key(&self, terminal: &str, batch: u32, trace: u32) -> Result<TxnKey, String> {
        Ok(TxnKey {
            merchant: MerchantId::parse(&self.merchant).ok_or("merchant id")?,
            terminal: TerminalId::parse(terminal).ok_or("terminal id")?,
            batch: Batch(batch),
            trace: Trace(trace),
        })
    }

    fn approved(&self) -> impl Iterator<Item = &Seen> {
        self.seen.iter().filter(|s| s.outcome == Outcome::Approved)
    }

    /// Whether the terminal saw a void of (terminal, batch, trace) approved.
    fn voided(&self, terminal: &str, batch: u32, trace: u32) -> bool {
        self.approved().any(|s| {
            matches!(s.kind, TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::PreAuthVoid)
                && s.terminal == terminal
                && s.original == Some((batch, trace))
        })
    }

    /// The ledger, at any moment.
    pub async fn ledger<S: Store>(store: &S) -> Result<(), String> {
        let audit = store.ledger_audit().await.map_err(|e| format!("ledger audit: {e}"))?;
        audit.check()?;
        if let Some((merchant, available)) = audit.available.iter().find(|(_, a)| *a < 0) {
            return Err(format!("merchant {merchant}: available funds {available} below zero"));
        }
        Ok(())
    }

    /// Everything, once the world is quiet (every reversal sent, the queue drained).
    pub async fn check<S: Store>(
        &mut self,
        store: &S,
        network_standing: BTreeSet<(u32, String)>,
        day_runs: &BTreeMap<String, Settled>,
    ) -> Result<(), String> {
        Self::ledger(store).await?;
        // A refund (0220) keeps no reversal (protocol §3): unanswered, it may
        // have been done or not, and the terminal learns which at settlement.
        // What the host did is then what happened.
        for i in 0..self.seen.len() {
            let s = &self.seen[i];
            if s.outcome == Outcome::Unanswered && matches!(s.kind, TxnKind::Refund | TxnKind::CompletionAdvice) {
                let record = store.find(self.key(&s.terminal, s.batch, s.trace)?).await.map_err(|e| e.to_string())?;
                if record.is_some_and(|r| r.state == TxnState::Approved) {
                    self.seen[i].outcome = Outcome::Approved;
                }
            }
        }
        let standing = store.standing().await.map_err(|e| e.to_string())?;
        let host_standing: BTreeSet<(u32, String)> =
            standing.iter().map(|s| (s.link_stan, s.link_transmitted.clone())).collect();
        if host_standing != network_standing {
            let only_host: Vec<_> = host_standing.difference(&network_standing).take(3).collect();
            let only_network: Vec<_> = network_standing.difference(&host_standing).take(3).collect();
            return Err(format!(
                "the network's standing set is not the host's: only at the host {only_host:?}, only at the network {only_network:?}"
            ));
        }
        let mut refunded: BTreeMap<(String, u32, u32), u64> = BTreeMap::new();
        let mut sales: BTreeMap<(String, u32, u32), u64> = BTreeMap::new();
        let mut days: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for s in &self.seen {
            let record = store.find(self.key(&s.terminal, s.batch, s.trace)?).await.map_err(|e| e.to_string())?;
            let what = format!(
                "{} {} of {} at {} {:06}/{:06}",
                s.kind.name(),
                s.amount,
                s.pan.get(s.pan.len().saturating_sub(4)..).unwrap_or(""),
                s.terminal,
                s.batch,
                s.trace
            );
            let money = debit(s.kind) || credit(s.kind);
            match (&s.outcome, &record) {
                (Outcome::Approved, None) if s.kind != TxnKind::BalanceInquiry => {
                    return Err(format!("{what}: the terminal saw it approved; the host has no record"));
                }
                (Outcome::Approved, Some(r)) => {
                    let voided = self.voided(&s.terminal, s.batch, s.trace);
                    let want = if voided { TxnState::Voided } else { TxnState::Approved };
                    if money && r.state != want {
                        return Err(format!("{what}: the terminal saw it approved; the host has it {:?}", r.state));
                    }
                    if money
                        && r.state == TxnState::Approved
                        && !host_standing.contains(&(r.link_stan, r.link_transmitted.clone()))
                    {
                        return Err(format!("{what}: approved, but it does not stand at the network"));
                    }
                    if r.amount.minor_units() != s.amount {
                        return Err(format!("{what}: the host recorded {}", r.amount.minor_units()));
                    }
                    if money {
                        let day = days.entry(r.business_date.clone()).or_default();
                        match s.kind {
                            k if debit(k) => day.0 += s.amount,
                            TxnKind::Refund => day.2 += s.amount,
                            _ => day.1 += s.amount,
                        }
                    }
                    if s.kind == TxnKind::Sale {
                        sales.insert((s.terminal.clone(), s.batch, s.trace), s.amount);
                    }
                    if let (TxnKind::Refund, Some((b, t))) = (s.kind, s.original) {
                        *refunded.entry((s.terminal.clone(), b, t)).or_default() += s.amount;
                    }
                }
                (Outcome::Unanswered, Some(r)) => {
                    if matches!(r.state, TxnState::Approved | TxnState::Voided | TxnState::InFlight) {
                        return Err(format!(
                            "{what}: the terminal had no answer and reversed it; the host has it {:?}",
                            r.state
                        ));
                    }
                    if host_standing.contains(&(r.link_stan, r.link_transmitted.clone())) {
                        return Err(format!("{what}: the terminal had no answer, yet it stands at the network"));
                    }
                }
                (Outcome::Declined(code), Some(r)) if matches!(r.state, TxnState::Approved | TxnState::Voided) => {
                    return Err(format!("{what}: declined {code} to the terminal, {:?} at the host", r.state));
                }
                _ => {}
            }
        }
        for (sale, total) in &refunded {
            // A refund may name a sale of another terminal's log only through its
            // reference number; the workload refunds its own.
            if let Some(amount) = sales.get(sale)
                && total > amount
            {
                return Err(format!("sale {sale:?} of {amount} was refunded {total}"));
            }
        }
        self.batches(store).await?;
        // Every day settled adds up to what the terminals saw: takings less
        // voids and refunds, with what a late reversal took back from a
        // settled day settled with a later one (so per day the figures may
        // differ, never in sum).
        let saw: i128 = days.values().map(|&(g, v, r)| i128::from(g) - i128::from(v) - i128::from(r)).sum();
        let settled: i128 = day_runs
            .values()
            .map(|d| i128::from(d.gross) - i128::from(d.voids) - i128::from(d.refunds) + i128::from(d.adjustments))
            .sum();
        if saw != settled {
            return Err(format!(
                "the days settled {settled} net of voids, refunds and late reversals; the terminals saw {saw} ({day_runs:?}; seen {days:?})"
            ));
        }
        for (date, &(gross, voids, refunds)) in &days {
            if !day_runs.contains_key(date) {
                return Err(format!("business day {date} (seen {gross} {voids} {refunds}) was never settled"));
            }
        }
        Ok(())
    }

    /// Each terminal's batch totals, recomputed from what it saw approved, against the host's.
    async fn batches<S: Store>(&self, store: &S) -> Result<(), String> {
        let mut totals: BTreeMap<(String, u32), (u64, u32, u64, u32)> = BTreeMap::new();
        for s in &self.seen {
            let entry = totals.entry((s.terminal.clone(), s.batch)).or_default();
            if s.outcome != Outcome::Approved {
                continue;
            }
            if debit(s.kind) {
                entry.0 += s.amount;
                entry.1 += 1;
            } else if credit(s.kind) {
                entry.2 += s.amount;
                entry.3 += 1;
            }
        }
        for ((terminal, batch), (debits, debit_count, credits, credit_count)) in totals {
            let id = TerminalId::parse(&terminal).ok_or("terminal id")?;
            let host = store.batch_totals(id, Batch(batch)).await.map_err(|e| e.to_string())?;
            let d = host.domestic;
            let f = host.foreign;
            let host_totals = (
                d.debit_amount + f.debit_amount,
                u32::from(d.debit_count) + u32::from(f.debit_count),
                d.credit_amount + f.credit_amount,
                u32::from(d.credit_count) + u32::from(f.credit_count),
            );
            if host_totals != (debits, debit_count, credits, credit_count) {
                return Err(format!(
                    "terminal {terminal} batch {batch:06}: the host's totals {host_totals:?}, the terminal's {:?}",
                    (debits, debit_count, credits, credit_count)
                ));
            }
        }
        Ok(())
    }
}
