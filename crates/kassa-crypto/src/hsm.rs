//! The security module: everything the host needs from an HSM, behind one
//! trait, with a software implementation.
//!
//! Keys leave the module only wrapped under its local master key (LMK) and
//! bound to a usage, so a PIN key cannot be used to compute MACs and a MAC key
//! cannot decrypt PINs. A PKCS#11 HSM implements the same trait later, with
//! [`WrappedKey::blob`] holding its own key handle or wrapped key.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result, from_hex, to_hex};
use crate::key::{KeyAlgorithm, SecretKey};
use crate::keyblock::{self, KeyMode, WorkingKeys};
use crate::mac::{self, MacAlgorithm};
use crate::pin::{self, PinBlock};
use crate::{random, track};

/// What a key may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyUsage {
    /// A terminal master key (TMK): only wraps working keys.
    Master,
    /// A PIN key: terminal TPK or network zone PIN key.
    Pin,
    /// A MAC key: terminal TAK or network zone MAC key.
    Mac,
    /// A track (data) key, TDK.
    Track,
}

impl KeyUsage {
    pub const fn name(self) -> &'static str {
        match self {
            KeyUsage::Master => "master",
            KeyUsage::Pin => "PIN",
            KeyUsage::Mac => "MAC",
            KeyUsage::Track => "track",
        }
    }

    fn parse(text: &str) -> Option<KeyUsage> {
        [KeyUsage::Master, KeyUsage::Pin, KeyUsage::Mac, KeyUsage::Track].into_iter().find(|u| u.name() == text)
    }
}

/// A key wrapped by a security module, safe to store and to log.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub usage: KeyUsage,
    pub algorithm: KeyAlgorithm,
    /// The clear key's check value, for display and for checking on unwrap.
    pub check_value: [u8; 4],
    /// Module-specific: for the software module, nonce ‖ ciphertext ‖ tag.
    pub blob: Vec<u8>,
}

const WRAPPED_PREFIX: &str = "kassa1";

impl WrappedKey {
    /// A one-line text form for storage: `kassa1:usage:algorithm:kcv:blob`.
    pub fn encode(&self) -> String {
        format!(
            "{WRAPPED_PREFIX}:{}:{}:{}:{}",
            self.usage.name(),
            self.algorithm.name(),
            to_hex(&self.check_value),
            to_hex(&self.blob)
        )
    }

    pub fn decode(text: &str) -> Result<WrappedKey> {
        let mut parts = text.split(':');
        let mut next = |what: &'static str| parts.next().ok_or(CryptoError::WrappedKey(what));
        if next("prefix")? != WRAPPED_PREFIX {
            return Err(CryptoError::WrappedKey("unknown format"));
        }
        let usage = KeyUsage::parse(next("usage")?).ok_or(CryptoError::WrappedKey("unknown usage"))?;
        let algorithm = match next("algorithm")? {
            "DES" => KeyAlgorithm::Des,
            "TDES-2" => KeyAlgorithm::Tdes2,
            "TDES-3" => KeyAlgorithm::Tdes3,
            "SM4" => KeyAlgorithm::Sm4,
            "AES-128" => KeyAlgorithm::Aes128,
            _ => return Err(CryptoError::WrappedKey("unknown algorithm")),
        };
        let check_value: [u8; 4] =
            from_hex(next("check value")?)?.try_into().map_err(|_| CryptoError::WrappedKey("check value length"))?;
        let blob = from_hex(next("blob")?)?;
        Ok(WrappedKey { usage, algorithm, check_value, blob })
    }

    pub fn check_value_hex(&self) -> String {
        to_hex(&self.check_value)
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappedKey({} {}, kcv {})", self.usage.name(), self.algorithm.name(), self.check_value_hex())
    }
}

/// The outcome of a sign-in key generation.
#[derive(Clone, Debug)]
pub struct SignInKeys {
    /// Field 62 of the 0810: the keys under the terminal master key.
    pub field62: Vec<u8>,
    pub pin: WrappedKey,
    pub mac: WrappedKey,
    pub track: Option<WrappedKey>,
}

