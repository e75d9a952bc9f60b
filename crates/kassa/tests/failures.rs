//! What goes wrong, end to end: duplicates, reversals, timeouts, sessions,
//! MACs, malformed and oversized frames, unbalanced settlement.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

mod common;

use std::time::Duration;

use common::*;
use kassa_core::{Amount, TxnKind};
use kassa_network_sim::Faults;
use kassa_store::{Store, TxnState};
use kassa_terminal::{ScriptedTerminal, TerminalConfig, TerminalError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_request_gets_the_stored_answer_and_is_never_charged_twice() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let first = sale(&mut t, &debit(), 4_200).await;
    t.rewind_trace(1);
    let repeat = sale(&mut t, &debit(), 4_200).await;
    assert_eq!((repeat.code.as_str(), &repeat.rrn, &repeat.auth_code), ("00", &first.rrn, &first.auth_code));
    t.rewind_trace(1);
    let different = sale(&mut t, &debit(), 4_300).await;
    assert_eq!(different.code.as_str(), "94");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert_eq!(network.len(), 1, "charged once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_timeout_answers_98_and_the_host_reverses_through_the_queue() {
    let w = world(Options { network_timeout: Duration::from_millis(300), ..Options::default() }).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    w.sim.simulator.set_faults(Faults { drop_percent: 100, ..Faults::default() });
    let answer = sale(&mut t, &debit(), 7_700).await;
    assert_eq!(answer.code.as_str(), "98");
    assert!(t.state().pending_reversal.is_none(), "the host answered; the host reverses");
    // The network approved the sale but its answer was lost. The host's 0420 may
    // already have reached it too (only answers are dropped), but without an
    // answer the reversal stays owed.
    let card_after_sale = w.sim.simulator.with_issuer(|i| i.card(DEBIT).map(|c| c.available()));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(w.host.store.saf_depth().await.unwrap() >= 1, "still owed while the network is silent");
    w.sim.simulator.set_faults(Faults::default());
    assert!(saf_drained(&w, Duration::from_secs(10)).await, "the reversal was never acknowledged");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert!(network.is_empty());
    // Undone exactly once: the card has its money back, no more.
    let card_now = w.sim.simulator.with_issuer(|i| i.card(DEBIT).map(|c| c.available()));
    assert!(card_after_sale.is_some() && card_now >= card_after_sale);
    assert_eq!(card_now, Some(kassa_core::Amount(10_000_000)));
}

/// Found by `kassa sim` (seed 12): the network answering a reversal `96` has
/// not taken it; the host keeps it queued and sends it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_the_network_answers_96_stays_owed() {
    let w = world(Options { network_timeout: Duration::from_millis(300), ..Options::default() }).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    w.sim.simulator.set_faults(Faults { drop_percent: 100, ..Faults::default() });
    assert_eq!(sale(&mut t, &debit(), 7_700).await.code.as_str(), "98");
    // Every request now gets 96 without being processed: the reversal too.
    w.sim.simulator.set_faults(Faults { error_percent: 100, ..Faults::default() });
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(w.host.store.saf_depth().await.unwrap(), 1, "a 96 is no acknowledgement");
    assert_eq!(w.agreement().await.0.len(), 1, "the sale still stands at the network");
    w.sim.simulator.set_faults(Faults::default());
    assert!(saf_drained(&w, Duration::from_secs(10)).await, "the reversal was never acknowledged");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert!(network.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_reversal_undoes_a_processed_original_once() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    // The answer never reaches the terminal: stage it by keeping the reversal.
    let sold = sale(&mut t, &debit(), 5_500).await;
    let pending = {
        let mut m = kassa_iso8583::Message::new(kassa_iso8583::Mti::new("0200").unwrap());
        m.set(3, "000000").set(4, "000000005500").set(11, format!("{:06}", sold.trace)).set(22, "021").set(25, "00");
        m.set(41, w.terminals[0].0.to_string()).set(42, MID).set(49, "156").set(60, format!("22{:06}000", sold.batch));
        let fields = m.fields().map(|(n, v)| (n, kassa_crypto::to_hex(v))).collect();
        kassa_terminal::PendingReversal { fields, card_sealed: None, reason: "98".into() }
    };
    t.state_mut().pending_reversal = Some(pending.clone());
    let next = sale(&mut t, &credit(), 100).await;
    assert!(next.reversal_sent);
    assert!(saf_drained(&w, Duration::from_secs(10)).await);
    let stored = w.host.store.find_by_rrn(kassa_core::MerchantId::parse(MID).unwrap(), sold.rrn.clone()).await.unwrap();
    assert_eq!(stored.unwrap().state, TxnState::Reversed);
    // Already reversed: 00 again, nothing more happens.
    t.state_mut().pending_reversal = Some(pending);
    assert!(t.send_pending_reversal().await.unwrap());
    assert!(saf_drained(&w, Duration::from_secs(10)).await);
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert_eq!(network.len(), 1, "only the credit sale stands");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_of_an_unseen_original_makes_the_late_original_a_duplicate() {
    let w = world(Options::default()).await;
    // A host that accepts but never answers: the terminal times out and keeps its reversal.
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_address = black_hole.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = black_hole.accept().await {
            held.push(stream);
        }
    });
    let state_path = w.dir.path().join("terminal.json");
    let config = |address: String| TerminalConfig {
        address,
        terminal_id: w.terminals[0].0.to_string(),
        merchant_id: MID.into(),
        tmk: w.terminals[0].1.clone(),
        key_mode: kassa_crypto::KeyMode::Tdes,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: Duration::from_millis(300),
        state_path: Some(state_path.clone()),
    };
    let mut real = ScriptedTerminal::new(config(w.host.address.to_string())).unwrap();
    real.sign_in().await.unwrap();
    let mut silent = ScriptedTerminal::new(config(silent_address)).unwrap();
    let lost = silent.transact(TxnKind::Sale, &debit(), Amount(3_300), None).await;
    assert!(matches!(lost, Err(TerminalError::Timeout(_))), "{lost:?}");
    let lost_trace = silent.state().trace;
    // Restarted against the real host, the terminal sends its reversal first.
    let mut restarted = ScriptedTerminal::new(config(w.host.address.to_string())).unwrap();
    assert!(restarted.state().pending_reversal.is_some(), "the reversal survives a restart");
    let next = sale(&mut restarted, &credit(), 200).await;
    assert!(next.reversal_sent && next.code.is_approved());
    let key = kassa_store::TxnKey {
        merchant: kassa_core::MerchantId::parse(MID).unwrap(),
        terminal: w.terminals[0].0.clone(),
        batch: kassa_core::Batch(1),
        trace: kassa_core::Trace(lost_trace),
    };
    assert_eq!(w.host.store.find(key).await.unwrap().unwrap().state, TxnState::ReversalOnly);
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_macs_are_enforced() {
    let w = world(Options::default()).await;
    let mut first = w.terminal(0);
    first.sign_in().await.unwrap();
    // Another sign-in of the same terminal replaces the keys: the old MAC fails.
    let mut second = w.terminal(0);
    second.sign_in().await.unwrap();
    assert_eq!(sale(&mut first, &debit(), 100).await.code.as_str(), "A0");
    assert_eq!(sale(&mut second, &debit(), 100).await.code.as_str(), "00");
    // Signed off elsewhere: not signed in.
    first.sign_off().await.unwrap();
    assert_eq!(sale(&mut second, &debit(), 100).await.code.as_str(), "77");
    // Settled: the batch is closed; the terminal signs in again by itself to
    // the next one and carries on, and a terminal that kept the closed batch is refused.
    second.sign_in().await.unwrap();
    let settled = second.settle().await.unwrap();
    assert_eq!(settled.next_batch, Some(3), "{settled:?}");
    assert_eq!(sale(&mut second, &debit(), 100).await.code.as_str(), "00");
    second.state_mut().batch = 2;
    assert_eq!(sale(&mut second, &debit(), 100).await.code.as_str(), "77");
    let (batch, _) = second.sign_in().await.unwrap();
    assert_eq!(batch, 3);
    // Unknown terminal.
    let mut stranger =
        ScriptedTerminal::new(TerminalConfig { terminal_id: "99999999".into(), ..terminal_config(&w, 1) }).unwrap();
    match stranger.sign_in().await {
        Err(TerminalError::SignInRefused(reason)) => assert!(reason.starts_with("97"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// A connection to the host through which `tamper` rewrites each answer the
/// host sends, into whatever frames (none, one, several) reach the terminal,
/// and `lose` drops requests on their way.
fn tampering_dialer(
    tamper: impl Fn(&kassa_iso8583::Message) -> Vec<kassa_iso8583::Message> + Send + Sync + Clone + 'static,
    lose: impl Fn(&kassa_iso8583::Message) -> bool + Send + Sync + Clone + 'static,
) -> kassa_network::Dialer {
    use futures_util::{SinkExt, StreamExt};
    kassa_network::Dialer::new(move |address: &str| {
        let (address, tamper, lose) = (address.to_string(), tamper.clone(), lose.clone());
        Box::pin(async move {
            let host = tokio::net::TcpStream::connect(&address).await?;
            let (near, far) = tokio::io::duplex(64 * 1024);
            let codec = || tokio_util::codec::LengthDelimitedCodec::builder().length_field_length(2).new_codec();
            let (mut terminal_write, mut terminal_read) = tokio_util::codec::Framed::new(far, codec()).split();
            let (mut host_write, mut host_read) = tokio_util::codec::Framed::new(host, codec()).split();
            tokio::spawn(async move {
                while let Some(Ok(frame)) = terminal_read.next().await {
                    let parts = kassa_iso8583::split_body(&frame).unwrap();
                    if lose(&kassa_iso8583::unpack(&kassa_iso8583::TERMINAL, parts.body).unwrap()) {
                        continue;
                    }
                    if host_write.send(frame.freeze()).await.is_err() {
                        return;
                    }
                }
            });
            tokio::spawn(async move {
                while let Some(Ok(frame)) = host_read.next().await {
                    let parts = kassa_iso8583::split_body(&frame).unwrap();
                    let head = frame.len() - parts.body.len();
                    let message = kassa_iso8583::unpack(&kassa_iso8583::TERMINAL, parts.body).unwrap();
                    for message in tamper(&message) {
                        let mut out = frame[..head].to_vec();
                        out.extend(kassa_iso8583::pack(&kassa_iso8583::TERMINAL, &message).unwrap());
                        if terminal_write.send(bytes::Bytes::from(out)).await.is_err() {
                            return;
                        }
                    }
                }
            });
            Ok(Box::new(near) as kassa_network::BoxStream)
        })
    })
}

/// An approval with its 39 turned to `05` on the way (its MAC then fails).
fn tampered(message: &kassa_iso8583::Message) -> kassa_iso8583::Message {
    let mut changed = message.clone();
    if changed.get_str(39) == Some("00") {
        changed.set(39, "05");
    }
    changed
}

/// Found by `kassa sim` (seed 163): an approval whose 39 the wire changed
/// read as a decline, and the terminal kept no reversal while the sale stood.
/// Its MAC (approvals carry one) no longer holds: the terminal keeps a
/// reversal and sends it before the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_whose_code_was_changed_on_the_wire_is_reversed() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    t.set_dialer(tampering_dialer(|m| vec![tampered(m)], |_| false));
    match t.transact(TxnKind::Sale, &debit(), Amount(3_300), None).await {
        Err(TerminalError::BadMac) => {}
        other => panic!("{other:?}"),
    }
    assert!(t.state().pending_reversal.is_some(), "a reversal is kept");
    t.set_dialer(kassa_network::Dialer::tcp());
    let next = sale(&mut t, &debit(), 4_400).await;
    assert!(next.reversal_sent, "the kept reversal went first");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert_eq!(network.len(), 1, "only the second sale stands");
}

/// Found by `kassa sim`: a copy of a sale's answer (the wire duplicated it)
/// still on its way was taken for the answer to the sale's reversal, which
/// repeats the sale's trace; the reversal was settled without the host ever
/// seeing it. An answer is the request's only with the response MTI too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_copy_of_an_answer_does_not_settle_a_reversal() {
    let w = world(Options::default()).await;
    let config = TerminalConfig { timeout: Duration::from_millis(500), ..terminal_config(&w, 0) };
    let mut t = ScriptedTerminal::new(config).unwrap();
    t.sign_in().await.unwrap();
    // The first sale's answer arrives twice, first with a broken MAC; the
    // first reversal is lost on its way.
    let once = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let first = move |m: &kassa_iso8583::Message| {
        if m.mti().as_str() == "0210" && once.swap(false, std::sync::atomic::Ordering::SeqCst) {
            vec![tampered(m), m.clone()]
        } else {
            vec![m.clone()]
        }
    };
    let lose = move |m: &kassa_iso8583::Message| {
        m.mti().as_str() == "0400" && lost.swap(false, std::sync::atomic::Ordering::SeqCst)
    };
    t.set_dialer(tampering_dialer(first, lose));
    assert!(matches!(t.transact(TxnKind::Sale, &debit(), Amount(3_300), None).await, Err(TerminalError::BadMac)));
    match t.send_pending_reversal().await {
        Err(TerminalError::Timeout(_)) => {}
        other => panic!("the stale copy answered the reversal: {other:?}"),
    }
    assert!(t.state().pending_reversal.is_some(), "still kept");
    let next = sale(&mut t, &debit(), 4_400).await;
    assert!(next.reversal_sent, "the kept reversal went first");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert_eq!(network.len(), 1, "the first sale was reversed at the host and the network");
}

fn terminal_config(w: &World, index: usize) -> TerminalConfig {
    TerminalConfig {
        address: w.host.address.to_string(),
        terminal_id: w.terminals[index].0.to_string(),
        merchant_id: MID.into(),
        tmk: w.terminals[index].1.clone(),
        key_mode: kassa_crypto::KeyMode::Tdes,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: Duration::from_secs(5),
        state_path: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_30_or_are_dropped_and_the_connection_keeps_serving() {
    let w = world(Options::default()).await;
    let mut stream = tokio::net::TcpStream::connect(w.host.address).await.unwrap();
    let wait = Duration::from_secs(2);
    let echo = {
        let mut m = kassa_iso8583::Message::new(kassa_iso8583::Mti::new("0820").unwrap());
        m.set(11, "000001").set(41, w.terminals[0].0.to_string()).set(42, MID).set(60, "00000000301");
        frame(&kassa_iso8583::pack(&kassa_iso8583::TERMINAL, &m).unwrap())
    };
    // A 0200 whose bitmap promises field 2 that is not there: 30.
    let truncated = frame(&[0x02, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x19, 0x62]);
    let answer = answer_message(&raw_exchange(&mut stream, &truncated, wait).await.unwrap());
    assert_eq!((answer.mti().as_str(), answer.get_str(39)), ("0210", Some("30")));
    // Too short for a TPDU and header: dropped, no answer; the echo still works.
    let garbage = [0x00, 0x03, 0xDE, 0xAD, 0xBE];
    assert!(raw_exchange(&mut stream, &garbage, Duration::from_millis(300)).await.is_none());
    let answer = answer_message(&raw_exchange(&mut stream, &echo, wait).await.unwrap());
    assert_eq!((answer.mti().as_str(), answer.get_str(39)), ("0830", Some("00")));
    // An unreadable MTI: dropped.
    assert!(raw_exchange(&mut stream, &frame(&[0xFF; 12]), Duration::from_millis(300)).await.is_none());
    let answer = answer_message(&raw_exchange(&mut stream, &echo, wait).await.unwrap());
    assert_eq!(answer.get_str(39), Some("00"));
    // A declared length over 4096: the connection is closed.
    let mut oversized = vec![0x10, 0x01];
    oversized.extend_from_slice(&[0u8; 64]);
    assert!(raw_exchange(&mut stream, &oversized, wait).await.is_none());
    assert!(raw_exchange(&mut stream, &echo, Duration::from_millis(300)).await.is_none());
    assert!(w.host.counters.oversized.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    // Other connections never noticed.
    let mut fresh = tokio::net::TcpStream::connect(w.host.address).await.unwrap();
    assert!(raw_exchange(&mut fresh, &echo, wait).await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settlement_balances_or_uploads() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    sale(&mut t, &debit(), 1_000).await;
    sale(&mut t, &card(VISA, None, kassa_terminal::Entry::Chip), 2_000).await;
    let balanced = t.settle().await.unwrap();
    assert!(balanced.balanced, "{balanced:?}");
    assert_eq!(balanced.terminal_totals.domestic.debit_amount, 1_000);
    assert_eq!(balanced.terminal_totals.foreign.debit_amount, 2_000);
    t.sign_in().await.unwrap();
    sale(&mut t, &debit(), 3_000).await;
    sale(&mut t, &debit(), 4_000).await;
    t.forget_last();
    let unbalanced = t.settle().await.unwrap();
    assert!(!unbalanced.balanced);
    assert_eq!(unbalanced.host_totals.unwrap().domestic.debit_amount, 7_000);
    assert_eq!(unbalanced.uploaded, 1);
}

/// A terminal's reversal of a sale whose money already went back (voided, or
/// refunded) undoes nothing more: the card gets its money back once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_of_a_voided_or_refunded_sale_returns_nothing_twice() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let today = kassa_core::time::Clock::local(&kassa_core::time::SystemClock { offset_minutes: 480 }).mmdd();
    let voided = sale(&mut t, &debit(), 5_500).await;
    let void = t.transact(TxnKind::SaleVoid, &debit(), Amount(5_500), Some(&original_of(&voided, None))).await;
    assert_eq!(void.unwrap().code.as_str(), "00");
    let refunded = sale(&mut t, &debit(), 4_000).await;
    let refund =
        t.transact(TxnKind::Refund, &debit(), Amount(1_000), Some(&original_of(&refunded, Some(&today)))).await;
    assert_eq!(refund.unwrap().code.as_str(), "00");
    for (sold, amount) in [(&voided, 5_500), (&refunded, 4_000)] {
        assert!(reverse_sale(&w, &mut t, sold, amount).await);
    }
    assert!(saf_drained(&w, Duration::from_secs(10)).await);
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    // Paid 5,500 and 4,000; got back 5,500 (the void) and 1,000 (the refund): out 3,000.
    let card = w.sim.simulator.with_issuer(|i| i.card(DEBIT).map(|c| c.available()));
    assert_eq!(card, Some(Amount(10_000_000 - 3_000)));
}

/// A stolen state file names no card: the log keeps masked numbers (the
/// whole one sealed under the master key, for the batch upload), and a kept
/// reversal's card number and expiry are sealed too — yet the reversal is
/// sent whole, and signing off settles the open batch first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_file_names_no_card_and_sign_off_settles_first() {
    let w = world(Options::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("terminal.json");
    let config = TerminalConfig { state_path: Some(state.clone()), ..terminal_config(&w, 0) };
    let mut t = ScriptedTerminal::new(config.clone()).unwrap();
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 1_000).await.code.as_str(), "00");
    assert_eq!(sale(&mut t, &credit(), 2_000).await.code.as_str(), "00");
    assert_eq!(t.card_number(&t.state().log[1]).as_deref(), Some(CREDIT), "sealed, not lost");
    drop(t);
    // A host that never answers: the chip sale's reversal is kept, with field 2 and 14.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let quiet = TerminalConfig {
        address: silent.local_addr().unwrap().to_string(),
        timeout: Duration::from_millis(300),
        ..config.clone()
    };
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let mut lost = ScriptedTerminal::new(quiet).unwrap();
    assert!(lost.transact(TxnKind::Sale, &credit(), Amount(3_000), None).await.is_err());
    assert!(lost.state().pending_reversal.as_ref().is_some_and(|r| r.card_sealed.is_some()));
    drop(lost);
    let text = std::fs::read_to_string(&state).unwrap();
    for pan in [DEBIT, CREDIT] {
        let hex = kassa_crypto::to_hex(pan.as_bytes());
        assert!(!text.contains(pan) && !text.to_uppercase().contains(&hex), "{pan} in the state file:\n{text}");
    }
    assert!(!text.contains("3012"), "no expiry either");
    // Back on the host: the reversal goes first, whole; sign-off settles the batch.
    let mut t = ScriptedTerminal::new(config).unwrap();
    assert!(t.send_pending_reversal().await.unwrap());
    let batch = t.state().batch;
    let off = t.sign_off().await.unwrap();
    let settled = off.settled.expect("the open batch was settled before the sign-off");
    assert!(settled.code.is_approved() && settled.balanced, "{settled:?}");
    assert_eq!(settled.terminal_totals.domestic.debit_amount, 3_000);
    assert!(off.code.is_approved());
    let (terminal, _) = w.host.store.terminal(w.terminals[0].0.clone()).await.unwrap().unwrap();
    assert!(!terminal.batch_open && terminal.batch.0 == batch);
    let (network, host) = w.agreement().await;
    assert_eq!(network, host, "the lost sale was never charged, or was undone");
}
