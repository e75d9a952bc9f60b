//! The store's behaviour, written once over the `Store` trait and run against
//! each implementation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_core::{Amount, Batch, Currency, MerchantId, TerminalId, Trace, TxnKind};
use kassa_crypto::{KeyAlgorithm, KeyMode, KeyUsage, SecurityModule, SoftwareSecurityModule};
use kassa_store::sqlite::SqliteStore;
use kassa_store::*;

fn mid() -> MerchantId {
    MerchantId::parse("898310048990001").unwrap()
}

fn tid() -> TerminalId {
    TerminalId::parse("10000001").unwrap()
}

async fn provision<S: Store>(store: &S) {
    let hsm = SoftwareSecurityModule::new(&[3; 32]);
    let merchant = Merchant {
        id: mid(),
        name: "Demo".into(),
        mcc: "5411".into(),
        status: MerchantStatus::Active,
        mail_order: false,
        single_limit: Amount(5_000_000),
        daily_limit: Amount(50_000_000),
        location: None,
        profile_changes: Vec::new(),
        tier: "standard".into(),
    };
    store.put_merchant(merchant, 0).await.unwrap();
    let terminal = Terminal {
        id: tid(),
        merchant: mid(),
        serial: "SN0001".into(),
        status: TerminalStatus::Active,
        tmk: hsm.generate_key(KeyUsage::Master, KeyAlgorithm::Tdes2).unwrap(),
        pad_nibble: 0,
        session: None,
        batch: Batch(0),
        batch_open: false,
        mobile_reader: true,
    };
    store.put_terminal(terminal).await.unwrap();
}

fn session() -> Session {
    let hsm = SoftwareSecurityModule::new(&[3; 32]);
    Session {
        mode: KeyMode::Tdes,
        pin_key: hsm.generate_key(KeyUsage::Pin, KeyAlgorithm::Tdes2).unwrap(),
        mac_key: hsm.generate_key(KeyUsage::Mac, KeyAlgorithm::Des).unwrap(),
        track_key: None,
        key_version: 0,
    }
}

fn key(batch: u32, trace: u32) -> TxnKey {
    TxnKey { merchant: mid(), terminal: tid(), batch: Batch(batch), trace: Trace(trace) }
}

fn new_txn(batch: u32, trace: u32, kind: TxnKind, amount: u64) -> NewTxn {
    NewTxn {
        key: key(batch, trace),
        kind,
        amount: Amount(amount),
        currency: Currency::CNY,
        pan_masked: Some("622202*********0128".into()),
        pan_hash: Some([7; 32]),
        pan_sealed: Some(vec![1, 2, 3]),
        request_digest: [9; 32],
        original_id: None,
        local_date: "1122".into(),
        local_time: "101010".into(),
        business_date: "20261122".into(),
        entry_mode: "051".into(),
        operator: "01 ".into(),
        location: None,
        link_transmitted: "1122101010".into(),
        now_ms: 1,
    }
}

fn approved(rrn: &str) -> Outcome {
    Outcome {
        state: TxnState::Approved,
        response_code: "00".into(),
        auth_code: Some("123456".into()),
        rrn: Some(rrn.into()),
        card_org: Some("CUP".into()),
    }
}

async fn started<S: Store>(store: &S, txn: NewTxn) -> TxnRecord {
    match store.begin(txn).await.unwrap() {
        Begin::Started(record) => record,
        Begin::Existing(record) => panic!("expected a new transaction, got {record:?}"),
    }
}

async fn sign_in_opens_and_settlement_closes_batches<S: Store>(store: S) {
    provision(&store).await;
    let (terminal, merchant) = store.terminal(tid()).await.unwrap().unwrap();
    assert_eq!(merchant.mcc, "5411");
    assert!(terminal.session.is_none() && !terminal.batch_open);
    assert!(terminal.mobile_reader, "the kind of terminal is kept");
    assert_eq!(store.sign_in(tid(), session()).await.unwrap(), Batch(1));
    assert_eq!(store.sign_in(tid(), session()).await.unwrap(), Batch(1), "sign-in does not open a new batch");
    let (terminal, _) = store.terminal(tid()).await.unwrap().unwrap();
    assert_eq!(terminal.session.unwrap().key_version, 2);
    store.settle(tid(), Batch(1), "0".repeat(62), "0".repeat(62), true, 5).await.unwrap();
    assert_eq!(store.sign_in(tid(), session()).await.unwrap(), Batch(2));
    store.sign_off(tid()).await.unwrap();
    let (terminal, _) = store.terminal(tid()).await.unwrap().unwrap();
    assert!(terminal.session.is_none());
    assert_eq!(store.sign_in(tid(), session()).await.unwrap(), Batch(3));
    assert!(store.terminal(TerminalId::parse("99999999").unwrap()).await.unwrap().is_none());
}

