//! What the terminal prints, as text for a 58 mm printer (32 columns, a
//! Chinese character taking two): the slips of an approved transaction — a
//! merchant copy with a signature line, then a customer copy (`product.md`
//! §2) — reprints marked as such, and the settlement list. Labels are Chinese
//! with the English beside them, as the slips of the devices are.

use kassa_core::{Amount, Currency, TxnKind};
use kassa_terminal::LogEntry;
use unicode_width::UnicodeWidthStr;

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
        "sale" => "消费 SALE",
        "sale_void" => "消费撤销 VOID",
        "refund" => "退货 REFUND",
        "preauth" => "预授权 PRE-AUTH",
        "preauth_void" => "预授权撤销 PRE-AUTH VOID",
        "completion" | "completion_advice" => "预授权完成 COMPLETION",
        "completion_void" => "完成撤销 COMPLETION VOID",
        "balance" => "余额查询 BALANCE",
        "transfer" => "转账汇款 TRANSFER",
        "repayment" => "信用卡还款 CARD REPAYMENT",
        "top_up" => "手机充值 MOBILE TOP-UP",
        _ => "其他 OTHER",
    }
}

/// Width of a slip line, in columns (a 58 mm printer).
pub const WIDTH: usize = 32;

/// Columns `text` takes on the printer (and on a terminal screen).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to `columns`, never splitting a wide character.
fn cut(text: &str, columns: usize) -> String {
    wrap(text, columns).swap_remove(0)
}

/// `text` in lines of at most `columns`.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let last = lines.last_mut().map(|l| width(l)).unwrap_or(0);
        if last + width(c.encode_utf8(&mut [0; 4])) > columns {
            lines.push(String::new());
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
    }
    lines
}

/// A labelled item: on one line when it fits, else the label, then the value
/// indented below, wrapped to the width.
fn item(lines: &mut Vec<String>, label: &str, value: &str) {
    let one = format!("{label} {value}");
    if width(&one) <= WIDTH {
        lines.push(one);
    } else {
        lines.push(cut(label, WIDTH));
        lines.extend(wrap(value, WIDTH - 1).into_iter().map(|part| format!(" {part}")));
    }
}

/// `left` and `right` on one line, `right` against the right edge.
fn spread(left: &str, right: &str) -> String {
    let gap = WIDTH.saturating_sub(width(left) + width(right)).max(1);
    cut(&format!("{left}{}{right}", " ".repeat(gap)), WIDTH)
}

fn centred(text: &str) -> String {
    let pad = WIDTH.saturating_sub(width(text)) / 2;
    format!("{}{text}", " ".repeat(pad))
}

fn money(minor: u64) -> String {
    Amount(minor).display(Currency::CNY)
}

/// `YYYY/MM/DD hh:mm:ss` of a logged transaction.
pub fn date_time(entry: &LogEntry) -> String {
    let (d, t) = (&entry.date, &entry.time);
    let year = if entry.year.is_empty() { "----" } else { &entry.year };
    match (d.get(..2), d.get(2..4), t.get(..2), t.get(2..4), t.get(4..6)) {
        (Some(mm), Some(dd), Some(h), Some(m), Some(s)) => format!("{year}/{mm}/{dd} {h}:{m}:{s}"),
        _ => format!("{year} {d} {t}"),
    }
}

/// The two copies of an approved transaction: merchant (signed), then
/// customer; a reprint says so at the top of each.
pub fn slips(header: &Header, entry: &LogEntry, reprint: bool) -> [String; 2] {
    let copy = |merchant_copy: bool| {
        let mut lines = vec!["=".repeat(WIDTH), centred("签购单 POS SLIP")];
        lines.push(centred(if merchant_copy { "商户存根 MERCHANT COPY" } else { "持卡人存根 CUSTOMER COPY" }));
        if reprint {
            lines.push(centred("*** 重打印 REPRINT ***"));
        }
        lines.push("-".repeat(WIDTH));
        item(&mut lines, "商户名称 MERCHANT", &header.merchant_name);
        item(&mut lines, "商户编号 MERCHANT NO", &header.merchant_id);
        item(&mut lines, "终端编号 TERMINAL NO", &header.terminal_id);
        item(&mut lines, "操作员 OPERATOR", entry.operator.trim());
        item(&mut lines, "卡号 CARD NO", &entry.masked_pan);
        item(&mut lines, "读卡方式 ENTRY", if entry.entry.is_empty() { "-" } else { &entry.entry });
        item(&mut lines, "交易类型 TYPE", kind_words(&entry.kind));
        item(&mut lines, "批次号 BATCH NO", &format!("{:06}", entry.batch));
        item(&mut lines, "凭证号 TRACE NO", &format!("{:06}", entry.trace));
        item(&mut lines, "参考号 REF NO", &entry.rrn);
        item(&mut lines, "授权码 AUTH NO", &entry.auth_code);
        item(&mut lines, "日期时间 DATE/TIME", &date_time(entry));
        lines.push("-".repeat(WIDTH));
        let credit = TxnKind::from_code(&entry.kind).is_some_and(TxnKind::is_settlement_credit);
        if let Some(service) = &entry.service {
            // A service: whom it paid, and what the card paid for it.
            let to = if entry.kind == "top_up" { "充值号码 PHONE" } else { "收款卡号 TO CARD" };
            item(&mut lines, to, &service.beneficiary);
            if !service.confirmation.is_empty() {
                item(&mut lines, "运营商流水 CARRIER REF", &service.confirmation);
            }
            lines.push("-".repeat(WIDTH));
            lines.push(spread("金额 AMOUNT", &money(service.amount)));
            lines.push(spread("手续费 FEE", &money(service.fee)));
            lines.push(spread("扣款总额 TOTAL", &money(entry.amount)));
        } else {
            if let Some(basket) = &entry.basket {
                basket_lines(&mut lines, basket);
            }
            let amount = format!("{}{}", if credit { "-" } else { "" }, money(entry.amount));
            lines.push(spread("金额 AMOUNT", &amount));
        }
        lines.push("-".repeat(WIDTH));
        if merchant_copy {
            lines.push("持卡人签名 CARDHOLDER SIGNATURE".into());
            lines.push(String::new());
            lines.push("_".repeat(WIDTH));
            lines.push("本人确认以上交易，同意将其记入".into());
            lines.push("本卡账户".into());
            lines.push("I ACKNOWLEDGE SATISFACTORY".into());
            lines.push("RECEIPT OF GOODS/SERVICES".into());
        }
        lines.push("=".repeat(WIDTH));
        lines.join("\n") + "\n"
    };
    [copy(true), copy(false)]
}

