//! The screens, drawn for an 80×24 terminal: a title with the terminal and
//! operator, a status line, the screen's body, and the keys that work now.

use kassa_core::{Amount, Currency, TxnKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::{App, Mode, Screen};
use crate::slip;

fn money(minor: u64) -> String {
    Amount(minor).display(Currency::CNY)
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// The body and the help line of the current screen.
pub fn body(app: &App) -> (Vec<String>, &'static str) {
    let words = |kind: TxnKind| slip::kind_words(kind.code());
    match &app.screen {
        Screen::Login { operator, password, on_password } => (
            vec![
                "Log in 操作员签到".into(),
                String::new(),
                format!("{} Operator no. 操作员号: {operator}", if *on_password { " " } else { ">" }),
                format!("{} Password   密码:     {}", if *on_password { ">" } else { " " }, stars(password.len())),
                String::new(),
                "A new terminal: operator 01, password 0000.".into(),
            ],
            "digits · Enter next · Backspace · q quit",
        ),
        Screen::Busy(what) => (vec![what.clone()], "please wait"),
        Screen::Menu => match app.mode {
            Mode::Countertop => (
                vec![
                    "1 Sale        消费".into(),
                    "2 Void        撤销".into(),
                    "3 Refund      退货".into(),
                    "4 Pre-auth    预授权".into(),
                    "5 Balance     余额查询".into(),
                    "6 Settlement  结算".into(),
                    "7 Reprint     重打印".into(),
                    "8 Transactions 交易明细".into(),
                    "9 Sign off    签退".into(),
                ],
                "1-9 choose · q quit",
            ),
            Mode::Mobile => (
                vec![
                    "1 Collect payment 收款".into(),
                    "2 Void            撤销".into(),
                    "3 Balance         余额查询".into(),
                    "4 Transactions    交易查询".into(),
                ],
                "1-4 choose · q quit",
            ),
        },
        Screen::PreAuthMenu => (
            vec![
                "1 Pre-auth            预授权".into(),
                "2 Pre-auth void       预授权撤销".into(),
                "3 Pre-auth completion 预授权完成".into(),
            ],
            "1-3 choose · q back",
        ),
        Screen::Supervisor { next, password } => (
            vec![
                words(*next).into(),
                String::new(),
                format!("Supervisor password 主管密码: {}", stars(password.len())),
            ],
            "digits · Enter · q back",
        ),
        Screen::Original { kind, digits } => (
            vec![words(*kind).into(), String::new(), format!("Original trace no. 原凭证号: {digits}")],
            "digits · Enter · q back",
        ),
        Screen::Amount { draft, digits } => (
            vec![
                words(draft.kind).into(),
                String::new(),
                format!("Amount 金额: {}", money(digits.parse().unwrap_or(0))),
                String::new(),
                "Key the amount in fen: 9900 is ¥99.00".into(),
            ],
            "digits · Backspace · Enter · q back",
        ),
        Screen::Present { draft } => (
            vec![
                format!(
                    "{}  {}",
                    words(draft.kind),
                    if draft.amount.minor_units() > 0 { money(draft.amount.minor_units()) } else { String::new() }
                ),
                String::new(),
                "Present the card 请刷卡/插卡/挥卡:".into(),
                "1 Swipe 刷卡   2 Insert 插卡   3 Tap 挥卡".into(),
            ],
            "1-3 · q back",
        ),
        Screen::PickCard { .. } => {
            let mut lines = vec!["Which card? 选择测试卡:".to_string()];
            lines.extend(app.cards.iter().take(9).enumerate().map(|(i, (label, _))| format!("{} {label}", i + 1)));
            lines.push("k  type a card number or track 2 输入卡号或磁道".into());
            (lines, "1-9 · k · q back")
        }
        Screen::KeyCard { text, .. } => (
            vec!["Card number, or track 2 (PAN=YYMM…) 卡号或二磁道:".into(), String::new(), text.clone()],
            "digits and = · Enter · q back",
        ),
        Screen::Confirm { draft } => {
            let card = draft.card.as_ref().map(|c| kassa_core::mask_pan(&c.pan)).unwrap_or_default();
            let pin = draft.card.as_ref().is_some_and(|c| c.pin.is_some());
            (
                vec![
                    if draft.amount.minor_units() > 0 {
                        format!("{}  {}", words(draft.kind), money(draft.amount.minor_units()))
                    } else {
                        words(draft.kind).to_string()
                    },
                    String::new(),
                    format!("Card 卡号: {card}"),
                    format!("Read by 读卡方式: {}", draft.entry.word()),
                    String::new(),
                    if pin {
                        "Check the card number, then the cardholder enters the PIN".into()
                    } else {
                        "No PIN for this card: Enter sends it 免密".into()
                    },
                ],
                "Enter confirm · q back",
            )
        }
        Screen::Pin { digits, .. } => (
            vec![
                "Cardholder: enter your PIN 请持卡人输入密码".into(),
                String::new(),
                format!("PIN: {}", stars(digits.len())),
            ],
            "digits · Enter · q back",
        ),
        Screen::Answer { lines } => (lines.clone(), "Enter menu"),
        Screen::Settled { lines, list, showing_list } => {
            let mut out = lines.clone();
            if *showing_list {
                out.push(String::new());
                out.extend(list.iter().take(12).cloned());
            }
            (out, "p print the list · Enter menu")
        }
        Screen::List { offset } => {
            let mut lines = vec![format!("Batch {:06}: {} approved 本批次交易", app.batch, app.log.len())];
            lines.extend(app.log.iter().skip(*offset).take(14).map(|e| {
                format!(
                    "{:06} {:<22} {:>12} {}{}",
                    e.trace,
                    slip::kind_words(&e.kind),
                    money(e.amount),
                    e.masked_pan,
                    if e.reversed { " reversed" } else { "" }
                )
            }));
            if app.log.is_empty() {
                lines.push("No transactions yet 暂无交易".into());
            }
            (lines, "j/k scroll · q back")
        }
        Screen::Slip { index } => {
            let text = app.last_slips.as_ref().and_then(|s| s.get(*index)).cloned().unwrap_or_default();
            // On screen without the rules of the paper (it has to fit 24 lines).
            let lines = text.lines().filter(|l| !l.chars().all(|c| c == '=' || c == '-')).map(str::to_string).collect();
            (lines, if *index == 0 { "Enter: customer copy" } else { "Enter: menu" })
        }
    }
}

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    let area = Rect { width: area.width.min(80), height: area.height.min(24), ..area };
    let title = match app.mode {
        Mode::Countertop => format!(
            " Kassa POS · {} · terminal {}{} ",
            app.header.merchant_name,
            app.header.terminal_id,
            if app.operator.is_empty() { String::new() } else { format!(" · operator {}", app.operator) }
        ),
        Mode::Mobile => format!(" Kassa mobile reader · {} · {} ", app.header.merchant_name, app.header.terminal_id),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [status, main, help] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let status_line = match (&app.error, &app.status) {
        (Some(e), _) => Line::styled(e.clone(), Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)),
        (None, Some(s)) => Line::from(s.clone()),
        (None, None) => Line::from(""),
    };
    frame.render_widget(Paragraph::new(status_line).wrap(Wrap { trim: true }), status);
    let (lines, keys) = body(app);
    let lines: Vec<Line<'_>> = lines.into_iter().map(Line::from).collect();
    frame.render_widget(Paragraph::new(lines), main);
    frame.render_widget(Paragraph::new(Line::styled(keys, Style::default().add_modifier(Modifier::DIM))), help);
}
