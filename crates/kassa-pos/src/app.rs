//! The operator's flow: log-in, sign-in, forced settlement of yesterday's
//! batch, the menu, amount, card, PIN, the answer in words, slips, the
//! transaction list, settlement and sign-off. Keys come in, [`Effect`]s go
//! out; the device's answers come back through the `*ed` methods.

use kassa_core::{Amount, Currency, TxnKind};
use kassa_terminal::{Card, Entry, LogEntry, OriginalRef, SettleAnswer, TxnAnswer};

use crate::slip::{self, Header};

/// A countertop terminal, or a card reader paired with the merchant's phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Countertop,
    Mobile,
}

/// A key the operator pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Backspace,
    Esc,
}

/// What the screen asks the device to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    SignIn,
    Transact {
        kind: TxnKind,
        amount: Amount,
        card: Card,
        original: Option<OriginalRef>,
    },
    Settle,
    SignOff,
    /// Print (and keep) these slips: merchant copy, then customer copy.
    Print(Vec<String>),
    Quit,
}

/// A batch in numbers, for the settlement screen and its list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub batch: u32,
    pub approved_count: u32,
    pub approved_amount: u64,
    pub failed_count: u32,
    pub failed_amount: u64,
    /// One line per transaction, for printing.
    pub lines: Vec<String>,
}

/// A transaction being put together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub kind: TxnKind,
    pub amount: Amount,
    pub original: Option<OriginalRef>,
    pub entry: Entry,
    pub card: Option<Card>,
}

impl Draft {
    fn new(kind: TxnKind) -> Draft {
        Draft { kind, amount: Amount(0), original: None, entry: Entry::Swipe, card: None }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    Login {
        operator: String,
        password: String,
        on_password: bool,
    },
    /// Waiting for the host.
    Busy(String),
    Menu,
    PreAuthMenu,
    /// The supervisor's password guards voids and refunds.
    Supervisor {
        next: TxnKind,
        password: String,
    },
    /// The original's trace number (voids, refunds, completions).
    Original {
        kind: TxnKind,
        digits: String,
    },
    Amount {
        draft: Draft,
        digits: String,
    },
    Present {
        draft: Draft,
    },
    PickCard {
        draft: Draft,
    },
    KeyCard {
        draft: Draft,
        text: String,
    },
    Confirm {
        draft: Draft,
    },
    Pin {
        draft: Draft,
        digits: String,
    },
    Answer {
        lines: Vec<String>,
    },
    Settled {
        lines: Vec<String>,
        list: Vec<String>,
        showing_list: bool,
    },
    List {
        offset: usize,
    },
    Slip {
        index: usize,
    },
}

/// The operators a new terminal knows: `01` / `0000`, and the supervisor's password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operators {
    pub operators: Vec<(String, String)>,
    pub supervisor_password: String,
}

impl Default for Operators {
    fn default() -> Operators {
        Operators { operators: vec![("01".into(), "0000".into())], supervisor_password: "123456".into() }
    }
}

#[derive(Debug)]
pub struct App {
    pub mode: Mode,
    pub screen: Screen,
    pub header: Header,
    pub operators: Operators,
    /// The operator logged in (mobile readers have none).
    pub operator: String,
    /// Test cards to present: (label, card).
    pub cards: Vec<(String, Card)>,
    /// The current batch's approved transactions, newest last (from the device's state).
    pub log: Vec<LogEntry>,
    pub batch: u32,
    /// One line of news under the title (signed in, reversal sent, …).
    pub status: Option<String>,
    /// The slips of the last approved transaction, for reprinting.
    pub last_slips: Option<[String; 2]>,
    pub error: Option<String>,
    /// Whether the settlement running now is yesterday's, forced before work.
    forced: bool,
}