/// A till sale's items: each line's name, then its quantity, unit price and
/// amount; then how many items.
fn basket_lines(lines: &mut Vec<String>, basket: &kassa_till::api::BasketPost) {
    lines.push("商品 ITEMS".into());
    for line in &basket.lines {
        lines.extend(wrap(&line.name, WIDTH));
        let amount = line.amount().map_or_else(|| "-".into(), |a| money(a.0));
        lines.push(spread(&format!("  {} x {}", line.quantity, money(line.unit_price.0)), &amount));
    }
    let count: u64 = basket.lines.iter().map(|l| u64::from(l.quantity)).sum();
    lines.push(spread("件数 COUNT", &count.to_string()));
    lines.push("-".repeat(WIDTH));
}

/// One kind of transaction in a batch: how many, how much.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub count: u32,
    pub amount: u64,
}

impl Count {
    fn add(&mut self, amount: u64) {
        self.count += 1;
        self.amount += amount;
    }
}

/// A batch in numbers, for the settlement screen and its list: what was
/// approved by kind (so the merchant sees the real net), and what failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub batch: u32,
    /// Sales and pre-auth completions.
    pub sales: Count,
    /// Sale voids and completion voids.
    pub voids: Count,
    pub refunds: Count,
    /// Declined or unanswered.
    pub failed: Count,
    /// The batch's approved transactions, oldest first.
    pub entries: Vec<LogEntry>,
    /// The failures: (trace, kind, amount, response code).
    pub failures: Vec<(u32, String, u64, String)>,
}

impl BatchSummary {
    /// Batch `batch` from the terminal's log and its failures.
    pub fn of(batch: u32, log: &[LogEntry], failures: &[kassa_terminal::Failure]) -> BatchSummary {
        let mut summary = BatchSummary { batch, ..BatchSummary::default() };
        for e in log.iter().filter(|e| e.batch == batch && !e.reversed) {
            match TxnKind::from_code(&e.kind) {
                Some(TxnKind::Refund) => summary.refunds.add(e.amount),
                Some(k) if k.is_settlement_credit() => summary.voids.add(e.amount),
                Some(k) if k.is_settlement_debit() => summary.sales.add(e.amount),
                _ => {}
            }
            summary.entries.push(e.clone());
        }
        for f in failures.iter().filter(|f| f.batch == batch) {
            summary.failed.add(f.amount);
            summary.failures.push((f.trace, f.kind.clone(), f.amount, f.code.clone()));
        }
        summary
    }

    /// Sales less voids and refunds, in minor units (negative when more went back).
    pub fn net(&self) -> i64 {
        self.sales.amount as i64 - self.voids.amount as i64 - self.refunds.amount as i64
    }

    /// The totals, a line each (for the screen and the list).
    pub fn total_lines(&self) -> Vec<String> {
        let row = |label: &str, c: Count| spread(&format!("{label} {:>4}", c.count), &money(c.amount));
        let net = kassa_core::display_signed(self.net(), Currency::CNY, false);
        vec![
            row("消费 SALES  ", self.sales),
            row("撤销 VOIDS  ", self.voids),
            row("退货 REFUNDS", self.refunds),
            spread("净额 NET", &net),
            row("失败 FAILED ", self.failed),
        ]
    }
}

