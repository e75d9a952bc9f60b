//! A period's sales figures from its baskets: by department, by hour of day,
//! by customer segment, by day, the top items, the average basket and items
//! per basket, and the change against the period before.
//!
//! The store computes these in SQL over all of a period's baskets; [`compute`]
//! is the same definition written plainly over the baskets themselves, the
//! independent computation the store's figures are tested against.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The longest period the figures cover, in days.
pub const PERIOD_DAYS_MAX: i64 = 92;
/// How many top items the figures name.
pub const TOP_ITEMS: usize = 10;

/// One basket as the figures see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasketFact {
    /// YYYYMMDD, the shop's local date.
    pub local_date: String,
    /// 0–23, the shop's local hour.
    pub hour: u8,
    pub segment: String,
    pub lines: Vec<LineFact>,
    /// Its sale was voided: the basket counts for nothing.
    pub voided: bool,
}

/// A line net of what was returned of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFact {
    pub code: String,
    pub name: String,
    pub department: String,
    /// Sold less returned.
    pub quantity: u64,
    /// Fen: sold less returned.
    pub amount: u64,
}

/// A group's part of the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The department, the hour (`00`–`23`), the segment's code or the date.
    pub key: String,
    /// Fen.
    pub sales: u64,
    pub items: u64,
    /// Baskets with anything of this group.
    pub baskets: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemShare {
    pub code: String,
    /// The least of its names in the period (an item renamed meanwhile has two).
    pub name: String,
    pub quantity: u64,
    /// Fen.
    pub sales: u64,
}

/// A period's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Paid baskets (not voided).
    pub baskets: u64,
    /// Fen, net of returns.
    pub sales: u64,
    pub items: u64,
    /// Fen, rounded half up; 0 with no basket.
    pub average_basket: u64,
    /// Items per basket in hundredths (`235` is 2.35), rounded half up.
    pub items_per_basket_x100: u64,
    /// Largest sales first.
    pub by_department: Vec<Share>,
    /// All 24 hours, in order.
    pub by_hour: Vec<Share>,
    /// Largest sales first.
    pub by_segment: Vec<Share>,
    /// Every date of the period, in order.
    pub by_day: Vec<Share>,
    /// Largest sales first, at most [`TOP_ITEMS`].
    pub top_items: Vec<ItemShare>,
}

/// `numerator / denominator` rounded half up; 0 when the denominator is.
pub fn ratio_half_up(numerator: u64, denominator: u64) -> u64 {
    if denominator == 0 {
        return 0;
    }
    ((u128::from(numerator) * 2 + u128::from(denominator)) / (u128::from(denominator) * 2)) as u64
}

/// The change from `previous` to `current` in basis points (`1250` is +12.50 %);
/// `None` when there was nothing before.
pub fn change_bp(current: u64, previous: u64) -> Option<i64> {
    if previous == 0 {
        return None;
    }
    let diff = i128::from(current) - i128::from(previous);
    let bp = (diff * 10_000 * 2 + i128::from(previous) * diff.signum()) / (i128::from(previous) * 2);
    i64::try_from(bp).ok()
}

/// Orders shares largest sales first, then by key.
pub fn by_sales(shares: &mut [Share]) {
    shares.sort_by(|a, b| b.sales.cmp(&a.sales).then_with(|| a.key.cmp(&b.key)));
}

/// Orders items largest sales first, then by code, and keeps the top ones.
pub fn top(items: &mut Vec<ItemShare>) {
    items.sort_by(|a, b| b.sales.cmp(&a.sales).then_with(|| a.code.cmp(&b.code)));
    items.truncate(TOP_ITEMS);
}

/// The 24 hours, each with its share (zeros where none).
pub fn full_day(hours: impl IntoIterator<Item = Share>) -> Vec<Share> {
    let mut all: Vec<Share> = (0..24).map(|h| Share { key: format!("{h:02}"), ..Share::default() }).collect();
    for share in hours {
        if let Some(slot) = share.key.parse::<usize>().ok().and_then(|h| all.get_mut(h)) {
            *slot = share;
        }
    }
    all
}

/// Every date of `dates` (YYYYMMDD, in order), each with its share.
pub fn every_day(dates: &[String], days: impl IntoIterator<Item = Share>) -> Vec<Share> {
    let mut found: BTreeMap<String, Share> = days.into_iter().map(|s| (s.key.clone(), s)).collect();
    dates.iter().map(|d| found.remove(d).unwrap_or_else(|| Share { key: d.clone(), ..Share::default() })).collect()
}

