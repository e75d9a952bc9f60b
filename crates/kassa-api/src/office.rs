//! The back-office service: the rules of `kassa-merchant` applied to the
//! store, one database transaction per action. HTTP lives in [`crate::http`];
//! this module knows nothing of it beyond [`ApiError`].

use std::sync::Arc;

use axum::http::StatusCode;
use kassa_core::MerchantId;
use kassa_core::time::Clock;
use kassa_crypto::SecurityModule;
use kassa_merchant::auth::{Attempts, token_digest};
use kassa_merchant::otp::{SentCode, code_from_random, digest};
use kassa_merchant::{LockoutPolicy, OtpPolicy, OtpPurpose, Permission, SessionPolicy, StaffRole};
use kassa_store::office::{Row, Sql};
use kassa_store::{AnyStore, Store, sql_params};

use crate::error::{ApiError, ApiResult};

/// Where SMS go. The default writes to the outbox table, in the same
/// transaction as the code it carries.
pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    fn send(&self, sql: &mut dyn Sql, phone: &str, text: &str, now_ms: i64) -> kassa_store::Result<()>;
}

/// The default gateway: `kassa sms outbox` and `GET /api/v1/ops/sms-outbox` show what it sent.
#[derive(Debug, Default)]
pub struct Outbox;

impl SmsGateway for Outbox {
    fn send(&self, sql: &mut dyn Sql, phone: &str, text: &str, now_ms: i64) -> kassa_store::Result<()> {
        sql.exec(
            "INSERT INTO sms_outbox (phone, text, created_at) VALUES (?1, ?2, ?3)",
            sql_params![phone, text, now_ms],
        )?;
        Ok(())
    }
}

/// A bank account behind a card, as the bank answers when the card is bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankAccount {
    pub holder: String,
    /// Payouts go to debit cards only.
    pub debit: bool,
}

/// Who a bank account belongs to.
pub trait BankDirectory: Send + Sync + std::fmt::Debug {
    /// The card's account, or `None` when the bank does not know the card.
    fn account(&self, pan: &str) -> Option<BankAccount>;
}

/// The simulated bank's accounts: card number → holder and kind.
#[derive(Debug, Default)]
pub struct SimulatedBankDirectory {
    accounts: std::sync::RwLock<std::collections::HashMap<String, BankAccount>>,
}

impl SimulatedBankDirectory {
    /// A debit account.
    pub fn open_account(&self, pan: &str, holder: &str) {
        self.open(pan, BankAccount { holder: holder.to_string(), debit: true });
    }

    pub fn open(&self, pan: &str, account: BankAccount) {
        if let Ok(mut accounts) = self.accounts.write() {
            accounts.insert(pan.to_string(), account);
        }
    }
}

impl BankDirectory for SimulatedBankDirectory {
    fn account(&self, pan: &str) -> Option<BankAccount> {
        self.accounts.read().ok()?.get(pan).cloned()
    }
}

/// The policies in force (configuration).
#[derive(Clone, Debug)]
pub struct Policies {
    pub otp: OtpPolicy,
    pub lockout: LockoutPolicy,
    pub session: SessionPolicy,
    /// Categories that need an analyst's extra care.
    pub high_risk_mccs: Vec<String>,
    pub lifecycle: kassa_merchant::terminal::LifecyclePolicy,
    pub calendar: kassa_merchant::BusinessCalendar,
    /// Issuer prefixes of credit cards (the host's `risk.credit_bins`), for ruleset previews.
    pub credit_bins: Vec<String>,
    /// Whether an admin may see the SMS outbox's codes in clear (`kassa demo`
    /// only: its phones are not real). Off, every code is masked to staff.
    pub reveal_sms_codes: bool,
}

impl Default for Policies {
    fn default() -> Policies {
        Policies {
            otp: OtpPolicy::default(),
            lockout: LockoutPolicy::default(),
            session: SessionPolicy::default(),
            // Gambling, money orders, quasi-cash, dating: the usual high-risk list.
            high_risk_mccs: ["7995", "4829", "6051", "7273", "5967"].map(String::from).to_vec(),
            lifecycle: kassa_merchant::terminal::LifecyclePolicy::default(),
            calendar: kassa_merchant::BusinessCalendar::default(),
            credit_bins: Vec::new(),
            reveal_sms_codes: false,
        }
    }
}