/// The response code in words for the operator.
pub fn answer_words(code: &str, meaning: &str) -> String {
    let zh = match code {
        "00" => "交易成功",
        "51" => "余额不足",
        "55" => "密码错误",
        "75" => "密码错误次数超限",
        "54" => "卡已过期",
        "41" | "43" => "请没收卡",
        "14" => "无效卡号",
        "58" => "终端无权限",
        "59" => "有作弊嫌疑",
        "61" => "超出金额限制",
        "94" => "重复交易",
        "96" | "98" => "系统故障或无应答",
        "A0" => "校验错误，请重新签到",
        _ => "交易失败",
    };
    format!("{zh} · {meaning} ({code})")
}

fn money(minor: u64) -> String {
    Amount(minor).display(Currency::CNY)
}

/// The menu title of a kind.
fn kind_title(kind: TxnKind) -> &'static str {
    slip::kind_words(kind.code())
}

impl App {
    pub fn new(mode: Mode, header: Header, cards: Vec<(String, Card)>) -> App {
        let screen = match mode {
            Mode::Countertop => Screen::Login { operator: String::new(), password: String::new(), on_password: false },
            Mode::Mobile => Screen::Busy("Signing in…".into()),
        };
        App {
            mode,
            screen,
            header,
            operators: Operators::default(),
            operator: String::new(),
            cards,
            log: Vec::new(),
            batch: 0,
            status: None,
            last_slips: None,
            error: None,
            forced: false,
        }
    }

    /// What a mobile reader does first (it has no log-in).
    pub fn start(&mut self) -> Option<Effect> {
        (self.mode == Mode::Mobile).then_some(Effect::SignIn)
    }

    fn menu(&mut self) {
        self.screen = Screen::Menu;
    }

    /// The device's state changed: the batch and its approved transactions.
    pub fn sync(&mut self, batch: u32, log: Vec<LogEntry>) {
        self.batch = batch;
        self.log = log.into_iter().filter(|e| e.batch == batch).collect();
    }

    /// A key; perhaps something for the device to do.
    pub fn key(&mut self, key: Key) -> Option<Effect> {
        self.error = None;
        let back = matches!(key, Key::Char('q') | Key::Esc);
        let screen = std::mem::replace(&mut self.screen, Screen::Menu);
        let (next, effect) = self.step(screen, key, back);
        self.screen = next;
        effect
    }

