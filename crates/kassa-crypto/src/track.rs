//! Track-data encryption (`protocol.md` §5, 53.3 = 1): one cipher block of the
//! packed BCD track — the block ending just before its last byte — is
//! encrypted with the track key (TDK). The last byte, which may hold the pad
//! nibble, stays clear, so the pad setting never changes the ciphertext.

use crate::error::{CryptoError, Result};
use crate::key::SecretKey;

fn block_range(packed_len: usize, block_len: usize) -> Result<std::ops::Range<usize>> {
    let needed = block_len + 1;
    if packed_len < needed {
        return Err(CryptoError::TrackLength { length: packed_len, needed });
    }
    Ok(packed_len - 1 - block_len..packed_len - 1)
}

/// Encrypts the packed BCD track in place.
pub fn encrypt_packed(key: &SecretKey, packed: &mut [u8]) -> Result<()> {
    let range = block_range(packed.len(), key.block_len())?;
    key.encrypt_block(&mut packed[range])
}

/// Decrypts the packed BCD track in place.
pub fn decrypt_packed(key: &SecretKey, packed: &mut [u8]) -> Result<()> {
    let range = block_range(packed.len(), key.block_len())?;
    key.decrypt_block(&mut packed[range])
}

/// [`encrypt_packed`] on a track in its logical form (digits and `=`, as a
/// decoded field 35/36 holds it). Encrypted nibbles come back as hex letters.
pub fn encrypt(key: &SecretKey, track: &str) -> Result<String> {
    transform(key, track, true)
}

/// The inverse of [`encrypt`].
pub fn decrypt(key: &SecretKey, track: &str) -> Result<String> {
    transform(key, track, false)
}

fn transform(key: &SecretKey, track: &str, forward: bool) -> Result<String> {
    let mut packed = pack(track)?;
    if forward {
        encrypt_packed(key, &mut packed)?
    } else {
        decrypt_packed(key, &mut packed)?
    }
    Ok(unpack(&packed, track.len()))
}

/// Packs a track in its logical form (digits, `=` as the nibble `D`, other
/// nibbles as hex letters) into bytes; an odd count gets a `0` pad nibble.
pub fn pack(track: &str) -> Result<Vec<u8>> {
    let nibbles: Vec<u8> = track
        .bytes()
        .map(|c| match c {
            b'=' => Ok(0xD),
            _ => char::from(c).to_digit(16).map(|d| d as u8).ok_or(CryptoError::Unsupported("a non-track character")),
        })
        .collect::<Result<_>>()?;
    Ok(nibbles.chunks(2).map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0)).collect())
}

/// The first `count` nibbles of `packed` in logical form (`D` as `=`).
pub fn unpack(packed: &[u8], count: usize) -> String {
    (0..count.min(packed.len() * 2))
        .map(|i| {
            let n = if i % 2 == 0 { packed[i / 2] >> 4 } else { packed[i / 2] & 0x0F };
            match n {
                0xD => '=',
                _ => char::from_digit(u32::from(n), 16).map_or('?', |c| c.to_ascii_uppercase()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_the_block_before_the_last_byte() {
        let key = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap();
        let track = "6222021234567890123=28122201234567890";
        let secret = encrypt(&key, track).unwrap();
        assert_eq!(secret.len(), track.len());
        assert_ne!(secret, track);
        // 37 digits pack into 19 bytes; bytes 10..18 (digits 20..36) change, the rest do not.
        assert_eq!(&secret[..20], &track[..20]);
        assert_eq!(&secret[36..], &track[36..]);
        assert_eq!(decrypt(&key, &secret).unwrap(), track);
        assert!(encrypt(&key, "62220212").is_err());
    }
}
