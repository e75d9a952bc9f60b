//! The operator's flow: log-in, sign-in, the forced settlement of an earlier
//! day's batch, the menu, amount, card, PIN, the answer in words, slips,
//! reprints, the transaction list, settlement and sign-off. Keys come in,
//! [`Effect`]s go out; the device's answers come back through the `*ed`
//! methods. Screens speak one language at a time ([`Lang`]); slips are
//! bilingual.

use kassa_core::services::{Service, ServiceRules};
use kassa_core::{Amount, TxnKind};
use kassa_terminal::{Card, Entry, LogEntry, OriginalRef};

use crate::slip::{self, Header};
pub use till::{TillDraft, TillEntry, TillSale};

/// A countertop terminal, or a card reader paired with the merchant's phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Countertop,
    Mobile,
}

/// The language of the screens: Chinese unless the operator chooses English.
pub use kassa_core::Lang;

/// A key the operator pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Backspace,
    Esc,
    Up,
    Down,
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
    /// A value-added service: `amount` to `beneficiary`, `fee` on top.
    Service {
        service: Service,
        amount: Amount,
        fee: Amount,
        beneficiary: String,
        card: Card,
    },
    /// The till's catalogue: download it (or take the one kept), then [`App::catalogue_loaded`].
    Catalogue,
    /// A till sale: the basket's total by card; once approved, the basket
    /// goes on the sale's slip and to the host ([`App::till_answered`]).
    TillSale {
        amount: Amount,
        card: Card,
        sale: Box<TillSale>,
    },
    /// Settle the open batch; `forced` when it is an earlier day's, before work.
    Settle {
        forced: bool,
    },
    SignOff,
    /// Print (and keep) these texts under `name`: two slips (merchant copy,
    /// then customer copy), or one list.
    Print {
        name: String,
        texts: Vec<String>,
    },
    Quit,
}

/// A transaction being put together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub kind: TxnKind,
    pub amount: Amount,
    pub original: Option<OriginalRef>,
    pub entry: Entry,
    pub card: Option<Card>,
    /// A value-added service's beneficiary and fee (`amount` is then what the beneficiary gets).
    pub service: Option<ServiceDraft>,
    /// A till sale's basket and segment (`amount` is then the basket's total).
    pub till: Option<Box<TillSale>>,
}

/// What a service adds to a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDraft {
    pub service: Service,
    /// The beneficiary card number, or the phone number, keyed twice.
    pub beneficiary: String,
    pub fee: Amount,
}

impl Draft {
    fn new(kind: TxnKind) -> Draft {
        Draft { kind, amount: Amount(0), original: None, entry: Entry::Swipe, card: None, service: None, till: None }
    }

    /// What the payer's card is debited: the amount and any service fee.
    pub fn total(&self) -> Amount {
        let fee = self.service.as_ref().map_or(Amount::ZERO, |s| s.fee);
        self.amount.checked_add(fee).unwrap_or(self.amount)
    }
}

/// How the operator names an original transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// Its trace number (凭证号), newest first across the log.
    Trace,
    /// Its batch and trace, 6 + 6 digits.
    BatchTrace,
    /// Its reference number (参考号), 12 digits, as the slip shows it.
    Reference,
}

