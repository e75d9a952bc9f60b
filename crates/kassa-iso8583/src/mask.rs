//! Masking of card data for display and logs: first 6 and last 4 digits of a
//! card number, nothing of track data beyond the masked card number.

/// `6222021234567890123` → `622202*********0123`. Values too short to keep
/// 6 + 4 digits keep only the last 4 (or nothing when 4 or fewer).
pub fn mask_pan(pan: &str) -> String {
    let chars: Vec<char> = pan.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0..=4 => (0, 0),
        5..=10 => (0, 4),
        _ => (6, 4),
    };
    chars.iter().enumerate().map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' }).collect()
}

/// Track data: the card number masked as by [`mask_pan`], the separator kept,
/// and everything after it (expiry, service code, discretionary data) starred.
pub fn mask_track(track: &str) -> String {
    match track.split_once('=') {
        Some((pan, rest)) => format!("{}={}", mask_pan(pan), "*".repeat(rest.chars().count())),
        None => "*".repeat(track.chars().count()),
    }
}

/// Every character replaced, for values such as PIN blocks that show nothing.
pub fn mask_all(value: &str) -> String {
    "*".repeat(value.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_first_six_and_last_four() {
        assert_eq!(mask_pan("6222021234567890123"), "622202*********0123");
        assert_eq!(mask_pan("4111111111111111"), "411111******1111");
        assert_eq!(mask_pan("12345678"), "****5678");
        assert_eq!(mask_pan("123"), "***");
        assert_eq!(mask_track("6222021234567890123=25121011234"), "622202*********0123=***********");
    }
}
