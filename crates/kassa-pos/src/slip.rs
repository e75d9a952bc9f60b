//! Slips: what an approved transaction prints, as text — a merchant copy with
//! a signature line, then a customer copy (`product.md` §2).

use kassa_core::{Amount, Currency};
use kassa_terminal::LogEntry;

/// Who and where, printed at the top of every slip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub merchant_name: String,
    pub merchant_id: String,
    pub terminal_id: String,
}

/// The transaction type in words that cannot be confused.
pub fn kind_words(code: &str) -> &'static str {
    match code {
        "sale" => "SALE 消费",
        "sale_void" => "VOID 消费撤销",
        "refund" => "REFUND 退货",
        "preauth" => "PRE-AUTH 预授权",
        "preauth_void" => "PRE-AUTH VOID 预授权撤销",
        "completion" | "completion_advice" => "PRE-AUTH COMPLETION 预授权完成",
        "completion_void" => "COMPLETION VOID 预授权完成撤销",
        "balance" => "BALANCE 余额查询",
        _ => "OTHER 其他",
    }
}

/// Width of a slip line (a 58 mm printer).
pub const WIDTH: usize = 32;

fn date_time(entry: &LogEntry) -> String {
    let (d, t) = (&entry.date, &entry.time);
    match (d.get(..2), d.get(2..4), t.get(..2), t.get(2..4), t.get(4..6)) {
        (Some(mm), Some(dd), Some(h), Some(m), Some(s)) => format!("{mm}/{dd} {h}:{m}:{s}"),
        _ => format!("{d} {t}"),
    }
}

/// The two copies of an approved transaction: merchant (signed), then customer.
pub fn slips(header: &Header, entry: &LogEntry) -> [String; 2] {
    let copy = |merchant_copy: bool| {
        let mut lines = vec![
            "=".repeat(WIDTH),
            if merchant_copy {
                "MERCHANT COPY 商户存根".to_string()
            } else {
                "CUSTOMER COPY 持卡人存根".to_string()
            },
            "-".repeat(WIDTH),
            format!("MERCHANT  {}", header.merchant_name),
            format!("MERCHANT NO {}", header.merchant_id),
            format!("TERMINAL NO {}", header.terminal_id),
            format!("OPERATOR  {}", entry.operator.trim()),
            format!("CARD NO   {}", entry.masked_pan),
            format!("ENTRY     {}", if entry.entry.is_empty() { "-" } else { &entry.entry }),
            format!("TYPE      {}", kind_words(&entry.kind)),
            format!("AMOUNT    {}", Amount(entry.amount).display(Currency::CNY)),
            format!("DATE/TIME {}", date_time(entry)),
            format!("BATCH NO  {:06}", entry.batch),
            format!("TRACE NO  {:06}", entry.trace),
            format!("REF NO    {}", entry.rrn),
            format!("AUTH NO   {}", entry.auth_code),
            "-".repeat(WIDTH),
        ];
        if merchant_copy {
            lines.push("CARDHOLDER SIGNATURE 持卡人签名".into());
            lines.push(String::new());
            lines.push("_".repeat(WIDTH));
            lines.push("I ACKNOWLEDGE SATISFACTORY RECEIPT".into());
            lines.push("OF RELATIVE GOODS/SERVICES".into());
        }
        lines.push("=".repeat(WIDTH));
        lines.join("\n") + "\n"
    };
    [copy(true), copy(false)]
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entry() -> LogEntry {
        LogEntry {
            kind: "sale".into(),
            trace: 12,
            batch: 3,
            amount: 9_900,
            masked_pan: "622202******0128".into(),
            pan: "6222021234567890128".into(),
            rrn: "123456789012".into(),
            auth_code: "654321".into(),
            response_code: "00".into(),
            domestic: true,
            date: "1122".into(),
            time: "143005".into(),
            reversed: false,
            entry: "CHIP".into(),
            operator: "01".into(),
        }
    }

    #[test]
    fn two_copies_with_every_item_and_a_signature_line_on_the_merchants() {
        let header = Header {
            merchant_name: "Kassa Demo Store".into(),
            merchant_id: "898310048990001".into(),
            terminal_id: "20000001".into(),
        };
        let [merchant, customer] = slips(&header, &entry());
        for item in [
            "Kassa Demo Store",
            "898310048990001",
            "20000001",
            "OPERATOR  01",
            "622202******0128",
            "CHIP",
            "SALE 消费",
            "¥99.00",
            "11/22 14:30:05",
            "BATCH NO  000003",
            "TRACE NO  000012",
            "123456789012",
            "654321",
        ] {
            assert!(merchant.contains(item) && customer.contains(item), "{item}");
        }
        assert!(merchant.contains("MERCHANT COPY") && merchant.contains("SIGNATURE"));
        assert!(customer.contains("CUSTOMER COPY") && !customer.contains("SIGNATURE"));
        assert!(!merchant.contains("6222021234567890128"), "never the whole card number");
        assert_eq!(kind_words("sale_void"), "VOID 消费撤销");
    }
}
