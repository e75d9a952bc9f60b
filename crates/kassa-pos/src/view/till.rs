//! The till's screens: the basket with the code being keyed, the
//! customer-segment key, and the question before a basket is discarded.

use kassa_till::segment;

use super::money;
use crate::app::{App, Lang, Screen, TillEntry};
use crate::slip;

/// Basket lines shown at once (the rest scroll with the selection).
const LINES_SHOWN: usize = 11;

/// `text` in exactly `columns` columns: cut, or padded with spaces.
fn pad(text: &str, columns: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if slip::width(&out) + slip::width(c.encode_utf8(&mut [0; 4])) > columns {
            break;
        }
        out.push(c);
    }
    let room = columns.saturating_sub(slip::width(&out));
    out + &" ".repeat(room)
}

/// `text` right-aligned in `columns` columns.
fn right(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(slip::width(text))))
}

/// A segment's name in the screens' language.
pub fn segment_name(lang: Lang, segment: &kassa_till::Segment) -> String {
    match (lang, segment::english_name(&segment.code)) {
        (Lang::En, Some(english)) => english.to_string(),
        _ => segment.name.clone(),
    }
}

/// The body and the help line of a till screen.
pub fn body(app: &App) -> (Vec<String>, String) {
    let t = |zh: &'static str, en: &'static str| app.t(zh, en).to_string();
    let Some(till) = &app.till else { return (vec![], t("q 返回", "q back")) };
    let basket = &till.basket;
    let total = basket.total().map(|a| money(a.0)).unwrap_or_else(|_| "-".into());
    let summary = format!(
        "{} · {} {} · {} {} · {} {total}",
        t("收银", "Till"),
        basket.lines.len(),
        t("行", "lines"),
        basket.items(),
        t("件", "items"),
        t("合计", "total"),
    );
    match app.screen {
        Screen::TillSegment => {
            let mut lines = vec![summary, String::new(), t("请按客层键：", "Press the customer's segment key:")];
            let segments = app.catalogue.as_ref().map(|c| c.segments.as_slice()).unwrap_or(&[]);
            lines.extend(segments.iter().enumerate().map(|(i, s)| format!("{} {}", i + 1, segment_name(app.lang, s))));
            (lines, t("1-9 选择客层，然后刷卡 · q 返回购物篮", "1-9 segment, then the card · q back to the basket"))
        }
        Screen::TillDiscard => (
            vec![
                summary,
                String::new(),
                t("清空购物篮，放弃本单？", "Discard the basket?"),
                t("Enter 或 y 清空；其他键返回购物篮", "Enter or y: discard; any other key: back to the basket"),
            ],
            t("Enter/y 清空 · 其他键返回", "Enter/y discard · other keys back"),
        ),
        _ => {
            let mut lines = vec![summary];
            lines.push(format!(
                "  {} {} {} {} {}",
                right("#", 3),
                pad(&t("商品", "Item"), 30),
                right(&t("单价", "Price"), 11),
                right(&t("数量", "Qty"), 5),
                right(&t("金额", "Amount"), 12),
            ));
            let start = till.selected.saturating_sub(LINES_SHOWN - 1);
            for (i, line) in basket.lines.iter().enumerate().skip(start).take(LINES_SHOWN) {
                let amount = line.amount().map_or_else(|| "-".into(), |a| money(a.0));
                let name =
                    if line.keyed { format!("{} ({})", line.name, t("手输", "keyed")) } else { line.name.clone() };
                lines.push(format!(
                    "{} {} {} {} {} {}",
                    if i == till.selected { ">" } else { " " },
                    right(&(i + 1).to_string(), 3),
                    pad(&name, 30),
                    right(&money(line.unit_price.0), 11),
                    right(&format!("x{}", line.quantity), 5),
                    right(&amount, 12),
                ));
            }
            if basket.lines.is_empty() {
                lines.push(format!("      {}", t("（空）请扫描商品条码", "(empty) scan an item's barcode")));
            }
            lines.push(String::new());
            lines.push(match &till.entry {
                TillEntry::Code => format!("{}: {}_", t("条码/编码", "Code"), till.input),
                TillEntry::Price(code) => format!(
                    "{code} {}: {}",
                    t("单价（以分输入）", "price (in fen)"),
                    money(till.input.parse().unwrap_or(0))
                ),
            });
            lines.push(match &till.entry {
                TillEntry::Code => t(
                    "+/- 数量加减 · 数量后按 * 改数量 · x 删除该行 · j/k 选择 · 空 Enter 结账",
                    "+/- quantity · digits then * set it · x remove · j/k select · Enter alone: pay",
                ),
                TillEntry::Price(_) => t("Enter 加入购物篮 · q 取消", "Enter adds it · q cancels"),
            });
            (lines, t("扫码或输入编码后 Enter · q 返回", "scan, or key a code and Enter · q back"))
        }
    }
}
