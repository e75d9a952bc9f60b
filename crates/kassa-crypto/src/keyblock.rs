//! Sign-in key blocks: field 62 of the 0810, carrying fresh working keys under
//! the terminal master key (`protocol.md` §5), for 60.3 = 001/003/004/006.

use crate::error::{CryptoError, Result};
use crate::key::{KeyAlgorithm, SecretKey};
use crate::random;

/// The working-key scheme a terminal asks for in 60.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyMode {
    /// `001`: single-DES PIN and MAC keys.
    Des,
    /// `003`: double-length PIN key, single-length MAC key.
    Tdes,
    /// `004`: as `003`, plus a double-length track key.
    TdesWithTrack,
    /// `006`: SM4 PIN, MAC and track keys.
    Sm4,
}

const CHECK_VALUE_LEN: usize = 4;

impl KeyMode {
    /// From the 60.3 network management code.
    pub fn from_code(code: u16) -> Option<KeyMode> {
        match code {
            1 => Some(KeyMode::Des),
            3 => Some(KeyMode::Tdes),
            4 => Some(KeyMode::TdesWithTrack),
            6 => Some(KeyMode::Sm4),
            _ => None,
        }
    }

    pub fn code(self) -> u16 {
        match self {
            KeyMode::Des => 1,
            KeyMode::Tdes => 3,
            KeyMode::TdesWithTrack => 4,
            KeyMode::Sm4 => 6,
        }
    }

    fn label(self) -> &'static str {
        match self {
            KeyMode::Des => "001",
            KeyMode::Tdes => "003",
            KeyMode::TdesWithTrack => "004",
            KeyMode::Sm4 => "006",
        }
    }

    pub fn pin_algorithm(self) -> KeyAlgorithm {
        match self {
            KeyMode::Des => KeyAlgorithm::Des,
            KeyMode::Tdes | KeyMode::TdesWithTrack => KeyAlgorithm::Tdes2,
            KeyMode::Sm4 => KeyAlgorithm::Sm4,
        }
    }

    pub fn mac_algorithm(self) -> KeyAlgorithm {
        match self {
            KeyMode::Sm4 => KeyAlgorithm::Sm4,
            _ => KeyAlgorithm::Des,
        }
    }

    pub fn track_algorithm(self) -> Option<KeyAlgorithm> {
        match self {
            KeyMode::TdesWithTrack => Some(KeyAlgorithm::Tdes2),
            KeyMode::Sm4 => Some(KeyAlgorithm::Sm4),
            KeyMode::Des | KeyMode::Tdes => None,
        }
    }

    /// The master-key algorithms this mode works with.
    fn accepts_master(self, algorithm: KeyAlgorithm) -> bool {
        match self {
            KeyMode::Sm4 => algorithm == KeyAlgorithm::Sm4,
            _ => matches!(algorithm, KeyAlgorithm::Tdes2 | KeyAlgorithm::Tdes3),
        }
    }

    /// The length of field 62 in this mode.
    pub fn block_len(self) -> usize {
        match self {
            KeyMode::Des => 8 + 4 + 8 + 4,
            KeyMode::Tdes => 16 + 4 + 8 + 8 + 4,
            KeyMode::TdesWithTrack => 16 + 4 + 8 + 8 + 4 + 16 + 4,
            KeyMode::Sm4 => 3 * (16 + 4),
        }
    }
}

/// The working keys of one sign-in, in the clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingKeys {
    pub pin: SecretKey,
    pub mac: SecretKey,
    pub track: Option<SecretKey>,
}

impl WorkingKeys {
    /// Fresh keys for `mode` from the OS random source.
    pub fn generate(mode: KeyMode) -> Result<WorkingKeys> {
        Ok(WorkingKeys {
            pin: random::generate_key(mode.pin_algorithm())?,
            mac: random::generate_key(mode.mac_algorithm())?,
            track: mode.track_algorithm().map(random::generate_key).transpose()?,
        })
    }

    fn check_mode(&self, mode: KeyMode) -> Result<()> {
        let fits = self.pin.algorithm() == mode.pin_algorithm()
            && self.mac.algorithm() == mode.mac_algorithm()
            && self.track.as_ref().map(SecretKey::algorithm) == mode.track_algorithm();
        if fits { Ok(()) } else { Err(CryptoError::Unsupported("working keys that do not fit the sign-in mode")) }
    }
}

fn check_master(mode: KeyMode, tmk: &SecretKey) -> Result<()> {
    if mode.accepts_master(tmk.algorithm()) {
        Ok(())
    } else {
        Err(CryptoError::KeyUsage { expected: "master key for this sign-in mode", actual: tmk.algorithm().name() })
    }
}

/// Appends `key` encrypted under `tmk` (ECB), then its check value.
fn push_key(out: &mut Vec<u8>, tmk: &SecretKey, key: &SecretKey) -> Result<()> {
    let start = out.len();
    out.extend_from_slice(key.expose());
    // A single-DES key under an SM4 master never occurs (checked by mode).
    tmk.encrypt_ecb(&mut out[start..])?;
    Ok(())
}

