//! The issuer's rules, one by one.

use kassa_core::{CardNumber, Currency};

use super::*;
use crate::cards::test_cards;

/// The test's PIN blocks are the PIN's digits in clear: the issuer logic is
/// under test here, not the PIN cryptography.
struct PlainPins;

impl PinVerifier for PlainPins {
    fn verify(&self, block: &[u8; 8], _pan: &str, pin: &str) -> bool {
        block.starts_with(pin.as_bytes())
    }
}

fn today() -> Today {
    Today { yymm: "2611".into(), mmdd: "1122".into() }
}

fn pin(digits: &str) -> Option<[u8; 8]> {
    let mut block = [0xFFu8; 8];
    block[..digits.len()].copy_from_slice(digits.as_bytes());
    Some(block)
}

struct Bench {
    issuer: Issuer,
    stan: u32,
}

impl Bench {
    fn new() -> Bench {
        Bench { issuer: Issuer::new(test_cards()), stan: 0 }
    }

    fn request(&mut self, kind: TxnKind, pan: &str, amount: u64, pin_digits: Option<&str>) -> LinkRequest {
        self.stan += 1;
        let card = self.issuer.card(pan).cloned();
        LinkRequest {
            kind: LinkKind::Financial(kind),
            stan: self.stan,
            transmitted: "1122101010".into(),
            pan: CardNumber::parse(pan),
            amount: Some(Amount(amount)),
            currency: Currency::CNY,
            expiry: card.map(|c| c.expiry),
            entry_mode: "051".into(),
            card_sequence: None,
            pin_block: pin_digits.and_then(pin),
            track2: None,
            track3: None,
            emv: None,
            mcc: "5411".into(),
            terminal: "10000001".into(),
            merchant: "898310048990001".into(),
            merchant_name: "Demo".into(),
            acquirer: "49980000".into(),
            local_time: "101010".into(),
            local_date: "1122".into(),
            original: None,
            rrn: None,
        }
    }

    fn send(&mut self, request: &LinkRequest) -> LinkResponse {
        self.issuer.handle(request, &today(), &PlainPins)
    }

    fn refer(&mut self, kind: TxnKind, original: &LinkRequest, amount: u64) -> (LinkRequest, LinkResponse) {
        let pan = original.pan.as_ref().map(|p| p.expose().to_string()).unwrap_or_default();
        let mut request = self.request(kind, &pan, amount, None);
        request.original = Some(OriginalRef {
            mti: original.mti().to_string(),
            stan: original.stan,
            transmitted: original.transmitted.clone(),
        });
        let response = self.send(&request);
        (request, response)
    }

    fn reverse(&mut self, original: &LinkRequest) -> LinkResponse {
        let mut request = original.clone();
        if let LinkKind::Financial(kind) = original.kind {
            request.kind = LinkKind::Reversal(kind);
        }
        request.original = Some(OriginalRef {
            mti: original.mti().to_string(),
            stan: original.stan,
            transmitted: original.transmitted.clone(),
        });
        self.stan += 1;
        request.stan = self.stan;
        self.send(&request)
    }

    fn available(&self, pan: &str) -> u64 {
        self.issuer.card(pan).map(|c| c.available().minor_units()).unwrap_or(0)
    }
}

const DEBIT: &str = "6222021234567890128";
const CREDIT: &str = "6225881234567890120";
const POOR: &str = "6222021234500000017";
const EXPIRED: &str = "6222021234500000025";
const LOST: &str = "6222021234500000033";
const STOLEN: &str = "6222021234500000041";

#[test]
fn a_copy_of_a_request_the_network_failed_gets_the_same_failure() {
    let mut bench = Bench::new();
    let before = bench.available(DEBIT);
    let sale = bench.request(TxnKind::Sale, DEBIT, 5_000, Some("123456"));
    let failed = bench.issuer.fail(&sale, &today(), ResponseCode::SystemMalfunction);
    assert_eq!(failed.code.as_str(), "96");
    assert_eq!(bench.send(&sale).code.as_str(), "96", "the copy is not approved");
    assert_eq!(bench.available(DEBIT), before, "never charged");
    assert!(bench.issuer.standing().is_empty());
    // A request already answered keeps its answer.
    let other = bench.request(TxnKind::Sale, DEBIT, 5_000, Some("123456"));
    assert_eq!(bench.send(&other).code.as_str(), "00");
    assert_eq!(bench.issuer.fail(&other, &today(), ResponseCode::SystemMalfunction).code.as_str(), "00");
}

#[test]
fn every_decline_reason_has_a_card() {
    let mut bench = Bench::new();
    let cases = [
        (Sale(DEBIT, 100, Some("123456")), "00"),
        (Sale("6222021234599999999", 100, Some("123456")), "14"),
        (Sale(LOST, 100, Some("333333")), "41"),
        (Sale(STOLEN, 100, Some("444444")), "43"),
        (Sale(POOR, 100_000, Some("111111")), "51"),
        (Sale(EXPIRED, 100, Some("222222")), "54"),
        (Sale(DEBIT, 100, Some("000000")), "55"),
        (Sale(DEBIT, 100, None), "55"),
        (Sale(CREDIT, 100, None), "00"),
    ];
    struct Sale(&'static str, u64, Option<&'static str>);
    for (Sale(pan, amount, pin), code) in cases {
        let request = bench.request(TxnKind::Sale, pan, amount, pin);
        assert_eq!(bench.send(&request).code.as_str(), code, "{pan} {amount}");
    }
}