/// The service. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct Office {
    pub store: AnyStore,
    pub hsm: Arc<dyn SecurityModule>,
    pub clock: Arc<dyn Clock>,
    pub sms: Arc<dyn SmsGateway>,
    pub bank: Arc<dyn BankDirectory>,
    pub policies: Policies,
}

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Merchant { user: i64, merchant: Option<MerchantId> },
    Staff { id: i64, username: String, role: StaffRole },
}

impl Actor {
    /// As the audit log names it.
    pub fn name(&self) -> String {
        match self {
            Actor::Merchant { merchant: Some(m), .. } => format!("merchant:{m}"),
            Actor::Merchant { user, merchant: None } => format!("applicant:{user}"),
            Actor::Staff { username, .. } => format!("staff:{username}"),
        }
    }
}

/// Fills `buf` from the operating system's random source.
pub fn random(buf: &mut [u8]) -> ApiResult<()> {
    getrandom::fill(buf).map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_randomness", e.to_string()))
}

pub fn random_u32() -> ApiResult<u32> {
    let mut word = [0u8; 4];
    random(&mut word)?;
    Ok(u32::from_be_bytes(word))
}

/// A new bearer token: 32 random bytes, hex.
pub fn new_token() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    random(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Writes one line of the audit log.
pub fn audit(
    sql: &mut dyn Sql,
    now_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> kassa_store::Result<()> {
    sql.exec(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        sql_params![now_ms, actor, action, target, detail],
    )?;
    Ok(())
}

/// Argon2id off the async threads.
pub async fn hash_password(password: String) -> ApiResult<String> {
    let mut salt = [0u8; kassa_merchant::password::SALT_LEN];
    random(&mut salt)?;
    tokio::task::spawn_blocking(move || kassa_merchant::password::hash(&password, &salt))
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string()))?
        .map_err(ApiError::from)
}

pub async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || kassa_merchant::password::verify(&password, &phc)).await.unwrap_or(false)
}

/// Whose password a log-in checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Login {
    /// A merchant (or applicant), by phone.
    Merchant,
    /// Operations staff, by username.
    Staff,
}

impl Login {
    fn table(self) -> &'static str {
        match self {
            Login::Merchant => "merchant_users",
            Login::Staff => "staff",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Login::Merchant => "phone",
            Login::Staff => "username",
        }
    }

    fn session_kind(self) -> &'static str {
        match self {
            Login::Merchant => "merchant",
            Login::Staff => "staff",
        }
    }

    fn wrong(self) -> &'static str {
        match self {
            Login::Merchant => "wrong phone or password",
            Login::Staff => "wrong username or password",
        }
    }

    fn names(self, id: i64, key: &str) -> (String, String) {
        match self {
            Login::Merchant => (format!("user:{id}"), kassa_merchant::identity::mask_phone(key)),
            Login::Staff => (format!("staff:{key}"), key.to_string()),
        }
    }
}

/// A valid Argon2id hash of nothing anyone knows: checked against when the
/// account does not exist, so the answer takes as long as for one that does.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| kassa_merchant::password::hash("kassa-decoy-password-0", &[0x5A; 16]).unwrap_or_default())
        .clone()
}

impl Office {
    /// Log-in with a password: locks after repeated failures, opens a session, audits both.
    pub async fn password_login(&self, who: Login, key: String, password: String) -> ApiResult<String> {
        let (lockout, now) = (self.policies.lockout, self.now_ms());
        let select = format!(
            "SELECT id, login_hash, login_failures, login_locked_until FROM {} WHERE {} = ?1",
            who.table(),
            who.key()
        );
        let lookup = key.clone();
        let row = self.read(move |sql| Ok(Ok(sql.one(&select, sql_params![lookup])?))).await?;
        let Some(row) = row else {
            let decoy = tokio::task::spawn_blocking(decoy_hash).await.unwrap_or_default();
            let _ = verify_password(password, decoy).await;
            return Err(ApiError::unauthorized(who.wrong()));
        };
        let (id, hash, state) = (row.int(0)?, row.text(1)?, attempts(&row, 2, 3)?);
        if let Err(left) = lockout.check(state, now) {
            return Err(ApiError::locked(format!(
                "too many wrong passwords: try again in {} minutes",
                (left + 59_999) / 60_000
            )));
        }
        let ok = verify_password(password, hash).await;
        let token = new_token()?;
        let answer = token.clone();
        let (actor, shown) = who.names(id, &key);
        self.write(move |sql| {
            let update =
                format!("UPDATE {} SET login_failures = ?2, login_locked_until = ?3 WHERE id = ?1", who.table());
            if !ok {
                let after = lockout.failed(state, now);
                sql.exec(&update, sql_params![id, after.failures, after.locked_until_ms])?;
                audit(sql, now, &actor, "login_failed", &shown, "")?;
                return Ok(Err(if after.locked_until_ms.is_some() {
                    ApiError::locked("too many wrong passwords: the account is locked for 30 minutes")
                } else {
                    ApiError::unauthorized(format!("{} ({} tries left)", who.wrong(), lockout.tries_left(after)))
                }));
            }
            sql.exec(&update, sql_params![id, 0i64, Option::<i64>::None])?;
            open_session(sql, &token, who.session_kind(), id, now)?;
            audit(sql, now, &actor, "login", &shown, "")?;
            Ok(Ok(()))
        })
        .await?;
        Ok(answer)
    }
}