async fn a_key_is_taken_once<S: Store>(store: S) {
    provision(&store).await;
    let first = started(&store, new_txn(1, 1, TxnKind::Sale, 100)).await;
    assert_eq!(first.state, TxnState::InFlight);
    assert_eq!(first.link_stan, link_stan_of(first.id));
    match store.begin(new_txn(1, 1, TxnKind::Sale, 100)).await.unwrap() {
        Begin::Existing(existing) => assert_eq!(existing.id, first.id),
        Begin::Started(_) => panic!("duplicate key accepted"),
    }
    store.finish(first.id, approved("000000000001"), OriginalEffect::None, 2).await.unwrap();
    let stored = store.find(key(1, 1)).await.unwrap().unwrap();
    assert_eq!((stored.state, stored.rrn.as_deref()), (TxnState::Approved, Some("000000000001")));
    assert_eq!(store.find_by_rrn(mid(), "000000000001".into()).await.unwrap().unwrap().id, first.id);
    // A second answer for the same transaction changes nothing.
    let declined = Outcome { state: TxnState::Declined, response_code: "05".into(), ..approved("x") };
    store.finish(first.id, declined, OriginalEffect::None, 3).await.unwrap();
    assert_eq!(store.find(key(1, 1)).await.unwrap().unwrap().state, TxnState::Approved);
}

async fn voids_refunds_and_their_reversals_move_the_original<S: Store>(store: S) {
    provision(&store).await;
    let sale = started(&store, new_txn(1, 1, TxnKind::Sale, 10_000)).await;
    store.finish(sale.id, approved("1"), OriginalEffect::None, 2).await.unwrap();
    let mut refund = new_txn(1, 2, TxnKind::Refund, 4_000);
    refund.original_id = Some(sale.id);
    let refund = started(&store, refund).await;
    let effect = OriginalEffect::Refund { original_id: sale.id, amount: Amount(4_000) };
    store.finish(refund.id, approved("2"), effect, 3).await.unwrap();
    assert_eq!(store.find_by_id(sale.id).await.unwrap().unwrap().refunded, Amount(4_000));
    assert_eq!(store.children(sale.id).await.unwrap().len(), 1);
    let reversal = ReversalRequest {
        key: key(1, 2),
        kind: TxnKind::Refund,
        amount: Amount(4_000),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 4,
    };
    assert_eq!(store.reverse(reversal.clone()).await.unwrap(), ReversalOutcome::Reversed);
    assert_eq!(store.reverse(reversal).await.unwrap(), ReversalOutcome::AlreadyReversed);
    assert_eq!(store.find_by_id(sale.id).await.unwrap().unwrap().refunded, Amount(0));
    let mut void = new_txn(1, 3, TxnKind::SaleVoid, 10_000);
    void.original_id = Some(sale.id);
    let void = started(&store, void).await;
    store.finish(void.id, approved("3"), OriginalEffect::Void { original_id: sale.id }, 5).await.unwrap();
    assert_eq!(store.find_by_id(sale.id).await.unwrap().unwrap().state, TxnState::Voided);
    let undo_void = ReversalRequest {
        key: key(1, 3),
        kind: TxnKind::SaleVoid,
        amount: Amount(10_000),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 6,
    };
    assert_eq!(store.reverse(undo_void).await.unwrap(), ReversalOutcome::Reversed);
    assert_eq!(store.find_by_id(sale.id).await.unwrap().unwrap().state, TxnState::Approved);
    // Two reversals owed to the network.
    assert_eq!(store.saf_depth().await.unwrap(), 2);
}

