//! The reader app's calculator, in fen: numbers with up to two decimals,
//! `+ - * /`, times and division before plus and minus. No floats: every
//! value is hundredths (fen), a product or quotient rounded half up.

/// The result in fen, or `None` for what is not a sum it can do (a negative
/// result, division by zero, a malformed number).
pub fn evaluate(expression: &str) -> Option<u64> {
    let mut terms: Vec<i128> = Vec::new();
    let mut sign = 1i128;
    let mut product: Option<i128> = None;
    let mut pending_op = '*';
    let mut number = String::new();
    let flush = |number: &mut String, product: &mut Option<i128>, op: char| -> Option<()> {
        let value = hundredths(number)?;
        number.clear();
        *product = Some(match (*product, op) {
            (None, _) => value,
            (Some(p), '*') => round_div(p.checked_mul(value)?, 100)?,
            (Some(p), '/') => round_div(p.checked_mul(100)?, value)?,
            _ => return None,
        });
        Some(())
    };
    for c in expression.chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            '*' | '/' => {
                flush(&mut number, &mut product, pending_op)?;
                pending_op = c;
            }
            '+' | '-' => {
                flush(&mut number, &mut product, pending_op)?;
                terms.push(sign * product.take()?);
                sign = if c == '-' { -1 } else { 1 };
                pending_op = '*';
            }
            _ => return None,
        }
    }
    flush(&mut number, &mut product, pending_op)?;
    terms.push(sign * product?);
    let total: i128 = terms.iter().sum();
    u64::try_from(total).ok()
}

/// `12.5` as 1250.
fn hundredths(text: &str) -> Option<i128> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.len() > 2 || whole.len() > 12 {
        return None;
    }
    let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction: i128 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().ok()? };
    Some(whole * 100 + fraction)
}

fn round_div(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    Some((numerator * 2 + denominator) / (denominator * 2))
}

#[cfg(test)]
mod tests {
    use super::evaluate;

    #[test]
    fn sums_are_in_fen_with_times_before_plus() {
        assert_eq!(evaluate("12.5+3*2"), Some(1_850));
        assert_eq!(evaluate("100-0.01"), Some(9_999));
        assert_eq!(evaluate("10/3"), Some(333));
        assert_eq!(evaluate("2.5*2.5"), Some(625));
        assert_eq!(evaluate("19.9*3-9.7"), Some(5_000));
        assert_eq!(evaluate("1/0"), None);
        assert_eq!(evaluate("5-10"), None, "no negative amounts");
        assert_eq!(evaluate("1.234"), None);
        assert_eq!(evaluate("+"), None);
    }
}
