//! Nibble packing for BCD and track fields, table-driven: the codec's hot path.

use crate::spec::{Align, Kind};

const INVALID: u8 = 0xFF;

/// Logical character → nibble, per kind; `INVALID` where not allowed.
const fn nibble_table(track: bool) -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut c = 0;
    while c < 10 {
        table[b'0' as usize + c] = c as u8;
        c += 1;
    }
    if track {
        table[b'=' as usize] = 0xD;
        let mut n = 0;
        while n < 6 {
            table[b'A' as usize + n] = 10 + n as u8;
            table[b'a' as usize + n] = 10 + n as u8;
            n += 1;
        }
    }
    table
}

/// Nibble → logical character, per kind; `0` where not valid.
const fn char_table(track: bool) -> [u8; 16] {
    let mut table = [0u8; 16];
    let mut n = 0;
    while n < 10 {
        table[n] = b'0' + n as u8;
        n += 1;
    }
    if track {
        table[0xA] = b'A';
        table[0xB] = b'B';
        table[0xC] = b'C';
        table[0xD] = b'=';
        table[0xE] = b'E';
        table[0xF] = b'F';
    }
    table
}

static NUMERIC_NIBBLES: [u8; 256] = nibble_table(false);
static TRACK_NIBBLES: [u8; 256] = nibble_table(true);
static NUMERIC_CHARS: [u8; 16] = char_table(false);
static TRACK_CHARS: [u8; 16] = char_table(true);

fn nibbles_for(kind: Kind) -> &'static [u8; 256] {
    if kind == Kind::Track { &TRACK_NIBBLES } else { &NUMERIC_NIBBLES }
}

/// The nibble for one logical character of a numeric or track value.
pub(crate) fn nibble_of(kind: Kind, c: u8) -> Option<u8> {
    let nibble = nibbles_for(kind)[usize::from(c)];
    (nibble != INVALID).then_some(nibble)
}

/// Bytes needed for `digits` nibbles.
pub(crate) const fn packed_len(digits: usize) -> usize {
    digits.div_ceil(2)
}

/// Packs `fill` zero digits then `value` as BCD, padding an odd total on the
/// side `align` says. On an invalid character, returns its position in `value`.
pub(crate) fn pack(
    value: &[u8],
    fill: usize,
    kind: Kind,
    align: Align,
    pad: u8,
    out: &mut Vec<u8>,
) -> Result<(), usize> {
    let table = nibbles_for(kind);
    let total = fill + value.len();
    let lead = usize::from(total % 2 == 1 && align == Align::Right);
    // The nibble stream: [pad] zeros... value... [pad]; nibble k of it is:
    let nibble_at = |k: usize| -> u8 {
        if k < lead {
            pad
        } else if k < lead + fill {
            0
        } else {
            value.get(k - lead - fill).map_or(pad, |&c| table[usize::from(c)])
        }
    };
    let start = out.len();
    let size = packed_len(total);
    out.resize(start + size, 0);
    let dst = &mut out[start..];
    let mut bad = 0u8;
    if lead == 0 && fill == 0 {
        // The common case: the value alone, left-aligned.
        let mut pairs = value.chunks_exact(2);
        for (d, pair) in dst.iter_mut().zip(pairs.by_ref()) {
            let (h, l) = (table[usize::from(pair[0])], table[usize::from(pair[1])]);
            bad |= h | l;
            *d = h << 4 | (l & 0x0F);
        }
        if let [c] = pairs.remainder() {
            let h = table[usize::from(*c)];
            bad |= h;
            dst[size - 1] = h << 4 | pad;
        }
    } else {
        for (i, d) in dst.iter_mut().enumerate() {
            let (h, l) = (nibble_at(2 * i), nibble_at(2 * i + 1));
            bad |= h | l;
            *d = h << 4 | (l & 0x0F);
        }
    }
    if bad & 0xF0 != 0
        && let Some(position) = value.iter().position(|&c| table[usize::from(c)] == INVALID)
    {
        out.truncate(start);
        return Err(position);
    }
    Ok(())
}