/// What the host asks of a hardware security module.
pub trait SecurityModule: Send + Sync + fmt::Debug {
    /// Takes a clear key in (a TMK from its components, a zone key) and wraps it.
    fn import_key(&self, usage: KeyUsage, key: &SecretKey) -> Result<WrappedKey>;
    /// Generates a new key inside the module.
    fn generate_key(&self, usage: KeyUsage, algorithm: KeyAlgorithm) -> Result<WrappedKey>;
    /// Fresh working keys for a sign-in: field 62 under `tmk`, and each key wrapped.
    fn generate_working_keys(&self, tmk: &WrappedKey, mode: KeyMode) -> Result<SignInKeys>;
    /// Re-encrypts a PIN block from `from` to `to` (both PIN keys).
    fn translate_pin(
        &self,
        block: &PinBlock,
        from: &WrappedKey,
        from_pan: Option<&str>,
        to: &WrappedKey,
        to_pan: Option<&str>,
    ) -> Result<PinBlock>;
    /// Checks a PIN block under `key` against the PIN the issuer holds (the
    /// network simulator's issuer side), in constant time.
    fn verify_pin(&self, block: &PinBlock, key: &WrappedKey, pan: Option<&str>, expected_pin: &str) -> Result<bool>;
    fn generate_mac(&self, key: &WrappedKey, algorithm: MacAlgorithm, data: &[u8]) -> Result<[u8; 8]>;
    fn verify_mac(&self, key: &WrappedKey, algorithm: MacAlgorithm, data: &[u8], mac: &[u8]) -> Result<bool>;
    /// Decrypts track data in place (packed BCD) with a track key.
    fn decrypt_track(&self, key: &WrappedKey, packed: &mut [u8]) -> Result<()>;
    /// Encrypts a card number for storage at rest.
    fn encrypt_pan(&self, pan: &str) -> Result<Vec<u8>>;
    fn decrypt_pan(&self, sealed: &[u8]) -> Result<Zeroizing<String>>;
    /// A keyed hash of a card number, for lookups without decrypting.
    fn pan_fingerprint(&self, pan: &str) -> [u8; 32];
    /// Seals one component of a key for its custodian, who collects it once
    /// (split knowledge: no one person ever holds two components).
    fn seal_component(&self, component: &SecretKey) -> Result<Vec<u8>>;
    /// Opens a sealed component for the custodian collecting it.
    fn open_component(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>>;
}

/// Bytes of the local master key.
pub const LMK_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// Unwrapped keys kept ready (with their key schedules); the cache is emptied
/// when it reaches this size.
pub const KEY_CACHE_MAX: usize = 65_536;

/// What a cached unwrap is found by: the usage and algorithm are part of it,
/// so a relabelled wrapped key never finds another usage's unwrap and always
/// meets the wrap's integrity check.
/// An unwrapped key, cached by its wrapped blob with what it was unwrapped as.
struct Cached {
    usage: KeyUsage,
    algorithm: KeyAlgorithm,
    check_value: [u8; 4],
    key: std::sync::Arc<SecretKey>,
}

/// A security module in software: AES-256-GCM wrapping under subkeys of a
/// local master key. Clear keys live inside the module only (zeroized when
/// dropped), in a bounded cache so the hot path does not unwrap every time.
pub struct SoftwareSecurityModule {
    wrap: Aes256Gcm,
    fingerprint_key: Zeroizing<[u8; 32]>,
    cache: std::sync::Mutex<std::collections::HashMap<Vec<u8>, Cached>>,
}

impl fmt::Debug for SoftwareSecurityModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SoftwareSecurityModule")
    }
}

