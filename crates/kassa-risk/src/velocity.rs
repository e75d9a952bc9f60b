//! Sliding windows per card, terminal and merchant, in process, bounded in
//! memory, rebuilt from the store's transactions at start-up.

use std::collections::{BTreeSet, HashMap, VecDeque};

pub const MINUTE_MS: i64 = 60 * 1000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// The longest window (a terminal's day).
pub const WINDOW_MAX_MS: i64 = 24 * HOUR_MS;
/// Events kept per card and per terminal; older ones beyond this are dropped
/// (a card with more than this in an hour is already far past every rule).
pub const EVENTS_PER_KEY_MAX: usize = 512;
/// Cards, terminals and merchant-days kept at once; beyond this the stalest go first.
pub const KEYS_MAX: usize = 1_000_000;

/// One transaction as the windows remember it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VelocityEvent {
    pub at_ms: i64,
    /// The local business day number (for merchant-day totals).
    pub day: i64,
    pub card: String,
    pub terminal: String,
    pub merchant: String,
    pub amount: i64,
    pub credit: bool,
    /// `sale`, `refund`, …
    pub kind: String,
    /// The response code: `00` approved, else declined.
    pub code: String,
}

impl VelocityEvent {
    fn approved(&self) -> bool {
        self.code == "00"
    }
}

/// The velocity features of one transaction, before it is recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// This card's transactions in the last hour.
    pub card_count_1h: i64,
    /// Distinct terminals this card used in the last 30 minutes, this one included.
    pub card_terminals_30m: i64,
    /// Distinct cards at this terminal in the last hour, this one included.
    pub terminal_cards_1h: i64,
    /// Approved credit-card round amounts at this terminal in the last hour.
    pub terminal_credit_round_1h: i64,
    pub terminal_count_1h: i64,
    pub terminal_count_24h: i64,
    /// Declines 51, 55 or 14 at this terminal in the last 10 minutes.
    pub terminal_declines_10m: i64,
    /// Distinct cards declined (51, 55, 14, 54, 41, 43) at this terminal in the
    /// last 10 minutes: card testing, or PINs tried on stolen cards. One
    /// customer's wrong PINs are one card, however many tries.
    pub terminal_declined_cards_10m: i64,
    /// Other cards that paid this same amount at this terminal in the last hour.
    pub same_amount_cards_1h: i64,
    /// This card at this terminal in the last hour: count and sum, this one included.
    pub card_terminal_count_1h: i64,
    pub card_terminal_sum_1h: i64,
    /// The merchant's day so far (approved): refunds, sales, credit-card sales, count.
    pub merchant_refunds_day: i64,
    pub merchant_sales_day: i64,
    pub merchant_credit_day: i64,
    pub merchant_count_day: i64,
}

#[derive(Clone, Debug, Default)]
struct Day {
    refunds: i64,
    sales: i64,
    credit: i64,
    count: i64,
}

#[derive(Debug, Default)]
pub struct Velocity {
    cards: HashMap<String, VecDeque<VelocityEvent>>,
    terminals: HashMap<String, VecDeque<VelocityEvent>>,
    days: HashMap<(String, i64), Day>,
    recorded: u64,
}

fn push(map: &mut HashMap<String, VecDeque<VelocityEvent>>, key: &str, event: &VelocityEvent) {
    if !map.contains_key(key) && map.len() >= KEYS_MAX {
        let stalest = map.iter().min_by_key(|(_, q)| q.back().map_or(i64::MIN, |e| e.at_ms)).map(|(k, _)| k.clone());
        if let Some(k) = stalest {
            map.remove(&k);
        }
    }
    let queue = map.entry(key.to_string()).or_default();
    queue.push_back(event.clone());
    while queue.len() > EVENTS_PER_KEY_MAX {
        queue.pop_front();
    }
}

fn since(queue: Option<&VecDeque<VelocityEvent>>, now: i64, window: i64) -> impl Iterator<Item = &VelocityEvent> {
    // A window [now − window, now): an event exactly `window` old has left it.
    queue.into_iter().flatten().filter(move |e| e.at_ms > now - window && e.at_ms <= now)
}

impl Velocity {
    pub fn new() -> Velocity {
        Velocity::default()
    }

    /// Rebuilds the windows from recorded transactions (oldest first).
    pub fn rebuild(events: impl IntoIterator<Item = VelocityEvent>) -> Velocity {
        let mut v = Velocity::new();
        for e in events {
            v.record(&e);
        }
        v
    }