/// Unpacks `digits` nibbles from `bytes` into logical characters.
/// On an invalid nibble, returns its byte index within `bytes` and the nibble.
/// `bytes` must hold at least `packed_len(digits)` bytes.
pub(crate) fn unpack(
    bytes: &[u8],
    digits: usize,
    align: Align,
    kind: Kind,
    out: &mut Vec<u8>,
) -> Result<(), (usize, u8)> {
    let table = if kind == Kind::Track { &TRACK_CHARS } else { &NUMERIC_CHARS };
    let bytes = &bytes[..packed_len(digits)];
    let skip = usize::from(digits % 2 == 1 && align == Align::Right);
    let start = out.len();
    out.resize(start + digits, 0);
    let dst = &mut out[start..];
    // Nibble k of the field is nibble `k + skip` of `bytes`.
    let mut valid = true;
    if skip == 0 {
        let mut pairs = dst.chunks_exact_mut(2);
        for (pair, &b) in pairs.by_ref().zip(bytes) {
            let (h, l) = (table[usize::from(b >> 4)], table[usize::from(b & 0x0F)]);
            valid &= h != 0 && l != 0;
            pair[0] = h;
            pair[1] = l;
        }
        if let [last] = pairs.into_remainder() {
            *last = table[usize::from(bytes[digits / 2] >> 4)];
            valid &= *last != 0;
        }
    } else {
        for (k, d) in dst.iter_mut().enumerate() {
            let n = k + 1;
            let b = bytes[n / 2];
            *d = table[usize::from(if n % 2 == 0 { b >> 4 } else { b & 0x0F })];
            valid &= *d != 0;
        }
    }
    if !valid {
        out.truncate(start);
        return Err(first_invalid_nibble(bytes, digits, skip, table));
    }
    Ok(())
}

fn first_invalid_nibble(bytes: &[u8], digits: usize, skip: usize, table: &[u8; 16]) -> (usize, u8) {
    (skip..skip + digits)
        .map(|n| (n / 2, if n % 2 == 0 { bytes[n / 2] >> 4 } else { bytes[n / 2] & 0x0F }))
        .find(|&(_, nibble)| table[usize::from(nibble)] == 0)
        .unwrap_or((0, 0))
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
        out.push((((pair / 10) << 4) | (pair % 10)) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(value: &[u8], fill: usize, kind: Kind, align: Align, pad: u8) -> Vec<u8> {
        let mut out = Vec::new();
        pack(value, fill, kind, align, pad, &mut out).unwrap();
        out
    }

    #[test]
    fn odd_lengths_pad_on_the_aligned_side() {
        assert_eq!(packed(b"021", 0, Kind::Numeric, Align::Left, 0), [0x02, 0x10]);
        assert_eq!(packed(b"001", 0, Kind::Numeric, Align::Right, 0xF), [0xF0, 0x01]);
        assert_eq!(packed(b"1", 2, Kind::Numeric, Align::Right, 0), [0x00, 0x01]);
        assert_eq!(packed(b"99", 2, Kind::Numeric, Align::Left, 0), [0x00, 0x99]);
        assert_eq!(packed(b"12=4", 0, Kind::Track, Align::Left, 0), [0x12, 0xD4]);
    }

    #[test]
    fn unpack_reverses_pack() {
        for (value, align) in [(&b"021"[..], Align::Left), (b"001", Align::Right), (b"1234", Align::Right)] {
            let bytes = packed(value, 0, Kind::Numeric, align, 0xF);
            let mut out = Vec::new();
            unpack(&bytes, value.len(), align, Kind::Numeric, &mut out).unwrap();
            assert_eq!(out, value);
        }
        let mut out = Vec::new();
        assert_eq!(unpack(&[0x12, 0xA4], 4, Align::Left, Kind::Numeric, &mut out), Err((1, 0xA)));
    }

    #[test]
    fn bad_characters_are_located() {
        let mut out = Vec::new();
        assert_eq!(pack(b"12x4", 0, Kind::Numeric, Align::Left, 0, &mut out), Err(2));
        assert_eq!(pack(b"123=", 0, Kind::Numeric, Align::Left, 0, &mut out), Err(3));
        let mut fresh = Vec::new();
        assert_eq!(pack(b"12345", 0, Kind::Numeric, Align::Right, 0, &mut fresh).map(|_| fresh.len()), Ok(3));
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