    fn step(&mut self, screen: Screen, key: Key, back: bool) -> (Screen, Option<Effect>) {
        use Screen::*;
        match screen {
            Login { .. } if back => (screen_login(), Some(Effect::Quit)),
            Login { mut operator, mut password, on_password } => match key {
                Key::Char(c) if c.is_ascii_digit() => {
                    if on_password {
                        if password.len() < 8 {
                            password.push(c);
                        }
                    } else if operator.len() < 2 {
                        operator.push(c);
                    }
                    (Login { operator, password, on_password }, None)
                }
                Key::Backspace => {
                    if on_password {
                        password.pop()
                    } else {
                        operator.pop()
                    };
                    (Login { operator, password, on_password }, None)
                }
                Key::Enter if !on_password => (Login { operator, password, on_password: true }, None),
                Key::Enter => {
                    if self.operators.operators.iter().any(|(o, p)| *o == operator && *p == password) {
                        self.operator = operator;
                        (Busy("Signing in…".into()), Some(Effect::SignIn))
                    } else {
                        self.error = Some("Wrong operator or password 操作员或密码错误".into());
                        (screen_login(), None)
                    }
                }
                _ => (Login { operator, password, on_password }, None),
            },
            Busy(what) => (Busy(what), None),
            Menu if back => (Menu, Some(Effect::Quit)),
            Menu => self.menu_key(key),
            PreAuthMenu if back => (Menu, None),
            PreAuthMenu => match key {
                Key::Char('1') => (Amount { draft: Draft::new(TxnKind::PreAuth), digits: String::new() }, None),
                Key::Char('2') => (Supervisor { next: TxnKind::PreAuthVoid, password: String::new() }, None),
                Key::Char('3') => (Original { kind: TxnKind::Completion, digits: String::new() }, None),
                _ => (PreAuthMenu, None),
            },
            Supervisor { .. } if back => (Menu, None),
            Supervisor { next, mut password } => match key {
                Key::Char(c) if c.is_ascii_digit() && password.len() < 8 => {
                    password.push(c);
                    (Supervisor { next, password }, None)
                }
                Key::Backspace => {
                    password.pop();
                    (Supervisor { next, password }, None)
                }
                Key::Enter if password == self.operators.supervisor_password => {
                    (Original { kind: next, digits: String::new() }, None)
                }
                Key::Enter => {
                    self.error = Some("Wrong supervisor password 主管密码错误".into());
                    (Menu, None)
                }
                _ => (Supervisor { next, password }, None),
            },
            Original { .. } if back => (Menu, None),
            Original { kind, mut digits } => match key {
                Key::Char(c) if c.is_ascii_digit() && digits.len() < 6 => {
                    digits.push(c);
                    (Original { kind, digits }, None)
                }
                Key::Backspace => {
                    digits.pop();
                    (Original { kind, digits }, None)
                }
                Key::Enter => self.original_found(kind, &digits),
                _ => (Original { kind, digits }, None),
            },
            Amount { .. } if back => (Menu, None),
            Amount { mut draft, mut digits } => match key {
                Key::Char(c) if c.is_ascii_digit() && digits.len() < 10 => {
                    if !(digits.is_empty() && c == '0') {
                        digits.push(c);
                    }
                    (Amount { draft, digits }, None)
                }
                Key::Backspace => {
                    digits.pop();
                    (Amount { draft, digits }, None)
                }
                Key::Enter => match digits.parse::<u64>() {
                    Ok(minor) if minor > 0 => {
                        draft.amount = kassa_core::Amount(minor);
                        (Present { draft }, None)
                    }
                    _ => {
                        self.error = Some("Key an amount 请输入金额".into());
                        (Amount { draft, digits }, None)
                    }
                },
                _ => (Amount { draft, digits }, None),
            },
            Present { .. } if back => (Menu, None),
            Present { mut draft } => {
                let entry = match key {
                    Key::Char('1') => Some(Entry::Swipe),
                    Key::Char('2') => Some(Entry::Chip),
                    Key::Char('3') => Some(Entry::Tap),
                    _ => None,
                };
                match entry {
                    Some(entry) => {
                        draft.entry = entry;
                        (PickCard { draft }, None)
                    }
                    None => (Present { draft }, None),
                }
            }
            PickCard { .. } if back => (Menu, None),
            PickCard { draft } => match key {
                Key::Char('k') => (KeyCard { draft, text: String::new() }, None),
                Key::Char(c) if c.is_ascii_digit() => {
                    let index = c.to_digit(10).map(|d| d as usize).unwrap_or(0);
                    match self.cards.get(index.wrapping_sub(1)) {
                        Some((_, card)) => {
                            let mut draft = draft;
                            draft.card = Some(Card { entry: draft.entry, ..card.clone() });
                            (Confirm { draft }, None)
                        }
                        None => (PickCard { draft }, None),
                    }
                }
                _ => (PickCard { draft }, None),
            },
            KeyCard { .. } if back => (Menu, None),
            KeyCard { mut draft, mut text } => match key {
                Key::Char(c) if (c.is_ascii_digit() || c == '=') && text.len() < 40 => {
                    text.push(c);
                    (KeyCard { draft, text }, None)
                }
                Key::Backspace => {
                    text.pop();
                    (KeyCard { draft, text }, None)
                }
                Key::Enter => match typed_card(&text, draft.entry) {
                    Some(card) => {
                        draft.entry = card.entry;
                        draft.card = Some(card);
                        (Confirm { draft }, None)
                    }
                    None => {
                        self.error = Some("Not a card number or track 2 卡号或磁道数据有误".into());
                        (KeyCard { draft, text }, None)
                    }
                },
                _ => (KeyCard { draft, text }, None),
            },
            Confirm { .. } if back => (Menu, None),
            Confirm { draft } => match key {
                Key::Enter => {
                    // A balance inquiry always asks for the PIN.
                    let pin =
                        draft.card.as_ref().is_some_and(|c| c.pin.is_some()) || draft.kind == TxnKind::BalanceInquiry;
                    if pin { (Pin { draft, digits: String::new() }, None) } else { self.send(draft, None) }
                }
                _ => (Confirm { draft }, None),
            },
            Pin { .. } if back => (Menu, None),
            Pin { draft, mut digits } => match key {
                Key::Char(c) if c.is_ascii_digit() && digits.len() < 12 => {
                    digits.push(c);
                    (Pin { draft, digits }, None)
                }
                Key::Backspace => {
                    digits.pop();
                    (Pin { draft, digits }, None)
                }
                Key::Enter if digits.len() >= 4 => self.send(draft, Some(digits)),
                _ => (Pin { draft, digits }, None),
            },
            Answer { .. } => (Menu, None),
            Settled { lines, list, showing_list } => match key {
                Key::Char('p') => (
                    Settled { lines, list: list.clone(), showing_list: true },
                    Some(Effect::Print(vec![list.join("\n") + "\n"])),
                ),
                Key::Enter | Key::Esc | Key::Char('q') => (Menu, None),
                _ => (Settled { lines, list, showing_list }, None),
            },
            List { .. } if back => (Menu, None),
            List { offset } => match key {
                Key::Char('j') | Key::Char('2') => {
                    (List { offset: offset.saturating_add(1).min(self.log.len().saturating_sub(1)) }, None)
                }
                Key::Char('k') | Key::Char('8') => (List { offset: offset.saturating_sub(1) }, None),
                _ => (List { offset }, None),
            },
            Slip { .. } if back => (Menu, None),
            Slip { index } => match key {
                Key::Enter | Key::Char(' ') if index == 0 => (Slip { index: 1 }, None),
                Key::Enter | Key::Char(' ') => (Menu, None),
                _ => (Slip { index }, None),
            },
        }
    }