    /// The features of `event` (not yet recorded) at `event.at_ms`.
    pub fn features(&self, event: &VelocityEvent) -> Features {
        let now = event.at_ms;
        let card = self.cards.get(&event.card);
        let terminal = self.terminals.get(&event.terminal);
        let mut terminals_30m: BTreeSet<&str> = since(card, now, 30 * MINUTE_MS).map(|e| e.terminal.as_str()).collect();
        terminals_30m.insert(&event.terminal);
        let mut cards_1h: BTreeSet<&str> = since(terminal, now, HOUR_MS).map(|e| e.card.as_str()).collect();
        cards_1h.insert(&event.card);
        let same_amount: BTreeSet<&str> = since(terminal, now, HOUR_MS)
            .filter(|e| e.amount == event.amount && e.card != event.card && e.approved())
            .map(|e| e.card.as_str())
            .collect();
        let here: Vec<&VelocityEvent> =
            since(card, now, HOUR_MS).filter(|e| e.terminal == event.terminal && e.approved()).collect();
        let declined_cards: BTreeSet<&str> = since(terminal, now, 10 * MINUTE_MS)
            .filter(|e| matches!(e.code.as_str(), "51" | "55" | "14" | "54" | "41" | "43"))
            .map(|e| e.card.as_str())
            .collect();
        let day = self.days.get(&(event.merchant.clone(), event.day)).cloned().unwrap_or_default();
        Features {
            card_count_1h: since(card, now, HOUR_MS).count() as i64,
            card_terminals_30m: terminals_30m.len() as i64,
            terminal_cards_1h: cards_1h.len() as i64,
            terminal_credit_round_1h: since(terminal, now, HOUR_MS)
                .filter(|e| e.credit && e.approved() && e.amount > 0 && e.amount % 10_000 == 0)
                .count() as i64,
            terminal_count_1h: since(terminal, now, HOUR_MS).count() as i64,
            terminal_count_24h: since(terminal, now, WINDOW_MAX_MS).count() as i64,
            terminal_declines_10m: since(terminal, now, 10 * MINUTE_MS)
                .filter(|e| matches!(e.code.as_str(), "51" | "55" | "14"))
                .count() as i64,
            terminal_declined_cards_10m: declined_cards.len() as i64,
            same_amount_cards_1h: same_amount.len() as i64,
            card_terminal_count_1h: here.len() as i64 + 1,
            card_terminal_sum_1h: here.iter().map(|e| e.amount).sum::<i64>() + event.amount,
            merchant_refunds_day: day.refunds,
            merchant_sales_day: day.sales,
            merchant_credit_day: day.credit,
            merchant_count_day: day.count,
        }
    }

    /// Remembers a transaction (approved or declined).
    pub fn record(&mut self, event: &VelocityEvent) {
        push(&mut self.cards, &event.card, event);
        push(&mut self.terminals, &event.terminal, event);
        if event.approved() {
            let key = (event.merchant.clone(), event.day);
            if !self.days.contains_key(&key) && self.days.len() >= KEYS_MAX {
                self.days.retain(|(_, d), _| *d >= event.day);
            }
            let day = self.days.entry(key).or_default();
            // Only what moves the merchant's takings: a void takes its sale
            // back out; pre-auths and balance inquiries are no sales.
            match event.kind.as_str() {
                "refund" => day.refunds += event.amount,
                "sale" | "completion" | "completion_advice" => {
                    day.sales += event.amount;
                    if event.credit {
                        day.credit += event.amount;
                    }
                    day.count += 1;
                }
                "sale_void" | "completion_void" => {
                    day.sales = (day.sales - event.amount).max(0);
                    if event.credit {
                        day.credit = (day.credit - event.amount).max(0);
                    }
                    day.count = (day.count - 1).max(0);
                }
                _ => {}
            }
        }
        self.recorded += 1;
        if self.recorded.is_multiple_of(10_000) {
            self.prune(event.at_ms, event.day);
        }
    }

    /// Drops what every window has left behind.
    pub fn prune(&mut self, now_ms: i64, today: i64) {
        for map in [&mut self.cards, &mut self.terminals] {
            map.retain(|_, q| {
                while q.front().is_some_and(|e| e.at_ms <= now_ms - WINDOW_MAX_MS) {
                    q.pop_front();
                }
                !q.is_empty()
            });
        }
        self.days.retain(|(_, d), _| *d >= today - 1);
    }