pub fn attempts(row: &Row, failures: usize, locked: usize) -> kassa_store::Result<Attempts> {
    Ok(Attempts { failures: row.int(failures)?.max(0) as u32, locked_until_ms: row.opt_int(locked)? })
}

impl Office {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn today(&self) -> i64 {
        self.clock.local().day_number()
    }

    /// Runs `work` in one transaction; its `Err` rolls back, its `Ok(Err)` commits and answers the error.
    pub async fn write<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Sql) -> kassa_store::Result<ApiResult<T>> + Send + 'static,
    {
        self.store.office_write(work).await?
    }

    pub async fn read<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Sql) -> kassa_store::Result<ApiResult<T>> + Send + 'static,
    {
        self.store.office_read(work).await?
    }

    /// Sends a one-time code for `purpose` to `phone`, within the rate limits.
    pub async fn send_code(&self, phone: String, purpose: OtpPurpose) -> ApiResult<()> {
        self.send_code_for(None, phone, purpose).await
    }

    /// [`Office::send_code`], asked by merchant user `requester` for a number
    /// not theirs yet (the new phone of `change_phone_new`): a number another
    /// account uses is refused, the requester's own allowance is spent, and
    /// the number's owner keeps theirs.
    pub async fn send_code_for(&self, requester: Option<i64>, phone: String, purpose: OtpPurpose) -> ApiResult<()> {
        kassa_merchant::identity::check_phone(&phone)?;
        let (policy, now, sms) = (self.policies.otp, self.now_ms(), self.sms.clone());
        let code = loop {
            if let Some(code) = code_from_random(random_u32()?) {
                break code;
            }
        };
        self.write(move |sql| {
            if let Some(user) = requester {
                if sql.one("SELECT id FROM merchant_users WHERE phone = ?1", sql_params![phone.as_str()])?.is_some() {
                    return Ok(Err(ApiError::conflict("phone_taken", "another account uses this phone")));
                }
                if let Err(e) = may_send_asked(sql, &policy, &phone, user, now)? {
                    return Ok(Err(e.into()));
                }
            } else if let Err(e) = may_send(sql, &policy, &phone, now)? {
                return Ok(Err(e.into()));
            }
            let id = sql.insert(
                "INSERT INTO otp_codes (phone, purpose, digest, sent_at, requested_by) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                sql_params![phone.as_str(), purpose.code(), Vec::<u8>::new(), now, requester],
            )?;
            sql.exec("UPDATE otp_codes SET digest = ?2 WHERE id = ?1", sql_params![id, digest(id, &code)])?;
            let minutes = policy.ttl_ms / 60_000;
            let text = format!(
                "【Kassa】Your code to {} is {code}. It is valid for {minutes} minutes. Never share it with anyone.",
                purpose.action_text()
            );
            sms.send(sql, &phone, &text, now)?;
            Ok(Ok(()))
        })
        .await
    }
}

/// Whether `phone` may be sent another code now (every code its owner or
/// the public asked for counts, one-time and activation codes alike; codes
/// other accounts asked for, to a number not theirs, do not).
pub fn may_send(
    sql: &mut dyn Sql,
    policy: &OtpPolicy,
    phone: &str,
    now_ms: i64,
) -> kassa_store::Result<Result<(), kassa_merchant::OtpError>> {
    let sent = sent_since(
        sql,
        "SELECT sent_at FROM otp_codes WHERE phone = ?1 AND sent_at > ?2 AND requested_by IS NULL",
        sql_params![phone, now_ms - 3_600_000],
    )?;
    Ok(policy.may_send(&sent, now_ms))
}

