//! The shop till on a countertop terminal: the cashier scans (a scanner types
//! the digits and Enter) or keys item codes into a basket, changes quantities,
//! removes lines, presses the customer-segment key, and the basket's total is
//! paid by card through the ordinary sale. The catalogue is the one the
//! terminal last downloaded; a code it does not know is keyed by price when
//! the merchant allows it.

use kassa_core::{Amount, TxnKind};
use kassa_terminal::till::BasketSent;
use kassa_terminal::{LogEntry, TxnAnswer};
use kassa_till::api::TerminalCatalogue;
use kassa_till::basket::BasketError;
use kassa_till::code::CodeError;
use kassa_till::{Basket, ItemCode};

use super::{App, Draft, Effect, Key, Lang, Screen};

/// Longest code the till takes (an internal code's limit).
const INPUT_MAX: usize = 20;

/// What the cashier is keying on the till's screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TillEntry {
    /// A code to scan (digits, capitals, `-` and `_`), or a quantity before `*`.
    #[default]
    Code,
    /// The price, in fen, of a code the catalogue does not know.
    Price(ItemCode),
}

/// The basket being rung up, kept while the card is presented (a declined
/// card leaves it as it was, for another card).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TillDraft {
    pub basket: Basket,
    pub input: String,
    pub entry: TillEntry,
    /// The line the quantity keys and `x` act on (the last scanned).
    pub selected: usize,
}

/// A till sale's basket and segment, carried with the card payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TillSale {
    pub segment: String,
    pub basket: Basket,
}

impl App {
    /// `t` on the menu: the till, once the catalogue is at hand.
    pub(super) fn open_till(&mut self) -> (Screen, Option<Effect>) {
        if self.till.is_some() {
            return (Screen::Till, None);
        }
        (Screen::Busy(self.t("正在下载商品目录…", "Fetching the catalogue…").into()), Some(Effect::Catalogue))
    }

    /// The catalogue the device found: downloaded now, or the one it kept
    /// (`stale` says why it is not fresh), or none at all.
    pub fn catalogue_loaded(&mut self, catalogue: Option<TerminalCatalogue>, stale: Option<String>) {
        match (catalogue, stale) {
            (None, reason) => {
                self.error = Some(format!(
                    "{}{}",
                    self.t("无商品目录，无法收银", "No catalogue: the till cannot work without one"),
                    reason.map(|r| format!(" ({r})")).unwrap_or_default()
                ));
                self.screen = Screen::Menu;
            }
            (Some(catalogue), stale) => {
                self.status = Some(match stale {
                    None => format!(
                        "{} · {} {}",
                        self.t("商品目录已更新", "Catalogue up to date"),
                        catalogue.items.len(),
                        self.t("种商品", "items")
                    ),
                    Some(_) => format!(
                        "{} · {} {}",
                        self.t(
                            "后台不可达：使用上次下载的商品目录",
                            "The host's API is unreachable: the catalogue kept"
                        ),
                        catalogue.items.len(),
                        self.t("种商品", "items")
                    ),
                });
                self.catalogue = Some(catalogue);
                self.till = Some(TillDraft::default());
                self.screen = Screen::Till;
            }
        }
    }

    pub(super) fn till_step(&mut self, screen: Screen, key: Key, back: bool) -> (Screen, Option<Effect>) {
        let Some(mut till) = self.till.take() else { return (Screen::Menu, None) };
        let next = match screen {
            Screen::TillDiscard => match key {
                Key::Enter | Key::Char('y') => {
                    self.status = Some(self.t("已清空购物篮", "Basket discarded").into());
                    return (Screen::Menu, None);
                }
                _ => Screen::Till,
            },
            Screen::TillSegment if back => Screen::Till,
            Screen::TillSegment => {
                let segments = self.catalogue.as_ref().map(|c| c.segments.as_slice()).unwrap_or(&[]);
                let chosen = super::key_digit(key).and_then(|n| n.checked_sub(1)).and_then(|i| segments.get(i));
                match (chosen, till.basket.total()) {
                    (Some(segment), Ok(total)) => {
                        let mut draft = Draft::new(TxnKind::Sale);
                        draft.amount = total;
                        draft.till =
                            Some(Box::new(TillSale { segment: segment.code.clone(), basket: till.basket.clone() }));
                        self.till = Some(till);
                        return (Screen::Present { draft }, None);
                    }
                    _ => Screen::TillSegment,
                }
            }
            _ => match till.entry.clone() {
                TillEntry::Price(_) if back => {
                    till.entry = TillEntry::Code;
                    till.input.clear();
                    Screen::Till
                }
                TillEntry::Price(code) => {
                    self.price_key(&mut till, code, key);
                    Screen::Till
                }
                TillEntry::Code if back => {
                    if till.basket.lines.is_empty() {
                        return (Screen::Menu, None);
                    }
                    Screen::TillDiscard
                }
                TillEntry::Code => return self.code_key(till, key),
            },
        };
        self.till = Some(till);
        (next, None)
    }

