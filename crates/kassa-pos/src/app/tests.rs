//! The flow, driven by keys, and the screens as an 80×24 terminal shows them.

use kassa_core::{Amount, ResponseCode, TxnKind};
use kassa_terminal::{Card, Entry, LogEntry, TxnAnswer};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;

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
        pan: "6222021234567890128".into(),
        rrn: "000000000001".into(),
        auth_code: "123456".into(),
        response_code: "00".into(),
        domestic: true,
        date: "1122".into(),
        time: "101500".into(),
        reversed: false,
        entry: "SWIPE".into(),
        operator: "01".into(),
    }
}

fn approved(trace: u32) -> TxnAnswer {
    TxnAnswer {
        code: ResponseCode::Approved,
        trace,
        batch: 1,
        rrn: "000000000001".into(),
        auth_code: "123456".into(),
        card_organisation: "CUP".into(),
        balances: None,
        reversal_sent: false,
    }
}

fn signed_in() -> App {
    let mut app = App::new(Mode::Countertop, header(), cards());
    assert_eq!(keys(&mut app, "01\n0000\n"), Some(Effect::SignIn));
    assert_eq!(app.signed_in(Ok((1, vec!["A1B2C3".into(), "D4E5F6".into()])), false), None);
    app
}

#[test]
fn log_in_sign_in_and_the_menu() {
    let mut app = App::new(Mode::Countertop, header(), cards());
    insta::assert_snapshot!("login", screen(&app));
    assert_eq!(keys(&mut app, "01\n9999\n"), None, "a wrong password");
    assert!(app.error.is_some());
    let app = signed_in();
    insta::assert_snapshot!("menu", screen(&app));
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
    let Some(Effect::Print(slips)) = print else { panic!("{print:?}") };
    assert!(slips[0].contains("MERCHANT COPY") && slips[1].contains("CUSTOMER COPY"));
    insta::assert_snapshot!("merchant_slip", screen(&app));
    keys(&mut app, "\n");
    assert!(screen(&app).contains("CUSTOMER COPY"));
    keys(&mut app, "\n");
    assert_eq!(app.screen, Screen::Menu);
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
    assert!(app.error.as_deref().is_some_and(|e| e.contains("trace 9")), "{:?}", app.error);
}

#[test]
fn yesterdays_open_batch_is_settled_first_and_listed() {
    let mut app = App::new(Mode::Countertop, header(), cards());
    keys(&mut app, "01\n0000\n");
    assert_eq!(app.signed_in(Ok((4, vec![])), true), Some(Effect::Settle));
    let answer = kassa_terminal::SettleAnswer {
        code: ResponseCode::Approved,
        balanced: true,
        terminal_totals: Default::default(),
        host_totals: None,
        uploaded: 0,
    };
    let summary = BatchSummary {
        batch: 4,
        approved_count: 2,
        approved_amount: 19_900,
        failed_count: 1,
        failed_amount: 500,
        lines: vec!["000001 SALE 消费 ¥99.00".into(), "000002 SALE 消费 ¥100.00".into()],
    };
    app.settled(Ok(answer), &summary);
    insta::assert_snapshot!("forced_settlement", screen(&app));
    assert!(matches!(keys(&mut app, "p"), Some(Effect::Print(_))));
    keys(&mut app, "\n");
    assert_eq!(app.screen, Screen::Menu);
}

#[test]
fn the_mobile_reader_has_its_own_menu_and_no_log_in() {
    let mut app = App::new(Mode::Mobile, header(), cards());
    assert_eq!(app.start(), Some(Effect::SignIn));
    app.signed_in(Ok((1, vec![])), false);
    insta::assert_snapshot!("mobile_menu", screen(&app));
    keys(&mut app, "2");
    assert!(matches!(app.screen, Screen::Original { kind: TxnKind::SaleVoid, .. }), "no supervisor on a reader");
}

#[test]
fn q_always_backs_out() {
    let mut app = signed_in();
    for path in ["1", "15\n", "15\n1", "15\n11", "2", "3", "4", "8"] {
        keys(&mut app, path);
        keys(&mut app, "q");
        assert_eq!(app.screen, Screen::Menu, "{path}");
    }
    assert_eq!(keys(&mut app, "q"), Some(Effect::Quit));
}

#[test]
fn a_refund_may_be_partial_and_a_reprint_shows_the_last_slips() {
    let mut app = signed_in();
    app.sync(1, vec![logged("sale", 4, 10_000)]);
    keys(&mut app, "3123456\n4\n");
    let Screen::Amount { draft, .. } = &app.screen else { panic!("{:?}", app.screen) };
    assert_eq!(
        (draft.kind, draft.original.as_ref().map(|o| o.rrn.clone())),
        (TxnKind::Refund, Some(Some("000000000001".into())))
    );
    let effect = keys(&mut app, "2500\n21\n123456\n");
    assert!(
        matches!(effect, Some(Effect::Transact { kind: TxnKind::Refund, amount: Amount(2_500), .. })),
        "{effect:?}"
    );
    app.answered(TxnKind::Refund, Amount(2_500), Ok(approved(5)), Some(logged("refund", 5, 2_500)));
    keys(&mut app, "\n\n");
    keys(&mut app, "7");
    assert!(screen(&app).contains("REFUND 退货"), "{}", screen(&app));
}

#[test]
fn a_balance_inquiry_asks_for_the_pin_and_shows_the_balance() {
    let mut app = signed_in();
    keys(&mut app, "512");
    assert!(screen(&app).contains("No PIN") || matches!(app.screen, Screen::Confirm { .. }));
    keys(&mut app, "\n");
    assert!(matches!(app.screen, Screen::Pin { .. }), "a balance always takes the PIN: {:?}", app.screen);
    let effect = keys(&mut app, "123456\n");
    assert!(matches!(effect, Some(Effect::Transact { kind: TxnKind::BalanceInquiry, .. })));
    let answer = TxnAnswer { balances: Some("1002156C000000123456".into()), ..approved(6) };
    app.answered(TxnKind::BalanceInquiry, Amount(0), Ok(answer), None);
    let shown = screen(&app);
    assert!(shown.contains("¥1234.56") && !shown.contains("¥0.00"), "{shown}");
}
