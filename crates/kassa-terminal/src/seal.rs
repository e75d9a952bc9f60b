//! Card numbers the terminal must keep (the batch upload sends them, a kept
//! reversal repeats fields 2 and 14) are sealed under its master key before
//! they reach the state file: triple-DES in CBC mode, the plaintext
//! zero-padded to whole blocks, with a per-record first block (the record's
//! batch and trace) so that one card never seals to the same text twice in
//! a log. The master key lives in the device's configuration, never in the
//! state file, so a stolen state file names no card.

use kassa_crypto::{SecretKey, from_hex, to_hex};

use crate::Result;

/// The per-record starting block: batch and trace, big-endian.
fn tweak(batch: u32, trace: u32) -> [u8; 8] {
    let mut block = [0u8; 8];
    block[..4].copy_from_slice(&batch.to_be_bytes());
    block[4..].copy_from_slice(&trace.to_be_bytes());
    block
}

/// `text` (ASCII) sealed under `key`, as hex.
pub fn seal(key: &SecretKey, batch: u32, trace: u32, text: &str) -> Result<String> {
    let mut data = text.as_bytes().to_vec();
    data.resize(data.len().div_ceil(8).max(1) * 8, 0);
    let mut previous = tweak(batch, trace);
    key.encrypt_block(&mut previous)?;
    for block in data.chunks_mut(8) {
        for (byte, chained) in block.iter_mut().zip(previous) {
            *byte ^= chained;
        }
        key.encrypt_block(block)?;
        previous.copy_from_slice(block);
    }
    Ok(to_hex(&data))
}

/// The text [`seal`] sealed; `None` when `sealed` is not what it made with this key.
pub fn open(key: &SecretKey, batch: u32, trace: u32, sealed: &str) -> Option<String> {
    let mut data = from_hex(sealed).ok()?;
    if data.is_empty() || data.len() % 8 != 0 {
        return None;
    }
    let mut previous = tweak(batch, trace);
    key.encrypt_block(&mut previous).ok()?;
    for block in data.chunks_mut(8) {
        let cipher: [u8; 8] = block.try_into().ok()?;
        key.decrypt_block(block).ok()?;
        for (byte, chained) in block.iter_mut().zip(previous) {
            *byte ^= chained;
        }
        previous = cipher;
    }
    let end = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let text = String::from_utf8(data[..end].to_vec()).ok()?;
    text.bytes().all(|b| b.is_ascii_graphic()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn sealed_numbers_open_with_the_key_only() {
        let pan = "6222021234567890128";
        let sealed = seal(&key(), 3, 12, pan).unwrap_or_else(|e| panic!("{e}"));
        assert!(!sealed.contains(pan) && !sealed.contains("567890"));
        assert_eq!(open(&key(), 3, 12, &sealed).as_deref(), Some(pan));
        assert_ne!(seal(&key(), 3, 13, pan).ok(), Some(sealed.clone()), "another record, another text");
        let other = SecretKey::from_hex("1111111111111111FEDCBA9876543210", None).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(open(&other, 3, 12, &sealed).as_deref(), Some(pan));
        assert_eq!(open(&key(), 3, 12, "abc"), None);
        let sixteen = "6222021234567890";
        let sealed = seal(&key(), 1, 1, sixteen).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(open(&key(), 1, 1, &sealed).as_deref(), Some(sixteen), "a whole number of blocks");
    }
}
