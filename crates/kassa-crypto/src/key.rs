//! Clear keys: a type that zeroizes itself, never prints its bytes, and knows
//! its algorithm; block encryption with it; key check values.

use std::fmt;

use sm4::Sm4;
use sm4::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{CryptoError, Result, from_hex, to_hex};

/// The block cipher a key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Single DES, 8 bytes.
    Des,
    /// Double-length triple DES (K1 K2 K1), 16 bytes.
    Tdes2,
    /// Triple-length triple DES, 24 bytes.
    Tdes3,
    /// SM4, 16 bytes.
    Sm4,
    /// AES-128, 16 bytes: the network link's MAC key (AES-CMAC).
    Aes128,
}

impl KeyAlgorithm {
    pub const fn key_len(self) -> usize {
        match self {
            KeyAlgorithm::Des => 8,
            KeyAlgorithm::Tdes2 | KeyAlgorithm::Sm4 | KeyAlgorithm::Aes128 => 16,
            KeyAlgorithm::Tdes3 => 24,
        }
    }

    pub const fn block_len(self) -> usize {
        match self {
            KeyAlgorithm::Sm4 | KeyAlgorithm::Aes128 => 16,
            KeyAlgorithm::Des | KeyAlgorithm::Tdes2 | KeyAlgorithm::Tdes3 => 8,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::Des => "DES",
            KeyAlgorithm::Tdes2 => "TDES-2",
            KeyAlgorithm::Tdes3 => "TDES-3",
            KeyAlgorithm::Sm4 => "SM4",
            KeyAlgorithm::Aes128 => "AES-128",
        }
    }

    /// The DES family algorithm for a key of `len` bytes.
    pub fn des_for_len(len: usize) -> Result<KeyAlgorithm> {
        match len {
            8 => Ok(KeyAlgorithm::Des),
            16 => Ok(KeyAlgorithm::Tdes2),
            24 => Ok(KeyAlgorithm::Tdes3),
            _ => Err(CryptoError::KeyLength { length: len, algorithm: "DES/TDES", expected: "8, 16 or 24" }),
        }
    }

    /// Parses `des`, `tdes`/`tdes2`, `tdes3`, `sm4` or `aes`/`aes128` (case-insensitive).
    pub fn parse(text: &str) -> Option<KeyAlgorithm> {
        match text.to_ascii_lowercase().as_str() {
            "des" => Some(KeyAlgorithm::Des),
            "tdes" | "tdes2" | "3des" | "tdes-2" => Some(KeyAlgorithm::Tdes2),
            "tdes3" | "tdes-3" => Some(KeyAlgorithm::Tdes3),
            "sm4" => Some(KeyAlgorithm::Sm4),
            "aes" | "aes128" | "aes-128" => Some(KeyAlgorithm::Aes128),
            _ => None,
        }
    }
}

/// A clear key. Its bytes are zeroized on drop, never shown by `Debug`, and
/// read only through [`SecretKey::expose`]. Its key schedule is built once,
/// when the key is made (and zeroized on drop by the cipher crates).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey {
    #[zeroize(skip)]
    algorithm: KeyAlgorithm,
    bytes: Vec<u8>,
    #[zeroize(skip)]
    cipher: Cipher,
    /// For double- and triple-length keys: the first two single-DES keys,
    /// ready for X9.19 (each zeroizes itself).
    #[zeroize(skip)]
    halves: Option<Box<(SecretKey, SecretKey)>>,
}

impl SecretKey {
    pub fn new(algorithm: KeyAlgorithm, bytes: &[u8]) -> Result<SecretKey> {
        if bytes.len() != algorithm.key_len() {
            return Err(CryptoError::KeyLength {
                length: bytes.len(),
                algorithm: algorithm.name(),
                expected: match algorithm.key_len() {
                    8 => "8",
                    16 => "16",
                    _ => "24",
                },
            });
        }
        let cipher = Cipher::new(algorithm, bytes)?;
        let halves = match algorithm {
            KeyAlgorithm::Tdes2 | KeyAlgorithm::Tdes3 => Some(Box::new((
                SecretKey::new(KeyAlgorithm::Des, &bytes[..8])?,
                SecretKey::new(KeyAlgorithm::Des, &bytes[8..16])?,
            ))),
            KeyAlgorithm::Des | KeyAlgorithm::Sm4 | KeyAlgorithm::Aes128 => None,
        };
        Ok(SecretKey { algorithm, bytes: bytes.to_vec(), cipher, halves })
    }

    /// A DES-family key whose algorithm follows from its length (8, 16, 24).
    pub fn des_family(bytes: &[u8]) -> Result<SecretKey> {
        SecretKey::new(KeyAlgorithm::des_for_len(bytes.len())?, bytes)
    }

    /// From hex; `algorithm` `None` means the DES family by length.
    pub fn from_hex(text: &str, algorithm: Option<KeyAlgorithm>) -> Result<SecretKey> {
        let mut bytes = from_hex(text)?;
        let key = match algorithm {
            Some(algorithm) => SecretKey::new(algorithm, &bytes),
            None => SecretKey::des_family(&bytes),
        };
        bytes.zeroize();
        key
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The key's bytes. Every call site is a place key material is handled.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    pub fn block_len(&self) -> usize {
        self.algorithm.block_len()
    }

    /// A double- or triple-length key's first two single-DES keys (K1, K2).
    pub fn des_halves(&self) -> Option<(&SecretKey, &SecretKey)> {
        self.halves.as_deref().map(|(k1, k2)| (k1, k2))
    }