    fn menu_key(&mut self, key: Key) -> (Screen, Option<Effect>) {
        use Screen::*;
        let supervised = |next| match self.mode {
            Mode::Countertop => Supervisor { next, password: String::new() },
            Mode::Mobile => Original { kind: next, digits: String::new() },
        };
        match (self.mode, key) {
            (_, Key::Char('1')) => (Amount { draft: Draft::new(TxnKind::Sale), digits: String::new() }, None),
            (_, Key::Char('2')) => (supervised(TxnKind::SaleVoid), None),
            (Mode::Countertop, Key::Char('3')) => (supervised(TxnKind::Refund), None),
            (Mode::Countertop, Key::Char('4')) => (PreAuthMenu, None),
            (Mode::Countertop, Key::Char('5')) | (Mode::Mobile, Key::Char('3')) => {
                (Present { draft: Draft::new(TxnKind::BalanceInquiry) }, None)
            }
            (Mode::Countertop, Key::Char('6')) => (Busy("Settling the batch…".into()), Some(Effect::Settle)),
            (Mode::Countertop, Key::Char('7')) => match &self.last_slips {
                Some(_) => (Slip { index: 0 }, None),
                None => {
                    self.error = Some("Nothing to reprint 无可重打印的交易".into());
                    (Menu, None)
                }
            },
            (Mode::Countertop, Key::Char('8')) | (Mode::Mobile, Key::Char('4')) => (List { offset: 0 }, None),
            (Mode::Countertop, Key::Char('9')) => (Busy("Signing off…".into()), Some(Effect::SignOff)),
            _ => (Menu, None),
        }
    }

