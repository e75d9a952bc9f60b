//! Key generation from the operating system's random source.

use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::key::{KeyAlgorithm, SecretKey, set_odd_parity};

/// Fills `bytes` from the OS random source.
pub fn fill(bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes).map_err(|_| CryptoError::Random)
}

/// A fresh key. DES-family keys get odd parity, and a double-length key whose
/// halves are equal (which would be single DES) is drawn again.
pub fn generate_key(algorithm: KeyAlgorithm) -> Result<SecretKey> {
    let mut bytes = Zeroizing::new(vec![0u8; algorithm.key_len()]);
    loop {
        fill(&mut bytes)?;
        if matches!(algorithm, KeyAlgorithm::Sm4 | KeyAlgorithm::Aes128) {
            break;
        }
        set_odd_parity(&mut bytes);
        if algorithm != KeyAlgorithm::Tdes2 || bytes[..8] != bytes[8..] {
            break;
        }
    }
    SecretKey::new(algorithm, &bytes)
}

/// Splits `key` into `count` components whose XOR is the key (for dual control).
pub fn split_components(key: &SecretKey, count: usize) -> Result<Vec<SecretKey>> {
    let count = count.max(1);
    let mut last = Zeroizing::new(key.expose().to_vec());
    let mut parts = Vec::with_capacity(count);
    for _ in 1..count {
        let part = generate_key(key.algorithm())?;
        for (l, p) in last.iter_mut().zip(part.expose()) {
            *l ^= p;
        }
        parts.push(part);
    }
    parts.push(SecretKey::new(key.algorithm(), &last)?);
    Ok(parts)
}

/// Joins components by XOR.
pub fn combine_components(parts: &[SecretKey]) -> Result<SecretKey> {
    let first = parts.first().ok_or(CryptoError::Unsupported("combining zero components"))?;
    let mut bytes = Zeroizing::new(first.expose().to_vec());
    for part in &parts[1..] {
        if part.algorithm() != first.algorithm() {
            return Err(CryptoError::Unsupported("components of different algorithms"));
        }
        for (b, p) in bytes.iter_mut().zip(part.expose()) {
            *b ^= p;
        }
    }
    SecretKey::new(first.algorithm(), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_odd_parity_and_components_combine() {
        let key = generate_key(KeyAlgorithm::Tdes2).unwrap();
        assert!(key.expose().iter().all(|b| b.count_ones() % 2 == 1));
        let parts = split_components(&key, 3).unwrap();
        assert_eq!(combine_components(&parts).unwrap(), key);
        assert_ne!(generate_key(KeyAlgorithm::Sm4).unwrap(), generate_key(KeyAlgorithm::Sm4).unwrap());
    }
}
