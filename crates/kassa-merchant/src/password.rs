//! Login and payment passwords: what is acceptable, and Argon2id hashing.
//! The salt comes from the caller (the OS random source at the edge).

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::identity::FieldError;

/// Salt length in bytes.
pub const SALT_LEN: usize = 16;

/// Login password: 8–64 characters with at least a letter and a digit.
pub fn check_login_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if !(8..=64).contains(&n) {
        return Err(FieldError::new("password", "must be 8 to 64 characters"));
    }
    if !password.chars().any(char::is_alphabetic) || !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::new("password", "must contain a letter and a digit"));
    }
    Ok(())
}

/// Payment password: exactly 6 digits, not all the same and not a run
/// (`123456`, `654321`).
pub fn check_payment_password(password: &str) -> Result<(), FieldError> {
    let digits: Vec<i32> = password.bytes().map(|b| i32::from(b) - i32::from(b'0')).collect();
    if digits.len() != 6 || !digits.iter().all(|d| (0..=9).contains(d)) {
        return Err(FieldError::new("payment_password", "must be exactly 6 digits"));
    }
    let steps: Vec<i32> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|s| *s == 0) || steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        return Err(FieldError::new("payment_password", "is too easy to guess"));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `password`.
pub fn hash(password: &str, salt: &[u8; SALT_LEN]) -> Result<String, FieldError> {
    argon2()
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| FieldError::new("password", format!("cannot be hashed: {e}")))
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify(password: &str, phc: &str) -> bool {
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let phc = hash("kassa-demo-1", &[7; SALT_LEN]).unwrap_or_default();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("kassa-demo-1", &phc));
        assert!(!verify("kassa-demo-2", &phc));
        assert!(!verify("kassa-demo-1", "not a hash"));
    }

    #[test]
    fn password_rules() {
        assert!(check_login_password("abcdefg1").is_ok());
        assert!(check_login_password("abcdefgh").is_err());
        assert!(check_login_password("1234567").is_err());
        assert!(check_payment_password("135790").is_ok());
        for weak in ["111111", "123456", "654321", "12345", "12345a"] {
            assert!(check_payment_password(weak).is_err(), "{weak}");
        }
    }
}