    fn code_key(&mut self, mut till: TillDraft, key: Key) -> (Screen, Option<Effect>) {
        let last = till.basket.lines.len().saturating_sub(1);
        match key {
            Key::Char(c)
                if (c.is_ascii_digit() || c.is_ascii_uppercase() || c == '_') && till.input.len() < INPUT_MAX =>
            {
                till.input.push(c)
            }
            Key::Backspace => {
                till.input.pop();
            }
            Key::Enter if till.input.is_empty() => {
                if till.basket.lines.is_empty() {
                    self.error = Some(self.t("请先扫描商品", "Scan an item first").into());
                } else {
                    self.till = Some(till);
                    return (Screen::TillSegment, None);
                }
            }
            Key::Enter => {
                let text = std::mem::take(&mut till.input);
                self.scan(&mut till, &text);
            }
            Key::Up | Key::Char('k') => till.selected = till.selected.saturating_sub(1),
            Key::Down | Key::Char('j') => till.selected = (till.selected + 1).min(last),
            Key::Char('+') => self.change_quantity(&mut till, |q| q.checked_add(1)),
            Key::Char('-') => self.change_quantity(&mut till, |q| q.checked_sub(1)),
            Key::Char('*') => {
                let keyed = std::mem::take(&mut till.input).parse::<u32>().ok();
                match keyed {
                    Some(quantity) => self.change_quantity(&mut till, |_| Some(quantity)),
                    None => {
                        self.error = Some(self.t("先输入数量，再按 *", "Key the quantity, then *").into());
                    }
                }
            }
            Key::Char('x') => match till.basket.remove(till.selected) {
                Ok(line) => {
                    self.status = Some(format!("{} {}", self.t("已删除", "Removed"), line.name));
                    till.selected = till.selected.min(till.basket.lines.len().saturating_sub(1));
                }
                Err(_) => self.error = Some(self.t("购物篮是空的", "The basket is empty").into()),
            },
            _ => {}
        }
        self.till = Some(till);
        (Screen::Till, None)
    }

    /// A scanned or keyed code: its item goes in the basket, or the till
    /// says why not (and asks for the price when the merchant allows it).
    fn scan(&mut self, till: &mut TillDraft, text: &str) {
        let code = match ItemCode::parse(text) {
            Ok((code, _)) => code,
            Err(CodeError::CheckDigit { expected, .. }) => {
                self.error = Some(match self.lang {
                    Lang::Zh => format!("条码 {text} 校验位错误（应为 {expected}），请重新扫描"),
                    Lang::En => format!("Barcode {text}: wrong check digit (should be {expected}); scan it again"),
                });
                return;
            }
            Err(_) => {
                self.error = Some(match self.lang {
                    Lang::Zh => format!("{text} 不是条码或商品编码"),
                    Lang::En => format!("{text} is not a barcode or an item code"),
                });
                return;
            }
        };
        let catalogue = self.catalogue.as_ref();
        match catalogue.and_then(|c| c.find(code.as_str())) {
            Some(item) => match till.basket.scan(&item) {
                Ok(line) => {
                    till.selected = line;
                    self.status = Some(format!("{} {}", item.name, super::money(item.price.0)));
                }
                Err(e) => self.basket_refused(e),
            },
            None if catalogue.is_some_and(|c| c.keyed_price) => {
                self.status = Some(match self.lang {
                    Lang::Zh => format!("商品目录中无此商品 {code}：请输入单价"),
                    Lang::En => format!("{code} is not in the catalogue: key its price"),
                });
                till.entry = TillEntry::Price(code);
            }
            None => {
                self.error = Some(match self.lang {
                    Lang::Zh => format!("商品目录中无此商品 {code}（商户不允许手输价格）"),
                    Lang::En => format!("{code} is not in the catalogue (the merchant does not allow keyed prices)"),
                });
            }
        }
    }