async fn reversals_of_unknown_originals_keep_the_key<S: Store>(store: S) {
    provision(&store).await;
    let reversal = ReversalRequest {
        key: key(1, 9),
        kind: TxnKind::Sale,
        amount: Amount(500),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 1,
    };
    assert_eq!(store.reverse(reversal.clone()).await.unwrap(), ReversalOutcome::OriginalNotFound);
    assert_eq!(store.reverse(reversal).await.unwrap(), ReversalOutcome::AlreadyReversed);
    match store.begin(new_txn(1, 9, TxnKind::Sale, 500)).await.unwrap() {
        Begin::Existing(existing) => assert_eq!(existing.state, TxnState::ReversalOnly),
        Begin::Started(_) => panic!("a late original must find its reversal"),
    }
    assert_eq!(store.saf_depth().await.unwrap(), 0, "nothing reached the network");
    let sale = started(&store, new_txn(1, 10, TxnKind::Sale, 700)).await;
    store.finish(sale.id, approved("1"), OriginalEffect::None, 2).await.unwrap();
    let wrong_amount = ReversalRequest {
        key: key(1, 10),
        kind: TxnKind::Sale,
        amount: Amount(701),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 3,
    };
    assert_eq!(store.reverse(wrong_amount).await.unwrap(), ReversalOutcome::AmountMismatch);
}

