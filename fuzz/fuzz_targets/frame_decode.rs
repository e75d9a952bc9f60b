//! Feeds arbitrary bytes to the frame decoder, the message decoder and every
//! composite-field view, as the host and `kassa iso8583 decode` would, and
//! the mobile reader's location (field 59).
#![no_main]

use kassa_iso8583::fields::{Balances, Field60, Field63, Original, SettlementTotals};
use kassa_iso8583::{TERMINAL, frame_length, pack, split_frame, tlv, unpack_at};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(length)) = frame_length(data) {
        assert!(length <= data.len());
    }
    let Ok(frame) = split_frame(data) else { return };
    let Ok(message) = unpack_at(&TERMINAL, frame.body, kassa_iso8583::frame::BODY_OFFSET) else { return };
    // Whatever decodes must encode again, to the same bytes.
    let packed = pack(&TERMINAL, &message).expect("a decoded message packs");
    let again = kassa_iso8583::unpack(&TERMINAL, &packed).expect("a packed message decodes");
    assert_eq!(again, message);
    if let Some(v) = message.get(48) {
        let _ = SettlementTotals::parse(v);
    }
    if let Some(v) = message.get(54) {
        let _ = Balances::parse(v);
    }
    if let Some(v) = message.get(55) {
        let _ = tlv::parse(v);
    }
    if let Some(v) = message.get(60) {
        let _ = Field60::parse(v);
    }
    if let Some(v) = message.get(61) {
        let _ = Original::parse(v);
    }
    if let Some(v) = message.get(63) {
        let _ = Field63::parse(v);
    }
    // A mobile reader's location, as the switch reads it for risk cases.
    if let Some(v) = message.get_str(59)
        && let Some(at) = kassa_risk::geo::Location::parse(v)
    {
        assert_eq!(at.distance_km(&at), 0);
    }
});