impl By {
    fn digits(self) -> usize {
        match self {
            By::Trace => 6,
            By::BatchTrace | By::Reference => 12,
        }
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
    /// A mobile reader's other functions: refund, settlement, reprint, sign-off.
    MoreMenu,
    /// A service's beneficiary, keyed twice: `first` holds the first keying.
    Beneficiary {
        service: Service,
        first: Option<String>,
        digits: String,
    },
    /// A top-up's face value, chosen from the carrier's.
    FaceValue {
        draft: Draft,
    },
    /// The reader app's calculator: `expression` as keyed, `result` in fen once computed.
    Calculator {
        expression: String,
        result: Option<u64>,
    },
    /// `q` on the menu: leave the POS?
    ConfirmQuit,
    PreAuthMenu,
    /// The supervisor's password (on a mobile reader: the merchant's payment
    /// password) guards voids and refunds.
    Supervisor {
        next: TxnKind,
        password: String,
    },
    /// The original (voids, refunds, completions).
    Original {
        kind: TxnKind,
        by: By,
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
    /// A transaction's outcome without slips: declined, unanswered, a balance.
    Answer {
        lines: Vec<String>,
    },
    /// An earlier day's batch is open: the notice, before it is settled.
    ForcedNotice {
        batch: u32,
    },
    Settled {
        lines: Vec<String>,
        /// The settlement list, printed with `p`.
        list: String,
        batch: u32,
    },
    List {
        offset: usize,
    },
    /// Reprint: Enter for the last transaction, or its trace number.
    Reprint {
        digits: String,
    },
    /// The till: the basket being rung up (in [`App::till`]) and the code being keyed.
    Till,
    /// `q` on a till with items in the basket: discard it?
    TillDiscard,
    /// The customer-segment key, before the card.
    TillSegment,
    /// Slips shown (and printed): the outcome above, the copy `index`.
    Slip {
        outcome: Vec<String>,
        slips: Box<[String; 2]>,
        index: usize,
    },
}

/// The operators a new terminal knows: `01` / `0000`, and the supervisor's password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operators {
    pub operators: Vec<(String, String)>,
    /// Countertop: the supervisor's; mobile reader: the merchant's payment password.
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
    pub lang: Lang,
    pub screen: Screen,
    pub header: Header,
    pub operators: Operators,
    /// The operator logged in (mobile readers have none).
    pub operator: String,
    /// Test cards to present: (label, card).
    pub cards: Vec<(String, Card)>,
    /// The services' fees and limits, as the acquirer gives them to the reader.
    pub services: ServiceRules,
    /// The terminal's log: this batch's and earlier approved transactions, oldest first.
    pub log: Vec<LogEntry>,
    pub batch: u32,
    /// The outcome of what was just done, under the title; cleared when the
    /// operator goes on to something else.
    pub status: Option<String>,
    pub error: Option<String>,
    /// Signed off after settling: the settlement screen leaves to the log-in.
    signed_off: bool,
    /// The till's catalogue, as the terminal last downloaded it.
    pub catalogue: Option<kassa_till::api::TerminalCatalogue>,
    /// The till's basket while it is rung up and paid.
    pub till: Option<TillDraft>,
}

impl App {
    pub fn new(mode: Mode, header: Header, cards: Vec<(String, Card)>) -> App {
        let screen = match mode {
            Mode::Countertop => screen_login(),
            Mode::Mobile => Screen::Busy(String::new()),
        };
        App {
            mode,
            lang: Lang::default(),
            screen,
            header,
            operators: Operators::default(),
            operator: String::new(),
            cards,
            services: ServiceRules::default(),
            log: Vec::new(),
            batch: 0,
            status: None,
            error: None,
            signed_off: false,
            catalogue: None,
            till: None,
        }
    }

    /// `zh` or `en`, by the screens' language.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }

    /// What a mobile reader does first (it has no log-in).
    pub fn start(&mut self) -> Option<Effect> {
        (self.mode == Mode::Mobile).then_some(Effect::SignIn)
    }

    /// The device's state changed: the batch and its log.
    pub fn sync(&mut self, batch: u32, log: Vec<LogEntry>) {
        self.batch = batch;
        self.log = log;
    }