    /// The AES cipher of an AES key.
    pub(crate) fn aes(&self) -> Option<&aes::Aes128> {
        match &self.cipher {
            Cipher::Aes(aes) => Some(aes),
            Cipher::Des(_) | Cipher::Sm4(_) => None,
        }
    }

    /// CBC over `data` zero-padded to whole blocks (at least one), IV zero:
    /// the last cipher block. DES family only.
    pub fn cbc_last_block(&self, data: &[u8]) -> Result<[u8; 8]> {
        self.cipher
            .des_cbc_last_block(data)
            .ok_or(CryptoError::Unsupported("a CBC MAC with a key outside the DES family"))
    }

    /// Encrypts one block in place. `block` must be exactly one block long.
    pub fn encrypt_block(&self, block: &mut [u8]) -> Result<()> {
        self.cipher.apply(block, true)
    }

    /// Decrypts one block in place.
    pub fn decrypt_block(&self, block: &mut [u8]) -> Result<()> {
        self.cipher.apply(block, false)
    }

    /// ECB over `data`, whose length must be a multiple of the block length.
    pub fn encrypt_ecb(&self, data: &mut [u8]) -> Result<()> {
        data.chunks_mut(self.block_len()).try_for_each(|block| self.cipher.apply(block, true))
    }

    pub fn decrypt_ecb(&self, data: &mut [u8]) -> Result<()> {
        data.chunks_mut(self.block_len()).try_for_each(|block| self.cipher.apply(block, false))
    }

    /// The key check value: the first 4 bytes of a zero block encrypted under
    /// the key — for AES, of the AES-CMAC of a zero block, as ANSI X9.24-1
    /// recommends for AES keys (no plain encryption of a known block is shown).
    pub fn check_value(&self) -> [u8; 4] {
        if let Cipher::Aes(aes) = &self.cipher {
            let cmac = crate::mac::aes_cmac(aes, &[0u8; 16]);
            return [cmac[0], cmac[1], cmac[2], cmac[3]];
        }
        let mut block = [0u8; 16];
        let n = self.block_len();
        // A key always builds its cipher: its length was checked at construction.
        let _ = self.encrypt_block(&mut block[..n]);
        [block[0], block[1], block[2], block[3]]
    }

    /// The check value as 8 upper-case hex digits.
    pub fn check_value_hex(&self) -> String {
        to_hex(&self.check_value())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, kcv {})", self.algorithm.name(), self.check_value_hex())
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.algorithm == other.algorithm && bool::from(self.bytes.ct_eq(&other.bytes))
    }
}

impl Eq for SecretKey {}

/// A keyed block cipher of any supported algorithm.
#[derive(Clone)]
pub(crate) enum Cipher {
    /// DES, and triple DES with double- or triple-length keys.
    Des(crate::des::DesCipher),
    Sm4(Sm4),
    /// Boxed: both AES key schedules are larger than the other ciphers.
    Aes(Box<aes::Aes128>),
}

impl Cipher {
    fn new(algorithm: KeyAlgorithm, bytes: &[u8]) -> Result<Cipher> {
        let invalid = || CryptoError::KeyLength { length: bytes.len(), algorithm: algorithm.name(), expected: "?" };
        Ok(match algorithm {
            KeyAlgorithm::Des | KeyAlgorithm::Tdes2 | KeyAlgorithm::Tdes3 => {
                Cipher::Des(crate::des::DesCipher::new(bytes).ok_or_else(invalid)?)
            }
            KeyAlgorithm::Sm4 => Cipher::Sm4(Sm4::new_from_slice(bytes).map_err(|_| invalid())?),
            KeyAlgorithm::Aes128 => Cipher::Aes(Box::new(aes::Aes128::new_from_slice(bytes).map_err(|_| invalid())?)),
        })
    }

    fn apply(&self, block: &mut [u8], encrypt: bool) -> Result<()> {
        let partial = || CryptoError::Unsupported("a partial cipher block");
        match self {
            Cipher::Des(c) => {
                let input: [u8; 8] = (&*block).try_into().map_err(|_| partial())?;
                block.copy_from_slice(&if encrypt { c.encrypt(input) } else { c.decrypt(input) });
            }
            Cipher::Sm4(c) => {
                let block: &mut Array<u8, _> = block.try_into().map_err(|_| partial())?;
                if encrypt { c.encrypt_block(block) } else { c.decrypt_block(block) }
            }
            Cipher::Aes(c) => {
                let block: &mut Array<u8, _> = block.try_into().map_err(|_| partial())?;
                if encrypt { c.encrypt_block(block) } else { c.decrypt_block(block) }
            }
        }
        Ok(())
    }

    /// The DES family's CBC chain over zero-padded `data` (IV zero): its last block.
    pub(crate) fn des_cbc_last_block(&self, data: &[u8]) -> Option<[u8; 8]> {
        match self {
            Cipher::Des(c) => Some(c.cbc_last_block(data)),
            Cipher::Sm4(_) | Cipher::Aes(_) => None,
        }
    }
}

/// Sets odd parity on every byte, as DES keys conventionally carry.
pub fn set_odd_parity(bytes: &mut [u8]) {
    for b in bytes {
        if b.count_ones() % 2 == 0 {
            *b ^= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("0123"), "{shown}");
        assert_eq!(shown, "SecretKey(TDES-2, kcv 08D7B4FB)");
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert!(SecretKey::from_hex("0123", None).is_err());
        assert!(SecretKey::from_hex("0123456789ABCDEF", Some(KeyAlgorithm::Sm4)).is_err());
        assert!(SecretKey::from_hex("XY", None).is_err());
    }
}