/// Whether merchant user `requester` may have a code sent to `phone`, a
/// number not theirs: within the requester's own allowance, and within the
/// number's allowance for such codes (so many accounts cannot flood it).
fn may_send_asked(
    sql: &mut dyn Sql,
    policy: &OtpPolicy,
    phone: &str,
    requester: i64,
    now_ms: i64,
) -> kassa_store::Result<Result<(), kassa_merchant::OtpError>> {
    let since = now_ms - 3_600_000;
    let mine = sent_since(
        sql,
        "SELECT sent_at FROM otp_codes WHERE requested_by = ?1 AND sent_at > ?2",
        sql_params![requester, since],
    )?;
    if let Err(e) = policy.may_send(&mine, now_ms) {
        return Ok(Err(e));
    }
    let asked = sent_since(
        sql,
        "SELECT sent_at FROM otp_codes WHERE phone = ?1 AND sent_at > ?2 AND requested_by IS NOT NULL",
        sql_params![phone, since],
    )?;
    Ok(policy.may_send(&asked, now_ms))
}

fn sent_since(sql: &mut dyn Sql, query: &str, params: &[kassa_store::office::Value]) -> kassa_store::Result<Vec<i64>> {
    sql.query(query, params)?.iter().map(|r| r.int(0)).collect()
}

/// Checks (and uses up) the newest code sent to `phone` for `purpose`, in
/// the caller's transaction: a wrong try is counted even when the action fails.
pub fn check_code(
    sql: &mut dyn Sql,
    policy: &OtpPolicy,
    phone: &str,
    purpose: OtpPurpose,
    entered: &str,
    now_ms: i64,
) -> kassa_store::Result<Result<(), kassa_merchant::OtpError>> {
    let row = sql.one(
        "SELECT id, purpose, digest, sent_at, tries, used FROM otp_codes WHERE phone = ?1 AND purpose = ?2
         ORDER BY id DESC LIMIT 1",
        sql_params![phone, purpose.code()],
    )?;
    let mut code = match row {
        Some(r) => Some(SentCode {
            id: r.int(0)?,
            purpose: OtpPurpose::from_code(&r.text(1)?).unwrap_or(purpose),
            digest: r.blob(2)?,
            sent_ms: r.int(3)?,
            tries: r.int(4)?.max(0) as u32,
            used: r.flag(5)?,
        }),
        None => None,
    };
    let outcome = policy.verify(code.as_mut(), purpose, entered, now_ms);
    if let Some(code) = code {
        sql.exec(
            "UPDATE otp_codes SET tries = ?2, used = ?3 WHERE id = ?1",
            sql_params![code.id, code.tries, code.used],
        )?;
    }
    Ok(outcome)
}

/// Opens a session for `subject`; returns its bearer token.
pub fn open_session(sql: &mut dyn Sql, token: &str, kind: &str, subject: i64, now_ms: i64) -> kassa_store::Result<()> {
    sql.exec(
        "INSERT INTO sessions (token_digest, kind, subject, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
        sql_params![token_digest(token), kind, subject, now_ms],
    )?;
    Ok(())
}