fn derive(lmk: &[u8; LMK_LEN], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(lmk)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(label);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl SoftwareSecurityModule {
    pub fn new(lmk: &[u8; LMK_LEN]) -> SoftwareSecurityModule {
        let wrap_key = derive(lmk, b"kassa/wrap/v1");
        let wrap = Aes256Gcm::new_from_slice(wrap_key.as_slice()).unwrap_or_else(|_| unreachable!("32-byte key"));
        SoftwareSecurityModule {
            wrap,
            fingerprint_key: derive(lmk, b"kassa/pan-fingerprint/v1"),
            cache: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// From 64 hex digits.
    pub fn from_hex(text: &str) -> Result<SoftwareSecurityModule> {
        let bytes = Zeroizing::new(from_hex(text)?);
        let lmk: &[u8; LMK_LEN] = bytes.as_slice().try_into().map_err(|_| CryptoError::KeyLength {
            length: bytes.len(),
            algorithm: "local master",
            expected: "32",
        })?;
        Ok(SoftwareSecurityModule::new(lmk))
    }

    /// A fresh local master key.
    pub fn generate_lmk() -> Result<Zeroizing<[u8; LMK_LEN]>> {
        let mut lmk = Zeroizing::new([0u8; LMK_LEN]);
        random::fill(lmk.as_mut_slice())?;
        Ok(lmk)
    }

    fn seal(&self, aad: &[u8], clear: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        random::fill(&mut nonce)?;
        let sealed = self
            .wrap
            .encrypt(&Nonce::from(nonce), Payload { msg: clear, aad })
            .map_err(|_| CryptoError::Unsupported("sealing more than AES-GCM allows"))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let (nonce, sealed) = blob.split_first_chunk::<NONCE_LEN>().ok_or(CryptoError::Unwrap)?;
        self.wrap
            .decrypt(&Nonce::from(*nonce), Payload { msg: sealed, aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Unwrap)
    }

    fn key_aad(usage: KeyUsage, algorithm: KeyAlgorithm) -> Vec<u8> {
        format!("kassa-key:{}:{}", usage.name(), algorithm.name()).into_bytes()
    }

    fn unwrap_key(&self, wrapped: &WrappedKey, usage: KeyUsage) -> Result<std::sync::Arc<SecretKey>> {
        if wrapped.usage != usage {
            return Err(CryptoError::KeyUsage { expected: usage.name(), actual: wrapped.usage.name() });
        }
        // A hit costs one lookup: the check value was computed when the key was cached.
        if let Some(hit) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(wrapped.blob.as_slice())
            && hit.usage == wrapped.usage
            && hit.algorithm == wrapped.algorithm
            && hit.check_value == wrapped.check_value
        {
            return Ok(hit.key.clone());
        }
        let clear = self.open(&Self::key_aad(wrapped.usage, wrapped.algorithm), &wrapped.blob)?;
        let key = std::sync::Arc::new(SecretKey::new(wrapped.algorithm, &clear)?);
        if key.check_value() != wrapped.check_value {
            return Err(CryptoError::CheckValue("wrapped key"));
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= KEY_CACHE_MAX {
            cache.clear();
        }
        let cached = Cached {
            usage: wrapped.usage,
            algorithm: wrapped.algorithm,
            check_value: wrapped.check_value,
            key: key.clone(),
        };
        cache.insert(wrapped.blob.clone(), cached);
        Ok(key)
    }
}

impl SecurityModule for SoftwareSecurityModule {
    fn import_key(&self, usage: KeyUsage, key: &SecretKey) -> Result<WrappedKey> {
        let blob = self.seal(&Self::key_aad(usage, key.algorithm()), key.expose())?;
        Ok(WrappedKey { usage, algorithm: key.algorithm(), check_value: key.check_value(), blob })
    }

    fn generate_key(&self, usage: KeyUsage, algorithm: KeyAlgorithm) -> Result<WrappedKey> {
        self.import_key(usage, &random::generate_key(algorithm)?)
    }

    fn generate_working_keys(&self, tmk: &WrappedKey, mode: KeyMode) -> Result<SignInKeys> {
        let master = self.unwrap_key(tmk, KeyUsage::Master)?;
        let keys = WorkingKeys::generate(mode)?;
        let field62 = keyblock::build(mode, &master, &keys)?;
        Ok(SignInKeys {
            field62,
            pin: self.import_key(KeyUsage::Pin, &keys.pin)?,
            mac: self.import_key(KeyUsage::Mac, &keys.mac)?,
            track: keys.track.as_ref().map(|k| self.import_key(KeyUsage::Track, k)).transpose()?,
        })
    }

    fn translate_pin(
        &self,
        block: &PinBlock,
        from: &WrappedKey,
        from_pan: Option<&str>,
        to: &WrappedKey,
        to_pan: Option<&str>,
    ) -> Result<PinBlock> {
        let from = self.unwrap_key(from, KeyUsage::Pin)?;
        let to = self.unwrap_key(to, KeyUsage::Pin)?;
        pin::translate(block, &from, from_pan, &to, to_pan)
    }

    fn verify_pin(&self, block: &PinBlock, key: &WrappedKey, pan: Option<&str>, expected_pin: &str) -> Result<bool> {
        use subtle::ConstantTimeEq;
        let key = self.unwrap_key(key, KeyUsage::Pin)?;
        let pin = pin::parse(&pin::decrypt(block, &key)?, pan)?;
        Ok(pin.len() == expected_pin.len() && bool::from(pin.as_bytes().ct_eq(expected_pin.as_bytes())))
    }

    fn generate_mac(&self, key: &WrappedKey, algorithm: MacAlgorithm, data: &[u8]) -> Result<[u8; 8]> {
        mac::compute(algorithm, &*self.unwrap_key(key, KeyUsage::Mac)?, data)
    }

    fn verify_mac(&self, key: &WrappedKey, algorithm: MacAlgorithm, data: &[u8], mac: &[u8]) -> Result<bool> {
        mac::verify(algorithm, &*self.unwrap_key(key, KeyUsage::Mac)?, data, mac)
    }

    fn decrypt_track(&self, key: &WrappedKey, packed: &mut [u8]) -> Result<()> {
        track::decrypt_packed(&*self.unwrap_key(key, KeyUsage::Track)?, packed)
    }

    fn encrypt_pan(&self, pan: &str) -> Result<Vec<u8>> {
        self.seal(b"kassa-pan", pan.as_bytes())
    }

    fn decrypt_pan(&self, sealed: &[u8]) -> Result<Zeroizing<String>> {
        let clear = self.open(b"kassa-pan", sealed)?;
        String::from_utf8(clear.to_vec()).map(Zeroizing::new).map_err(|_| CryptoError::Unwrap)
    }

    fn seal_component(&self, component: &SecretKey) -> Result<Vec<u8>> {
        self.seal(b"kassa-key-component", component.expose())
    }

    fn open_component(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.open(b"kassa-key-component", sealed)
    }

    fn pan_fingerprint(&self, pan: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(self.fingerprint_key.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(pan.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> SoftwareSecurityModule {
        SoftwareSecurityModule::new(&[7u8; LMK_LEN])
    }

    #[test]
    fn a_sign_in_gives_keys_the_terminal_can_read() {
        let hsm = module();
        let clear_tmk = SecretKey::from_hex("70F2A84CCBC2AE8625CBB0F2C22AB923", None).unwrap();
        let tmk = hsm.import_key(KeyUsage::Master, &clear_tmk).unwrap();
        let keys = hsm.generate_working_keys(&tmk, KeyMode::Tdes).unwrap();
        let terminal = keyblock::parse(KeyMode::Tdes, &clear_tmk, &keys.field62).unwrap();
        assert_eq!(terminal.mac.check_value(), keys.mac.check_value);
        let mac = mac::compute(MacAlgorithm::CupEcb, &terminal.mac, b"message").unwrap();
        assert!(hsm.verify_mac(&keys.mac, MacAlgorithm::CupEcb, b"message", &mac).unwrap());
    }

    #[test]
    fn usages_are_enforced() {
        let hsm = module();
        let pin_key = hsm.generate_key(KeyUsage::Pin, KeyAlgorithm::Tdes2).unwrap();
        assert!(matches!(hsm.generate_mac(&pin_key, MacAlgorithm::CupEcb, b"x"), Err(CryptoError::KeyUsage { .. })));
        let mut relabelled = pin_key.clone();
        relabelled.usage = KeyUsage::Mac;
        assert_eq!(hsm.generate_mac(&relabelled, MacAlgorithm::CupEcb, b"x"), Err(CryptoError::Unwrap));
    }

    #[test]
    fn pins_translate_and_verify() {
        let hsm = module();
        let tpk = hsm.generate_key(KeyUsage::Pin, KeyAlgorithm::Tdes2).unwrap();
        let zpk = hsm.generate_key(KeyUsage::Pin, KeyAlgorithm::Tdes2).unwrap();
        let other = SoftwareSecurityModule::new(&[9u8; LMK_LEN]);
        assert_eq!(
            other.generate_mac(&tpk, MacAlgorithm::X99, b"x"),
            Err(CryptoError::KeyUsage { expected: "MAC", actual: "PIN" })
        );
        // Build a block under the TPK as a terminal would (the test knows no clear TPK, so go via import).
        let clear = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap();
        let tpk_known = hsm.import_key(KeyUsage::Pin, &clear).unwrap();
        let pan = Some("6222021234567890123");
        let block = pin::encrypt(&pin::build("123456", pan).unwrap(), &clear).unwrap();
        let under_zpk = hsm.translate_pin(&block, &tpk_known, pan, &zpk, pan).unwrap();
        assert!(hsm.verify_pin(&under_zpk, &zpk, pan, "123456").unwrap());
        assert!(!hsm.verify_pin(&under_zpk, &zpk, pan, "123457").unwrap());
        assert!(hsm.translate_pin(&block, &tpk, pan, &zpk, pan).is_err());
    }

    #[test]
    fn card_numbers_seal_and_fingerprint() {
        let hsm = module();
        let sealed = hsm.encrypt_pan("6222021234567890123").unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"6222"));
        assert_eq!(hsm.decrypt_pan(&sealed).unwrap().as_str(), "6222021234567890123");
        assert_eq!(hsm.pan_fingerprint("6222021234567890123"), hsm.pan_fingerprint("6222021234567890123"));
        assert_ne!(hsm.pan_fingerprint("6222021234567890123"), module_other().pan_fingerprint("6222021234567890123"));
    }

    fn module_other() -> SoftwareSecurityModule {
        SoftwareSecurityModule::new(&[8u8; LMK_LEN])
    }

    #[test]
    fn wrapped_keys_survive_their_text_form() {
        let hsm = module();
        let key = hsm.generate_key(KeyUsage::Master, KeyAlgorithm::Sm4).unwrap();
        assert_eq!(WrappedKey::decode(&key.encode()).unwrap(), key);
        assert!(WrappedKey::decode("kassa1:master:SM4:XX:00").is_err());
        assert!(!format!("{key:?}").contains(&to_hex(&key.blob)));
    }
}
