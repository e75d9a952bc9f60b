//! Message authentication codes: the UnionPay POS "ECB" MAC (DES/TDES, and
//! the SM4 16-byte variant), ANSI X9.9, ANSI X9.19 and AES-CMAC.

use crate::error::{CryptoError, Result, to_hex};
use crate::key::{KeyAlgorithm, SecretKey};

/// The MAC algorithms Kassa speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    /// UnionPay POS "ECB" MAC (`protocol.md` §5); SM4 keys give the 16-byte variant.
    CupEcb,
    /// ANSI X9.9: CBC-MAC, zero padding (single DES; TDES keys run TDES CBC).
    X99,
    /// ANSI X9.19 retail MAC: single-DES CBC under K1, last block D(K2), E(K1).
    X919,
    /// AES-CMAC (NIST SP 800-38B, RFC 4493) under an AES-128 key, its first 8
    /// bytes: the network link's MAC (`docs/network-profile.md`).
    AesCmac,
}

impl MacAlgorithm {
    pub fn parse(text: &str) -> Option<MacAlgorithm> {
        match text.to_ascii_lowercase().as_str() {
            "cup-ecb" | "ecb" | "cup" => Some(MacAlgorithm::CupEcb),
            "x9.9" | "x99" => Some(MacAlgorithm::X99),
            "x9.19" | "x919" => Some(MacAlgorithm::X919),
            "aes-cmac" | "cmac" => Some(MacAlgorithm::AesCmac),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MacAlgorithm::CupEcb => "cup-ecb",
            MacAlgorithm::X99 => "x9.9",
            MacAlgorithm::X919 => "x9.19",
            MacAlgorithm::AesCmac => "aes-cmac",
        }
    }
}

/// Computes the 8-byte MAC of `data`. For `CupEcb` the bytes are 8 ASCII hex
/// characters (as field 64 carries them); for X9.9/X9.19 they are the raw MAC,
/// for AES-CMAC its first 8 bytes.
pub fn compute(algorithm: MacAlgorithm, key: &SecretKey, data: &[u8]) -> Result<[u8; 8]> {
    match algorithm {
        MacAlgorithm::CupEcb => cup_ecb(key, data),
        MacAlgorithm::X99 => cbc_mac(key, data),
        MacAlgorithm::X919 => retail_mac(key, data),
        MacAlgorithm::AesCmac => {
            let aes = key.aes().ok_or(CryptoError::Unsupported("AES-CMAC with a key that is not AES"))?;
            let full = aes_cmac(aes, data);
            let mut mac = [0u8; 8];
            mac.copy_from_slice(&full[..8]);
            Ok(mac)
        }
    }
}

/// The full 16-byte AES-CMAC of `data`.
pub(crate) fn aes_cmac(aes: &aes::Aes128, data: &[u8]) -> [u8; 16] {
    use cmac::digest::{InnerInit, Update};
    use cmac::{Cmac, Mac};
    let mut mac = <Cmac<aes::Aes128> as InnerInit>::inner_init(aes.clone());
    Update::update(&mut mac, data);
    mac.finalize().into_bytes().into()
}

/// Constant-time check of a received MAC.
pub fn verify(algorithm: MacAlgorithm, key: &SecretKey, data: &[u8], mac: &[u8]) -> Result<bool> {
    use subtle::ConstantTimeEq;
    let expected = compute(algorithm, key, data)?;
    Ok(mac.len() == expected.len() && bool::from(expected.ct_eq(mac)))
}

/// XOR of all blocks of `data`, zero-padded to the block length.
pub fn xor_blocks(data: &[u8], block_len: usize) -> Vec<u8> {
    let mut result = vec![0u8; block_len];
    for chunk in data.chunks(block_len) {
        for (r, b) in result.iter_mut().zip(chunk) {
            *r ^= b;
        }
    }
    result
}

fn cup_ecb(key: &SecretKey, data: &[u8]) -> Result<[u8; 8]> {
    let n = key.block_len();
    let hex = to_hex(&xor_blocks(data, n)).into_bytes();
    let (h1, h2) = hex.split_at(n);
    let mut e = h1.to_vec();
    key.encrypt_block(&mut e)?;
    for (x, y) in e.iter_mut().zip(h2) {
        *x ^= y;
    }
    key.encrypt_block(&mut e)?;
    let text = to_hex(&e).into_bytes();
    let mut mac = [0u8; 8];
    mac.copy_from_slice(&text[..8]);
    Ok(mac)
}

