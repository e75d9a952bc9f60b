//! SMS one-time codes: 6 digits, valid 5 minutes, single use, bound to the
//! action they were sent for, dead after 5 wrong tries, and rate-limited per
//! phone when sending.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a code was sent for; a code only works for its own action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpPurpose {
    /// Prove the phone when signing up.
    Register,
    /// Log in without the password (and confirm a new device).
    Login,
    ResetPassword,
    BindCard,
    DeleteCard,
    /// Changing the bound phone: the code sent to the old number…
    ChangePhoneOld,
    /// …and the one sent to the new.
    ChangePhoneNew,
    Cancellation,
    Withdraw,
}

impl OtpPurpose {
    pub const ALL: [OtpPurpose; 9] = [
        OtpPurpose::Register,
        OtpPurpose::Login,
        OtpPurpose::ResetPassword,
        OtpPurpose::BindCard,
        OtpPurpose::DeleteCard,
        OtpPurpose::ChangePhoneOld,
        OtpPurpose::ChangePhoneNew,
        OtpPurpose::Cancellation,
        OtpPurpose::Withdraw,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OtpPurpose::Register => "register",
            OtpPurpose::Login => "login",
            OtpPurpose::ResetPassword => "reset_password",
            OtpPurpose::BindCard => "bind_card",
            OtpPurpose::DeleteCard => "delete_card",
            OtpPurpose::ChangePhoneOld => "change_phone_old",
            OtpPurpose::ChangePhoneNew => "change_phone_new",
            OtpPurpose::Cancellation => "cancellation",
            OtpPurpose::Withdraw => "withdraw",
        }
    }

    pub fn from_code(code: &str) -> Option<OtpPurpose> {
        OtpPurpose::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The words of the SMS.
    pub fn action_text(self) -> &'static str {
        match self {
            OtpPurpose::Register => "sign up",
            OtpPurpose::Login => "log in",
            OtpPurpose::ResetPassword => "reset your password",
            OtpPurpose::BindCard => "bind a bank card",
            OtpPurpose::DeleteCard => "delete a bank card",
            OtpPurpose::ChangePhoneOld | OtpPurpose::ChangePhoneNew => "change your phone number",
            OtpPurpose::Cancellation => "cancel your merchant account",
            OtpPurpose::Withdraw => "transfer money out",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OtpPolicy {
    pub ttl_ms: i64,
    pub max_tries: u32,
    /// Least time between two codes to one phone.
    pub resend_after_ms: i64,
    /// Most codes to one phone in an hour.
    pub per_hour: u32,
}

impl Default for OtpPolicy {
    fn default() -> OtpPolicy {
        OtpPolicy { ttl_ms: 5 * 60 * 1000, max_tries: 5, resend_after_ms: 60 * 1000, per_hour: 5 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    #[error("no code was sent for this action, or it was already used")]
    NotFound,
    #[error("the code has expired; ask for a new one")]
    Expired,
    #[error("the code is wrong")]
    Wrong { tries_left: u32 },
    #[error("too many wrong tries; ask for a new code")]
    TooManyTries,
    #[error("a code was sent less than a minute ago; wait before asking again")]
    TooSoon { retry_after_ms: i64 },
    #[error("too many codes sent to this phone in the last hour")]
    RateLimited { retry_after_ms: i64 },
}

impl OtpError {
    pub fn code(&self) -> &'static str {
        match self {
            OtpError::NotFound => "otp_not_found",
            OtpError::Expired => "otp_expired",
            OtpError::Wrong { .. } => "otp_wrong",
            OtpError::TooManyTries => "otp_too_many_tries",
            OtpError::TooSoon { .. } => "otp_too_soon",
            OtpError::RateLimited { .. } => "otp_rate_limited",
        }
    }
}

/// Six digits from a random 32-bit word, with no bias: words from the top,
/// incomplete range are refused (`None`; draw again).
pub fn code_from_random(word: u32) -> Option<String> {
    const RANGE: u32 = 1_000_000;
    let limit = u32::MAX - (u32::MAX % RANGE);
    (word < limit).then(|| format!("{:06}", word % RANGE))
}

/// What is kept of a code: its digest bound to the code's id, never the digits.
pub fn digest(id: i64, code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(id.to_be_bytes());
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

/// A sent code as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentCode {
    pub id: i64,
    pub purpose: OtpPurpose,
    pub digest: Vec<u8>,
    pub sent_ms: i64,
    pub tries: u32,
    pub used: bool,
}

impl OtpPolicy {
    /// Whether a phone may be sent another code, given when the last codes
    /// to it were sent (any order).
    pub fn may_send(&self, sent_ms: &[i64], now_ms: i64) -> Result<(), OtpError> {
        if let Some(last) = sent_ms.iter().max()
            && now_ms - last < self.resend_after_ms
        {
            return Err(OtpError::TooSoon { retry_after_ms: self.resend_after_ms - (now_ms - last) });
        }
        let hour = 60 * 60 * 1000;
        let recent: Vec<i64> = sent_ms.iter().copied().filter(|t| now_ms - t < hour).collect();
        if recent.len() >= self.per_hour as usize {
            let oldest = recent.iter().min().copied().unwrap_or(now_ms);
            return Err(OtpError::RateLimited { retry_after_ms: hour - (now_ms - oldest) });
        }
        Ok(())
    }

    /// Checks `entered` against the newest code sent for `purpose`. On
    /// `Ok` the code is used up; on `Wrong` one try is spent. The caller
    /// stores `code`'s new `tries` and `used` either way.
    pub fn verify(
        &self,
        code: Option<&mut SentCode>,
        purpose: OtpPurpose,
        entered: &str,
        now_ms: i64,
    ) -> Result<(), OtpError> {
        let code = match code {
            Some(code) if code.purpose == purpose && !code.used => code,
            _ => return Err(OtpError::NotFound),
        };
        if now_ms - code.sent_ms >= self.ttl_ms {
            return Err(OtpError::Expired);
        }
        if code.tries >= self.max_tries {
            return Err(OtpError::TooManyTries);
        }
        if bool::from(digest(code.id, entered).ct_eq(&code.digest)) {
            code.used = true;
            return Ok(());
        }
        code.tries += 1;
        if code.tries >= self.max_tries {
            return Err(OtpError::TooManyTries);
        }
        Err(OtpError::Wrong { tries_left: self.max_tries - code.tries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(code: &str) -> SentCode {
        SentCode {
            id: 9,
            purpose: OtpPurpose::BindCard,
            digest: digest(9, code),
            sent_ms: 1_000,
            tries: 0,
            used: false,
        }
    }

    #[test]
    fn a_code_works_once_for_its_own_action_within_five_minutes() {
        let policy = OtpPolicy::default();
        let mut code = sent("123456");
        assert_eq!(
            policy.verify(Some(&mut code.clone()), OtpPurpose::DeleteCard, "123456", 2_000),
            Err(OtpError::NotFound)
        );
        assert_eq!(
            policy.verify(Some(&mut code.clone()), OtpPurpose::BindCard, "123456", 1_000 + 300_000),
            Err(OtpError::Expired)
        );
        assert_eq!(policy.verify(Some(&mut code), OtpPurpose::BindCard, "123456", 1_000 + 299_999), Ok(()));
        assert_eq!(policy.verify(Some(&mut code), OtpPurpose::BindCard, "123456", 2_000), Err(OtpError::NotFound));
        assert_eq!(policy.verify(None, OtpPurpose::BindCard, "123456", 2_000), Err(OtpError::NotFound));
    }

    #[test]
    fn five_wrong_tries_kill_the_code() {
        let policy = OtpPolicy::default();
        let mut code = sent("123456");
        for left in (1..5).rev() {
            assert_eq!(
                policy.verify(Some(&mut code), OtpPurpose::BindCard, "000000", 2_000),
                Err(OtpError::Wrong { tries_left: left })
            );
        }
        assert_eq!(policy.verify(Some(&mut code), OtpPurpose::BindCard, "000000", 2_000), Err(OtpError::TooManyTries));
        assert_eq!(policy.verify(Some(&mut code), OtpPurpose::BindCard, "123456", 2_000), Err(OtpError::TooManyTries));
    }

    #[test]
    fn sending_is_rate_limited_per_phone() {
        let policy = OtpPolicy::default();
        assert_eq!(policy.may_send(&[], 0), Ok(()));
        assert_eq!(policy.may_send(&[0], 59_000), Err(OtpError::TooSoon { retry_after_ms: 1_000 }));
        assert_eq!(policy.may_send(&[0], 60_000), Ok(()));
        let five = [0, 60_000, 120_000, 180_000, 240_000];
        assert_eq!(policy.may_send(&five, 300_000), Err(OtpError::RateLimited { retry_after_ms: 3_300_000 }));
        assert_eq!(policy.may_send(&five, 3_600_000), Ok(()));
    }

    #[test]
    fn codes_are_six_unbiased_digits() {
        assert_eq!(code_from_random(7).as_deref(), Some("000007"));
        assert_eq!(code_from_random(1_234_567).as_deref(), Some("234567"));
        assert_eq!(code_from_random(u32::MAX), None);
    }
}
