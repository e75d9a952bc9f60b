//! BER-TLV as used in field 55 (EMV chip data): multi-byte tags, long-form
//! lengths, constructed objects. Parsing never panics and is depth-limited.

use std::fmt;

/// How deep constructed objects may nest before parsing gives up.
pub const DEPTH_MAX: usize = 8;
/// The longest tag accepted, in bytes.
pub const TAG_SIZE_MAX: usize = 4;

/// A BER tag, kept as its bytes packed big-endian into a `u32` (`0x9F26`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// The tag's bytes as on the wire.
    pub fn bytes(&self) -> Vec<u8> {
        let all = self.0.to_be_bytes();
        let skip = all.iter().take_while(|&&b| b == 0).count().min(3);
        all[skip..].to_vec()
    }

    /// Constructed tags (bit 6 of the first byte) hold further TLVs.
    pub fn is_constructed(&self) -> bool {
        self.bytes().first().is_some_and(|b| b & 0x20 != 0)
    }

    /// The EMV name of a common tag.
    pub fn name(&self) -> Option<&'static str> {
        EMV_TAG_NAMES.iter().find(|(tag, _)| *tag == self.0).map(|(_, name)| *name)
    }

    /// Tags whose value is card data that must be masked in output.
    pub fn is_sensitive(&self) -> bool {
        matches!(self.0, 0x57 | 0x5A | 0x56 | 0x9F6B | 0x5F20)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

/// One data object. Constructed objects carry their parsed children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: Tag,
    pub value: &'a [u8],
    pub children: Vec<Tlv<'a>>,
}

/// A TLV parse failure at a byte offset within field 55.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("field 55 at byte {offset}: {reason}")]
pub struct TlvError {
    pub offset: usize,
    pub reason: &'static str,
}

/// Parses a sequence of TLVs, descending into constructed ones. `0x00` and
/// `0xFF` padding between objects is skipped, as EMV allows.
pub fn parse(data: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    parse_level(data, 0, 0)
}

fn parse_level(data: &[u8], base: usize, depth: usize) -> Result<Vec<Tlv<'_>>, TlvError> {
    if depth > DEPTH_MAX {
        return Err(TlvError { offset: base, reason: "constructed objects nested too deep" });
    }
    let mut items = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if data[at] == 0x00 || data[at] == 0xFF {
            at += 1;
            continue;
        }
        let (tag, tag_len) = read_tag(&data[at..]).map_err(|reason| TlvError { offset: base + at, reason })?;
        let length_at = at + tag_len;
        let (length, length_len) =
            read_length(&data[length_at..]).map_err(|reason| TlvError { offset: base + length_at, reason })?;
        let value_at = length_at + length_len;
        let value = data
            .get(value_at..value_at.saturating_add(length))
            .ok_or(TlvError { offset: base + length_at, reason: "value runs past the end" })?;
        let children = if tag.is_constructed() { parse_level(value, base + value_at, depth + 1)? } else { Vec::new() };
        items.push(Tlv { tag, value, children });
        at = value_at + length;
    }
    Ok(items)
}

fn read_tag(data: &[u8]) -> Result<(Tag, usize), &'static str> {
    let first = *data.first().ok_or("tag missing")?;
    let mut tag = u32::from(first);
    let mut len = 1;
    if first & 0x1F == 0x1F {
        loop {
            let next = *data.get(len).ok_or("tag runs past the end")?;
            tag = tag << 8 | u32::from(next);
            len += 1;
            if next & 0x80 == 0 {
                break;
            }
            if len >= TAG_SIZE_MAX {
                return Err("tag longer than 4 bytes");
            }
        }
    }
    Ok((Tag(tag), len))
}

fn read_length(data: &[u8]) -> Result<(usize, usize), &'static str> {
    let first = *data.first().ok_or("length missing")?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7F);
    if count == 0 {
        return Err("indefinite length is not allowed");
    }
    if count > 3 {
        return Err("length of more than 3 bytes");
    }
    let bytes = data.get(1..1 + count).ok_or("length runs past the end")?;
    Ok((bytes.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)), 1 + count))
}

