//! Sample messages shared by tests, benchmarks and documentation.

use crate::fields::Field60;
use crate::message::{Message, Mti};
use crate::tlv::{self, Tag};

/// A typical chip-card sale request: fields 2, 3, 4, 11, 14, 22, 23, 25, 26,
/// 35, 41, 42, 49, 52, 53, 55 (about 150 bytes), 60, 63 and 64.
pub fn chip_sale() -> Message {
    let mut message = Message::new(Mti::new("0200").unwrap_or_else(|_| unreachable!()));
    message
        .set(2, "6222021234567890123")
        .set(3, "000000")
        .set(4, "000000009900")
        .set(11, "000123")
        .set(14, "2812")
        .set(22, "051")
        .set(23, "001")
        .set(25, "00")
        .set(26, "12")
        .set(35, "6222021234567890123=28122201234567890")
        .set(41, "10000001")
        .set(42, "898310048990001")
        .set(49, "156")
        .set(52, [0x2A, 0x3D, 0x40, 0x8A, 0x19, 0x77, 0xDD, 0xE9])
        .set(53, "2600000000000000")
        .set(55, chip_data())
        .set(
            60,
            Field60 {
                message_type: 22,
                batch: 1,
                management_code: Some(0),
                read_capability: Some(5),
                chip_condition: Some(0),
                ..Field60::default()
            }
            .render(),
        )
        .set(63, "01 ")
        .set(64, "8A9E91B8");
    message
}

/// About 150 bytes of EMV data as a chip terminal sends it in field 55.
pub fn chip_data() -> Vec<u8> {
    let objects: [(u32, &[u8]); 17] = [
        (0x9F26, &[0x1A, 0x2B, 0x3C, 0x4D, 0x5E, 0x6F, 0x70, 0x81]),
        (0x9F27, &[0x80]),
        (
            0x9F10,
            &[
                0x07, 0x01, 0x01, 0x03, 0xA0, 0x00, 0x00, 0x01, 0x0A, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34,
                0x56, 0x78, 0x90, 0xAB, 0xCD,
            ],
        ),
        (0x9F37, &[0x12, 0x34, 0x56, 0x78]),
        (0x9F36, &[0x00, 0x2A]),
        (0x95, &[0x00, 0x00, 0x00, 0x08, 0x00]),
        (0x9A, &[0x26, 0x11, 0x22]),
        (0x9C, &[0x00]),
        (0x9F02, &[0x00, 0x00, 0x00, 0x00, 0x99, 0x00]),
        (0x5F2A, &[0x01, 0x56]),
        (0x82, &[0x7C, 0x00]),
        (0x9F1A, &[0x01, 0x56]),
        (0x9F03, &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
        (0x9F33, &[0xE0, 0xE1, 0xC8]),
        (0x9F34, &[0x42, 0x03, 0x00]),
        (0x9F35, &[0x22]),
        (0x9F1E, b"12345678"),
    ];
    let mut data = Vec::with_capacity(160);
    for (tag, value) in objects {
        tlv::write(Tag(tag), value, &mut data);
    }
    tlv::write(Tag(0x84), &[0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01], &mut data);
    tlv::write(Tag(0x9F09), &[0x00, 0x30], &mut data);
    tlv::write(Tag(0x9F41), &[0x00, 0x00, 0x01, 0x23], &mut data);
    tlv::write(
        Tag(0x9F63),
        &[0x30, 0x31, 0x30, 0x32, 0x30, 0x33, 0x30, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        &mut data,
    );
    data
}
