//! The merchant's catalogue: items with a code, a name, a price in fen and a
//! department, active or retired; the departments the merchant defines; and
//! the catalogue as CSV, read whole or not at all.

use std::collections::{BTreeSet, HashSet};

use kassa_core::{Amount, Currency};
use serde::{Deserialize, Serialize};

use crate::code::{CodeKind, ItemCode};

/// Longest item name, in characters.
pub const NAME_MAX: usize = 60;
/// Longest department name, in characters.
pub const DEPARTMENT_MAX: usize = 30;
/// Departments a merchant may define.
pub const DEPARTMENTS_MAX: usize = 100;
/// Items a merchant's catalogue may hold (a CSV import may hold as many rows).
pub const ITEMS_MAX: usize = 10_000;
/// The highest price an item may have: ¥99,999.99.
pub const PRICE_MAX: Amount = Amount(9_999_999);
/// The largest CSV a merchant may import, in bytes.
pub const CSV_BYTES_MAX: usize = 4 * 1024 * 1024;

/// The columns of the catalogue's CSV, in order.
pub const CSV_HEADER: [&str; 5] = ["code", "name", "price", "department", "active"];

/// An item of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: ItemCode,
    pub name: String,
    /// Fen.
    pub price: Amount,
    pub department: String,
    /// A retired item stays on file (old baskets name it) but is not sold.
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("code: {0}")]
    Code(#[from] crate::code::CodeError),
    #[error("name: 1 to {NAME_MAX} characters, no control characters")]
    Name,
    #[error("department: 1 to {DEPARTMENT_MAX} characters, no control characters")]
    Department,
    #[error("price: fen from 1 to {}", PRICE_MAX.0)]
    Price,
    #[error("department {0:?} is not one of yours: add it first")]
    UnknownDepartment(String),
}

/// A name or department as written: trimmed, within `max` characters, no control characters.
pub fn clean_text(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    let count = text.chars().count();
    (count > 0 && count <= max && !text.chars().any(char::is_control)).then(|| text.to_string())
}

/// A department's name, checked.
pub fn department_name(text: &str) -> Result<String, ItemError> {
    clean_text(text, DEPARTMENT_MAX).ok_or(ItemError::Department)
}

impl Item {
    /// An item from what a merchant typed, checked; `departments` are the
    /// merchant's (the item's must be one of them).
    pub fn new(
        code: &str,
        name: &str,
        price: Amount,
        department: &str,
        active: bool,
        departments: &HashSet<String>,
    ) -> Result<(Item, CodeKind), ItemError> {
        let (code, kind) = ItemCode::parse(code)?;
        let name = clean_text(name, NAME_MAX).ok_or(ItemError::Name)?;
        let department = department_name(department)?;
        if price == Amount::ZERO || price > PRICE_MAX {
            return Err(ItemError::Price);
        }
        if !departments.contains(&department) {
            return Err(ItemError::UnknownDepartment(department));
        }
        Ok((Item { code, name, price, department, active }, kind))
    }
}