/// Appends one TLV to `out`, choosing the shortest length form.
pub fn write(tag: Tag, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&tag.bytes());
    let length = value.len();
    match length {
        0..=0x7F => out.push(length as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, length as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (length >> 8) as u8, length as u8]),
        _ => out.extend_from_slice(&[0x83, (length >> 16) as u8, (length >> 8) as u8, length as u8]),
    }
    out.extend_from_slice(value);
}

/// Finds the first object with `tag`, searching constructed objects too.
pub fn find<'t, 'a>(items: &'t [Tlv<'a>], tag: Tag) -> Option<&'t Tlv<'a>> {
    items.iter().find_map(|item| if item.tag == tag { Some(item) } else { find(&item.children, tag) })
}

/// Names of the EMV tags a POS commonly sends in field 55.
const EMV_TAG_NAMES: &[(u32, &str)] = &[
    (0x4F, "application identifier"),
    (0x50, "application label"),
    (0x57, "track 2 equivalent data"),
    (0x5A, "application PAN"),
    (0x5F20, "cardholder name"),
    (0x5F24, "application expiry date"),
    (0x5F2A, "transaction currency code"),
    (0x5F34, "PAN sequence number"),
    (0x71, "issuer script template 1"),
    (0x72, "issuer script template 2"),
    (0x82, "application interchange profile"),
    (0x84, "dedicated file name"),
    (0x8A, "authorization response code"),
    (0x91, "issuer authentication data"),
    (0x95, "terminal verification results"),
    (0x9A, "transaction date"),
    (0x9C, "transaction type"),
    (0x9F02, "amount, authorized"),
    (0x9F03, "amount, other"),
    (0x9F09, "application version number"),
    (0x9F10, "issuer application data"),
    (0x9F1A, "terminal country code"),
    (0x9F1E, "interface device serial number"),
    (0x9F26, "application cryptogram"),
    (0x9F27, "cryptogram information data"),
    (0x9F33, "terminal capabilities"),
    (0x9F34, "CVM results"),
    (0x9F35, "terminal type"),
    (0x9F36, "application transaction counter"),
    (0x9F37, "unpredictable number"),
    (0x9F41, "transaction sequence counter"),
    (0x9F63, "card product identifier"),
    (0xDF31, "issuer script results"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_byte_tags_and_long_lengths() {
        let mut data = Vec::new();
        write(Tag(0x9F26), &[1, 2, 3, 4, 5, 6, 7, 8], &mut data);
        write(Tag(0x9F10), &[0xAB; 200], &mut data);
        let items = parse(&data).unwrap();
        assert_eq!(items[0].tag, Tag(0x9F26));
        assert_eq!(items[0].value, &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(items[1].value.len(), 200);
        assert_eq!(&data[11..14], &[0x9F, 0x10, 0x81]);
    }

    #[test]
    fn descends_into_constructed_objects() {
        let mut inner = Vec::new();
        write(Tag(0x86), &[0x84, 0x24], &mut inner);
        let mut data = Vec::new();
        write(Tag(0x72), &inner, &mut data);
        let items = parse(&data).unwrap();
        assert_eq!(find(&items, Tag(0x86)).unwrap().value, &[0x84, 0x24]);
    }

    #[test]
    fn errors_name_the_offset() {
        assert_eq!(parse(&[0x9F]).unwrap_err().offset, 0);
        assert_eq!(parse(&[0x95, 0x05, 0x00]).unwrap_err(), TlvError { offset: 1, reason: "value runs past the end" });
        assert!(parse(&[0x95, 0x80]).is_err());
        assert!(parse(&[0x9F, 0xFF, 0xFF, 0xFF, 0x01]).is_err());
    }
}
