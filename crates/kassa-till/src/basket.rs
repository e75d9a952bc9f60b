//! A basket at the till: lines of items with quantities, its total and its
//! department totals. Every amount is checked arithmetic in fen.

use std::collections::BTreeMap;

use kassa_core::Amount;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Item, PRICE_MAX};
use crate::code::ItemCode;

/// Lines a basket may hold.
pub const LINES_MAX: usize = 100;
/// The largest quantity of one line.
pub const QUANTITY_MAX: u32 = 999;
/// The department of an item keyed at the till by price (its code not in the catalogue).
pub const KEYED_DEPARTMENT: &str = "keyed";

/// One line: what was sold, at what unit price, how many.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub code: ItemCode,
    pub name: String,
    pub department: String,
    /// Fen.
    pub unit_price: Amount,
    pub quantity: u32,
    /// The code was not in the catalogue and the cashier keyed its price.
    #[serde(default)]
    pub keyed: bool,
}

impl Line {
    /// `unit_price × quantity`; `None` on overflow.
    pub fn amount(&self) -> Option<Amount> {
        self.unit_price.0.checked_mul(u64::from(self.quantity)).map(Amount)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BasketError {
    #[error("a basket holds at most {LINES_MAX} lines")]
    TooManyLines,
    #[error("a quantity is 1 to {QUANTITY_MAX}")]
    Quantity,
    #[error("a price is 1 fen to {}", PRICE_MAX.0)]
    Price,
    #[error("no such line")]
    NoLine,
    #[error("the basket is empty")]
    Empty,
    #[error("the total is past what a card payment can carry")]
    Overflow,
}

/// The basket being built at the till.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basket {
    pub lines: Vec<Line>,
}

impl Basket {
    /// Adds one of `item`: a scan of an item already in the basket adds to its line.
    pub fn scan(&mut self, item: &Item) -> Result<usize, BasketError> {
        if let Some(i) = self.lines.iter().position(|l| l.code == item.code && !l.keyed && l.unit_price == item.price) {
            let quantity = self.lines[i].quantity + 1;
            self.set_quantity(i, quantity)?;
            return Ok(i);
        }
        self.push(Line {
            code: item.code.clone(),
            name: item.name.clone(),
            department: item.department.clone(),
            unit_price: item.price,
            quantity: 1,
            keyed: false,
        })
    }

    /// Adds a code the catalogue does not know, at a price the cashier keyed.
    pub fn keyed(&mut self, code: ItemCode, price: Amount) -> Result<usize, BasketError> {
        self.push(Line {
            name: code.to_string(),
            code,
            department: KEYED_DEPARTMENT.into(),
            unit_price: price,
            quantity: 1,
            keyed: true,
        })
    }

    fn push(&mut self, line: Line) -> Result<usize, BasketError> {
        if self.lines.len() >= LINES_MAX {
            return Err(BasketError::TooManyLines);
        }
        if line.unit_price == Amount::ZERO || line.unit_price > PRICE_MAX {
            return Err(BasketError::Price);
        }
        self.lines.push(line);
        if let Err(e) = self.total() {
            self.lines.pop();
            return Err(e);
        }
        Ok(self.lines.len() - 1)
    }

    pub fn set_quantity(&mut self, line: usize, quantity: u32) -> Result<(), BasketError> {
        if !(1..=QUANTITY_MAX).contains(&quantity) {
            return Err(BasketError::Quantity);
        }
        let before = self.lines.get(line).ok_or(BasketError::NoLine)?.quantity;
        self.lines[line].quantity = quantity;
        if let Err(e) = self.total() {
            self.lines[line].quantity = before;
            return Err(e);
        }
        Ok(())
    }

    pub fn remove(&mut self, line: usize) -> Result<Line, BasketError> {
        if line >= self.lines.len() {
            return Err(BasketError::NoLine);
        }
        Ok(self.lines.remove(line))
    }

    /// What the card pays: the sum of the lines, within field 4's twelve digits.
    pub fn total(&self) -> Result<Amount, BasketError> {
        let mut total = Amount::ZERO;
        for line in &self.lines {
            total = line.amount().and_then(|a| total.checked_add(a)).ok_or(BasketError::Overflow)?;
        }
        if total > kassa_core::money::AMOUNT_MAX {
            return Err(BasketError::Overflow);
        }
        Ok(total)
    }

