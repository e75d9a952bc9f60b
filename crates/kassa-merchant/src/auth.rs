//! Lock-out after repeated failures, and sessions that expire.

use sha2::{Digest, Sha256};

/// After `max_failures` wrong passwords in a row the account (or the payment
/// password) locks for `lock_ms`; a success resets the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_ms: i64,
}

impl Default for LockoutPolicy {
    fn default() -> LockoutPolicy {
        LockoutPolicy { max_failures: 5, lock_ms: 30 * 60 * 1000 }
    }
}

/// Failures so far and the end of the lock, as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    pub failures: u32,
    pub locked_until_ms: Option<i64>,
}

impl LockoutPolicy {
    /// `Err(ms left)` while locked.
    pub fn check(&self, attempts: Attempts, now_ms: i64) -> Result<(), i64> {
        match attempts.locked_until_ms {
            Some(until) if until > now_ms => Err(until - now_ms),
            _ => Ok(()),
        }
    }

    /// The attempts after a wrong password: counts it, and locks at the limit.
    pub fn failed(&self, attempts: Attempts, now_ms: i64) -> Attempts {
        // A lock that has run out starts a fresh count.
        let failures =
            if attempts.locked_until_ms.is_some_and(|until| until <= now_ms) { 0 } else { attempts.failures };
        let failures = failures + 1;
        if failures >= self.max_failures {
            Attempts { failures, locked_until_ms: Some(now_ms + self.lock_ms) }
        } else {
            Attempts { failures, locked_until_ms: None }
        }
    }

    pub fn tries_left(&self, attempts: Attempts) -> u32 {
        self.max_failures.saturating_sub(attempts.failures)
    }
}

/// Sessions end after `idle_ms` without a request, and after `absolute_ms` in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> SessionPolicy {
        SessionPolicy { idle_ms: 15 * 60 * 1000, absolute_ms: 12 * 60 * 60 * 1000 }
    }
}

impl SessionPolicy {
    pub fn alive(&self, created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
        now_ms - last_seen_ms < self.idle_ms && now_ms - created_ms < self.absolute_ms
    }
}

/// What the store keeps of a session token: its SHA-256, so a copy of the
/// database does not hold usable sessions.
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_thirty_minutes() {
        let policy = LockoutPolicy::default();
        let mut attempts = Attempts::default();
        for _ in 0..4 {
            attempts = policy.failed(attempts, 0);
            assert_eq!(policy.check(attempts, 0), Ok(()));
        }
        assert_eq!(policy.tries_left(attempts), 1);
        attempts = policy.failed(attempts, 0);
        assert_eq!(policy.check(attempts, 1_000), Err(30 * 60 * 1000 - 1_000));
        assert_eq!(policy.check(attempts, 30 * 60 * 1000), Ok(()));
        // After the lock, one more failure counts from one again.
        assert_eq!(policy.failed(attempts, 30 * 60 * 1000), Attempts { failures: 1, locked_until_ms: None });
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let policy = SessionPolicy::default();
        assert!(policy.alive(0, 0, 15 * 60 * 1000 - 1));
        assert!(!policy.alive(0, 0, 15 * 60 * 1000));
        assert!(!policy.alive(0, 12 * 60 * 60 * 1000 - 1, 12 * 60 * 60 * 1000));
    }
}
