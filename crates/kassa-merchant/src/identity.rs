//! Checks on what people type: names, resident ID numbers, phone numbers,
//! categories, card numbers; and how each is shown masked.

use kassa_core::CardNumber;

/// A field that failed its check: which field, and why, for the API's
/// `{code, reason}` answers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> FieldError {
        FieldError { field, reason: reason.into() }
    }
}

/// A person's or a business's name: 2–50 characters, no control characters.
pub fn check_name(field: &'static str, name: &str, max: usize) -> Result<(), FieldError> {
    let n = name.trim().chars().count();
    if n < 2 || n > max {
        return Err(FieldError::new(field, format!("must be 2 to {max} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// A mainland resident identity number (GB 11643): 17 digits and an ISO 7064
/// MOD 11-2 check character (`0`–`9` or `X`).
pub fn check_id_number(id: &str) -> Result<(), FieldError> {
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(FieldError::new("id_number", "must be 18 characters: 17 digits and a check character"));
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let expected = b"10X98765432"[(sum % 11) as usize];
    if bytes[17].to_ascii_uppercase() != expected {
        return Err(FieldError::new("id_number", "check character does not match"));
    }
    Ok(())
}

/// A mainland mobile number: 11 digits starting with 1.
pub fn check_phone(phone: &str) -> Result<(), FieldError> {
    if phone.len() != 11 || !phone.bytes().all(|b| b.is_ascii_digit()) || !phone.starts_with('1') {
        return Err(FieldError::new("phone", "must be an 11-digit mobile number starting with 1"));
    }
    Ok(())
}

/// A merchant category code: 4 digits.
pub fn check_mcc(mcc: &str) -> Result<(), FieldError> {
    if mcc.len() != 4 || !mcc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new("mcc", "must be 4 digits"));
    }
    Ok(())
}

/// A bank card number: 12–19 digits with a valid Luhn check digit.
pub fn parse_card(field: &'static str, digits: &str) -> Result<CardNumber, FieldError> {
    let card = CardNumber::parse(digits).ok_or_else(|| FieldError::new(field, "must be 12 to 19 digits"))?;
    if !card.luhn_ok() {
        return Err(FieldError::new(field, "check digit does not match"));
    }
    Ok(card)
}

/// `110105********1234`: first 6 and last 4 characters of an ID number.
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 6, 4)
}

/// `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

fn mask_middle(text: &str, head: usize, tail: usize) -> String {
    let n = text.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    text.chars().enumerate().map(|(i, c)| if i < head || i >= n - tail { c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers() {
        // The GB 11643 example number.
        assert_eq!(check_id_number("11010519491231002X"), Ok(()));
        assert_eq!(check_id_number("11010519491231002x"), Ok(()));
        assert!(check_id_number("110105194912310021").is_err());
        assert!(check_id_number("1101051949123100").is_err());
        assert!(check_id_number("1101051949123100AX").is_err());
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    }

    #[test]
    fn phones_names_categories_cards() {
        assert!(check_phone("13800138000").is_ok());
        assert!(check_phone("23800138000").is_err());
        assert!(check_phone("1380013800").is_err());
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert!(check_name("name", "张三", 50).is_ok());
        assert!(check_name("name", "张", 50).is_err());
        assert!(check_name("name", "a\nb", 50).is_err());
        assert!(check_mcc("5411").is_ok() && check_mcc("541").is_err());
        assert!(parse_card("card", "6222020200112233446").is_ok());
        assert_eq!(
            parse_card("card", "6222020200112233447").map(|_| ()),
            Err(FieldError::new("card", "check digit does not match"))
        );
    }
}