async fn in_flight_work_is_reversed_through_the_queue<S: Store>(store: S) {
    provision(&store).await;
    let timed_out = started(&store, new_txn(1, 1, TxnKind::Sale, 100)).await;
    store.abandon(timed_out.id, "98", 10).await.unwrap();
    let crashed = started(&store, new_txn(1, 2, TxnKind::Sale, 200)).await;
    assert_eq!(store.recover_in_flight(i64::MAX, 20).await.unwrap(), 1);
    assert_eq!(store.find_by_id(crashed.id).await.unwrap().unwrap().state, TxnState::Reversed);
    // The late answer to an abandoned request changes nothing, and says so.
    assert!(matches!(
        store.finish(timed_out.id, approved("9"), OriginalEffect::None, 30).await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(store.find_by_id(timed_out.id).await.unwrap().unwrap().state, TxnState::Reversed);
    let due = store.saf_due(15, 10).await.unwrap();
    assert_eq!(due.len(), 1, "the crash reversal is not due before it was queued");
    assert_eq!((due[0].txn.id, due[0].reason.as_str()), (timed_out.id, "98"));
    store.saf_retry(due[0].id, 100).await.unwrap();
    assert_eq!(store.saf_due(50, 10).await.unwrap().len(), 1);
    let due = store.saf_due(200, 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(due.iter().find(|d| d.txn.id == timed_out.id).unwrap().attempts, 1);
    for item in &due {
        store.saf_done(item.id, 300).await.unwrap();
    }
    assert_eq!(store.saf_depth().await.unwrap(), 0);
    assert!(store.standing().await.unwrap().is_empty());
}

async fn batch_totals_split_domestic_and_foreign<S: Store>(store: S) {
    provision(&store).await;
    for (trace, kind, amount, org) in [
        (1, TxnKind::Sale, 10_000, "CUP"),
        (2, TxnKind::Sale, 5_000, "VIS"),
        (3, TxnKind::Refund, 1_000, "CUP"),
        (4, TxnKind::Sale, 999, "CUP"),
    ] {
        let txn = started(&store, new_txn(1, trace, kind, amount)).await;
        let outcome = Outcome { card_org: Some(org.into()), ..approved(&trace.to_string()) };
        store.finish(txn.id, outcome, OriginalEffect::None, 2).await.unwrap();
    }
    let reversal = ReversalRequest {
        key: key(1, 4),
        kind: TxnKind::Sale,
        amount: Amount(999),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 3,
    };
    store.reverse(reversal).await.unwrap();
    let totals = store.batch_totals(tid(), Batch(1)).await.unwrap();
    assert_eq!((totals.domestic.debit_amount, totals.domestic.debit_count), (10_000, 1));
    assert_eq!((totals.domestic.credit_amount, totals.domestic.credit_count), (1_000, 1));
    assert_eq!((totals.foreign.debit_amount, totals.foreign.debit_count), (5_000, 1));
    assert_eq!(store.daily_total(mid(), "20261122".into()).await.unwrap(), Amount(15_000));
    assert!(store.record_upload(tid(), Batch(1), Trace(1), Amount(10_000), 4).await.unwrap());
    assert!(!store.record_upload(tid(), Batch(1), Trace(4), Amount(999), 4).await.unwrap());
    assert_eq!(store.standing().await.unwrap().len(), 3);
}

/// After every test: the ledger sums to zero and matches the transaction records.
async fn ledger_adds_up<S: Store>(store: &S) {
    let audit = store.ledger_audit().await.unwrap();
    audit.check().unwrap_or_else(|e| panic!("{e}"));
}

async fn pre_auths_hold_and_completions_post_on_the_ledger<S: Store>(store: S) {
    provision(&store).await;
    let pending = |store: S| async move { store.ledger_audit().await.unwrap().debits_pending };
    let preauth = started(&store, new_txn(1, 1, TxnKind::PreAuth, 10_000)).await;
    store.finish(preauth.id, approved("1"), OriginalEffect::None, 2).await.unwrap();
    assert_eq!(pending(store.clone()).await, 10_000, "a pre-auth is a hold");
    let mut completion = new_txn(1, 2, TxnKind::Completion, 11_500);
    completion.original_id = Some(preauth.id);
    let completion = started(&store, completion).await;
    store.finish(completion.id, approved("2"), OriginalEffect::Complete { original_id: preauth.id }, 3).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0, "the completion posts the hold");
    let audit = store.ledger_audit().await.unwrap();
    assert_eq!(audit.merchants[0].1, 11_500, "the hold and the 15% above it reach the merchant");
    let other = started(&store, new_txn(1, 3, TxnKind::PreAuth, 5_000)).await;
    store.finish(other.id, approved("3"), OriginalEffect::None, 4).await.unwrap();
    let mut void = new_txn(1, 4, TxnKind::PreAuthVoid, 5_000);
    void.original_id = Some(other.id);
    let void = started(&store, void).await;
    store.finish(void.id, approved("4"), OriginalEffect::Void { original_id: other.id }, 5).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0, "a pre-auth void releases the hold");
    // The void reversed (its answer never reached the terminal): the pre-auth is on
    // hold again, and a completion posts the restored hold.
    let void_reversal = ReversalRequest {
        key: key(1, 4),
        kind: TxnKind::PreAuthVoid,
        amount: Amount(5_000),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 5,
    };
    store.reverse(void_reversal.clone()).await.unwrap();
    assert_eq!(pending(store.clone()).await, 5_000, "a reversed void puts the hold back");
    store.reverse(void_reversal).await.unwrap();
    assert_eq!(pending(store.clone()).await, 5_000, "once");
    let mut late = new_txn(1, 7, TxnKind::Completion, 5_000);
    late.original_id = Some(other.id);
    let late = started(&store, late).await;
    store.finish(late.id, approved("7"), OriginalEffect::Complete { original_id: other.id }, 6).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0, "the completion posts the restored hold");
    let third = started(&store, new_txn(1, 5, TxnKind::PreAuth, 7_000)).await;
    store.finish(third.id, approved("5"), OriginalEffect::None, 6).await.unwrap();
    let reversal = ReversalRequest {
        key: key(1, 5),
        kind: TxnKind::PreAuth,
        amount: Amount(7_000),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms: 7,
    };
    store.reverse(reversal).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0, "a reversed pre-auth releases its hold");
    // An uncompleted pre-auth expires and releases its hold.
    let lapsing = started(&store, new_txn(1, 6, TxnKind::PreAuth, 4_000)).await;
    store.finish(lapsing.id, approved("6"), OriginalEffect::None, 10).await.unwrap();
    assert_eq!(store.ledger_expire(10 + kassa_store::ledger::HOLD_LIFETIME_MS - 1).await.unwrap(), 0);
    assert_eq!(pending(store.clone()).await, 4_000);
    assert_eq!(store.ledger_expire(10 + kassa_store::ledger::HOLD_LIFETIME_MS).await.unwrap(), 1);
    assert_eq!(pending(store.clone()).await, 0);
    assert_eq!(store.ledger_expire(i64::MAX).await.unwrap(), 0, "a hold expires once");
}

