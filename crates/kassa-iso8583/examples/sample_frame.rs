//! Prints the sample chip-card sale as a hex frame, ready for
//! `kassa iso8583 decode`: `cargo run -q -p kassa-iso8583 --example sample_frame`.

use kassa_iso8583::{Header, TERMINAL, Tpdu, hex, pack, samples, write_frame};

fn main() {
    let Ok(body) = pack(&TERMINAL, &samples::chip_sale()) else { return };
    let mut frame = Vec::new();
    let tpdu = Tpdu([0x60, 0x00, 0x03, 0x00, 0x00]);
    let header = Header([0x60, 0x31, 0x00, 0x31, 0x13, 0x01]);
    if write_frame(&tpdu, &header, &body, &mut frame).is_ok() {
        println!("{}", hex(&frame));
    }
}
