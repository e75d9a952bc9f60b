//! Nibble packing for BCD and track fields.

use crate::spec::{Align, Kind};

/// The nibble for one logical character of a numeric or track value.
pub(crate) fn nibble_of(kind: Kind, c: u8) -> Option<u8> {
    match (kind, c) {
        (_, b'0'..=b'9') => Some(c - b'0'),
        (Kind::Track, b'=' | b'D' | b'd') => Some(0xD),
        (Kind::Track, b'A'..=b'F') => Some(c - b'A' + 10),
        (Kind::Track, b'a'..=b'f') => Some(c - b'a' + 10),
        _ => None,
    }
}

/// The logical character for one nibble; `None` when the nibble is not valid for `kind`.
pub(crate) fn char_of(kind: Kind, nibble: u8) -> Option<u8> {
    match (kind, nibble) {
        (_, 0..=9) => Some(b'0' + nibble),
        (Kind::Track, 0xD) => Some(b'='),
        (Kind::Track, 0xA..=0xF) => Some(b'A' + nibble - 10),
        _ => None,
    }
}

/// Bytes needed for `digits` nibbles.
pub(crate) const fn packed_len(digits: usize) -> usize {
    digits.div_ceil(2)
}

/// Packs already-validated nibbles, padding an odd count on the side `align` says.
pub(crate) fn pack_nibbles(
    count: usize,
    nibbles: impl Iterator<Item = u8>,
    align: Align,
    pad: u8,
    out: &mut Vec<u8>,
) {
    let odd = count % 2 == 1;
    let mut high: Option<u8> = if odd && align == Align::Right { Some(pad) } else { None };
    for nibble in nibbles {
        match high.take() {
            Some(h) => out.push(h << 4 | nibble),
            None => high = Some(nibble),
        }
    }
    if let Some(h) = high {
        out.push(h << 4 | pad);
    }
}

/// Unpacks `digits` nibbles from `bytes` into logical characters.
/// On an invalid nibble, returns its byte index within `bytes` and the nibble.
pub(crate) fn unpack_nibbles(
    bytes: &[u8],
    digits: usize,
    align: Align,
    kind: Kind,
    out: &mut Vec<u8>,
) -> Result<(), (usize, u8)> {
    let skip = usize::from(digits % 2 == 1 && align == Align::Right);
    for i in skip..skip + digits {
        let byte = bytes[i / 2];
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0F };
        out.push(char_of(kind, nibble).ok_or((i / 2, nibble))?);
    }
    Ok(())
}

/// Decodes a BCD length prefix of `bytes.len()` bytes; `None` on a non-digit nibble.
pub(crate) fn decode_bcd_number(bytes: &[u8]) -> Option<usize> {
    bytes.iter().try_fold(0usize, |acc, &b| {
        let (high, low) = (b >> 4, b & 0x0F);
        (high <= 9 && low <= 9).then(|| acc * 100 + usize::from(high) * 10 + usize::from(low))
    })
}

/// Encodes `value` as `width` BCD bytes (2 digits each). `value` must fit.
pub(crate) fn encode_bcd_number(value: usize, width: usize, out: &mut Vec<u8>) {
    debug_assert!(value < 100usize.pow(width as u32));
    for i in (0..width).rev() {
        let pair = (value / 100usize.pow(i as u32)) % 100;
        out.push(((pair / 10) << 4 | pair % 10) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_lengths_pad_on_the_aligned_side() {
        let mut left = Vec::new();
        pack_nibbles(3, [0, 2, 1].into_iter(), Align::Left, 0, &mut left);
        assert_eq!(left, [0x02, 0x10]);
        let mut right = Vec::new();
        pack_nibbles(3, [0, 0, 1].into_iter(), Align::Right, 0xF, &mut right);
        assert_eq!(right, [0xF0, 0x01]);
    }

    #[test]
    fn numbers_round_trip() {
        let mut out = Vec::new();
        encode_bcd_number(123, 2, &mut out);
        assert_eq!(out, [0x01, 0x23]);
        assert_eq!(decode_bcd_number(&out), Some(123));
        assert_eq!(decode_bcd_number(&[0x1A]), None);
    }
}