/// Found by the simulation (seed 9): the network puts a pre-auth back on hold
/// when its completion is reversed, as when its void is, each time; and
/// after a completion and its void nothing is left on hold, so a late
/// pre-auth void has nothing to release (it was refused by the ledger).
async fn a_pre_auth_is_on_hold_again_each_time_its_void_or_completion_is_reversed<S: Store>(store: S) {
    provision(&store).await;
    let pending = |store: S| async move { store.ledger_audit().await.unwrap().debits_pending };
    let reverse = |trace: u32, kind: TxnKind, amount: u64, now_ms: i64| ReversalRequest {
        key: key(1, trace),
        kind,
        amount: Amount(amount),
        currency: Currency::CNY,
        reason: "98".into(),
        business_date: "20261122".into(),
        now_ms,
    };
    let preauth = started(&store, new_txn(1, 1, TxnKind::PreAuth, 10_000)).await;
    store.finish(preauth.id, approved("1"), OriginalEffect::None, 1).await.unwrap();
    let following = |trace: u32, kind: TxnKind, amount: u64| {
        let mut txn = new_txn(1, trace, kind, amount);
        txn.original_id = Some(preauth.id);
        txn
    };
    let completion = started(&store, following(2, TxnKind::Completion, 8_000)).await;
    let complete = OriginalEffect::Complete { original_id: preauth.id };
    store.finish(completion.id, approved("2"), complete, 2).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0, "the completion posts the hold");
    store.reverse(reverse(2, TxnKind::Completion, 8_000, 3)).await.unwrap();
    assert_eq!(pending(store.clone()).await, 10_000, "a reversed completion puts the hold back");
    store.reverse(reverse(2, TxnKind::Completion, 8_000, 3)).await.unwrap();
    assert_eq!(pending(store.clone()).await, 10_000, "once");
    for (trace, now) in [(3, 4), (4, 6)] {
        let void = started(&store, following(trace, TxnKind::PreAuthVoid, 10_000)).await;
        store.finish(void.id, approved("3"), OriginalEffect::Void { original_id: preauth.id }, now).await.unwrap();
        assert_eq!(pending(store.clone()).await, 0, "the void releases the hold placed again");
        store.reverse(reverse(trace, TxnKind::PreAuthVoid, 10_000, now + 1)).await.unwrap();
        assert_eq!(pending(store.clone()).await, 10_000, "each reversed void puts it back");
    }
    let last = started(&store, following(5, TxnKind::Completion, 10_000)).await;
    store.finish(last.id, approved("5"), complete, 8).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0);
    assert_eq!(store.ledger_audit().await.unwrap().merchants[0].1, 10_000, "one completion stands");
    // Completed, the completion voided, then the pre-auth voided: nothing held, nothing refused.
    let mut void = new_txn(1, 6, TxnKind::CompletionVoid, 10_000);
    void.original_id = Some(last.id);
    let void = started(&store, void).await;
    store.finish(void.id, approved("6"), OriginalEffect::Void { original_id: last.id }, 9).await.unwrap();
    let late = started(&store, following(7, TxnKind::PreAuthVoid, 10_000)).await;
    store.finish(late.id, approved("7"), OriginalEffect::Void { original_id: preauth.id }, 10).await.unwrap();
    assert_eq!(pending(store.clone()).await, 0);
    assert_eq!(store.ledger_audit().await.unwrap().rejected, 0, "nothing refused");
}

/// Found by the simulation (seed 1029): a request reversed while in flight
/// (the host's stale sweep, a terminal's reversal) must not be recorded
/// approved after — the host would answer an approval it no longer stands
/// behind. Any other second answer changes nothing.
async fn an_outcome_is_not_recorded_over_a_reversal<S: Store>(store: S) {
    provision(&store).await;
    let txn = started(&store, new_txn(1, 1, TxnKind::Sale, 4_000)).await;
    store.abandon(txn.id, "96", 2).await.unwrap();
    match store.finish(txn.id, approved("1"), OriginalEffect::None, 3).await {
        Err(StoreError::Refused(why)) => assert!(why.contains("no longer in flight"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.find(key(1, 1)).await.unwrap().unwrap().state, TxnState::Reversed);
    let other = started(&store, new_txn(1, 2, TxnKind::Sale, 4_000)).await;
    store.finish(other.id, approved("2"), OriginalEffect::None, 4).await.unwrap();
    store.finish(other.id, approved("2"), OriginalEffect::None, 4).await.unwrap();
    assert_eq!(store.standing().await.unwrap().len(), 1);
}

fn sqlite(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("kassa.db")).unwrap()
}

macro_rules! sqlite_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = super::sqlite(&dir);
                    super::$name(store.clone()).await;
                    super::ledger_adds_up(&store).await;
                }
            )*
        }
    };
}