#[test]
fn three_wrong_pins_block_the_card() {
    let mut bench = Bench::new();
    let codes: Vec<String> = ["1", "2", "3", "123456"]
        .iter()
        .map(|p| {
            let request = bench.request(TxnKind::Sale, DEBIT, 100, Some(p));
            bench.send(&request).code.as_str().to_string()
        })
        .collect();
    assert_eq!(codes, ["55", "55", "75", "75"]);
}

#[test]
fn a_void_restores_the_funds_and_cannot_repeat() {
    let mut bench = Bench::new();
    let before = bench.available(DEBIT);
    let sale = bench.request(TxnKind::Sale, DEBIT, 9_900, Some("123456"));
    assert!(bench.send(&sale).code.is_approved());
    assert_eq!(bench.available(DEBIT), before - 9_900);
    assert_eq!(bench.refer(TxnKind::SaleVoid, &sale, 9_800).1.code.as_str(), "64");
    assert_eq!(bench.refer(TxnKind::SaleVoid, &sale, 9_900).1.code.as_str(), "00");
    assert_eq!(bench.available(DEBIT), before);
    assert_eq!(bench.refer(TxnKind::SaleVoid, &sale, 9_900).1.code.as_str(), "25");
}

#[test]
fn refunds_add_up_to_at_most_the_sale() {
    let mut bench = Bench::new();
    let sale = bench.request(TxnKind::Sale, CREDIT, 10_000, None);
    bench.send(&sale);
    assert_eq!(bench.refer(TxnKind::Refund, &sale, 6_000).1.code.as_str(), "00");
    assert_eq!(bench.refer(TxnKind::Refund, &sale, 4_001).1.code.as_str(), "61");
    let (refund, response) = bench.refer(TxnKind::Refund, &sale, 4_000);
    assert_eq!(response.code.as_str(), "00");
    // Reversing a refund makes room again.
    assert_eq!(bench.reverse(&refund).code.as_str(), "00");
    assert_eq!(bench.refer(TxnKind::Refund, &sale, 4_000).1.code.as_str(), "00");
}

#[test]
fn pre_auth_holds_and_completes_up_to_115_percent() {
    let mut bench = Bench::new();
    let before = bench.available(CREDIT);
    let hold = bench.request(TxnKind::PreAuth, CREDIT, 10_000, None);
    assert!(bench.send(&hold).code.is_approved());
    assert_eq!(bench.available(CREDIT), before - 10_000);
    assert_eq!(bench.refer(TxnKind::Completion, &hold, 11_501).1.code.as_str(), "64");
    let (completion, response) = bench.refer(TxnKind::Completion, &hold, 11_500);
    assert_eq!(response.code.as_str(), "00");
    assert_eq!(bench.available(CREDIT), before - 11_500);
    assert_eq!(bench.refer(TxnKind::CompletionVoid, &completion, 11_500).1.code.as_str(), "00");
    assert_eq!(bench.available(CREDIT), before);
    let other = bench.request(TxnKind::PreAuth, CREDIT, 5_000, None);
    bench.send(&other);
    assert_eq!(bench.refer(TxnKind::PreAuthVoid, &other, 4_000).1.code.as_str(), "64");
    assert_eq!(bench.refer(TxnKind::PreAuthVoid, &other, 5_000).1.code.as_str(), "00");
    assert_eq!(bench.available(CREDIT), before);
}

#[test]
fn reversals_undo_once_and_remember_unknown_originals() {
    let mut bench = Bench::new();
    let before = bench.available(DEBIT);
    let sale = bench.request(TxnKind::Sale, DEBIT, 500, Some("123456"));
    bench.send(&sale);
    assert_eq!(bench.reverse(&sale).code.as_str(), "00");
    assert_eq!(bench.reverse(&sale).code.as_str(), "00");
    assert_eq!(bench.available(DEBIT), before);
    assert!(bench.issuer.standing().is_empty());
    // A reversal ahead of its original: the late original is refused.
    let late = bench.request(TxnKind::Sale, DEBIT, 700, Some("123456"));
    assert_eq!(bench.reverse(&late).code.as_str(), "00");
    assert_eq!(bench.send(&late).code.as_str(), "94");
    assert_eq!(bench.available(DEBIT), before);
}

#[test]
fn a_repeated_request_gets_the_same_answer_and_moves_nothing() {
    let mut bench = Bench::new();
    let sale = bench.request(TxnKind::Sale, DEBIT, 500, Some("123456"));
    let first = bench.send(&sale);
    let after = bench.available(DEBIT);
    assert_eq!(bench.send(&sale), first);
    assert_eq!(bench.available(DEBIT), after);
}

#[test]
fn balance_inquiry_needs_a_pin_and_reports_balances() {
    let mut bench = Bench::new();
    let without = bench.request(TxnKind::BalanceInquiry, CREDIT, 0, None);
    assert_eq!(bench.send(&without).code.as_str(), "55");
    let with = bench.request(TxnKind::BalanceInquiry, DEBIT, 0, Some("123456"));
    let response = bench.send(&with);
    assert_eq!(response.balances.as_deref(), Some("1001156C0000100000001002156C000010000000"));
}

#[test]
fn clearing_lists_what_stands() {
    let mut bench = Bench::new();
    let kept = bench.request(TxnKind::Sale, DEBIT, 100, Some("123456"));
    bench.send(&kept);
    let voided = bench.request(TxnKind::Sale, DEBIT, 200, Some("123456"));
    bench.send(&voided);
    bench.refer(TxnKind::SaleVoid, &voided, 200);
    let reversed = bench.request(TxnKind::Sale, DEBIT, 300, Some("123456"));
    bench.send(&reversed);
    bench.reverse(&reversed);
    let records = bench.issuer.clearing("1122");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].amount, 100);
    assert_eq!(records[0].masked_pan, "622202*********0128");
    assert!(clearing_csv(&records).lines().count() == 2);
}