/// The actor behind a bearer token, when its session is alive (and touches it).
pub async fn session_actor(office: &Office, token: String) -> ApiResult<Actor> {
    let (policy, now) = (office.policies.session, office.now_ms());
    office
        .write(move |sql| {
            let digest = token_digest(&token);
            let Some(row) = sql.one(
                "SELECT kind, subject, created_at, last_seen, ended FROM sessions WHERE token_digest = ?1",
                sql_params![digest.clone()],
            )?
            else {
                return Ok(Err(ApiError::unauthorized("unknown session: log in")));
            };
            if row.flag(4)? || !policy.alive(row.int(2)?, row.int(3)?, now) {
                sql.exec("UPDATE sessions SET ended = 1 WHERE token_digest = ?1", sql_params![digest])?;
                return Ok(Err(ApiError::unauthorized("the session has expired: log in again")));
            }
            sql.exec("UPDATE sessions SET last_seen = ?2 WHERE token_digest = ?1", sql_params![digest, now])?;
            let subject = row.int(1)?;
            let actor = if row.text(0)? == "staff" {
                let Some(staff) = sql.one("SELECT username, role FROM staff WHERE id = ?1", sql_params![subject])?
                else {
                    return Ok(Err(ApiError::unauthorized("unknown staff member")));
                };
                let role = StaffRole::from_code(&staff.text(1)?)
                    .ok_or_else(|| kassa_store::StoreError::Corrupt("role".into()))?;
                Actor::Staff { id: subject, username: staff.text(0)?, role }
            } else {
                let Some(user) =
                    sql.one("SELECT merchant_id FROM merchant_users WHERE id = ?1", sql_params![subject])?
                else {
                    return Ok(Err(ApiError::unauthorized("unknown user")));
                };
                let merchant = user.opt_text(0)?.as_deref().and_then(MerchantId::parse);
                Actor::Merchant { user: subject, merchant }
            };
            Ok(Ok(actor))
        })
        .await
}

/// A merchant's account state (`active`, `frozen`, `closed`, …); `None` for
/// staff and applicants.
pub async fn merchant_status(office: &Office, actor: &Actor) -> ApiResult<Option<String>> {
    let Actor::Merchant { merchant: Some(merchant), .. } = actor else { return Ok(None) };
    let merchant = merchant.clone();
    office
        .read(move |sql| {
            let row = sql.one("SELECT status FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])?;
            Ok(Ok(row.map(|r| r.text(0)).transpose()?))
        })
        .await
}

/// A closed account is read-only: statements, receipts and exports, and
/// logging out; anything that would change it is refused.
pub async fn refuse_if_closed(office: &Office, actor: &Actor) -> ApiResult<()> {
    if merchant_status(office, actor).await?.as_deref() == Some("closed") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_closed",
            "the account is closed: statements, receipts and exports stay readable, nothing can change",
        ));
    }
    Ok(())
}

/// Ends a session.
pub async fn end_session(office: &Office, token: String) -> ApiResult<()> {
    office
        .write(move |sql| {
            sql.exec("UPDATE sessions SET ended = 1 WHERE token_digest = ?1", sql_params![token_digest(&token)])?;
            Ok(Ok(()))
        })
        .await
}

// Who may do what, and the pieces every action shares: the other modules
// use these; this module uses none of them.

/// The caller's staff role when it allows `permission`.
pub fn require(actor: &Actor, permission: Permission) -> ApiResult<StaffRole> {
    match actor {
        Actor::Staff { role, .. } if role.allows(permission) => Ok(*role),
        Actor::Staff { role, .. } => Err(ApiError::forbidden(format!("the {} role may not do this", role.code()))),
        Actor::Merchant { .. } => Err(ApiError::forbidden("this is the operations API")),
    }
}

/// The merchant an actor acts for (merchants only, once their account is open).
pub fn merchant_of(actor: &Actor) -> ApiResult<MerchantId> {
    match actor {
        Actor::Merchant { merchant: Some(m), .. } => Ok(m.clone()),
        Actor::Merchant { merchant: None, .. } => {
            Err(ApiError::forbidden("the merchant account is not open yet: the application awaits approval"))
        }
        Actor::Staff { .. } => Err(ApiError::forbidden("this is the merchant API")),
    }
}

pub fn user_of(actor: &Actor) -> ApiResult<i64> {
    match actor {
        Actor::Merchant { user, .. } => Ok(*user),
        Actor::Staff { .. } => Err(ApiError::forbidden("this is the merchant API")),
    }
}

/// A counter in the office's store, incremented and read in the caller's transaction.
pub fn next_counter(sql: &mut dyn Sql, name: &str) -> kassa_store::Result<i64> {
    sql.exec(
        "INSERT INTO office_counters (name, value) VALUES (?1, 0) ON CONFLICT (name) DO NOTHING",
        sql_params![name],
    )?;
    sql.exec("UPDATE office_counters SET value = value + 1 WHERE name = ?1", sql_params![name])?;
    sql.scalar("SELECT value FROM office_counters WHERE name = ?1", sql_params![name])
}

/// The security module failed: `503`, logged, never detailed to the caller.
pub fn crypto_error(error: kassa_crypto::CryptoError) -> ApiError {
    tracing::error!(%error, "security module");
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "security_module", "the security module is unavailable")
}