    /// This batch's approved transactions, oldest first.
    pub fn batch_log(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().filter(move |e| e.batch == self.batch)
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
                Key::Char('l') => {
                    self.lang = self.lang.other();
                    (Login { operator, password, on_password }, None)
                }
                Key::Enter if !on_password => (Login { operator, password, on_password: true }, None),
                Key::Enter => {
                    if self.operators.operators.iter().any(|(o, p)| *o == operator && *p == password) {
                        self.operator = operator;
                        (Busy(self.t("签到中…", "Signing in…").into()), Some(Effect::SignIn))
                    } else {
                        self.error = Some(self.t("操作员号或密码错误", "Wrong operator or password").into());
                        (screen_login(), None)
                    }
                }
                _ => (Login { operator, password, on_password }, None),
            },
            Busy(what) => (Busy(what), None),
            Menu if back => (ConfirmQuit, None),
            Menu => {
                // Whatever the operator does next is a new outcome.
                self.status = None;
                self.menu_key(key)
            }
            MoreMenu if back => (Menu, None),
            MoreMenu => match key {
                Key::Char('1') => (self.guarded(TxnKind::Refund), None),
                Key::Char('2') => {
                    (Busy(self.t("正在结算…", "Settling the batch…").into()), Some(Effect::Settle { forced: false }))
                }
                Key::Char('3') => (Reprint { digits: String::new() }, None),
                Key::Char('4') => (Busy(self.t("正在签退…", "Signing off…").into()), Some(Effect::SignOff)),
                _ => (MoreMenu, None),
            },
            Beneficiary { .. } if back => (Menu, None),
            Beneficiary { service, first, mut digits } => match key {
                Key::Char(c) if c.is_ascii_digit() && digits.len() < 19 => {
                    digits.push(c);
                    (Beneficiary { service, first, digits }, None)
                }
                Key::Backspace => {
                    digits.pop();
                    (Beneficiary { service, first, digits }, None)
                }
                Key::Enter => self.beneficiary_keyed(service, first, digits),
                _ => (Beneficiary { service, first, digits }, None),
            },
            FaceValue { .. } if back => (Menu, None),
            FaceValue { mut draft } => {
                let chosen =
                    key_digit(key).and_then(|n| n.checked_sub(1)).and_then(|i| self.services.face_values.get(i));
                match chosen {
                    Some(value) => {
                        draft.amount = *value;
                        self.price(&mut draft);
                        (Present { draft }, None)
                    }
                    None => (FaceValue { draft }, None),
                }
            }
            Calculator { .. } if back => (Menu, None),
            Calculator { mut expression, result } => match key {
                Key::Char(c) if (c.is_ascii_digit() || "+-*/.".contains(c)) && expression.len() < 40 => {
                    expression.push(c);
                    (Calculator { expression, result: None }, None)
                }
                Key::Backspace => {
                    expression.pop();
                    (Calculator { expression, result: None }, None)
                }
                Key::Char('c') => (Calculator { expression: String::new(), result: None }, None),
                Key::Enter | Key::Char('=') => match calculator::evaluate(&expression) {
                    Some(fen) => (Calculator { expression, result: Some(fen) }, None),
                    None => {
                        self.error = Some(self.t("算式有误", "Not a sum the calculator can do").into());
                        (Calculator { expression, result: None }, None)
                    }
                },
                // The result as a payment's amount.
                Key::Char('s') => match result {
                    Some(fen) if fen > 0 => {
                        let mut draft = Draft::new(TxnKind::Sale);
                        draft.amount = Amount(fen);
                        (Present { draft }, None)
                    }
                    _ => {
                        self.error = Some(self.t("先按 Enter 计算", "Press Enter to compute first").into());
                        (Calculator { expression, result }, None)
                    }
                },
                _ => (Calculator { expression, result }, None),
            },
            ConfirmQuit => match key {
                Key::Enter | Key::Char('y') => (Menu, Some(Effect::Quit)),
                _ => (Menu, None),
            },
            PreAuthMenu if back => (Menu, None),
            PreAuthMenu => match key {
                Key::Char('1') => (Amount { draft: Draft::new(TxnKind::PreAuth), digits: String::new() }, None),
                Key::Char('2') => (self.guarded(TxnKind::PreAuthVoid), None),
                Key::Char('3') => (original(TxnKind::Completion), None),
                Key::Char('4') => (self.guarded(TxnKind::CompletionVoid), None),
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
                Key::Enter if password == self.operators.supervisor_password => (original(next), None),
                Key::Enter => {
                    self.error = Some(match self.mode {
                        Mode::Countertop => self.t("主管密码错误", "Wrong supervisor password").into(),
                        Mode::Mobile => self.t("支付密码错误", "Wrong payment password").into(),
                    });
                    (Menu, None)
                }
                _ => (Supervisor { next, password }, None),
            },
            Original { .. } if back => (Menu, None),
            Original { kind, by, mut digits } => match key {
                Key::Char(c) if c.is_ascii_digit() && digits.len() < by.digits() => {
                    digits.push(c);
                    (Original { kind, by, digits }, None)
                }
                Key::Char('r') if kind != TxnKind::SaleVoid => (Original { kind, by: By::Reference, digits }, None),
                Key::Char('b') => (Original { kind, by: By::BatchTrace, digits }, None),
                Key::Char('t') => (Original { kind, by: By::Trace, digits }, None),
                Key::Backspace => {
                    digits.pop();
                    (Original { kind, by, digits }, None)
                }
                Key::Enter => self.original_found(kind, by, &digits),
                _ => (Original { kind, by, digits }, None),
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
                        self.price(&mut draft);
                        (Present { draft }, None)
                    }
                    _ => {
                        self.error = Some(self.t("请输入金额", "Key an amount").into());
                        (Amount { draft, digits }, None)
                    }
                },
                _ => (Amount { draft, digits }, None),
            },
            Present { draft } if back && draft.till.is_some() => (TillSegment, None),
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
                        self.error = Some(self.t("卡号或磁道数据有误", "Not a card number or track 2").into());
                        (KeyCard { draft, text }, None)
                    }
                },
                _ => (KeyCard { draft, text }, None),
            },
            Confirm { .. } if back => (Menu, None),
            Confirm { draft } => match key {
                Key::Enter => {
                    // A balance inquiry and a service always ask for the PIN.
                    let pin = draft.card.as_ref().is_some_and(|c| c.pin.is_some())
                        || draft.kind == TxnKind::BalanceInquiry
                        || draft.service.is_some();
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
            Answer { .. } => {
                self.status = None;
                // A declined till sale leaves its basket, for another card.
                if self.till.is_some() { (Till, None) } else { (Menu, None) }
            }
            Till | TillDiscard | TillSegment => self.till_step(screen, key, back),
            ForcedNotice { batch } => match key {
                Key::Enter | Key::Char(' ') => (
                    Busy(format!("{} {batch:06}…", self.t("正在结算批次", "Settling batch"))),
                    Some(Effect::Settle { forced: true }),
                ),
                _ => (ForcedNotice { batch }, None),
            },
            Settled { lines, list, batch } => match key {
                Key::Char('p') => {
                    self.status = Some(self.t("已打印结算单", "Settlement list printed").into());
                    let effect = Effect::Print { name: format!("{batch:06}"), texts: vec![list.clone()] };
                    (Settled { lines, list, batch }, Some(effect))
                }
                Key::Enter | Key::Esc | Key::Char('q') => {
                    self.status = None;
                    match (std::mem::take(&mut self.signed_off), self.mode) {
                        (false, _) => (Menu, None),
                        (true, Mode::Countertop) => (screen_login(), None),
                        (true, Mode::Mobile) => (Menu, Some(Effect::Quit)),
                    }
                }
                _ => (Settled { lines, list, batch }, None),
            },
            List { .. } if back => (Menu, None),
            List { offset } => {
                let count = self.batch_log().count();
                match key {
                    Key::Char('j') | Key::Char('2') => {
                        (List { offset: offset.saturating_add(1).min(count.saturating_sub(1)) }, None)
                    }
                    Key::Char('k') | Key::Char('8') => (List { offset: offset.saturating_sub(1) }, None),
                    _ => (List { offset }, None),
                }
            }
            Reprint { .. } if back => (Menu, None),
            Reprint { mut digits } => match key {
                Key::Char(c) if c.is_ascii_digit() && digits.len() < 6 => {
                    digits.push(c);
                    (Reprint { digits }, None)
                }
                Key::Backspace => {
                    digits.pop();
                    (Reprint { digits }, None)
                }
                Key::Enter => self.reprint(&digits),
                _ => (Reprint { digits }, None),
            },
            Slip { outcome, slips, index } => match key {
                Key::Enter | Key::Char(' ') if index == 0 => (Slip { outcome, slips, index: 1 }, None),
                Key::Enter | Key::Char(' ') | Key::Esc | Key::Char('q') => {
                    self.status = None;
                    (Menu, None)
                }
                _ => (Slip { outcome, slips, index }, None),
            },
        }
    }

    /// A void or refund: the supervisor's password first (on a mobile reader, the merchant's payment password).
    fn guarded(&self, next: TxnKind) -> Screen {
        Screen::Supervisor { next, password: String::new() }
    }

    fn menu_key(&mut self, key: Key) -> (Screen, Option<Effect>) {
        use Screen::*;
        let settle = || (Busy(String::new()), Some(Effect::Settle { forced: false }));
        let sign_off = || (Busy(String::new()), Some(Effect::SignOff));
        let reprint = || (Reprint { digits: String::new() }, None);
        let beneficiary = |service| (Beneficiary { service, first: None, digits: String::new() }, None);
        // The mobile reader's menu is the seed's: collect, void, repayment,
        // top-up, transfer, balance, query, calculator; the rest under 9.
        let (screen, effect) = match (self.mode, key) {
            (_, Key::Char('1')) => (Amount { draft: Draft::new(TxnKind::Sale), digits: String::new() }, None),
            (_, Key::Char('2')) => (self.guarded(TxnKind::SaleVoid), None),
            (Mode::Countertop, Key::Char('3')) => (self.guarded(TxnKind::Refund), None),
            (Mode::Countertop, Key::Char('4')) => (PreAuthMenu, None),
            (Mode::Countertop, Key::Char('5')) | (Mode::Mobile, Key::Char('6')) => {
                (Present { draft: Draft::new(TxnKind::BalanceInquiry) }, None)
            }
            (Mode::Countertop, Key::Char('6')) => settle(),
            (Mode::Countertop, Key::Char('7')) => reprint(),
            (Mode::Countertop, Key::Char('8')) | (Mode::Mobile, Key::Char('7')) => (List { offset: 0 }, None),
            (Mode::Countertop, Key::Char('9')) => sign_off(),
            (Mode::Countertop, Key::Char('t')) => self.open_till(),
            (Mode::Mobile, Key::Char('3')) => beneficiary(Service::Repayment),
            (Mode::Mobile, Key::Char('4')) => beneficiary(Service::TopUp),
            (Mode::Mobile, Key::Char('5')) => beneficiary(Service::Transfer),
            (Mode::Mobile, Key::Char('8')) => (Calculator { expression: String::new(), result: None }, None),
            (Mode::Mobile, Key::Char('9')) => (MoreMenu, None),
            (_, Key::Char('0')) => {
                self.lang = self.lang.other();
                (Menu, None)
            }
            _ => (Menu, None),
        };
        // Busy screens say what they wait for, in the language chosen now.
        let screen = match (&screen, &effect) {
            (Busy(_), Some(Effect::Settle { .. })) => Busy(self.t("正在结算…", "Settling the batch…").into()),
            (Busy(_), Some(Effect::SignOff)) => Busy(self.t("正在签退…", "Signing off…").into()),
            _ => screen,
        };
        (screen, effect)
    }

    /// The original named on the Original screen. Voids are for this batch
    /// only; refunds and completions find earlier batches' in the log, and by
    /// reference number the host finds one the log no longer holds.
    fn original_found(&mut self, kind: TxnKind, by: By, digits: &str) -> (Screen, Option<Effect>) {
        let wanted = kind.original_kind().unwrap_or(&[]);
        let this_batch_only = matches!(kind, TxnKind::SaleVoid | TxnKind::PreAuthVoid | TxnKind::CompletionVoid);
        let number = |text: &str| text.parse::<u32>().ok();
        let matches = |e: &&LogEntry| {
            let place = match by {
                By::Trace => number(digits) == Some(e.trace),
                By::BatchTrace => {
                    digits.len() == 12 && number(&digits[..6]) == Some(e.batch) && number(&digits[6..]) == Some(e.trace)
                }
                By::Reference => digits.len() == 12 && e.rrn == digits,
            };
            place
                && !e.reversed
                && (!this_batch_only || e.batch == self.batch)
                && wanted.iter().any(|k| k.code() == e.kind)
        };
        let found = self.log.iter().rev().find(matches).cloned();
        let mut draft = Draft::new(kind);
        let Some(original) = found else {
            if by == By::Reference && digits.len() == 12 && !this_batch_only {
                // Older than the log: the host knows it by its reference number.
                draft.original = Some(OriginalRef { rrn: Some(digits.to_string()), ..OriginalRef::default() });
                return (Screen::Amount { draft, digits: String::new() }, None);
            }
            self.error = Some(match (this_batch_only, self.lang) {
                (true, Lang::Zh) => format!("本批次无此{}原交易（{digits}）", kind_title(self.lang, wanted[0])),
                (true, Lang::En) => format!("No {} {digits} in this batch", kind_title(self.lang, wanted[0])),
                (false, Lang::Zh) => format!("终端记录中无此原交易（{digits}），可按 r 用参考号查找"),
                (false, Lang::En) => format!("No original {digits} in the terminal's log: r finds it by reference no."),
            });
            return (Screen::Menu, None);
        };
        draft.original = Some(OriginalRef {
            batch: original.batch,
            trace: original.trace,
            date: Some(original.date.clone()),
            rrn: Some(original.rrn.clone()),
            auth_code: Some(original.auth_code.clone()),
        });
        if this_batch_only {
            // A void is for the full amount.
            draft.amount = Amount(original.amount);
            (Screen::Present { draft }, None)
        } else {
            (Screen::Amount { draft, digits: String::new() }, None)
        }
    }

    /// Reprints the last transaction, or the newest with this trace number.
    fn reprint(&mut self, digits: &str) -> (Screen, Option<Effect>) {
        let found = match digits.parse::<u32>() {
            Ok(trace) => self.log.iter().rev().find(|e| e.trace == trace),
            Err(_) => self.log.last(),
        };
        let Some(entry) = found.cloned() else {
            self.error = Some(self.t("无可重打印的交易", "Nothing to reprint").into());
            return (Screen::Menu, None);
        };
        let slips = slip::slips(&self.header, &entry, true);
        let outcome = vec![
            format!(
                "{} · {} {} · {} {:06}",
                self.t("重打印", "Reprint"),
                slip::kind_words(&entry.kind),
                money(entry.amount),
                self.t("凭证号", "trace"),
                entry.trace
            ),
            self.t("已打印两联：商户存根，持卡人存根", "Printed both copies: merchant, then customer").into(),
        ];
        let effect =
            Effect::Print { name: format!("{:06}-{:06}-reprint", entry.batch, entry.trace), texts: slips.to_vec() };
        (Screen::Slip { outcome, slips: Box::new(slips), index: 0 }, Some(effect))
    }

    /// A service's fee on its amount, by the acquirer's schedule (shown before the PIN).
    fn price(&self, draft: &mut Draft) {
        if let Some(service) = draft.service.as_mut()
            && let Some(priced) = self.services.price(service.service, draft.amount)
        {
            service.fee = priced.fee;
        }
    }

    /// The beneficiary keyed once (then again to confirm), or twice: they
    /// must agree and be a card number (Luhn) or a mobile number.
    fn beneficiary_keyed(
        &mut self,
        service: Service,
        first: Option<String>,
        digits: String,
    ) -> (Screen, Option<Effect>) {
        let valid = match service {
            Service::TopUp => kassa_core::services::is_mobile_number(&digits),
            _ => kassa_core::CardNumber::parse(&digits).is_some_and(|p| p.luhn_ok() && digits.len() >= 13),
        };
        if !valid {
            self.error = Some(match service {
                Service::TopUp => self.t("手机号码有误（11位）", "Not a mobile number (11 digits)").into(),
                _ => self.t("卡号有误，请重新输入", "Not a card number: key it again").into(),
            });
            return (Screen::Beneficiary { service, first, digits: String::new() }, None);
        }
        match first {
            None => (Screen::Beneficiary { service, first: Some(digits), digits: String::new() }, None),
            Some(first) if first != digits => {
                self.error = Some(self.t("两次输入不一致，请重新输入", "The two keyings differ: key it again").into());
                (Screen::Beneficiary { service, first: None, digits: String::new() }, None)
            }
            Some(_) => {
                let mut draft = Draft::new(service.kind());
                draft.service = Some(ServiceDraft { service, beneficiary: digits, fee: Amount::ZERO });
                match service {
                    Service::TopUp => (Screen::FaceValue { draft }, None),
                    _ => (Screen::Amount { draft, digits: String::new() }, None),
                }
            }
        }
    }

    fn send(&mut self, draft: Draft, pin: Option<String>) -> (Screen, Option<Effect>) {
        let Some(mut card) = draft.card.clone() else { return (Screen::Menu, None) };
        if pin.is_some() {
            card.pin = pin;
        }
        let waiting =
            format!("{} — {}", kind_title(self.lang, draft.kind), self.t("处理中，请稍候…", "waiting for the host…"));
        let effect = match (draft.service, draft.till) {
            (Some(service), _) => Effect::Service {
                service: service.service,
                amount: draft.amount,
                fee: service.fee,
                beneficiary: service.beneficiary,
                card,
            },
            (None, Some(sale)) => Effect::TillSale { amount: draft.amount, card, sale },
            (None, None) => Effect::Transact { kind: draft.kind, amount: draft.amount, card, original: draft.original },
        };
        (Screen::Busy(waiting), Some(effect))
    }
}

fn screen_login() -> Screen {
    Screen::Login { operator: String::new(), password: String::new(), on_password: false }
}

fn original(kind: TxnKind) -> Screen {
    Screen::Original { kind, by: By::Trace, digits: String::new() }
}

/// The digit a key is, if it is one.
fn key_digit(key: Key) -> Option<usize> {
    match key {
        Key::Char(c) => c.to_digit(10).map(|d| d as usize),
        _ => None,
    }
}

pub mod calculator;
mod outcomes;
pub mod till;
mod words;

pub use words::{answer_words, balance_lines, kind_title};
use words::{money, typed_card};

#[cfg(test)]
mod tests;
