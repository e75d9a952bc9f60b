//! Payment cryptography for Kassa: keys and check values, ISO 9564 format-0
//! PIN blocks, MACs (UnionPay ECB, X9.9, X9.19), track encryption, sign-in key
//! blocks, key generation, and the [`SecurityModule`] the host calls.
//!
//! Clear keys live in [`SecretKey`], which zeroizes itself and never prints its
//! bytes. Nothing here logs, and no error message carries key, PIN or card data.

mod des;
pub mod error;
pub mod hsm;
pub mod key;
pub mod keyblock;
pub mod mac;
pub mod pin;
pub mod random;
pub mod track;

pub use error::{CryptoError, Result, from_hex, to_hex};
pub use hsm::{KeyUsage, SecurityModule, SignInKeys, SoftwareSecurityModule, WrappedKey};
pub use key::{KeyAlgorithm, SecretKey};
pub use keyblock::{KeyMode, WorkingKeys};
pub use mac::MacAlgorithm;
pub use pin::PinBlock;
