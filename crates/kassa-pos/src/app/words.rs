//! The screens' words: response codes and transaction types in the chosen
//! language, balances from field 54, and a card typed at the keyboard.

use kassa_core::{Amount, Currency, Lang, TxnKind};
use kassa_terminal::{Card, Entry};

/// The response code in words for the operator, in `lang`.
pub fn answer_words(lang: Lang, code: &str, meaning: &str) -> String {
    let (zh, en) = match code {
        "00" => ("交易成功", "Approved"),
        "51" => ("余额不足", "Insufficient funds"),
        "55" => ("密码错误，请重新输入", "Incorrect PIN: try again"),
        "75" => ("密码错误次数超限", "PIN tries exceeded"),
        "54" => ("卡已过期", "Expired card"),
        "41" | "43" => ("请没收卡", "Keep the card"),
        "14" => ("无效卡号", "Invalid card number"),
        "12" => (
            "无效交易（手输卡号须为贷记卡且商户开通邮购）",
            "Invalid transaction (keyed cards: credit only, mail-order merchants)",
        ),
        "25" => ("找不到原交易或原交易不可用", "Original not found or not usable"),
        "30" => (
            "格式错误；手机刷卡器请开启定位后重试",
            "Format error; a mobile reader: turn on the phone's location and try again",
        ),
        "58" => (
            "终端无权限（已冻结或停用），请查看商户门户",
            "Not permitted on this terminal (frozen or out of service): see the merchant portal",
        ),
        "59" => ("有作弊嫌疑，交易被拒绝", "Declined by risk control"),
        "61" => ("超出金额限制", "Over the amount limit"),
        "64" => ("金额与原交易不符", "Amount does not match the original"),
        "77" => ("请重新签到", "Sign in again"),
        "94" => ("重复交易", "Duplicate transaction"),
        "96" | "98" => ("系统故障或无应答", "System malfunction or no answer"),
        "A0" => ("校验错误，请重新签到", "MAC error: sign in again"),
        _ => ("交易失败", ""),
    };
    let words = lang.pick(zh, if en.is_empty() { meaning } else { en });
    format!("{words} ({code})")
}

pub(super) fn money(minor: u64) -> String {
    Amount(minor).display(Currency::CNY)
}

/// The transaction type in the screen's language.
pub fn kind_title(lang: Lang, kind: TxnKind) -> &'static str {
    let (zh, en) = match kind {
        TxnKind::Sale => ("消费", "Sale"),
        TxnKind::SaleVoid => ("消费撤销", "Void"),
        TxnKind::Refund => ("退货", "Refund"),
        TxnKind::PreAuth => ("预授权", "Pre-auth"),
        TxnKind::PreAuthVoid => ("预授权撤销", "Pre-auth void"),
        TxnKind::Completion | TxnKind::CompletionAdvice => ("预授权完成", "Pre-auth completion"),
        TxnKind::CompletionVoid => ("预授权完成撤销", "Completion void"),
        TxnKind::BalanceInquiry => ("余额查询", "Balance inquiry"),
        TxnKind::Transfer => ("转账汇款", "Transfer"),
        TxnKind::Repayment => ("信用卡还款", "Card repayment"),
        TxnKind::TopUp => ("手机充值", "Mobile top-up"),
        TxnKind::PaymentToCard => ("入账", "Payment to card"),
    };
    lang.pick(zh, en)
}

/// A typed card: track 2 (`PAN=YYMM…`, read as `entry`) or a card number (keyed).
pub(super) fn typed_card(text: &str, entry: Entry) -> Option<Card> {
    let (pan, rest) = match text.split_once('=') {
        Some((pan, rest)) => (pan, Some(rest)),
        None => (text, None),
    };
    if !(13..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (entry, expiry, track2) = match rest {
        Some(rest) if rest.len() >= 4 => (entry, rest[..4].to_string(), Some(text.to_string())),
        Some(_) => return None,
        None => (Entry::Keyed, "3012".to_string(), None),
    };
    Some(Card { pan: pan.to_string(), expiry, track2, pin: Some(String::new()), entry })
}

/// Field 54 in words: the available balance (amount type 02) and the ledger
/// balance (01), each where it came back; the raw field when it is unreadable.
pub fn balance_lines(lang: Lang, field54: &str) -> Vec<String> {
    // Each balance: account type (2), amount type (2), currency (3), sign (1), amount (12).
    let entries: Vec<(String, String)> = field54
        .as_bytes()
        .chunks(20)
        .filter_map(|b| std::str::from_utf8(b).ok())
        .filter(|b| b.len() == 20 && b[8..].bytes().all(|c| c.is_ascii_digit()))
        .map(|b| {
            let minor: u64 = b[8..].parse().unwrap_or(0);
            let sign = if &b[7..8] == "D" { "-" } else { "" };
            (b[2..4].to_string(), format!("{sign}{}", money(minor)))
        })
        .collect();
    if entries.is_empty() {
        return vec![format!("{}: {field54}", lang.pick("余额", "Balance"))];
    }
    let mut lines = Vec::new();
    for (wanted, zh, en) in [("02", "可用余额", "Available balance"), ("01", "账面余额", "Ledger balance")] {
        if let Some((_, amount)) = entries.iter().find(|(t, _)| t == wanted) {
            lines.push(format!("{}: {amount}", lang.pick(zh, en)));
        }
    }
    if lines.is_empty() {
        lines.push(format!("{}: {}", lang.pick("余额", "Balance"), entries[0].1));
    }
    lines
}