    /// How many items: the sum of the quantities.
    pub fn items(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.quantity)).sum()
    }

    /// Each department's total, by name.
    pub fn department_totals(&self) -> BTreeMap<String, Amount> {
        let mut totals: BTreeMap<String, Amount> = BTreeMap::new();
        for line in &self.lines {
            let entry = totals.entry(line.department.clone()).or_default();
            *entry = Amount(entry.0.saturating_add(line.amount().map_or(u64::MAX, |a| a.0)));
        }
        totals
    }

    /// Checks a basket that came from outside (a terminal): lines within their
    /// limits, the total one a card can pay.
    pub fn check(&self) -> Result<Amount, BasketError> {
        if self.lines.is_empty() {
            return Err(BasketError::Empty);
        }
        if self.lines.len() > LINES_MAX {
            return Err(BasketError::TooManyLines);
        }
        for line in &self.lines {
            if !(1..=QUANTITY_MAX).contains(&line.quantity) {
                return Err(BasketError::Quantity);
            }
            if line.unit_price == Amount::ZERO || line.unit_price > PRICE_MAX {
                return Err(BasketError::Price);
            }
        }
        self.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(code: &str, price: u64, department: &str) -> Item {
        Item {
            code: ItemCode::parse(code).unwrap().0,
            name: format!("item {code}"),
            price: Amount(price),
            department: department.into(),
            active: true,
        }
    }

    #[test]
    fn scans_add_up_by_line_and_department() {
        let water = item("6901234567892", 200, "drinks");
        let chips = item("96385074", 750, "snacks");
        let mut basket = Basket::default();
        basket.scan(&water).unwrap();
        basket.scan(&chips).unwrap();
        assert_eq!(basket.scan(&water).unwrap(), 0, "a second scan adds to its line");
        assert_eq!(basket.lines.len(), 2);
        basket.set_quantity(1, 3).unwrap();
        assert_eq!(basket.total().unwrap(), Amount(2 * 200 + 3 * 750));
        assert_eq!(basket.items(), 5);
        let by_department = basket.department_totals();
        assert_eq!(by_department["drinks"], Amount(400));
        assert_eq!(by_department["snacks"], Amount(2_250));
        assert_eq!(basket.set_quantity(0, 0), Err(BasketError::Quantity));
        assert_eq!(basket.set_quantity(0, 1_000), Err(BasketError::Quantity));
        basket.remove(0).unwrap();
        assert_eq!(basket.total().unwrap(), Amount(2_250));
        basket.keyed(ItemCode::parse("5555").unwrap().0, Amount(99)).unwrap();
        assert_eq!(basket.lines[1].department, KEYED_DEPARTMENT);
        assert_eq!(basket.keyed(ItemCode::parse("5556").unwrap().0, Amount(0)), Err(BasketError::Price));
    }

    #[test]
    fn limits_hold() {
        let mut basket = Basket::default();
        for i in 0..LINES_MAX {
            basket.keyed(ItemCode::parse(&format!("C{i}")).unwrap().0, Amount(1)).unwrap();
        }
        assert_eq!(basket.keyed(ItemCode::parse("X").unwrap().0, Amount(1)), Err(BasketError::TooManyLines));
        assert_eq!(Basket::default().check(), Err(BasketError::Empty));
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_department_totals(lines in proptest::collection::vec((1u64..=PRICE_MAX.0, 1u32..=QUANTITY_MAX, 0usize..4), 1..40)) {
            let mut basket = Basket::default();
            for (i, (price, quantity, department)) in lines.iter().enumerate() {
                let mut it = item(&format!("I{i}"), *price, ["a", "b", "c", "d"][*department]);
                it.price = Amount(*price);
                let line = basket.scan(&it).unwrap();
                basket.set_quantity(line, *quantity).unwrap();
            }
            let total = basket.check().unwrap();
            let sum: u64 = basket.department_totals().values().map(|a| a.0).sum();
            prop_assert_eq!(total.0, sum);
        }
    }
}