/// The figures of `baskets` over the period of `dates`, written plainly.
pub fn compute(baskets: &[BasketFact], dates: &[String]) -> Figures {
    let live: Vec<&BasketFact> = baskets.iter().filter(|b| !b.voided && dates.contains(&b.local_date)).collect();
    let mut figures = Figures { baskets: live.len() as u64, ..Figures::default() };
    let mut departments: BTreeMap<String, (Share, BTreeSet<usize>)> = BTreeMap::new();
    let mut hours: BTreeMap<String, Share> = BTreeMap::new();
    let mut segments: BTreeMap<String, Share> = BTreeMap::new();
    let mut days: BTreeMap<String, Share> = BTreeMap::new();
    let mut items: BTreeMap<String, ItemShare> = BTreeMap::new();
    for (i, basket) in live.iter().enumerate() {
        let sales: u64 = basket.lines.iter().map(|l| l.amount).sum();
        let count: u64 = basket.lines.iter().map(|l| l.quantity).sum();
        figures.sales += sales;
        figures.items += count;
        for (map, key) in [
            (&mut hours, format!("{:02}", basket.hour)),
            (&mut segments, basket.segment.clone()),
            (&mut days, basket.local_date.clone()),
        ] {
            let share = map.entry(key.clone()).or_insert_with(|| Share { key, ..Share::default() });
            share.sales += sales;
            share.items += count;
            share.baskets += 1;
        }
        for line in &basket.lines {
            let (share, seen) = departments
                .entry(line.department.clone())
                .or_insert_with(|| (Share { key: line.department.clone(), ..Share::default() }, BTreeSet::new()));
            share.sales += line.amount;
            share.items += line.quantity;
            seen.insert(i);
            let item = items.entry(line.code.clone()).or_insert_with(|| ItemShare {
                code: line.code.clone(),
                name: line.name.clone(),
                ..ItemShare::default()
            });
            if line.name < item.name {
                item.name = line.name.clone();
            }
            item.quantity += line.quantity;
            item.sales += line.amount;
        }
    }
    figures.average_basket = ratio_half_up(figures.sales, figures.baskets);
    figures.items_per_basket_x100 = ratio_half_up(figures.items * 100, figures.baskets);
    figures.by_department = departments
        .into_values()
        .map(|(mut share, seen)| {
            share.baskets = seen.len() as u64;
            share
        })
        .collect();
    by_sales(&mut figures.by_department);
    figures.by_hour = full_day(hours.into_values());
    figures.by_segment = segments.into_values().collect();
    by_sales(&mut figures.by_segment);
    figures.by_day = every_day(dates, days.into_values());
    figures.top_items = items.into_values().collect();
    top(&mut figures.top_items);
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: &str, department: &str, quantity: u64, amount: u64) -> LineFact {
        LineFact { code: code.into(), name: code.into(), department: department.into(), quantity, amount }
    }

    #[test]
    fn a_small_period_adds_up() {
        let dates = vec!["20261201".to_string(), "20261202".to_string()];
        let baskets = vec![
            BasketFact {
                local_date: "20261201".into(),
                hour: 9,
                segment: "student".into(),
                lines: vec![line("A", "drinks", 2, 400), line("B", "snacks", 1, 750)],
                voided: false,
            },
            BasketFact {
                local_date: "20261201".into(),
                hour: 9,
                segment: "senior".into(),
                lines: vec![line("A", "drinks", 1, 200)],
                voided: false,
            },
            BasketFact {
                local_date: "20261202".into(),
                hour: 18,
                segment: "student".into(),
                lines: vec![line("B", "snacks", 3, 2_250)],
                voided: true,
            },
            BasketFact {
                local_date: "20261130".into(),
                hour: 18,
                segment: "student".into(),
                lines: vec![line("B", "snacks", 3, 2_250)],
                voided: false,
            },
        ];
        let f = compute(&baskets, &dates);
        assert_eq!((f.baskets, f.sales, f.items), (2, 1_350, 4));
        assert_eq!(f.average_basket, 675);
        assert_eq!(f.items_per_basket_x100, 200);
        assert_eq!(f.by_department[0], Share { key: "snacks".into(), sales: 750, items: 1, baskets: 1 });
        assert_eq!(f.by_department[1], Share { key: "drinks".into(), sales: 600, items: 3, baskets: 2 });
        assert_eq!(f.by_hour.len(), 24);
        assert_eq!(f.by_hour[9].sales, 1_350);
        assert_eq!(f.by_day[1], Share { key: "20261202".into(), ..Share::default() });
        assert_eq!(f.top_items[0].code, "B");
    }

    #[test]
    fn ratios_round_half_up() {
        assert_eq!(ratio_half_up(5, 2), 3);
        assert_eq!(ratio_half_up(4, 3), 1);
        assert_eq!(ratio_half_up(7, 0), 0);
        assert_eq!(change_bp(1_125, 1_000), Some(1_250));
        assert_eq!(change_bp(900, 1_000), Some(-1_000));
        assert_eq!(change_bp(2, 3), Some(-3_333));
        assert_eq!(change_bp(5, 0), None);
    }
}
