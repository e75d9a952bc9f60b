//! The flow, driven by keys, and the screens as an 80×24 terminal shows them.

use kassa_core::{Amount, ResponseCode, TxnKind};
use kassa_terminal::{Card, Entry, LogEntry, TxnAnswer};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::slip::BatchSummary;
use kassa_core::services::Service;
use kassa_terminal::till::BasketSent;

fn header() -> Header {
    Header {
        merchant_name: "Kassa Demo Store".into(),
        merchant_id: "898310048990001".into(),
        terminal_id: "20000001".into(),
    }
}

fn cards() -> Vec<(String, Card)> {
    vec![
        (
            "6222021234567890128 debit (PIN)".into(),
            Card {
                pan: "6222021234567890128".into(),
                expiry: "3012".into(),
                track2: None,
                pin: Some("123456".into()),
                entry: Entry::Swipe,
            },
        ),
        (
            "6225881234567890120 credit (no PIN)".into(),
            Card {
                pan: "6225881234567890120".into(),
                expiry: "3012".into(),
                track2: None,
                pin: None,
                entry: Entry::Swipe,
            },
        ),
    ]
}

fn keys(app: &mut App, text: &str) -> Option<Effect> {
    let mut effect = None;
    for c in text.chars() {
        let key = match c {
            '\n' => Key::Enter,
            '\u{8}' => Key::Backspace,
            c => Key::Char(c),
        };
        if let Some(e) = app.key(key) {
            effect = Some(e);
        }
    }
    effect
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap_or_else(|e| panic!("{e}"));
    terminal.draw(|f| crate::view::draw(f, app)).unwrap_or_else(|e| panic!("{e}"));
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            // A wide character takes two cells; the second is not text.
            x += u16::try_from(unicode_width::UnicodeWidthStr::width(symbol).max(1)).unwrap_or(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn logged(kind: &str, trace: u32, amount: u64) -> LogEntry {
    LogEntry {
        kind: kind.into(),
        trace,
        batch: 1,
        amount,
        masked_pan: "622202*********0128".into(),
        pan_sealed: String::new(),
        rrn: format!("{:012}", 100 + trace),
        auth_code: "123456".into(),
        response_code: "00".into(),
        domestic: true,
        date: "1122".into(),
        time: "101500".into(),
        year: "2026".into(),
        reversed: false,
        entry: "SWIPE".into(),
        operator: "01".into(),
        service: None,
        basket: None,
    }
}

fn approved(trace: u32) -> TxnAnswer {
    TxnAnswer {
        code: ResponseCode::Approved,
        trace,
        batch: 1,
        rrn: format!("{:012}", 100 + trace),
        auth_code: "123456".into(),
        card_organisation: "CUP".into(),
        balances: None,
        reversal_sent: false,
    }
}

fn settle_answer(next_batch: Option<u32>) -> kassa_terminal::SettleAnswer {
    kassa_terminal::SettleAnswer {
        code: ResponseCode::Approved,
        balanced: true,
        terminal_totals: Default::default(),
        host_totals: None,
        uploaded: 0,
        next_batch,
    }
}

/// Signed in, in English (most tests read the English screens).
fn signed_in() -> App {
    let mut app = App::new(Mode::Countertop, header(), cards());
    app.lang = Lang::En;
    assert_eq!(keys(&mut app, "01\n0000\n"), Some(Effect::SignIn));
    assert_eq!(app.signed_in(Ok((1, vec!["A1B2C3".into(), "D4E5F6".into()])), false), None);
    app.batch = 1;
    app
}

#[test]
fn log_in_sign_in_and_the_menu_in_chinese_by_default() {
    let mut app = App::new(Mode::Countertop, header(), cards());
    insta::assert_snapshot!("login", screen(&app));
    assert_eq!(keys(&mut app, "01\n9999\n"), None, "a wrong password");
    assert_eq!(app.error.as_deref(), Some("操作员号或密码错误"));
    keys(&mut app, "01\n0000\n");
    app.signed_in(Ok((1, vec!["A1B2C3".into()])), false);
    let menu = screen(&app);
    assert!(menu.contains("签到成功") && menu.contains("1 消费") && !menu.contains("Sale"), "{menu}");
    // The language setting: 0 on the menu, for every screen after.
    keys(&mut app, "0");
    insta::assert_snapshot!("menu", screen(&app));
    assert!(screen(&app).contains("1 Sale") && !screen(&app).contains("消费"));
}

#[test]
fn a_sale_keyed_in_fen_with_card_pin_and_slips() {
    let mut app = signed_in();
    keys(&mut app, "1990");
    assert!(screen(&app).contains("¥9.90"));
    keys(&mut app, "0");
    insta::assert_snapshot!("amount", screen(&app));
    keys(&mut app, "\n1");
    insta::assert_snapshot!("pick_card", screen(&app));
    keys(&mut app, "1");
    insta::assert_snapshot!("confirm", screen(&app));
    keys(&mut app, "\n1234");
    let pin = screen(&app);
    assert!(pin.contains("PIN: ****") && !pin.contains("1234"), "only asterisks");
    let effect = keys(&mut app, "56\n");
    let Some(Effect::Transact { kind, amount, card, original }) = effect else { panic!("{effect:?}") };
    assert_eq!((kind, amount, card.pin.as_deref(), original), (TxnKind::Sale, Amount(9_900), Some("123456"), None));
    let print = app.answered(TxnKind::Sale, Amount(9_900), Ok(approved(1)), Some(logged("sale", 1, 9_900)));
    let Some(Effect::Print { name, texts }) = print else { panic!("{print:?}") };
    assert_eq!(name, "000001-000001");
    assert!(texts[0].contains("MERCHANT COPY") && texts[1].contains("CUSTOMER COPY"));
    let shown = screen(&app);
    insta::assert_snapshot!("merchant_slip", shown);
    assert!(shown.contains("Approved (00)") && !shown.contains(".txt"), "the outcome in words, no file paths");
    keys(&mut app, "\n");
    assert!(screen(&app).contains("CUSTOMER COPY"));
    keys(&mut app, "\n");
    assert_eq!(app.screen, Screen::Menu);
    assert!(!screen(&app).contains("Approved"), "the menu shows no earlier outcome");
}

#[test]
fn an_approved_sale_says_so_in_chinese() {
    let mut app = signed_in();
    app.lang = Lang::Zh;
    keys(&mut app, "19900\n11\n123456\n");
    app.answered(TxnKind::Sale, Amount(9_900), Ok(approved(1)), Some(logged("sale", 1, 9_900)));
    let shown = screen(&app);
    assert!(shown.contains("交易成功 (00)") && shown.contains("商户存根"), "{shown}");
}

#[test]
fn a_card_without_pin_is_confirmed_without_one() {
    let mut app = signed_in();
    keys(&mut app, "1500\n32");
    assert!(screen(&app).contains("No PIN"));
    let effect = keys(&mut app, "\n");
    assert!(
        matches!(effect, Some(Effect::Transact { ref card, .. }) if card.pin.is_none() && card.entry == Entry::Tap)
    );
}

#[test]
fn a_decline_reads_in_words_and_goes_back_to_the_menu() {
    let mut app = signed_in();
    keys(&mut app, "1500\n11\n123456\n");
    let declined = TxnAnswer { code: ResponseCode::parse("51"), ..approved(2) };
    assert_eq!(app.answered(TxnKind::Sale, Amount(500), Ok(declined), None), None);
    insta::assert_snapshot!("declined", screen(&app));
    keys(&mut app, "\n");
    assert_eq!(app.screen, Screen::Menu, "the operator chooses the transaction again");
    assert!(!screen(&app).contains("Insufficient"), "the decline does not linger");
    let frozen = TxnAnswer { code: ResponseCode::parse("58"), ..approved(3) };
    keys(&mut app, "1500\n11\n123456\n");
    app.answered(TxnKind::Sale, Amount(500), Ok(frozen), None);
    let said = matches!(&app.screen, Screen::Answer { lines } if lines.iter().any(|l| l.contains("merchant portal")));
    assert!(said, "a frozen terminal says where to look: {}", screen(&app));
}

#[test]
fn no_answer_keeps_the_reversal_and_says_so() {
    let mut app = signed_in();
    keys(&mut app, "1500\n11\n123456\n");
    app.answered(TxnKind::Sale, Amount(500), Err("no answer within 15 s".into()), None);
    assert!(screen(&app).contains("reversal is kept"));
    keys(&mut app, "\n1700\n11\n123456\n");
    let sent = TxnAnswer { reversal_sent: true, ..approved(3) };
    app.answered(TxnKind::Sale, Amount(700), Ok(sent), Some(logged("sale", 3, 700)));
    keys(&mut app, "\n\n");
    assert_eq!(app.screen, Screen::Menu);
}

#[test]
fn a_void_needs_the_supervisor_and_takes_the_full_amount() {
    let mut app = signed_in();
    app.sync(1, vec![logged("sale", 7, 12_345)]);
    keys(&mut app, "2000000\n");
    assert!(app.error.is_some(), "a wrong supervisor password");
    keys(&mut app, "2123456\n000007\n");
    let Screen::Present { draft } = &app.screen else { panic!("{:?}", app.screen) };
    assert_eq!((draft.kind, draft.amount), (TxnKind::SaleVoid, Amount(12_345)));
    assert_eq!(draft.original.as_ref().map(|o| o.trace), Some(7));
    keys(&mut app, "q");
    keys(&mut app, "2123456\n9\n");
    assert!(app.error.as_deref().is_some_and(|e| e.contains("9 in this batch")), "{:?}", app.error);
    // A void is for this batch only.
    let mut old = logged("sale", 8, 500);
    old.batch = 0;
    app.sync(1, vec![old]);
    keys(&mut app, "2123456\n8\n");
    assert_eq!(app.screen, Screen::Menu);
}

#[test]
fn completion_void_is_on_the_pre_auth_menu() {
    let mut app = signed_in();
    app.sync(1, vec![logged("completion", 4, 23_000)]);
    keys(&mut app, "4");
    assert!(screen(&app).contains("4 Completion void"));
    keys(&mut app, "4123456\n4\n");
    let Screen::Present { draft } = &app.screen else { panic!("{:?}", app.screen) };
    assert_eq!((draft.kind, draft.amount), (TxnKind::CompletionVoid, Amount(23_000)));
}

#[test]
fn an_earlier_days_sale_is_refunded_by_reference_or_batch_and_trace() {
    let mut app = signed_in();
    let mut earlier = logged("sale", 4, 10_000);
    (earlier.batch, earlier.date) = (0, "1120".into());
    app.sync(1, vec![earlier]);
    // By reference number, as the slip shows it.
    keys(&mut app, "3123456\nr000000000104\n");
    let Screen::Amount { draft, .. } = &app.screen else { panic!("{:?} {:?}", app.screen, app.error) };
    let original = draft.original.clone().unwrap();
    assert_eq!((original.batch, original.trace, original.date.as_deref()), (0, 4, Some("1120")));
    keys(&mut app, "q");
    // By batch and trace.
    keys(&mut app, "3123456\nb000000000004\n");
    assert!(matches!(app.screen, Screen::Amount { .. }), "{:?}", app.error);
    keys(&mut app, "q");
    // Older than the log: by reference number, the host finds it.
    keys(&mut app, "3123456\nr000000009999\n");
    let Screen::Amount { draft, .. } = &app.screen else { panic!("{:?}", app.screen) };
    assert_eq!(draft.original.as_ref().and_then(|o| o.rrn.as_deref()), Some("000000009999"));
    assert_eq!(draft.original.as_ref().map(|o| (o.batch, o.trace)), Some((0, 0)));
}

#[test]
fn the_forced_settlement_shows_its_notice_then_the_real_net_and_prints_its_list() {
    let mut app = App::new(Mode::Countertop, header(), cards());
    app.lang = Lang::En;
    keys(&mut app, "01\n0000\n");
    assert_eq!(app.signed_in(Ok((4, vec![])), true), None, "nothing is settled before the notice");
    insta::assert_snapshot!("forced_notice", screen(&app));
    assert_eq!(keys(&mut app, "\n"), Some(Effect::Settle { forced: true }));
    let mut entries = vec![logged("sale", 1, 9_900), logged("sale", 2, 10_000), logged("sale_void", 3, 9_900)];
    entries.push(logged("refund", 4, 1_000));
    for e in &mut entries {
        e.batch = 4;
    }
    let failure = kassa_terminal::Failure { kind: "sale".into(), trace: 5, batch: 4, amount: 500, code: "51".into() };
    let summary = BatchSummary::of(4, &entries, &[failure]);
    app.settled(Ok(settle_answer(Some(5))), &summary, "2026/11/23 09:00:00", true);
    let shown = screen(&app);
    insta::assert_snapshot!("forced_settlement", shown);
    for item in
        ["Next-day settlement: batch 000004", "¥199.00", "¥99.00", "¥10.00", "¥90.00", "¥5.00", "new batch 000005"]
    {
        assert!(shown.contains(item), "{item}\n{shown}");
    }
    assert_eq!(app.batch, 5, "signed in again by itself");
    let Some(Effect::Print { name, texts }) = keys(&mut app, "p") else { panic!() };
    assert_eq!(name, "000004");
    assert!(texts[0].contains("SETTLEMENT LIST") && texts[0].contains("BATCH NO 000004"), "{}", texts[0]);
    keys(&mut app, "\n");
    assert_eq!(app.screen, Screen::Menu);
}

#[test]
fn signing_off_with_an_open_batch_shows_its_settlement_then_the_log_in() {
    let mut app = signed_in();
    assert_eq!(keys(&mut app, "9"), Some(Effect::SignOff));
    let summary = BatchSummary::of(1, &[logged("sale", 1, 9_900)], &[]);
    let answer = kassa_terminal::SignOffAnswer { settled: Some(settle_answer(None)), code: ResponseCode::Approved };
    app.signed_off(Ok(answer), &summary, "2026/11/22 18:00:00");
    assert!(screen(&app).contains("Batch 000001 settled"), "{}", screen(&app));
    keys(&mut app, "\n");
    assert!(matches!(app.screen, Screen::Login { .. }), "{:?}", app.screen);
}

#[test]
fn the_mobile_reader_has_its_own_menu_no_log_in_and_a_payment_password() {
    let mut app = mobile();
    insta::assert_snapshot!("mobile_menu", screen(&app));
    for item in ["3 Card repayment", "4 Mobile top-up", "5 Transfer", "6 Balance", "7 Transactions", "8 Calculator"] {
        assert!(screen(&app).contains(item), "{item}");
    }
    keys(&mut app, "2");
    assert!(screen(&app).contains("payment password"), "{}", screen(&app));
    keys(&mut app, "123456\n");
    assert!(app.error.is_some(), "the supervisor's password is not the merchant's");
    keys(&mut app, "2135790\n");
    assert!(matches!(app.screen, Screen::Original { kind: TxnKind::SaleVoid, .. }));
    keys(&mut app, "q");
    // Refund, settlement, reprint and sign-off are under 9.
    keys(&mut app, "9");
    assert!(screen(&app).contains("1 Refund"), "{}", screen(&app));
    keys(&mut app, "1");
    assert!(matches!(app.screen, Screen::Supervisor { next: TxnKind::Refund, .. }));
    keys(&mut app, "q");
    assert_eq!(keys(&mut app, "92"), Some(Effect::Settle { forced: false }));
    app.settled(Ok(settle_answer(Some(2))), &BatchSummary::default(), "", false);
    keys(&mut app, "\n");
    assert_eq!(keys(&mut app, "94"), Some(Effect::SignOff));
}

fn mobile() -> App {
    let mut app = App::new(Mode::Mobile, header(), cards());
    app.lang = Lang::En;
    app.operators.supervisor_password = "135790".into();
    assert_eq!(app.start(), Some(Effect::SignIn));
    app.signed_in(Ok((1, vec![])), false);
    app.batch = 1;
    app
}

#[test]
fn a_transfer_keys_the_beneficiary_twice_and_shows_the_fee_before_the_pin() {
    let mut app = mobile();
    keys(&mut app, "5");
    keys(&mut app, "6222021234500000018\n");
    assert!(app.error.is_some(), "a number that fails the Luhn check");
    keys(&mut app, "6222021234500000017\n6222021234500000025\n");
    assert!(app.error.as_deref().is_some_and(|e| e.contains("differ")), "{:?}", app.error);
    keys(&mut app, "6222021234500000017\n6222021234500000017\n");
    assert!(matches!(app.screen, Screen::Amount { .. }), "{:?}", app.screen);
    keys(&mut app, "100000\n11");
    let shown = screen(&app);
    assert!(shown.contains("Fee: ¥2.00") && shown.contains("Total debited: ¥1002.00"), "{shown}");
    assert!(shown.contains("To: 622202*********0017"), "{shown}");
    keys(&mut app, "\n");
    assert!(matches!(app.screen, Screen::Pin { .. }), "a service always takes the PIN");
    let effect = keys(&mut app, "123456\n");
    let Some(Effect::Service { service, amount, fee, beneficiary, card }) = effect else { panic!("{effect:?}") };
    assert_eq!((service, amount, fee), (Service::Transfer, Amount(100_000), Amount(200)));
    assert_eq!((beneficiary.as_str(), card.pin.as_deref()), ("6222021234500000017", Some("123456")));
    // Approved: slips that say the service, the fee and the total.
    let mut entry = logged("transfer", 7, 100_200);
    entry.service = Some(kassa_terminal::ServiceNote {
        amount: 100_000,
        fee: 200,
        beneficiary: "622202*********0017".into(),
        confirmation: String::new(),
    });
    let Some(Effect::Print { texts, .. }) =
        app.answered(TxnKind::Transfer, Amount(100_200), Ok(approved(7)), Some(entry))
    else {
        panic!()
    };
    for part in ["转账汇款 TRANSFER", "收款卡号 TO CARD", "手续费 FEE", "¥2.00", "扣款总额 TOTAL", "¥1002.00"]
    {
        assert!(texts[0].contains(part), "{part}: {}", texts[0]);
    }
    // Refused on the beneficiary's side: the screen says nothing is charged.
    keys(&mut app, "\n\n");
    let refused = TxnAnswer {
        code: ResponseCode::LostCard,
        card_organisation: "CUPB".into(),
        rrn: String::new(),
        auth_code: String::new(),
        ..approved(8)
    };
    app.answered(TxnKind::Transfer, Amount(100_200), Ok(refused), None);
    assert!(screen(&app).contains("the debit is reversed"), "{}", screen(&app));
}

#[test]
fn a_top_up_offers_the_face_values_and_the_calculator_collects_its_result() {
    let mut app = mobile();
    keys(&mut app, "4");
    keys(&mut app, "23812345678\n");
    assert!(app.error.is_some(), "not a mobile number");
    keys(&mut app, "13812345678\n13812345678\n");
    let shown = screen(&app);
    assert!(shown.contains("2 ¥50.00") && shown.contains("6 ¥500.00"), "{shown}");
    keys(&mut app, "211\n");
    let effect = keys(&mut app, "123456\n");
    assert!(
        matches!(&effect, Some(Effect::Service { service: Service::TopUp, amount: Amount(5_000), fee: Amount(0), .. })),
        "{effect:?}"
    );
    app.answered(TxnKind::TopUp, Amount(5_000), Err("gone".into()), None);
    keys(&mut app, "\n");
    // The calculator: 19.9 × 3 − 9.7 = ¥50.00, collected as a payment.
    keys(&mut app, "8");
    keys(&mut app, "s");
    assert!(app.error.is_some(), "nothing computed yet");
    keys(&mut app, "19.9*3-9.7\n");
    assert!(screen(&app).contains("= ¥50.00"), "{}", screen(&app));
    keys(&mut app, "s");
    let Screen::Present { draft } = &app.screen else { panic!("{:?}", app.screen) };
    assert_eq!((draft.kind, draft.amount), (TxnKind::Sale, Amount(5_000)));
}

#[test]
fn q_backs_out_and_on_the_menu_asks_first() {
    let mut app = signed_in();
    for path in ["1", "15\n", "15\n1", "15\n11", "2", "3", "4", "7", "8"] {
        keys(&mut app, path);
        keys(&mut app, "q");
        assert_eq!(app.screen, Screen::Menu, "{path}");
    }
    assert_eq!(keys(&mut app, "q"), None, "asks first");
    assert!(screen(&app).contains("Leave the POS?"));
    assert_eq!(keys(&mut app, "n"), None);
    assert_eq!(app.screen, Screen::Menu);
    keys(&mut app, "q");
    assert_eq!(keys(&mut app, "y"), Some(Effect::Quit));
}

#[test]
fn a_refund_may_be_partial_and_a_reprint_prints_it_again_marked() {
    let mut app = signed_in();
    app.sync(1, vec![logged("sale", 4, 10_000)]);
    keys(&mut app, "3123456\n4\n");
    let Screen::Amount { draft, .. } = &app.screen else { panic!("{:?}", app.screen) };
    assert_eq!(
        (draft.kind, draft.original.as_ref().map(|o| o.rrn.clone())),
        (TxnKind::Refund, Some(Some("000000000104".into())))
    );
    let effect = keys(&mut app, "2500\n21\n123456\n");
    assert!(
        matches!(effect, Some(Effect::Transact { kind: TxnKind::Refund, amount: Amount(2_500), .. })),
        "{effect:?}"
    );
    app.answered(TxnKind::Refund, Amount(2_500), Ok(approved(5)), Some(logged("refund", 5, 2_500)));
    app.sync(1, vec![logged("sale", 4, 10_000), logged("refund", 5, 2_500)]);
    keys(&mut app, "\n\n");
    // The last one.
    let Some(Effect::Print { name, texts }) = keys(&mut app, "7\n") else { panic!() };
    assert_eq!(name, "000001-000005-reprint");
    assert!(texts[0].contains("退货 REFUND") && texts[0].contains("REPRINT"), "{}", texts[0]);
    keys(&mut app, "\n\n");
    // One chosen by its trace.
    let Some(Effect::Print { texts, .. }) = keys(&mut app, "74\n") else { panic!() };
    assert!(texts[1].contains("消费 SALE") && texts[1].contains("CUSTOMER COPY"));
    keys(&mut app, "\n\n");
    keys(&mut app, "799\n");
    assert!(app.error.is_some(), "nothing with trace 99");
}

#[test]
fn a_balance_inquiry_asks_for_the_pin_and_shows_available_and_ledger() {
    let mut app = signed_in();
    keys(&mut app, "512");
    keys(&mut app, "\n");
    assert!(matches!(app.screen, Screen::Pin { .. }), "a balance always takes the PIN: {:?}", app.screen);
    let effect = keys(&mut app, "123456\n");
    assert!(matches!(effect, Some(Effect::Transact { kind: TxnKind::BalanceInquiry, .. })));
    let answer = TxnAnswer { balances: Some("1001156C0000001300001002156C000000123456".into()), ..approved(6) };
    app.answered(TxnKind::BalanceInquiry, Amount(0), Ok(answer), None);
    let shown = screen(&app);
    assert!(shown.contains("Available balance: ¥1234.56") && shown.contains("Ledger balance: ¥1300.00"), "{shown}");
    let only = balance_lines(Lang::Zh, "1002156C000000123456");
    assert_eq!(only, ["可用余额: ¥1234.56"]);
}

fn catalogue(keyed_price: bool) -> kassa_till::api::TerminalCatalogue {
    let entry = |code: &str, name: &str, price: u64, department: &str| kassa_till::api::CatalogueEntry {
        code: code.into(),
        name: name.into(),
        price,
        department: department.into(),
    };
    kassa_till::api::TerminalCatalogue {
        merchant_id: "898310048990001".into(),
        version: 3,
        items: vec![
            entry("6901234567892", "矿泉水 550ml", 200, "饮料"),
            entry("96385074", "口香糖", 850, "零食"),
            entry("1001", "散装苹果", 1_290, "生鲜"),
        ],
        departments: vec!["饮料".into(), "零食".into(), "生鲜".into()],
        segments: kassa_till::segment::default_segments(),
        keyed_price,
    }
}

/// At the till in English, with the catalogue loaded.
fn at_the_till(keyed_price: bool) -> App {
    let mut app = signed_in();
    assert_eq!(keys(&mut app, "t"), Some(Effect::Catalogue));
    app.catalogue_loaded(Some(catalogue(keyed_price)), None);
    assert_eq!(app.screen, Screen::Till);
    app
}

#[test]
fn the_till_rings_up_a_basket_and_pays_it_by_card() {
    let mut app = at_the_till(true);
    assert!(screen(&app).contains("Catalogue up to date · 3 items"));
    // A scanner types the digits and Enter; a second scan adds to the line.
    keys(&mut app, "6901234567892\n6901234567892\n96385074\n");
    keys(&mut app, "1001\n3*");
    insta::assert_snapshot!("till_basket", screen(&app));
    let till = app.till.clone().unwrap_or_else(|| panic!("a basket"));
    let quantities: Vec<u32> = till.basket.lines.iter().map(|l| l.quantity).collect();
    assert_eq!(quantities, [2, 1, 3]);
    assert_eq!(till.basket.total(), Ok(Amount(2 * 200 + 850 + 3 * 1_290)));
    // j/k choose a line; + and - change it; x removes it.
    keys(&mut app, "kk+");
    assert_eq!(app.till.as_ref().map(|t| t.basket.lines[0].quantity), Some(3));
    keys(&mut app, "-j");
    keys(&mut app, "x");
    assert!(screen(&app).contains("Removed 口香糖"), "{}", screen(&app));
    keys(&mut app, "-");
    keys(&mut app, "-");
    assert!(app.error.is_none());
    keys(&mut app, "-");
    assert!(app.error.as_deref().is_some_and(|e| e.contains("x removes")), "{:?}", app.error);
    // Enter alone: the segment key, then the ordinary sale of the total.
    keys(&mut app, "\n");
    insta::assert_snapshot!("till_segment", screen(&app));
    keys(&mut app, "6");
    assert!(screen(&app).contains("Sale  ¥16.90"), "{}", screen(&app));
    let effect = keys(&mut app, "12\n");
    let Some(Effect::TillSale { amount, card, sale }) = effect else { panic!("{effect:?}") };
    assert_eq!((amount, card.pan.as_str(), sale.segment.as_str()), (Amount(1_690), "6225881234567890120", "student"));
    assert_eq!(sale.basket.total(), Ok(Amount(1_690)));
    // Approved: the slip lists the items; the till starts afresh.
    let mut entry = logged("sale", 1, 1_690);
    entry.basket = Some(kassa_till::api::BasketPost {
        batch: 1,
        trace: 1,
        segment: sale.segment.clone(),
        lines: sale.basket.lines.clone(),
        total: 1_690,
    });
    let print = app.till_answered(amount, Ok(approved(1)), Some(entry), Some(BasketSent::Recorded));
    let Some(Effect::Print { texts, .. }) = print else { panic!("{print:?}") };
    assert!(texts[1].contains("矿泉水 550ml") && texts[1].contains("1 x ¥12.90") && texts[1].contains("件数 COUNT"));
    assert!(screen(&app).contains("The basket is recorded at the host"), "{}", screen(&app));
    assert_eq!(app.till, None);
}

#[test]
fn a_declined_card_leaves_the_basket_for_another() {
    let mut app = at_the_till(true);
    keys(&mut app, "96385074\n\n1");
    let effect = keys(&mut app, "12\n");
    assert!(matches!(effect, Some(Effect::TillSale { .. })));
    let declined = TxnAnswer { code: ResponseCode::InsufficientFunds, ..approved(1) };
    assert_eq!(app.till_answered(Amount(850), Ok(declined), None, None), None);
    keys(&mut app, "\n");
    assert_eq!(app.screen, Screen::Till);
    assert_eq!(app.till.as_ref().map(|t| t.basket.lines.len()), Some(1));
    // q with items asks first; any other key keeps the basket.
    keys(&mut app, "q");
    assert_eq!(app.screen, Screen::TillDiscard);
    keys(&mut app, "n");
    assert_eq!(app.screen, Screen::Till);
    keys(&mut app, "qy");
    assert_eq!((app.screen.clone(), app.till.clone()), (Screen::Menu, None));
}

#[test]
fn an_unknown_or_wrong_code_says_so() {
    let mut app = at_the_till(true);
    keys(&mut app, "6901234567893\n");
    assert!(app.error.as_deref().is_some_and(|e| e.contains("wrong check digit (should be 2)")), "{:?}", app.error);
    // Not in the catalogue: the price is keyed, in fen.
    keys(&mut app, "4006381333931\n");
    assert!(screen(&app).contains("not in the catalogue: key its price"), "{}", screen(&app));
    keys(&mut app, "1500\n");
    let line = app.till.as_ref().map(|t| t.basket.lines[0].clone()).unwrap_or_else(|| panic!("a line"));
    assert!(line.keyed && line.unit_price == Amount(1_500) && line.department == "keyed");
    // A quantity past the limit, and a price of nothing, are refused.
    keys(&mut app, "1000*");
    assert!(app.error.as_deref().is_some_and(|e| e.contains("1 to 999")), "{:?}", app.error);
    // When the merchant does not allow keyed prices, the till only says so.
    let mut strict = at_the_till(false);
    keys(&mut strict, "4006381333931\n");
    assert!(strict.error.as_deref().is_some_and(|e| e.contains("does not allow keyed prices")));
    assert!(strict.till.as_ref().is_some_and(|t| t.basket.lines.is_empty()));
    // Enter on an empty basket.
    keys(&mut strict, "\n");
    assert_eq!(strict.error.as_deref(), Some("Scan an item first"));
    // No catalogue at all: back to the menu, saying why.
    let mut none = signed_in();
    keys(&mut none, "t");
    none.catalogue_loaded(None, Some("connection refused".into()));
    assert_eq!(none.screen, Screen::Menu);
    assert!(none.error.as_deref().is_some_and(|e| e.contains("No catalogue")));
}