    /// The original named by its trace number in this batch; the amount comes with it for voids.
    fn original_found(&mut self, kind: TxnKind, digits: &str) -> (Screen, Option<Effect>) {
        let trace: u32 = digits.parse().unwrap_or(0);
        let wanted = kind.original_kind().unwrap_or(&[]);
        let found = self
            .log
            .iter()
            .rev()
            .find(|e| e.trace == trace && !e.reversed && wanted.iter().any(|k| k.code() == e.kind))
            .cloned();
        let Some(original) = found else {
            self.error = Some(format!(
                "No {} with trace {digits} in this batch 本批次无此交易",
                wanted.first().map_or("transaction", |k| k.code())
            ));
            return (Screen::Menu, None);
        };
        let reference = OriginalRef {
            batch: original.batch,
            trace: original.trace,
            date: Some(original.date.clone()),
            rrn: Some(original.rrn.clone()),
            auth_code: Some(original.auth_code.clone()),
        };
        let mut draft = Draft::new(kind);
        draft.original = Some(reference);
        if matches!(kind, TxnKind::SaleVoid | TxnKind::PreAuthVoid | TxnKind::CompletionVoid) {
            // A void is for the full amount.
            draft.amount = Amount(original.amount);
            (Screen::Present { draft }, None)
        } else {
            (Screen::Amount { draft, digits: String::new() }, None)
        }
    }

    fn send(&mut self, draft: Draft, pin: Option<String>) -> (Screen, Option<Effect>) {
        let Some(mut card) = draft.card.clone() else { return (Screen::Menu, None) };
        if pin.is_some() {
            card.pin = pin;
        }
        let effect = Effect::Transact { kind: draft.kind, amount: draft.amount, card, original: draft.original };
        (Screen::Busy(format!("{} — waiting for the host… 处理中", kind_title(draft.kind))), Some(effect))
    }

    /// The sign-in's outcome; `yesterday_open` when the batch still holds an earlier day.
    pub fn signed_in(&mut self, result: Result<(u32, Vec<String>), String>, yesterday_open: bool) -> Option<Effect> {
        match result {
            Ok((batch, kcvs)) => {
                self.batch = batch;
                self.status =
                    Some(format!("Signed in 签到成功 · batch {batch:06} · key check values {}", kcvs.join(" ")));
                if yesterday_open && self.mode == Mode::Countertop {
                    self.forced = true;
                    self.screen =
                        Screen::Busy("Yesterday's batch is still open: settling it first 先结算昨日批次…".into());
                    return Some(Effect::Settle);
                }
                self.menu();
                None
            }
            Err(error) => {
                self.error = Some(format!("Sign-in failed 签到失败: {error}"));
                self.screen = match self.mode {
                    Mode::Countertop => screen_login(),
                    Mode::Mobile => Screen::Busy("Sign-in failed: press q to leave".into()),
                };
                None
            }
        }
    }

    pub fn signed_off(&mut self) {
        self.status = Some("Signed off 已签退".into());
        self.operator.clear();
        self.screen = screen_login();
    }

    /// The settlement's outcome, with the batch as it stood.
    pub fn settled(&mut self, result: Result<SettleAnswer, String>, batch: &BatchSummary) {
        let forced = std::mem::take(&mut self.forced);
        let lines = match result {
            Ok(answer) if answer.code.is_approved() => {
                let mut lines = vec![
                    format!("{} batch {:06} settled 结算成功", if forced { "Yesterday's" } else { "The" }, batch.batch),
                    format!("Approved 成功  {:>4}  {}", batch.approved_count, money(batch.approved_amount)),
                    format!("Failed   失败  {:>4}  {}", batch.failed_count, money(batch.failed_amount)),
                ];
                lines.push(if answer.balanced {
                    "Totals agree with the host 对账平".into()
                } else {
                    format!("Totals differ: {} transactions uploaded 对账不平，已上送明细", answer.uploaded)
                });
                lines
            }
            Ok(answer) => vec![format!(
                "Settlement refused 结算失败: {}",
                answer_words(answer.code.as_str(), answer.code.meaning())
            )],
            Err(error) => vec![format!("Settlement failed 结算失败: {error}")],
        };
        self.screen = Screen::Settled { lines, list: batch.lines.clone(), showing_list: false };
    }