/// The settlement list: who, which batch and when, its totals, then each
/// transaction (two lines: trace, type and amount; the card).
pub fn settlement_list(
    header: &Header,
    operator: &str,
    summary: &BatchSummary,
    printed_at: &str,
    forced: bool,
    balanced: Option<bool>,
) -> String {
    let mut lines = vec!["=".repeat(WIDTH), centred("结算单 SETTLEMENT LIST")];
    if forced {
        lines.push(centred("隔日强制结算 NEXT-DAY SETTLEMENT"));
    }
    lines.push("-".repeat(WIDTH));
    item(&mut lines, "商户名称 MERCHANT", &header.merchant_name);
    item(&mut lines, "商户编号 MERCHANT NO", &header.merchant_id);
    item(&mut lines, "终端编号 TERMINAL NO", &header.terminal_id);
    if !operator.trim().is_empty() {
        item(&mut lines, "操作员 OPERATOR", operator.trim());
    }
    item(&mut lines, "批次号 BATCH NO", &format!("{:06}", summary.batch));
    item(&mut lines, "日期时间 DATE/TIME", printed_at);
    lines.push("-".repeat(WIDTH));
    lines.extend(summary.total_lines());
    match balanced {
        Some(true) => lines.push("对账平 TOTALS AGREE".into()),
        Some(false) => lines.push("对账不平 TOTALS DIFFER: UPLOADED".into()),
        None => {}
    }
    lines.push("-".repeat(WIDTH));
    lines.push("凭证号 TRACE 类型 TYPE 金额 AMT".into());
    for e in &summary.entries {
        let words = kind_words(&e.kind).split(' ').next().unwrap_or("");
        lines.push(spread(&format!("{:06} {words}", e.trace), &money(e.amount)));
        lines.push(format!("  {}", e.masked_pan));
    }
    for (trace, kind, amount, code) in &summary.failures {
        let words = kind_words(kind).split(' ').next().unwrap_or("");
        lines.push(spread(&format!("{trace:06} {words} 失败{code}"), &money(*amount)));
    }
    if summary.entries.is_empty() && summary.failures.is_empty() {
        lines.push("无交易 NO TRANSACTIONS".into());
    }
    lines.push("=".repeat(WIDTH));
    lines.join("\n") + "\n"
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
            masked_pan: "622202*********0128".into(),
            pan_sealed: String::new(),
            rrn: "123456789012".into(),
            auth_code: "654321".into(),
            response_code: "00".into(),
            domestic: true,
            date: "1122".into(),
            time: "143005".into(),
            year: "2026".into(),
            reversed: false,
            entry: "CHIP".into(),
            operator: "01".into(),
            service: None,
            basket: None,
        }
    }

    fn header() -> Header {
        Header {
            merchant_name: "Kassa Demo Store 张三便利店（朝阳区建国路一号分店）".into(),
            merchant_id: "898310048990001".into(),
            terminal_id: "20000001".into(),
        }
    }

    fn fits(text: &str) {
        for line in text.lines() {
            assert!(width(line) <= WIDTH, "{line:?} is {} columns", width(line));
        }
    }

    #[test]
    fn two_copies_with_every_item_within_the_width() {
        let [merchant, customer] = slips(&header(), &entry(), false);
        for item in [
            "Kassa Demo Store",
            "898310048990001",
            "20000001",
            "操作员 OPERATOR 01",
            "622202*********0128",
            "CHIP",
            "消费 SALE",
            "¥99.00",
            "2026/11/22 14:30:05",
            "批次号 BATCH NO 000003",
            "凭证号 TRACE NO 000012",
            "123456789012",
            "654321",
        ] {
            assert!(merchant.contains(item) && customer.contains(item), "{item}");
        }
        assert!(merchant.contains("MERCHANT COPY") && merchant.contains("SIGNATURE"));
        assert!(customer.contains("CUSTOMER COPY") && !customer.contains("SIGNATURE"));
        assert!(!merchant.contains("REPRINT"));
        fits(&merchant);
        fits(&customer);
        let [again, _] = slips(&header(), &entry(), true);
        assert!(again.contains("重打印 REPRINT"));
        assert_eq!(kind_words("sale_void"), "消费撤销 VOID");
    }

    #[test]
    fn the_settlement_list_has_its_header_and_totals_and_fits() {
        let mut void = entry();
        (void.kind, void.trace) = ("sale_void".into(), 13);
        let mut refund = entry();
        (refund.kind, refund.trace, refund.amount) = ("refund".into(), 14, 1_000);
        let failure =
            kassa_terminal::Failure { kind: "sale".into(), trace: 15, batch: 3, amount: 500, code: "51".into() };
        let mut other = entry();
        other.batch = 2;
        let summary = BatchSummary::of(3, &[other, entry(), void, refund], &[failure]);
        assert_eq!((summary.sales.count, summary.voids.count, summary.refunds.count), (1, 1, 1));
        assert_eq!(summary.net(), -1_000);
        let list = settlement_list(&header(), "01", &summary, "2026/11/22 18:00:00", true, Some(true));
        for item in [
            "SETTLEMENT LIST",
            "隔日强制结算",
            "20000001",
            "BATCH NO 000003",
            "2026/11/22 18:00:00",
            "-¥10.00",
            "TOTALS AGREE",
            "000015",
            "失败51",
        ] {
            assert!(list.contains(item), "{item}\n{list}");
        }
        fits(&list);
    }
}