/// Builds field 62 for `mode`: each key encrypted under `tmk`, followed by its check value.
pub fn build(mode: KeyMode, tmk: &SecretKey, keys: &WorkingKeys) -> Result<Vec<u8>> {
    check_master(mode, tmk)?;
    keys.check_mode(mode)?;
    let mut out = Vec::with_capacity(mode.block_len());
    push_key(&mut out, tmk, &keys.pin)?;
    out.extend_from_slice(&keys.pin.check_value());
    push_key(&mut out, tmk, &keys.mac)?;
    if matches!(mode, KeyMode::Tdes | KeyMode::TdesWithTrack) {
        // The filler: a zero block encrypted under the TMK; terminals ignore it.
        let start = out.len();
        out.extend_from_slice(&[0u8; 8]);
        tmk.encrypt_ecb(&mut out[start..])?;
    }
    out.extend_from_slice(&keys.mac.check_value());
    if let Some(track) = &keys.track {
        push_key(&mut out, tmk, track)?;
        out.extend_from_slice(&track.check_value());
    }
    debug_assert_eq!(out.len(), mode.block_len());
    Ok(out)
}

/// Takes `len` bytes at `*at`, decrypts them under `tmk`, checks the check
/// value that follows `skip` bytes later, and advances past it.
fn take_key(
    block: &[u8],
    at: &mut usize,
    tmk: &SecretKey,
    algorithm: KeyAlgorithm,
    skip: usize,
    which: &'static str,
) -> Result<SecretKey> {
    let len = algorithm.key_len();
    let mut clear = zeroize::Zeroizing::new(block[*at..*at + len].to_vec());
    tmk.decrypt_ecb(&mut clear)?;
    let key = SecretKey::new(algorithm, &clear)?;
    let kcv_at = *at + len + skip;
    if block[kcv_at..kcv_at + CHECK_VALUE_LEN] != key.check_value() {
        return Err(CryptoError::CheckValue(which));
    }
    *at = kcv_at + CHECK_VALUE_LEN;
    Ok(key)
}

/// Reads field 62 as a terminal does: decrypts each key with `tmk` and checks
/// every check value.
pub fn parse(mode: KeyMode, tmk: &SecretKey, block: &[u8]) -> Result<WorkingKeys> {
    check_master(mode, tmk)?;
    if block.len() != mode.block_len() {
        return Err(CryptoError::KeyBlockLength {
            mode: mode.label(),
            length: block.len(),
            expected: mode.block_len(),
        });
    }
    let mut at = 0;
    let pin = take_key(block, &mut at, tmk, mode.pin_algorithm(), 0, "PIN key")?;
    let filler = if matches!(mode, KeyMode::Tdes | KeyMode::TdesWithTrack) { 8 } else { 0 };
    let mac = take_key(block, &mut at, tmk, mode.mac_algorithm(), filler, "MAC key")?;
    let track = match mode.track_algorithm() {
        Some(algorithm) => Some(take_key(block, &mut at, tmk, algorithm, 0, "track key")?),
        None => None,
    };
    debug_assert_eq!(at, block.len());
    Ok(WorkingKeys { pin, mac, track })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmk(mode: KeyMode) -> SecretKey {
        let algorithm = if mode == KeyMode::Sm4 { KeyAlgorithm::Sm4 } else { KeyAlgorithm::Tdes2 };
        SecretKey::from_hex("70F2A84CCBC2AE8625CBB0F2C22AB923", Some(algorithm)).unwrap()
    }

    #[test]
    fn every_mode_round_trips() {
        for mode in [KeyMode::Des, KeyMode::Tdes, KeyMode::TdesWithTrack, KeyMode::Sm4] {
            let keys = WorkingKeys::generate(mode).unwrap();
            let block = build(mode, &tmk(mode), &keys).unwrap();
            assert_eq!(block.len(), mode.block_len());
            assert_eq!(parse(mode, &tmk(mode), &block).unwrap(), keys, "{mode:?}");
            assert_eq!(KeyMode::from_code(mode.code()), Some(mode));
        }
    }

    #[test]
    fn a_corrupt_block_fails_its_check_value() {
        let mode = KeyMode::Tdes;
        let mut block = build(mode, &tmk(mode), &WorkingKeys::generate(mode).unwrap()).unwrap();
        block[20] ^= 0x01;
        assert_eq!(parse(mode, &tmk(mode), &block), Err(CryptoError::CheckValue("MAC key")));
        assert!(matches!(parse(mode, &tmk(mode), &block[..10]), Err(CryptoError::KeyBlockLength { .. })));
        assert!(matches!(parse(KeyMode::Sm4, &tmk(mode), &block), Err(CryptoError::KeyUsage { .. })));
    }
}