    /// A transaction's outcome: `logged` is its log entry when approved.
    pub fn answered(
        &mut self,
        kind: TxnKind,
        amount: Amount,
        result: Result<TxnAnswer, String>,
        logged: Option<LogEntry>,
    ) -> Option<Effect> {
        let mut lines = vec![if kind == TxnKind::BalanceInquiry {
            kind_title(kind).to_string()
        } else {
            format!("{}  {}", kind_title(kind), money(amount.minor_units()))
        }];
        let mut effect = None;
        match result {
            Ok(answer) => {
                if answer.reversal_sent {
                    lines.push("The earlier transaction's reversal was sent first 已先发送冲正".into());
                }
                lines.push(answer_words(answer.code.as_str(), answer.code.meaning()));
                if answer.code.is_approved() {
                    lines.push(format!("Trace {:06} · Ref {} · Auth {}", answer.trace, answer.rrn, answer.auth_code));
                    if let Some(balances) = &answer.balances {
                        lines.push(format!("Balance 余额: {}", balance_words(balances)));
                    }
                    if let Some(entry) = logged {
                        let slips = slip::slips(&self.header, &entry);
                        effect = Some(Effect::Print(slips.to_vec()));
                        self.last_slips = Some(slips);
                        lines.push("Printing two slips: merchant copy, then customer copy 打印签购单".into());
                    }
                } else {
                    lines.push("Back to the menu: choose the transaction again 请重新选择交易".into());
                }
            }
            Err(error) => {
                lines.push(format!("No valid answer 无应答: {error}"));
                lines.push("The reversal is kept and will be sent before the next transaction 冲正已保存".into());
            }
        }
        lines.push("Enter: menu".into());
        self.screen =
            if effect.is_some() { Screen::Slip { index: 0 } } else { Screen::Answer { lines: lines.clone() } };
        self.status = Some(lines.get(1).cloned().unwrap_or_default());
        effect
    }
}

fn screen_login() -> Screen {
    Screen::Login { operator: String::new(), password: String::new(), on_password: false }
}

/// A typed card: track 2 (`PAN=YYMM…`, read as `entry`) or a card number (keyed).
fn typed_card(text: &str, entry: Entry) -> Option<Card> {
    let (pan, rest) = match text.split_once('=') {
        Some((pan, rest)) => (pan, Some(rest)),
        None => (text, None),
    };
    if !(13..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (entry, expiry, track2) = match rest {
        Some(rest) if rest.len() >= 4 => (entry, rest[..4].to_string(), Some(text.to_string())),
        Some(_) => return None,
        None => (Entry::Keyed, "3012".to_string(), None),
    };
    Some(Card { pan: pan.to_string(), expiry, track2, pin: Some(String::new()), entry })
}

/// Field 54 (amount type 02 available) in words; the raw field otherwise.
fn balance_words(field54: &str) -> String {
    // Each balance: account type (2), amount type (2), currency (3), sign (1), amount (12).
    field54
        .as_bytes()
        .chunks(20)
        .filter_map(|b| std::str::from_utf8(b).ok())
        .filter(|b| b.len() == 20)
        .map(|b| {
            let minor: u64 = b[8..].parse().unwrap_or(0);
            let sign = if &b[7..8] == "D" { "-" } else { "" };
            format!("{sign}{}", money(minor))
        })
        .next()
        .unwrap_or_else(|| field54.to_string())
}

#[cfg(test)]
mod tests;