    /// Keys held (for the bounded-memory tests).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.cards.len(), self.terminals.len(), self.days.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn event(at_ms: i64, card: &str, terminal: &str, amount: i64, code: &str) -> VelocityEvent {
        VelocityEvent {
            at_ms,
            day: 0,
            card: card.into(),
            terminal: terminal.into(),
            merchant: "m".into(),
            amount,
            credit: true,
            kind: "sale".into(),
            code: code.into(),
        }
    }

    #[test]
    fn windows_at_their_edges() {
        let mut v = Velocity::new();
        v.record(&event(0, "c1", "t1", 10_000, "00"));
        // Just inside the hour, and exactly at its end.
        let inside = v.features(&event(HOUR_MS - 1, "c1", "t1", 500, "00"));
        assert_eq!((inside.card_count_1h, inside.terminal_credit_round_1h), (1, 1));
        let out = v.features(&event(HOUR_MS, "c1", "t1", 500, "00"));
        assert_eq!((out.card_count_1h, out.terminal_credit_round_1h, out.terminal_count_24h), (0, 0, 1));
        let day_later = v.features(&event(WINDOW_MAX_MS, "c2", "t1", 500, "00"));
        assert_eq!(day_later.terminal_count_24h, 0);
    }

    #[test]
    fn distinct_cards_terminals_and_splits() {
        let mut v = Velocity::new();
        for (i, card) in ["a", "b", "c"].iter().enumerate() {
            v.record(&event(i as i64 * MINUTE_MS, card, "t1", 20_000, "00"));
        }
        v.record(&event(4 * MINUTE_MS, "a", "t2", 1_000, "00"));
        v.record(&event(5 * MINUTE_MS, "x", "t1", 1_000, "51"));
        let f = v.features(&event(6 * MINUTE_MS, "a", "t1", 20_000, "00"));
        assert_eq!(f.terminal_cards_1h, 4, "a, b, c, x");
        assert_eq!(f.same_amount_cards_1h, 2, "b and c paid 200.00 too");
        assert_eq!(f.card_terminals_30m, 2);
        assert_eq!((f.card_terminal_count_1h, f.card_terminal_sum_1h), (2, 40_000));
        assert_eq!((f.terminal_declines_10m, f.terminal_declined_cards_10m), (1, 1));
        assert_eq!((f.merchant_sales_day, f.merchant_count_day), (61_000, 4));
    }

    #[test]
    fn one_customers_wrong_pins_are_one_declined_card_and_voids_leave_the_day() {
        let mut v = Velocity::new();
        for i in 0..4 {
            v.record(&event(i * MINUTE_MS, "a", "t1", 1_000, "55"));
        }
        v.record(&event(5 * MINUTE_MS, "b", "t1", 1_000, "51"));
        let f = v.features(&event(6 * MINUTE_MS, "c", "t1", 1_000, "00"));
        assert_eq!((f.terminal_declines_10m, f.terminal_declined_cards_10m), (5, 2));
        v.record(&VelocityEvent { kind: "sale_void".into(), ..event(7 * MINUTE_MS, "c", "t1", 20_000, "00") });
        v.record(&VelocityEvent { kind: "balance".into(), ..event(7 * MINUTE_MS, "c", "t1", 0, "00") });
        v.record(&event(8 * MINUTE_MS, "c", "t1", 30_000, "00"));
        v.record(&VelocityEvent { kind: "sale_void".into(), ..event(9 * MINUTE_MS, "c", "t1", 30_000, "00") });
        let f = v.features(&event(10 * MINUTE_MS, "c", "t1", 1_000, "00"));
        assert_eq!((f.merchant_sales_day, f.merchant_count_day), (0, 0), "voided, and no sales else");
    }

    #[test]
    fn memory_is_bounded_and_rebuilt_windows_agree() {
        let mut v = Velocity::new();
        for i in 0..(EVENTS_PER_KEY_MAX as i64 + 10) {
            v.record(&event(i, "c", "t", 1, "00"));
        }
        assert_eq!(v.cards.get("c").map(VecDeque::len), Some(EVENTS_PER_KEY_MAX));
        v.prune(WINDOW_MAX_MS + 1_000, 5);
        assert_eq!(v.sizes(), (0, 0, 0));
        let events: Vec<_> =
            (0..50).map(|i| event(i * MINUTE_MS, &format!("c{}", i % 7), "t", 100 * i, "00")).collect();
        let mut live = Velocity::new();
        for e in &events {
            live.record(e);
        }
        let rebuilt = Velocity::rebuild(events);
        let probe = event(50 * MINUTE_MS, "c3", "t", 300, "00");
        assert_eq!(live.features(&probe), rebuilt.features(&probe));
    }
}
