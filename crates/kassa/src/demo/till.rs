//! The demo merchant's shop: a small catalogue (a convenience store's
//! drinks, snacks, fresh food, dairy and household goods, with real-looking
//! EAN-13 barcodes and a few internal codes for loose produce) and two weeks
//! of baskets so the analytics have something to show and to compare. The
//! baskets are drawn from a fixed seed: the same demo shows the same charts.

use kassa_core::Amount;
use kassa_store::till::{self as store_till, NewBasket};
use kassa_till::{Basket, Item, ItemCode};

/// The demo's departments, in the order the portal lists them.
pub const DEPARTMENTS: [&str; 5] = ["饮料", "零食", "生鲜", "乳品", "日用"];

/// The terminal id the seeded history is recorded under (no real terminal has it).
pub const SEEDED_TERMINAL: &str = "SEEDED01";

/// Days of history seeded, ending yesterday.
pub const SEEDED_DAYS: i64 = 14;

/// (barcode body or internal code, name, price in fen, department, popularity).
const ITEMS: [(&str, &str, u64, usize, u32); 20] = [
    ("690123456001", "矿泉水 550ml", 200, 0, 30),
    ("690123456002", "绿茶 500ml", 350, 0, 18),
    ("690123456003", "可乐 330ml", 300, 0, 20),
    ("690123456004", "咖啡 280ml", 650, 0, 10),
    ("690123456005", "橙汁 1L", 1_280, 0, 6),
    ("690123456006", "薯片 70g", 750, 1, 12),
    ("690123456007", "巧克力 43g", 590, 1, 9),
    ("690123456008", "口香糖", 850, 1, 7),
    ("690123456009", "饼干 200g", 1_090, 1, 8),
    ("690123456010", "坚果 150g", 2_580, 1, 4),
    ("1001", "散装苹果 500g", 1_290, 2, 8),
    ("1002", "香蕉 500g", 690, 2, 10),
    ("1003", "便当 (鸡腿饭)", 1_800, 2, 14),
    ("690123456011", "三明治", 1_200, 2, 9),
    ("690123456012", "纯牛奶 250ml", 380, 3, 15),
    ("690123456013", "酸奶 200g", 550, 3, 11),
    ("690123456014", "鸡蛋 10枚", 1_390, 3, 5),
    ("690123456015", "纸巾 10包", 1_990, 4, 5),
    ("690123456016", "洗洁精 500g", 1_290, 4, 3),
    ("690123456017", "电池 AA 4节", 2_200, 4, 3),
];

/// The demo catalogue's items (barcodes completed with their check digits).
pub fn items() -> Vec<Item> {
    ITEMS
        .iter()
        .filter_map(|(body, name, price, department, _)| {
            let code = if body.len() == 12 { kassa_till::code::with_check_digit(body)? } else { body.to_string() };
            let (code, _) = ItemCode::parse(&code).ok()?;
            Some(Item {
                code,
                name: name.to_string(),
                price: Amount(*price),
                department: DEPARTMENTS[*department].to_string(),
                active: true,
            })
        })
        .collect()
}

/// A small, fixed pseudo-random sequence (xorshift): the demo's history is
/// the same on every machine.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// An index into `weights`, each as likely as its weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut pick = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if pick < u64::from(*w) {
                return i;
            }
            pick -= u64::from(*w);
        }
        weights.len() - 1
    }
}

/// When a shop like this is busy: breakfast, lunch, the evening.
const HOUR_WEIGHTS: [(u8, u32); 15] = [
    (7, 4),
    (8, 9),
    (9, 6),
    (10, 4),
    (11, 7),
    (12, 12),
    (13, 8),
    (14, 4),
    (15, 4),
    (16, 5),
    (17, 8),
    (18, 11),
    (19, 9),
    (20, 6),
    (21, 3),
];

/// The seeded history: `days` days of baskets ending the day before `today` (a day number).
pub fn history(merchant: &str, today: i64, days: i64) -> Vec<NewBasket> {
    let items = items();
    let popularity: Vec<u32> = ITEMS.iter().map(|i| i.4).collect();
    let segments = kassa_till::segment::default_segments();
    // Students at lunch, young people in the evening, seniors in the morning.
    let segment_weights = |hour: u8| -> [u32; 6] {
        match hour {
            7..=9 => [3, 3, 4, 4, 7, 3],
            11..=13 => [5, 5, 4, 4, 2, 6],
            17..=20 => [6, 6, 5, 5, 2, 3],
            _ => [3, 3, 4, 5, 4, 2],
        }
    };
    let mut draw = Draw(0x5EED_0017_CA55_A001);
    let mut out = Vec::new();
    for back in (1..=days).rev() {
        let day = today - back;
        let date = kassa_core::time::date_of_day_number(day);
        // Weekends are busier; the second week a little busier than the first.
        let weekday = (day + 3).rem_euclid(7); // 0 = Monday
        let base = if weekday >= 5 { 34 } else { 24 } + if back <= 7 { 4 } else { 0 };
        let count = base + draw.below(10) as u32;
        let hours: Vec<u32> = HOUR_WEIGHTS.iter().map(|h| h.1).collect();
        for n in 0..count {
            let hour = HOUR_WEIGHTS[draw.weighted(&hours)].0;
            let mut basket = Basket::default();
            let lines = 1 + draw.weighted(&[30, 28, 20, 12, 6, 4]);
            for _ in 0..lines {
                let item = &items[draw.weighted(&popularity)];
                if let Ok(line) = basket.scan(item)
                    && draw.below(5) == 0
                {
                    let quantity = basket.lines[line].quantity + 1;
                    let _ = basket.set_quantity(line, quantity);
                }
            }
            let segment = &segments[draw.weighted(&segment_weights(hour))];
            out.push(NewBasket {
                merchant: merchant.to_string(),
                terminal: SEEDED_TERMINAL.to_string(),
                batch: u32::try_from(day.rem_euclid(1_000_000)).unwrap_or(0),
                trace: n + 1,
                rrn: None,
                txn_id: None,
                basket,
                segment: segment.code.clone(),
                local_date: date.clone(),
                local_hour: hour,
            });
        }
    }
    out
}

/// The catalogue and the history, into a new demo's store.
pub async fn seed(office: &kassa_api::Office, merchant: &str) -> Result<usize, String> {
    let merchant = merchant.to_string();
    let now = office.now_ms();
    let baskets = history(&merchant, office.today(), SEEDED_DAYS);
    let seeded = baskets.len();
    office
        .write(move |sql| {
            for name in DEPARTMENTS {
                store_till::add_department(sql, &merchant, name, now)?;
            }
            for item in items() {
                store_till::put_item(sql, &merchant, &item, now)?;
            }
            for basket in &baskets {
                store_till::record_basket(sql, basket, now)?;
            }
            Ok(Ok(()))
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogue_and_history_are_sound() {
        assert_eq!(items().len(), ITEMS.len(), "every demo code is valid");
        let a = history("898310048990001", 20_000, SEEDED_DAYS);
        let b = history("898310048990001", 20_000, SEEDED_DAYS);
        assert_eq!(a.len(), b.len(), "the same seed, the same history");
        assert!(a.len() > 300, "{}", a.len());
        for basket in &a {
            assert!(basket.basket.check().is_ok());
            assert!((7..=21).contains(&basket.local_hour));
        }
        let dates: std::collections::BTreeSet<&str> = a.iter().map(|b| b.local_date.as_str()).collect();
        assert_eq!(dates.len(), SEEDED_DAYS as usize);
    }
}
