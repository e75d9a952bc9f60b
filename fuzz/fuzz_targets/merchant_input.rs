//! Feeds arbitrary bytes to the checks of what merchants send the API: the
//! application's fields (one per line), documents, dates for the calendar.
//! Nothing may panic; what passes must be well-formed, and masks never show
//! more than the first 6 and last 4 characters.
#![no_main]

use kassa_merchant::Application;
use kassa_merchant::application::{DOCUMENT_MAX_BYTES, document_type};
use kassa_merchant::identity::{check_id_number, check_phone, mask_id_number, mask_phone, parse_card};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(kind) = document_type(data) {
        assert!(data.len() <= DOCUMENT_MAX_BYTES && !kind.is_empty());
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.split('\n').collect();
    let field = |i: usize| lines.get(i).copied().unwrap_or("").to_string();
    let application = Application {
        legal_name: field(0),
        id_number: field(1),
        phone: field(2),
        business_name: field(3),
        address: field(4),
        mcc: field(5),
        card_number: field(6),
        card_holder: field(7),
    };
    if application.validate().is_ok() {
        assert_eq!(application.id_number.len(), 18);
        assert!(check_phone(&application.phone).is_ok());
    }
    for line in &lines {
        if check_id_number(line).is_ok() {
            let masked = mask_id_number(line);
            assert_eq!(masked.chars().filter(|c| *c == '*').count(), 8);
        }
        if check_phone(line).is_ok() {
            assert_eq!(mask_phone(line).chars().filter(|c| *c == '*').count(), 4);
        }
        if let Ok(card) = parse_card("card", line) {
            let masked = card.masked();
            assert!(masked.chars().filter(|c| c.is_ascii_digit()).count() <= 10);
        }
    }
    let _ = kassa_merchant::BusinessCalendar::new(&lines.iter().map(|l| l.to_string()).collect::<Vec<_>>(), &[]);
});
