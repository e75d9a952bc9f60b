//! ISO 9564 format-0 PIN blocks: build, parse, the no-PAN variant, and
//! translation from one key to another without the PIN leaving this module.

use zeroize::{Zeroize, Zeroizing};

use crate::error::{CryptoError, Result};
use crate::key::SecretKey;

/// A PIN block is one 8-byte block.
pub type PinBlock = [u8; 8];

/// The PAN field of format 0: `0000` then the 12 rightmost digits excluding the
/// check digit. `None` gives the no-PAN variant (all zeros).
fn pan_field(pan: Option<&str>) -> Result<[u8; 8]> {
    let mut field = [0u8; 8];
    let Some(pan) = pan else {
        return Ok(field);
    };
    let digits = pan.as_bytes();
    if !(13..=19).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Err(CryptoError::Pan);
    }
    let account = &digits[digits.len() - 13..digits.len() - 1];
    for (i, pair) in account.chunks(2).enumerate() {
        field[2 + i] = (pair[0] - b'0') << 4 | (pair[1] - b'0');
    }
    Ok(field)
}

/// The clear format-0 block for `pin` (4–12 digits) and `pan` (`None`: no-PAN variant).
pub fn build(pin: &str, pan: Option<&str>) -> Result<PinBlock> {
    let digits = pin.as_bytes();
    if !(4..=12).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Err(CryptoError::Pin);
    }
    let mut nibbles = Zeroizing::new([0xFu8; 16]);
    nibbles[0] = 0;
    nibbles[1] = digits.len() as u8;
    for (i, d) in digits.iter().enumerate() {
        nibbles[2 + i] = d - b'0';
    }
    let pan = pan_field(pan)?;
    let mut block = [0u8; 8];
    for i in 0..8 {
        block[i] = (nibbles[2 * i] << 4 | nibbles[2 * i + 1]) ^ pan[i];
    }
    Ok(block)
}

/// Recovers the PIN from a clear format-0 block, checking its structure.
pub fn parse(block: &PinBlock, pan: Option<&str>) -> Result<Zeroizing<String>> {
    let pan = pan_field(pan)?;
    let mut field = Zeroizing::new([0u8; 8]);
    for i in 0..8 {
        field[i] = block[i] ^ pan[i];
    }
    let nibble = |i: usize| if i.is_multiple_of(2) { field[i / 2] >> 4 } else { field[i / 2] & 0x0F };
    if nibble(0) != 0 {
        return Err(CryptoError::PinBlock("control field is not 0"));
    }
    let length = usize::from(nibble(1));
    if !(4..=12).contains(&length) {
        return Err(CryptoError::PinBlock("PIN length outside 4..12"));
    }
    let mut pin = Zeroizing::new(String::with_capacity(12));
    for i in 2..2 + length {
        let d = nibble(i);
        if d > 9 {
            return Err(CryptoError::PinBlock("PIN digit is not decimal"));
        }
        pin.push(char::from(b'0' + d));
    }
    if (2 + length..16).any(|i| nibble(i) != 0xF) {
        return Err(CryptoError::PinBlock("fill is not F"));
    }
    Ok(pin)
}

/// Encrypts a clear block under a PIN key (DES or TDES).
pub fn encrypt(block: &PinBlock, key: &SecretKey) -> Result<PinBlock> {
    require_eight_byte_blocks(key)?;
    let mut out = *block;
    key.encrypt_block(&mut out)?;
    Ok(out)
}

/// Decrypts a block under a PIN key (DES or TDES).
pub fn decrypt(block: &PinBlock, key: &SecretKey) -> Result<PinBlock> {
    require_eight_byte_blocks(key)?;
    let mut out = *block;
    key.decrypt_block(&mut out)?;
    Ok(out)
}

fn require_eight_byte_blocks(key: &SecretKey) -> Result<()> {
    if key.block_len() != 8 {
        return Err(CryptoError::Unsupported("an 8-byte PIN block under an SM4 key"));
    }
    Ok(())
}

/// Re-encrypts a PIN block from `from` (bound to `from_pan`) to `to` (bound to
/// `to_pan`). The block's structure is checked; the PIN is only ever held in
/// zeroized memory here.
pub fn translate(
    block: &PinBlock,
    from: &SecretKey,
    from_pan: Option<&str>,
    to: &SecretKey,
    to_pan: Option<&str>,
) -> Result<PinBlock> {
    let mut clear = decrypt(block, from)?;
    let pin = parse(&clear, from_pan);
    clear.zeroize();
    let pin = pin?;
    let mut rebuilt = build(&pin, to_pan)?;
    let out = encrypt(&rebuilt, to);
    rebuilt.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_parses() {
        let block = build("1234", Some("4111111111111111")).unwrap();
        assert_eq!(block, [0x04, 0x12, 0x25, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE]);
        assert_eq!(parse(&block, Some("4111111111111111")).unwrap().as_str(), "1234");
        let no_pan = build("123456", None).unwrap();
        assert_eq!(no_pan, [0x06, 0x12, 0x34, 0x56, 0xFF, 0xFF, 0xFF, 0xFF]);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(build("123", None), Err(CryptoError::Pin));
        assert_eq!(build("12a4", None), Err(CryptoError::Pin));
        assert_eq!(build("1234", Some("41111")), Err(CryptoError::Pan));
        assert!(parse(&[0x14, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], None).is_err());
        assert!(parse(&[0x04, 0x12, 0x34, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF], None).is_err());
    }

    #[test]
    fn translation_keeps_the_pin() {
        let a = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap();
        let b = SecretKey::from_hex("1111111111111111222222222222222233333333333333333", None);
        assert!(b.is_err());
        let b = SecretKey::from_hex("11111111111111112222222222222222", None).unwrap();
        let pan = Some("6222021234567890123");
        let under_a = encrypt(&build("987654", pan).unwrap(), &a).unwrap();
        let under_b = translate(&under_a, &a, pan, &b, pan).unwrap();
        assert_eq!(parse(&decrypt(&under_b, &b).unwrap(), pan).unwrap().as_str(), "987654");
        assert!(matches!(translate(&under_a, &b, pan, &a, pan), Err(CryptoError::PinBlock(_))));
    }
}