    fn price_key(&mut self, till: &mut TillDraft, code: ItemCode, key: Key) {
        match key {
            Key::Char(c) if c.is_ascii_digit() && till.input.len() < 9 && !(till.input.is_empty() && c == '0') => {
                till.input.push(c)
            }
            Key::Backspace => {
                till.input.pop();
            }
            Key::Enter => {
                let price = Amount(till.input.parse().unwrap_or(0));
                match till.basket.keyed(code, price) {
                    Ok(line) => {
                        till.selected = line;
                        till.entry = TillEntry::Code;
                        till.input.clear();
                    }
                    Err(e) => self.basket_refused(e),
                }
            }
            _ => {}
        }
    }

    fn change_quantity(&mut self, till: &mut TillDraft, change: impl Fn(u32) -> Option<u32>) {
        let Some(line) = till.basket.lines.get(till.selected) else {
            self.error = Some(self.t("购物篮是空的", "The basket is empty").into());
            return;
        };
        match change(line.quantity) {
            Some(0) | None => {
                self.error =
                    Some(self.t("数量至少为 1：按 x 删除该行", "A quantity is at least 1: x removes the line").into())
            }
            Some(quantity) => {
                if let Err(e) = till.basket.set_quantity(till.selected, quantity) {
                    self.basket_refused(e);
                }
            }
        }
    }

    fn basket_refused(&mut self, error: BasketError) {
        self.error = Some(match (self.lang, error) {
            (Lang::Zh, BasketError::TooManyLines) => {
                format!("购物篮最多 {} 行", kassa_till::basket::LINES_MAX)
            }
            (Lang::Zh, BasketError::Quantity) => format!("数量为 1 至 {}", kassa_till::basket::QUANTITY_MAX),
            (Lang::Zh, BasketError::Price) => {
                format!("单价为 ¥0.01 至 {}", super::money(kassa_till::catalogue::PRICE_MAX.0))
            }
            (Lang::Zh, BasketError::Overflow) => "合计超出刷卡金额上限".into(),
            (Lang::Zh, BasketError::NoLine | BasketError::Empty) => "购物篮是空的".into(),
            (Lang::En, e) => {
                let text = e.to_string();
                let mut chars = text.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or(text)
            }
        });
    }

    /// A till sale's outcome: as any sale's, and once approved, what became
    /// of its basket (recorded, kept to send later, or refused), and a new basket.
    pub fn till_answered(
        &mut self,
        amount: Amount,
        result: Result<TxnAnswer, String>,
        logged: Option<LogEntry>,
        sent: Option<BasketSent>,
    ) -> Option<Effect> {
        let approved = logged.is_some();
        let effect = self.answered(TxnKind::Sale, amount, result, logged);
        if approved {
            self.till = None;
            let line = match sent {
                Some(BasketSent::Recorded) => {
                    self.t("购物清单已上送后台", "The basket is recorded at the host").to_string()
                }
                Some(BasketSent::Kept(_)) | None => self
                    .t(
                        "后台暂不可达：购物清单已保存，联网后自动上送",
                        "The host's API is unreachable: the basket is kept and sent when it is back",
                    )
                    .to_string(),
                Some(BasketSent::Refused(reason)) => {
                    let line = format!("{}: {reason}", self.t("后台拒收购物清单", "The host refused the basket"));
                    self.error = Some(line.clone());
                    line
                }
            };
            if let Screen::Slip { outcome, .. } = &mut self.screen {
                outcome.push(line);
            }
        }
        effect
    }
}
