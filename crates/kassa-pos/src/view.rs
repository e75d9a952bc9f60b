//! The screens, drawn for an 80×24 terminal: a title with the terminal and
//! operator, a status line (the outcome of what was just done, or an error),
//! the screen's body, and the keys that work now — in the language chosen.

use kassa_core::{Amount, Currency, TxnKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::{App, By, Mode, Screen, kind_title};
use crate::slip;

mod till;
pub use till::segment_name;

fn money(minor: u64) -> String {
    Amount(minor).display(Currency::CNY)
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// Lines the body has room for (24 rows less borders, status and help).
const BODY_ROWS: usize = 19;

/// A slip side by side in two columns, without the rules of the paper, so a
/// whole copy fits the screen.
fn two_columns(text: &str, rows: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.chars().all(|c| c == '=' || c == '-' || c == '_')).collect();
    let half = lines.len().div_ceil(2).max(1);
    let (left, right) = lines.split_at(half.min(lines.len()));
    left.iter()
        .enumerate()
        .take(rows)
        .map(|(i, l)| {
            let pad = (slip::WIDTH + 2).saturating_sub(slip::width(l));
            format!("{l}{}{}", " ".repeat(pad), right.get(i).copied().unwrap_or(""))
        })
        .collect()
}

/// The body and the help line of the current screen.
pub fn body(app: &App) -> (Vec<String>, String) {
    let t = |zh: &'static str, en: &'static str| app.t(zh, en).to_string();
    let title = |kind: TxnKind| kind_title(app.lang, kind).to_string();
    match &app.screen {
        Screen::Login { operator, password, on_password } => (
            vec![
                t("操作员签到", "Log in"),
                String::new(),
                format!("{} {}: {operator}", if *on_password { " " } else { ">" }, t("操作员号", "Operator no.")),
                format!(
                    "{} {}: {}",
                    if *on_password { ">" } else { " " },
                    t("密码", "Password"),
                    stars(password.len())
                ),
                String::new(),
                t("新终端：操作员 01，密码 0000。", "A new terminal: operator 01, password 0000."),
            ],
            t(
                "数字 · Enter 下一步 · Backspace 删除 · l English · q 退出",
                "digits · Enter next · Backspace · l 中文 · q quit",
            ),
        ),
        Screen::Busy(what) => (vec![what.clone()], t("请稍候", "please wait")),
        Screen::Menu => match app.mode {
            Mode::Countertop => (
                vec![
                    format!("1 {}", t("消费", "Sale")),
                    format!("2 {}", t("消费撤销", "Void")),
                    format!("3 {}", t("退货", "Refund")),
                    format!("4 {}", t("预授权类", "Pre-auth")),
                    format!("5 {}", t("余额查询", "Balance")),
                    format!("6 {}", t("结算", "Settlement")),
                    format!("7 {}", t("重打印", "Reprint")),
                    format!("8 {}", t("交易明细", "Transactions")),
                    format!("9 {}", t("签退", "Sign off")),
                    format!("0 {}", t("English", "中文")),
                    format!("t {}", t("收银台（扫码收银）", "Till (scan items)")),
                ],
                t("0-9 · t 选择 · q 退出", "0-9 · t choose · q quit"),
            ),
            Mode::Mobile => (
                vec![
                    format!("1 {}", t("收款", "Collect payment")),
                    format!("2 {}", t("撤销", "Void")),
                    format!("3 {}", t("信用卡还款", "Card repayment")),
                    format!("4 {}", t("手机充值", "Mobile top-up")),
                    format!("5 {}", t("转账汇款", "Transfer")),
                    format!("6 {}", t("余额查询", "Balance")),
                    format!("7 {}", t("交易查询", "Transactions")),
                    format!("8 {}", t("计算器", "Calculator")),
                    format!(
                        "9 {}",
                        t("更多：退货 · 结算 · 重打印 · 签退", "More: refund · settlement · reprint · sign off")
                    ),
                    format!("0 {}", t("English", "中文")),
                ],
                t("0-9 选择 · q 退出", "0-9 choose · q quit"),
            ),
        },
        Screen::MoreMenu => (
            vec![
                format!("1 {}", t("退货", "Refund")),
                format!("2 {}", t("结算", "Settlement")),
                format!("3 {}", t("重打印", "Reprint")),
                format!("4 {}", t("签退", "Sign off")),
            ],
            t("1-4 选择 · q 返回", "1-4 choose · q back"),
        ),
        Screen::Beneficiary { service, first, digits } => {
            let what = match service {
                kassa_core::services::Service::TopUp => t("充值手机号码", "Mobile number to top up"),
                kassa_core::services::Service::Repayment => t("还款信用卡卡号", "Credit card to repay"),
                kassa_core::services::Service::Transfer => t("收款人卡号", "Beneficiary's card number"),
            };
            let step = if first.is_some() {
                t("请再输入一次以确认", "Key it again to confirm")
            } else {
                t("请输入", "Key it in")
            };
            (
                vec![title(service.kind()), String::new(), format!("{what} ({step}): {digits}")],
                t("数字 · Enter 确认 · q 返回", "digits · Enter · q back"),
            )
        }
        Screen::FaceValue { draft } => {
            let mut lines = vec![title(draft.kind), String::new(), t("选择充值面额：", "Choose the face value:")];
            lines.extend(app.services.face_values.iter().enumerate().map(|(i, v)| format!("{} {}", i + 1, money(v.0))));
            (lines, t("数字选择 · q 返回", "digit chooses · q back"))
        }
        Screen::Calculator { expression, result } => (
            vec![
                t("计算器", "Calculator"),
                String::new(),
                if expression.is_empty() { "0".into() } else { expression.clone() },
                match result {
                    Some(fen) => format!("= {}", money(*fen)),
                    None => String::new(),
                },
                String::new(),
                t(
                    "+ - * / 和小数点；结果以元计，可作为收款金额",
                    "+ - * / and decimals, in yuan; the result can be collected",
                ),
            ],
            t("Enter 计算 · s 按结果收款 · c 清除 · q 返回", "Enter compute · s collect the result · c clear · q back"),
        ),
        Screen::ConfirmQuit => (
            vec![
                t("退出收款程序？", "Leave the POS?"),
                String::new(),
                t("Enter 或 y 确认退出；其他键返回菜单", "Enter or y: leave; any other key: back to the menu"),
            ],
            t("Enter/y 退出 · 其他键返回", "Enter/y leave · other keys back"),
        ),
        Screen::PreAuthMenu => (
            vec![
                format!("1 {}", t("预授权", "Pre-auth")),
                format!("2 {}", t("预授权撤销", "Pre-auth void")),
                format!("3 {}", t("预授权完成", "Pre-auth completion")),
                format!("4 {}", t("预授权完成撤销", "Completion void")),
            ],
            t("1-4 选择 · q 返回", "1-4 choose · q back"),
        ),
        Screen::Supervisor { next, password } => (
            vec![
                title(*next),
                String::new(),
                format!(
                    "{}: {}",
                    match app.mode {
                        Mode::Countertop => t("主管密码", "Supervisor password"),
                        Mode::Mobile => t("商户支付密码", "The merchant's payment password"),
                    },
                    stars(password.len())
                ),
            ],
            t("数字 · Enter 确认 · q 返回", "digits · Enter · q back"),
        ),
        Screen::Original { kind, by, digits } => {
            let what = match by {
                By::Trace => t("原凭证号", "Original trace no."),
                By::BatchTrace => t("原批次号+凭证号（12位）", "Original batch + trace (12 digits)"),
                By::Reference => t("原参考号（12位）", "Original reference no. (12 digits)"),
            };
            let mut lines = vec![title(*kind), String::new(), format!("{what}: {digits}"), String::new()];
            if *kind != TxnKind::SaleVoid {
                lines.push(t(
                    "t 按凭证号 · b 按批次号+凭证号 · r 按参考号（可查往日交易）",
                    "t by trace · b by batch + trace · r by reference no. (earlier days too)",
                ));
            }
            (lines, t("数字 · Enter 确认 · q 返回", "digits · Enter · q back"))
        }
        Screen::Amount { draft, digits } => (
            vec![
                title(draft.kind),
                String::new(),
                format!("{}: {}", t("金额", "Amount"), money(digits.parse().unwrap_or(0))),
                String::new(),
                t("以分为单位输入：9900 即 ¥99.00", "Key the amount in fen: 9900 is ¥99.00"),
            ],
            t("数字 · Backspace · Enter · q 返回", "digits · Backspace · Enter · q back"),
        ),
        Screen::Present { draft } => (
            vec![
                format!(
                    "{}  {}",
                    title(draft.kind),
                    if draft.amount.minor_units() > 0 { money(draft.amount.minor_units()) } else { String::new() }
                ),
                String::new(),
                t("请刷卡、插卡或挥卡：", "Present the card:"),
                t("1 刷卡   2 插卡   3 挥卡", "1 Swipe   2 Insert   3 Tap"),
            ],
            t("1-3 · q 返回", "1-3 · q back"),
        ),
        Screen::PickCard { .. } => {
            let mut lines = vec![t("选择测试卡：", "Which card?")];
            lines.extend(app.cards.iter().take(9).enumerate().map(|(i, (label, _))| format!("{} {label}", i + 1)));
            lines.push(t("k  输入卡号或二磁道", "k  type a card number or track 2"));
            (lines, t("1-9 · k · q 返回", "1-9 · k · q back"))
        }
        Screen::KeyCard { text, .. } => (
            vec![
                t("卡号或二磁道（卡号=有效期…）：", "Card number, or track 2 (PAN=YYMM…):"),
                String::new(),
                text.clone(),
            ],
            t("数字和 = · Enter · q 返回", "digits and = · Enter · q back"),
        ),
        Screen::Confirm { draft } => {
            let card = draft.card.as_ref().map(|c| kassa_core::mask_pan(&c.pan)).unwrap_or_default();
            let pin = draft.card.as_ref().is_some_and(|c| c.pin.is_some())
                || draft.kind == TxnKind::BalanceInquiry
                || draft.service.is_some();
            let entry = match (app.lang, draft.entry) {
                (crate::app::Lang::Zh, kassa_terminal::Entry::Keyed) => "手输",
                (crate::app::Lang::Zh, kassa_terminal::Entry::Swipe) => "刷卡",
                (crate::app::Lang::Zh, kassa_terminal::Entry::Chip) => "插卡",
                (crate::app::Lang::Zh, kassa_terminal::Entry::Tap) => "挥卡",
                (crate::app::Lang::En, entry) => entry.word(),
            };
            (
                vec![
                    if draft.amount.minor_units() > 0 {
                        format!("{}  {}", title(draft.kind), money(draft.amount.minor_units()))
                    } else {
                        title(draft.kind)
                    },
                    String::new(),
                    format!("{}: {card}", t("卡号", "Card")),
                    format!("{}: {entry}", t("读卡方式", "Read by")),
                    String::new(),
                ]
                .into_iter()
                .chain(draft.service.iter().flat_map(|service| {
                    let to = match service.service {
                        kassa_core::services::Service::TopUp => kassa_core::services::mask_phone(&service.beneficiary),
                        _ => kassa_core::mask_pan(&service.beneficiary),
                    };
                    [
                        format!("{}: {to}", t("收款方", "To")),
                        format!("{}: {}", t("手续费", "Fee"), money(service.fee.0)),
                        format!("{}: {}", t("扣款总额", "Total debited"), money(draft.total().0)),
                        String::new(),
                    ]
                }))
                .chain([if pin {
                    t("请核对卡号，然后由持卡人输入密码", "Check the card number, then the cardholder enters the PIN")
                } else {
                    t("此卡免密：Enter 发送", "No PIN for this card: Enter sends it")
                }])
                .collect(),
                t("Enter 确认 · q 返回", "Enter confirm · q back"),
            )
        }
        Screen::Pin { digits, .. } => (
            vec![
                t("请持卡人输入密码", "Cardholder: enter your PIN"),
                String::new(),
                format!("{}: {}", t("密码", "PIN"), stars(digits.len())),
            ],
            t("数字 · Enter · q 返回", "digits · Enter · q back"),
        ),
        Screen::Answer { lines } => (lines.clone(), t("Enter 返回菜单", "Enter menu")),
        Screen::ForcedNotice { batch } => (
            vec![
                t("隔日强制结算", "Next-day settlement"),
                String::new(),
                format!(
                    "{} {batch:06} {}",
                    t("批次", "Batch"),
                    t("含往日交易，尚未结算。", "holds an earlier day's transactions and is not settled.")
                ),
                t("今日交易前须先结算该批次。", "It is settled before today's work."),
                String::new(),
                t("按 Enter 开始结算", "Press Enter to settle it"),
            ],
            t("Enter 结算", "Enter settle"),
        ),
        Screen::Settled { lines, .. } => {
            (lines.clone(), t("p 打印结算单 · Enter 返回菜单", "p print the list · Enter menu"))
        }
        Screen::List { offset } => {
            let count = app.batch_log().count();
            let mut lines =
                vec![format!("{} {:06}: {} {}", t("批次", "Batch"), app.batch, count, t("笔成功交易", "approved"))];
            lines.extend(app.batch_log().skip(*offset).take(14).map(|e| {
                let words = slip::kind_words(&e.kind);
                let words = match app.lang {
                    crate::app::Lang::Zh => words.split(' ').next().unwrap_or(words),
                    crate::app::Lang::En => words.split_once(' ').map_or(words, |(_, en)| en),
                };
                format!(
                    "{:06} {words:<16} {:>12} {}{}",
                    e.trace,
                    money(e.amount),
                    e.masked_pan,
                    if e.reversed { app.t(" 已冲正", " reversed") } else { "" }
                )
            }));
            if count == 0 {
                lines.push(t("暂无交易", "No transactions yet"));
            }
            (lines, t("j/k 翻动 · q 返回", "j/k scroll · q back"))
        }
        Screen::Reprint { digits } => (
            vec![
                t("重打印", "Reprint"),
                String::new(),
                format!("{}: {digits}", t("凭证号（直接 Enter 为最后一笔）", "Trace no. (Enter alone: the last one)")),
            ],
            t("数字 · Enter · q 返回", "digits · Enter · q back"),
        ),
        Screen::Till | Screen::TillSegment | Screen::TillDiscard => till::body(app),
        Screen::Slip { outcome, slips, index } => {
            let mut lines = outcome.clone();
            lines.push(String::new());
            let room = BODY_ROWS.saturating_sub(lines.len());
            lines.extend(two_columns(slips.get(*index).map_or("", String::as_str), room));
            (
                lines,
                if *index == 0 {
                    t("Enter 持卡人存根", "Enter: customer copy")
                } else {
                    t("Enter 返回菜单", "Enter: menu")
                },
            )
        }
    }
}

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    let area = Rect { width: area.width.min(80), height: area.height.min(24), ..area };
    let title = match app.mode {
        Mode::Countertop => format!(
            " Kassa POS · {} · {} {}{} ",
            app.header.merchant_name,
            app.t("终端", "terminal"),
            app.header.terminal_id,
            if app.operator.is_empty() {
                String::new()
            } else {
                format!(" · {} {}", app.t("操作员", "operator"), app.operator)
            }
        ),
        Mode::Mobile => format!(
            " Kassa {} · {} · {} ",
            app.t("手机刷卡器", "mobile reader"),
            app.header.merchant_name,
            app.header.terminal_id
        ),
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
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), main);
    frame.render_widget(Paragraph::new(Line::styled(keys, Style::default().add_modifier(Modifier::DIM))), help);
}