sqlite_tests!(
    sign_in_opens_and_settlement_closes_batches,
    pre_auths_hold_and_completions_post_on_the_ledger,
    a_pre_auth_is_on_hold_again_each_time_its_void_or_completion_is_reversed,
    an_outcome_is_not_recorded_over_a_reversal,
    a_key_is_taken_once,
    voids_refunds_and_their_reversals_move_the_original,
    reversals_of_unknown_originals_keep_the_key,
    in_flight_work_is_reversed_through_the_queue,
    batch_totals_split_domestic_and_foreign,
);

/// A fresh PostgreSQL database, or `None` (with a note) when no server is
/// configured outside CI. `scripts/test` always configures one.
async fn postgres() -> Option<kassa_store::postgres::PostgresStore> {
    let Ok(admin) = std::env::var("KASSA_TEST_POSTGRES") else {
        assert!(std::env::var_os("CI").is_none(), "KASSA_TEST_POSTGRES must be set in CI (scripts/test sets it)");
        eprintln!("PostgreSQL tests skipped: KASSA_TEST_POSTGRES is not set (scripts/test sets it)");
        return None;
    };
    let url = kassa_store::postgres::create_database(&admin, "kassa_t").await.unwrap();
    Some(kassa_store::postgres::PostgresStore::open(&url).await.unwrap())
}

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = super::postgres().await {
                        super::$name(store.clone()).await;
                        super::ledger_adds_up(&store).await;
                    }
                }
            )*
        }
    };
}

postgres_tests!(
    sign_in_opens_and_settlement_closes_batches,
    pre_auths_hold_and_completions_post_on_the_ledger,
    a_pre_auth_is_on_hold_again_each_time_its_void_or_completion_is_reversed,
    an_outcome_is_not_recorded_over_a_reversal,
    a_key_is_taken_once,
    voids_refunds_and_their_reversals_move_the_original,
    reversals_of_unknown_originals_keep_the_key,
    in_flight_work_is_reversed_through_the_queue,
    batch_totals_split_domestic_and_foreign,
);

#[tokio::test]
async fn sqlite_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = sqlite(&dir);
        provision(&store).await;
        let txn = started(&store, new_txn(1, 1, TxnKind::Sale, 100)).await;
        store.finish(txn.id, approved("1"), OriginalEffect::None, 2).await.unwrap();
    }
    let store = sqlite(&dir);
    assert_eq!(store.find(key(1, 1)).await.unwrap().unwrap().state, TxnState::Approved);
}

/// The SQLite store keeps terminals in memory: its own writes show at once,
/// another process's within the cache's lifetime.
#[tokio::test]
async fn sqlite_cached_terminals_follow_changes() {
    use kassa_store::office::Value;
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    provision(&store).await;
    assert_eq!(store.terminal(tid()).await.unwrap().unwrap().0.status, TerminalStatus::Active);
    let freeze = |store: SqliteStore, status: &'static str| async move {
        store
            .office_write(move |sql| {
                sql.exec(
                    "UPDATE terminals SET status = ?1 WHERE id = ?2",
                    &[Value::Text(status.into()), Value::Text(tid().to_string())],
                )
            })
            .await
            .unwrap()
    };
    freeze(store.clone(), "blocked").await;
    assert_eq!(store.terminal(tid()).await.unwrap().unwrap().0.status, TerminalStatus::Blocked, "own write");
    store.sign_in(tid(), session()).await.unwrap();
    assert!(store.terminal(tid()).await.unwrap().unwrap().0.session.is_some(), "own sign-in");

    let other = sqlite(&dir);
    freeze(other, "active").await;
    tokio::time::sleep(kassa_store::sqlite::TERMINAL_CACHE_TTL + std::time::Duration::from_millis(100)).await;
    assert_eq!(store.terminal(tid()).await.unwrap().unwrap().0.status, TerminalStatus::Active, "another's write");
}