/// A CSV row that could not be read: its line in the file (the header is line 1) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// Reads a catalogue CSV (`code,name,price,department,active`, the price in
/// yuan such as `12.50`, `active` optional: `1`/`0`, `true`/`false`, `yes`/`no`,
/// empty for yes). Every row is checked; if any is bad, every bad row is
/// returned and no item, so an import is all or nothing. A code twice in the
/// file is an error on its second line.
pub fn parse_csv(text: &str, departments: &HashSet<String>) -> Result<Vec<Item>, Vec<RowError>> {
    if text.len() > CSV_BYTES_MAX {
        return Err(vec![RowError { line: 0, reason: format!("the file is over {} bytes", CSV_BYTES_MAX) }]);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A browser's form and Windows send CRLF: the csv crate counts such a
    // file's lines one short, so the lines reported would be wrong.
    let text = text.replace("\r\n", "\n");
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut errors = Vec::new();
    match reader.headers() {
        Ok(h) => {
            let names: Vec<String> = h.iter().map(|s| s.to_ascii_lowercase()).collect();
            let wanted = &CSV_HEADER[..4];
            if names.len() < 4 || names[..4] != *wanted || (names.len() > 4 && names[4] != "active") || names.len() > 5
            {
                return Err(vec![RowError { line: 1, reason: format!("the header must be {}", CSV_HEADER.join(",")) }]);
            }
        }
        Err(e) => return Err(vec![RowError { line: 1, reason: format!("not CSV: {e}") }]),
    }
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError { line, reason: format!("not CSV: {e}") });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if items.len() + errors.len() >= ITEMS_MAX {
            errors.push(RowError { line, reason: format!("more than {ITEMS_MAX} items") });
            break;
        }
        let field = |i: usize| record.get(i).unwrap_or("");
        if record.len() < 4 || record.len() > 5 {
            errors.push(RowError { line, reason: format!("{} columns: want 4 or 5", record.len()) });
            continue;
        }
        let Some(price) = Amount::parse_major(field(2), Currency::CNY) else {
            errors.push(RowError {
                line,
                reason: format!("price {:?}: yuan with at most two decimals, e.g. 12.50", field(2)),
            });
            continue;
        };
        let active = match field(4).to_ascii_lowercase().as_str() {
            "" | "1" | "true" | "yes" | "y" => true,
            "0" | "false" | "no" | "n" => false,
            other => {
                errors.push(RowError { line, reason: format!("active {other:?}: 1 or 0") });
                continue;
            }
        };
        match Item::new(field(0), field(1), price, field(3), active, departments) {
            Ok((item, _)) if !seen.insert(item.code.clone()) => {
                errors.push(RowError { line, reason: format!("code {} is in the file twice", item.code) });
            }
            Ok((item, _)) => items.push(item),
            Err(e) => errors.push(RowError { line, reason: e.to_string() }),
        }
    }
    if errors.is_empty() { Ok(items) } else { Err(errors) }
}

/// The catalogue as CSV, in the form [`parse_csv`] reads.
pub fn to_csv(items: &[Item]) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(CSV_HEADER);
    for item in items {
        let price = item.price.decimal(Currency::CNY);
        let _ = writer.write_record([
            item.code.as_str(),
            item.name.as_str(),
            price.as_str(),
            item.department.as_str(),
            if item.active { "1" } else { "0" },
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The departments a CSV names that the merchant has not defined (to say so at once).
pub fn unknown_departments<'a>(
    items: impl IntoIterator<Item = &'a str>,
    departments: &HashSet<String>,
) -> BTreeSet<String> {
    items.into_iter().filter(|d| !departments.contains(*d)).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn departments() -> HashSet<String> {
        ["饮料", "零食", "Bakery"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_good_file_reads_whole_and_writes_back_the_same() {
        let text = "code,name,price,department,active\n6901234567892,矿泉水 550ml,2,饮料,1\n96385074,薯片,7.5,零食,\nBREAD-01,\"Rye, sliced\",12.00,Bakery,0\n";
        let items = parse_csv(text, &departments()).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!((items[0].price, items[1].price), (Amount(200), Amount(750)));
        assert!(items[1].active && !items[2].active);
        assert_eq!(items[2].name, "Rye, sliced");
        assert_eq!(parse_csv(&to_csv(&items), &departments()).unwrap(), items);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_nothing_is_read() {
        let text = "code,name,price,department\n\
                    6901234567892,水,2,饮料\n\
                    6901234567893,水,2,饮料\n\
                    96385074,薯片,-1,零食\n\
                    1001,,3,零食\n\
                    1002,糖,3,糖果\n\
                    6901234567892,又是水,2,饮料\n\
                    1003,太贵,100000.00,零食\n\
                    1004,一列,3\n";
        let errors = parse_csv(text, &departments()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9], "{errors:?}");
        let crlf = parse_csv(&text.replace('\n', "\r\n"), &departments()).unwrap_err();
        assert_eq!(crlf.iter().map(|e| e.line).collect::<Vec<_>>(), lines, "a CRLF file has the same lines");
        assert!(errors[0].reason.contains("check digit should be 2"), "{}", errors[0].reason);
        assert!(errors[1].reason.contains("price"));
        assert!(errors[3].reason.contains("糖果"));
        assert!(errors[4].reason.contains("twice"));
        assert!(errors[6].reason.contains("columns"));
    }

    #[test]
    fn a_wrong_header_is_one_error() {
        let errors = parse_csv("sku,title,cost\n1,a,1\n", &departments()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panic(text in "\\PC{0,200}") {
            let _ = parse_csv(&format!("code,name,price,department\n{text}"), &departments());
        }
    }
}