fn require_des_family(key: &SecretKey, what: &'static str) -> Result<()> {
    if matches!(key.algorithm(), KeyAlgorithm::Sm4 | KeyAlgorithm::Aes128) {
        return Err(CryptoError::Unsupported(what));
    }
    Ok(())
}

fn cbc_mac(key: &SecretKey, data: &[u8]) -> Result<[u8; 8]> {
    require_des_family(key, "X9.9 with a key outside the DES family")?;
    key.cbc_last_block(data)
}

fn retail_mac(key: &SecretKey, data: &[u8]) -> Result<[u8; 8]> {
    require_des_family(key, "X9.19 with a key outside the DES family")?;
    let (k1, k2) = key.des_halves().ok_or(CryptoError::KeyLength {
        length: key.expose().len(),
        algorithm: "X9.19",
        expected: "16 or 24",
    })?;
    let mut state = k1.cbc_last_block(data)?;
    k2.decrypt_block(&mut state)?;
    k1.encrypt_block(&mut state)?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_only_the_right_mac() {
        let key = SecretKey::from_hex("C24A8FB57AA20123", None).unwrap();
        let mac = compute(MacAlgorithm::CupEcb, &key, b"abc").unwrap();
        assert!(verify(MacAlgorithm::CupEcb, &key, b"abc", &mac).unwrap());
        assert!(!verify(MacAlgorithm::CupEcb, &key, b"abd", &mac).unwrap());
        assert!(!verify(MacAlgorithm::CupEcb, &key, b"abc", &mac[..4]).unwrap());
    }

    #[test]
    fn sm4_variant_uses_sixteen_byte_blocks() {
        let key = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", Some(KeyAlgorithm::Sm4)).unwrap();
        let mac = compute(MacAlgorithm::CupEcb, &key, &[0x11; 40]).unwrap();
        assert!(mac.iter().all(u8::is_ascii_hexdigit));
        assert!(compute(MacAlgorithm::X919, &key, b"x").is_err());
    }

    /// RFC 4493 §4: the four examples under its AES-128 key.
    #[test]
    fn aes_cmac_matches_rfc_4493() {
        let key = SecretKey::from_hex("2B7E151628AED2A6ABF7158809CF4F3C", Some(KeyAlgorithm::Aes128)).unwrap();
        let message = crate::from_hex(
            "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51\
             30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710",
        )
        .unwrap();
        let examples = [
            (0, "BB1D6929E95937287FA37D129B756746"),
            (16, "070A16B46B4D4144F79BDD9DD04A287C"),
            (40, "DFA66747DE9AE63030CA32611497C827"),
            (64, "51F0BEBF7E3B9D92FC49741779363CFE"),
        ];
        let aes = key.aes().unwrap();
        for (len, expected) in examples {
            assert_eq!(crate::to_hex(&aes_cmac(aes, &message[..len])), expected, "{len} bytes");
            let mac = compute(MacAlgorithm::AesCmac, &key, &message[..len]).unwrap();
            assert_eq!(crate::to_hex(&mac), expected[..16], "{len} bytes, truncated");
            assert!(verify(MacAlgorithm::AesCmac, &key, &message[..len], &mac).unwrap());
        }
    }

    #[test]
    fn aes_cmac_needs_an_aes_key_and_aes_keys_make_no_des_macs() {
        let tdes = SecretKey::from_hex("2B7E151628AED2A6ABF7158809CF4F3C", None).unwrap();
        assert!(compute(MacAlgorithm::AesCmac, &tdes, b"x").is_err());
        let aes = SecretKey::from_hex("2B7E151628AED2A6ABF7158809CF4F3C", Some(KeyAlgorithm::Aes128)).unwrap();
        assert!(compute(MacAlgorithm::X919, &aes, b"x").is_err());
        assert!(compute(MacAlgorithm::X99, &aes, b"x").is_err());
        // Its check value is the CMAC of a zero block (RFC 4493 has no such
        // example: checked against the full CMAC computed here).
        let zero_cmac = aes_cmac(aes.aes().unwrap(), &[0u8; 16]);
        assert_eq!(aes.check_value(), zero_cmac[..4]);
        assert_eq!(MacAlgorithm::parse("AES-CMAC"), Some(MacAlgorithm::AesCmac));
        assert_eq!(KeyAlgorithm::parse("aes"), Some(KeyAlgorithm::Aes128));
    }
}
