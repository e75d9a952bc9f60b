//! Terminals and their lifecycle (`product.md` §4): the inventory, assignment
//! to a merchant with its deposit, activation by code, operators, and the
//! daily job that makes idle terminals dormant and abandoned ones
//! deregistered. The host refuses every terminal that is not active (`58`).

use kassa_core::MerchantId;
use kassa_crypto::{KeyAlgorithm, KeyUsage, random, to_hex};
use kassa_merchant::Permission;
use kassa_merchant::identity::FieldError;
use kassa_merchant::terminal::{Event, Lifecycle, activation_code, next};
use kassa_store::office::Sql;
use kassa_store::sql_params;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::merchants::deposit_postings;
use crate::office::merchant_of;
use crate::office::{Actor, Office, audit, hash_password, may_send, random_u32};
use crate::office::{next_counter, require};

/// Wrong activation codes before the code is void (a new one must be sent).
pub const ACTIVATION_TRIES_MAX: i64 = 5;
/// Operators a terminal may have.
pub const OPERATORS_MAX: i64 = 20;

/// Components a terminal master key is split into, each for its own custodian.
pub const KEY_COMPONENTS: i64 = 2;

/// A new terminal: its master key's check value, and the components waiting
/// for their custodians (never a clear component: split knowledge).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NewTerminal {
    pub serial: String,
    pub terminal_id: String,
    pub kcv: String,
    /// One per custodian, to collect with `POST …/key-components/{part}`.
    pub components: Vec<ComponentView>,
}

/// A key component as the record shows it: its check value, and who collected it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ComponentView {
    pub part: i64,
    pub kcv: String,
    pub collected_by: Option<String>,
}

/// A key component handed to its custodian, once.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CollectedComponent {
    pub serial: String,
    pub part: i64,
    /// The clear component (hex): inject it into the device, then destroy it.
    pub component: String,
    pub kcv: String,
    /// The whole key's check value, to confirm the device once both are in.
    pub key_kcv: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TerminalView {
    pub serial: String,
    pub terminal_id: String,
    pub model: String,
    /// `countertop`, or `mobile_reader` (a card reader paired with the merchant's
    /// phone: the host refuses its requests without the phone's location).
    pub kind: String,
    pub state: String,
    pub merchant_id: Option<String>,
    pub kcv: String,
    /// Minor units held as deposit, and what became of it.
    pub deposit: i64,
    pub deposit_state: String,
    /// Day of the last transaction or activation, YYYYMMDD.
    pub last_active: Option<String>,
    /// Components of its master key still waiting for their custodians.
    pub components_waiting: i64,
    /// Frozen by risk control: the host refuses its transactions (`58`) until
    /// an analyst unfreezes it. What the merchant should do is in `frozen_help`.
    pub frozen: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen_help: Option<String>,
    /// Whether it came through the inventory (deposit, activation, cancellation);
    /// false for terminals the host was given directly, as the demo's.
    pub inventory: bool,
}

/// What a merchant is told about a frozen terminal.
pub const FROZEN_HELP: &str = "风控冻结：此终端的交易被拒绝（58）。风控团队正在核查其近期交易，期间请用其他终端收款；\
如为您本人的正常交易，请联系 Kassa 客服并提供终端号，核实后即解冻。 Frozen by risk control: this \
terminal's transactions are refused (58) while the risk team reviews its recent activity. Take \
payments on another terminal meanwhile; if the activity was yours, contact Kassa support with the \
terminal number, and it is unfrozen once checked.";

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct LifecycleSummary {
    pub made_dormant: Vec<String>,
    pub deregistered: Vec<String>,
    /// Deposits kept for abandoned terminals, minor units.
    pub deposits_forfeited: i64,
}

fn activation_digest(serial: &str, code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(serial.as_bytes());
    hasher.update(b":");
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

fn new_activation_code() -> ApiResult<String> {
    loop {
        if let Some(code) = activation_code(random_u32()?) {
            return Ok(code);
        }
    }
}

const VIEW_COLUMNS: &str = "serial, terminal_id, model, state, merchant_id, kcv, deposit, deposit_state, last_active_day,
    (SELECT COUNT(*) FROM terminal_key_components k WHERE k.serial = terminal_inventory.serial AND k.collected_by IS NULL),
    kind, (SELECT t.status FROM terminals t WHERE t.serial = terminal_inventory.serial) FROM terminal_inventory";

/// The kinds of terminal the inventory holds.
pub const TERMINAL_KINDS: [&str; 2] = ["countertop", "mobile_reader"];

fn view(r: &kassa_store::office::Row) -> kassa_store::Result<TerminalView> {
    Ok(TerminalView {
        serial: r.text(0)?,
        terminal_id: r.text(1)?,
        model: r.text(2)?,
        state: r.text(3)?,
        merchant_id: r.opt_text(4)?,
        kcv: r.text(5)?,
        deposit: r.int(6)?,
        deposit_state: r.text(7)?,
        last_active: r.opt_int(8)?.map(kassa_core::time::date_of_day_number),
        components_waiting: r.int(9)?,
        kind: r.text(10)?,
        frozen: false,
        frozen_help: None,
        inventory: true,
    }
    .frozen_if(r.opt_text(11)?.as_deref() == Some("blocked")))
}

impl TerminalView {
    fn frozen_if(self, frozen: bool) -> TerminalView {
        TerminalView { frozen, frozen_help: frozen.then(|| FROZEN_HELP.to_string()), ..self }
    }
}

/// A terminal the host knows that never went through the inventory (provisioned
/// directly, as the demo's are), as the merchant sees it.
fn host_view(r: &kassa_store::office::Row) -> kassa_store::Result<TerminalView> {
    let status = r.text(2)?;
    Ok(TerminalView {
        serial: r.text(0)?,
        terminal_id: r.text(1)?,
        model: String::new(),
        kind: r.text(3)?,
        state: if status == "blocked" { "active".into() } else { status.clone() },
        merchant_id: Some(r.text(4)?),
        kcv: String::new(),
        deposit: 0,
        deposit_state: "none".into(),
        last_active: None,
        components_waiting: 0,
        frozen: false,
        frozen_help: None,
        inventory: false,
    }
    .frozen_if(status == "blocked"))
}

pub(crate) fn load(sql: &mut dyn Sql, serial: &str) -> kassa_store::Result<Option<TerminalView>> {
    sql.one(&format!("SELECT {VIEW_COLUMNS} WHERE serial = ?1"), sql_params![serial])?.map(|r| view(&r)).transpose()
}

fn state_of(view: &TerminalView) -> kassa_store::Result<Lifecycle> {
    Lifecycle::from_code(&view.state)
        .ok_or_else(|| kassa_store::StoreError::Corrupt(format!("terminal state {}", view.state)))
}

/// Moves a terminal to `to` in the inventory and in the host's table, in the caller's transaction.
pub(crate) fn set_state(sql: &mut dyn Sql, serial: &str, to: Lifecycle, now: i64) -> kassa_store::Result<()> {
    sql.exec(
        "UPDATE terminal_inventory SET state = ?2, updated_at = ?3 WHERE serial = ?1",
        sql_params![serial, to.code(), now],
    )?;
    let host_status = match to {
        Lifecycle::InStock | Lifecycle::Deregistered => "deregistered",
        other => other.code(),
    };
    sql.exec("UPDATE terminals SET status = ?2 WHERE serial = ?1", sql_params![serial, host_status])?;
    Ok(())
}

/// Sends a fresh activation code to the merchant's phone (the old one is void).
fn send_activation(
    sms: &SmsHandle,
    sql: &mut dyn Sql,
    serial: &str,
    merchant: &str,
    code: &str,
    now: i64,
) -> kassa_store::Result<()> {
    sql.exec(
        "UPDATE terminal_inventory SET activation_digest = ?2, activation_tries = 0 WHERE serial = ?1",
        sql_params![serial, activation_digest(serial, code)],
    )?;
    if let Some(phone) = sql.one("SELECT phone FROM merchant_profiles WHERE merchant_id = ?1", sql_params![merchant])? {
        let text = format!(
            "【Kassa】The activation code of terminal {serial} is {code}. Enter it in the merchant app to start using it."
        );
        let phone = phone.text(0)?;
        sms.sms.send(sql, &phone, &text, now)?;
        // Counted with the one-time codes for the per-phone limits (never checked as one).
        sql.exec(
            "INSERT INTO otp_codes (phone, purpose, digest, sent_at, used) VALUES (?1, 'activation', ?2, ?3, 1)",
            sql_params![phone.as_str(), Vec::<u8>::new(), now],
        )?;
    }
    Ok(())
}

/// Releases or forfeits a terminal's held deposit (refund less `penalty`), in the caller's transaction.
pub(crate) fn settle_deposit(
    sql: &mut dyn Sql,
    serial: &str,
    merchant: &MerchantId,
    refund: bool,
    penalty: u64,
    now: i64,
) -> kassa_store::Result<(u64, u64)> {
    let Some(row) =
        sql.one("SELECT deposit, deposit_state FROM terminal_inventory WHERE serial = ?1", sql_params![serial])?
    else {
        return Ok((0, 0));
    };
    if row.text(1)? != "held" {
        return Ok((0, 0));
    }
    let deposit = row.int(0)?.max(0) as u64;
    let number = deposit_number(sql, serial)?;
    let (back, kept) = if refund { (deposit.saturating_sub(penalty), penalty.min(deposit)) } else { (0, deposit) };
    sql.post(merchant, &deposit_postings(number, 2, back), now)?;
    sql.post(merchant, &deposit_postings(number, 3, kept), now)?;
    let state = if refund { "refunded" } else { "forfeited" };
    sql.exec("UPDATE terminal_inventory SET deposit_state = ?2 WHERE serial = ?1", sql_params![serial, state])?;
    Ok((back, kept))
}

/// The number a terminal's current deposit is posted under (one per assignment).
fn deposit_number(sql: &mut dyn Sql, serial: &str) -> kassa_store::Result<i64> {
    sql.scalar("SELECT value FROM office_counters WHERE name = ?1", sql_params![format!("deposit:{serial}")])
}

impl Office {
    /// Adds a terminal of `kind` ([`TERMINAL_KINDS`]) to the inventory with a
    /// fresh master key, split in components for their custodians.
    pub async fn add_terminal(
        &self,
        actor: Actor,
        serial: String,
        model: String,
        kind: String,
    ) -> ApiResult<NewTerminal> {
        require(&actor, Permission::ManageTerminals)?;
        if !TERMINAL_KINDS.contains(&kind.as_str()) {
            return Err(FieldError::new("kind", "countertop or mobile_reader").into());
        }
        if !(4..=32).contains(&serial.len()) || !serial.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FieldError::new("serial", "4 to 32 letters and digits").into());
        }
        if model.trim().is_empty() || model.chars().count() > 40 {
            return Err(FieldError::new("model", "1 to 40 characters").into());
        }
        let key = random::generate_key(KeyAlgorithm::Tdes2).map_err(crate::office::crypto_error)?;
        let components =
            random::split_components(&key, KEY_COMPONENTS as usize).map_err(crate::office::crypto_error)?;
        let wrapped = self.hsm.import_key(KeyUsage::Master, &key).map_err(crate::office::crypto_error)?;
        let kcv = key.check_value_hex();
        let mut sealed = Vec::with_capacity(components.len());
        for component in &components {
            let blob = self.hsm.seal_component(component).map_err(crate::office::crypto_error)?;
            sealed.push((blob, component.check_value_hex()));
        }
        let shown: Vec<ComponentView> = (1..)
            .zip(&sealed)
            .map(|(part, (_, kcv))| ComponentView { part, kcv: kcv.clone(), collected_by: None })
            .collect();
        let now = self.now_ms();
        let answer_kcv = kcv.clone();
        let terminal_id = self
            .write(move |sql| {
                if sql.one("SELECT serial FROM terminal_inventory WHERE serial = ?1", sql_params![serial.as_str()])?.is_some() {
                    return Ok(Err(ApiError::conflict("serial_taken", "a terminal with this serial is in the inventory")));
                }
                let n = next_counter(sql, "terminal")?;
                let terminal_id = format!("{:08}", 60_000_000 + n);
                sql.exec(
                    "INSERT INTO terminal_inventory (serial, terminal_id, tmk, kcv, model, state, created_at, updated_at, kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'in_stock', ?6, ?6, ?7)",
                    sql_params![serial.as_str(), terminal_id.as_str(), wrapped.encode(), kcv.as_str(), model.trim(), now, kind.as_str()],
                )?;
                for (part, (blob, component_kcv)) in (1i64..).zip(sealed) {
                    sql.exec(
                        "INSERT INTO terminal_key_components (serial, part, sealed, kcv) VALUES (?1, ?2, ?3, ?4)",
                        sql_params![serial.as_str(), part, blob, component_kcv],
                    )?;
                }
                audit(sql, now, &actor.name(), "add_terminal", &serial, &format!("{terminal_id}, {kind}, kcv {kcv}"))?;
                Ok(Ok((serial, terminal_id)))
            })
            .await?;
        Ok(NewTerminal { serial: terminal_id.0, terminal_id: terminal_id.1, kcv: answer_kcv, components: shown })
    }

    /// Hands component `part` of a terminal's master key to the custodian
    /// calling, once: never a second component to the same person, and the
    /// sealed copy is destroyed as it is collected.
    pub async fn collect_key_component(
        &self,
        actor: Actor,
        serial: String,
        part: i64,
    ) -> ApiResult<CollectedComponent> {
        require(&actor, Permission::ManageTerminals)?;
        if !(1..=KEY_COMPONENTS).contains(&part) {
            return Err(FieldError::new("part", "1 or 2").into());
        }
        let custodian = actor.name();
        let now = self.now_ms();
        let hsm = self.hsm.clone();
        self.write(move |sql| {
            let Some(key) = sql.one("SELECT kcv FROM terminal_inventory WHERE serial = ?1", sql_params![serial.as_str()])?
            else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            let rows = sql.query(
                "SELECT part, sealed, kcv, collected_by FROM terminal_key_components WHERE serial = ?1 ORDER BY part",
                sql_params![serial.as_str()],
            )?;
            let Some(row) = rows.iter().find(|r| r.int(0).ok() == Some(part)) else {
                return Ok(Err(ApiError::conflict("no_components", "this terminal's key was not split for custodians")));
            };
            if let Some(by) = row.opt_text(3)? {
                return Ok(Err(ApiError::conflict("component_collected", format!("component {part} was collected by {by}"))));
            }
            for other in rows.iter().filter(|r| r.int(0).ok() != Some(part)) {
                if other.opt_text(3)?.as_deref() == Some(custodian.as_str()) {
                    return Ok(Err(ApiError::forbidden(
                        "split knowledge: you hold another component of this key; a different custodian collects this one",
                    )));
                }
            }
            let clear = hsm.open_component(&row.blob(1)?).map_err(|e| {
                tracing::error!(error = %e, "open a key component");
                kassa_store::StoreError::Corrupt("a sealed key component".into())
            })?;
            sql.exec(
                "UPDATE terminal_key_components SET sealed = NULL, collected_by = ?3, collected_at = ?4
                 WHERE serial = ?1 AND part = ?2 AND collected_by IS NULL",
                sql_params![serial.as_str(), part, custodian.as_str(), now],
            )?;
            let kcv = row.text(2)?;
            audit(sql, now, &custodian, "collect_key_component", &serial, &format!("component {part}, kcv {kcv}"))?;
            Ok(Ok(CollectedComponent { serial, part, component: to_hex(&clear), kcv, key_kcv: key.text(0)? }))
        })
        .await
    }

    pub async fn inventory(&self, actor: Actor, state: Option<String>) -> ApiResult<Vec<TerminalView>> {
        require(&actor, Permission::ViewMerchants)?;
        self.read(move |sql| {
            let rows = match state {
                Some(state) => sql.query(
                    &format!("SELECT {VIEW_COLUMNS} WHERE state = ?1 ORDER BY serial LIMIT 1000"),
                    sql_params![state],
                )?,
                None => sql.query(&format!("SELECT {VIEW_COLUMNS} ORDER BY serial LIMIT 1000"), &[])?,
            };
            Ok(Ok(rows.iter().map(view).collect::<kassa_store::Result<_>>()?))
        })
        .await
    }

    /// Assigns a terminal to a merchant: takes the deposit and sends the activation code.
    pub async fn assign_terminal(&self, actor: Actor, serial: String, merchant: String) -> ApiResult<TerminalView> {
        require(&actor, Permission::ManageTerminals)?;
        let merchant = MerchantId::parse(&merchant).ok_or_else(|| FieldError::new("merchant_id", "15 characters"))?;
        let code = new_activation_code()?;
        let (now, today, deposit, office) =
            (self.now_ms(), self.today(), self.policies.lifecycle.deposit, self.clone_handle());
        self.write(move |sql| {
            let Some(terminal) = load(sql, &serial)? else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            let to = match next(state_of(&terminal)?, Event::Assign) {
                Ok(to) => to,
                Err(e) => return Ok(Err(ApiError::conflict("illegal_transition", format!("{e}: cancel it first")))),
            };
            match sql.one("SELECT status FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])? {
                Some(m) if m.text(0)? == "active" => {}
                Some(m) => return Ok(Err(ApiError::conflict("merchant_not_active", format!("the merchant is {}", m.text(0)?)))),
                None => return Ok(Err(ApiError::not_found("merchant"))),
            }
            let tmk = sql.one("SELECT tmk FROM terminal_inventory WHERE serial = ?1", sql_params![serial.as_str()])?;
            let tmk = tmk.map(|r| r.text(0)).transpose()?.unwrap_or_default();
            let mobile_reader = terminal.kind == "mobile_reader";
            sql.exec("DELETE FROM terminals WHERE serial = ?1", sql_params![serial.as_str()])?;
            sql.exec(
                "INSERT INTO terminals (id, merchant_id, serial, status, tmk, pad_nibble, key_version, batch, batch_open,
                     mobile_reader)
                 VALUES (?1, ?2, ?3, 'assigned', ?4, 0, 0, 0, ?5, ?6)",
                sql_params![terminal.terminal_id.as_str(), merchant.as_str(), serial.as_str(), tmk, false, mobile_reader],
            )?;
            sql.exec(
                "UPDATE terminal_inventory SET merchant_id = ?2, assigned_day = ?3, last_active_day = NULL, deposit = ?4,
                   deposit_state = ?5 WHERE serial = ?1",
                sql_params![serial.as_str(), merchant.as_str(), today, deposit, if deposit > 0 { "held" } else { "none" }],
            )?;
            set_state(sql, &serial, to, now)?;
            let number = next_counter(sql, "deposit")?;
            sql.exec(
                "INSERT INTO office_counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2",
                sql_params![format!("deposit:{serial}"), number],
            )?;
            sql.post(&merchant, &deposit_postings(number, 1, deposit), now)?;
            send_activation(&office, sql, &serial, merchant.as_str(), &code, now)?;
            audit(sql, now, &actor.name(), "assign_terminal", &serial, &format!("to {merchant}, deposit {}", kassa_core::Amount(deposit).display(kassa_core::Currency::CNY)))?;
            Ok(load(sql, &serial)?.ok_or(ApiError::not_found("terminal")))
        })
        .await
    }

    /// The merchant's own terminals.
    pub async fn my_terminals(&self, actor: Actor) -> ApiResult<Vec<TerminalView>> {
        let merchant = merchant_of(&actor)?;
        self.read(move |sql| {
            let rows = sql.query(
                &format!("SELECT {VIEW_COLUMNS} WHERE merchant_id = ?1 ORDER BY serial"),
                sql_params![merchant.as_str()],
            )?;
            let mut views = rows.iter().map(view).collect::<kassa_store::Result<Vec<_>>>()?;
            let direct = sql.query(
                "SELECT serial, id, status, CASE WHEN mobile_reader THEN 'mobile_reader' ELSE 'countertop' END, merchant_id
                 FROM terminals WHERE merchant_id = ?1 AND serial NOT IN (SELECT serial FROM terminal_inventory)
                 ORDER BY serial LIMIT 1000",
                sql_params![merchant.as_str()],
            )?;
            for row in &direct {
                views.push(host_view(row)?);
            }
            Ok(Ok(views))
        })
        .await
    }

    /// Activates (or reactivates a dormant) terminal with the code sent by SMS.
    pub async fn activate_terminal(&self, actor: Actor, serial: String, code: String) -> ApiResult<TerminalView> {
        let merchant = merchant_of(&actor)?;
        let (now, today) = (self.now_ms(), self.today());
        self.write(move |sql| {
            let Some(terminal) = load(sql, &serial)?.filter(|t| t.merchant_id.as_deref() == Some(merchant.as_str())) else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            let to = match next(state_of(&terminal)?, Event::Activate) {
                Ok(to) => to,
                Err(e) => return Ok(Err(ApiError::conflict("illegal_transition", e.to_string()))),
            };
            let row = sql.one("SELECT activation_digest, activation_tries FROM terminal_inventory WHERE serial = ?1", sql_params![serial.as_str()])?;
            let (digest, tries) = match row {
                Some(r) => (r.blob(0).ok(), r.int(1)?),
                None => (None, 0),
            };
            let Some(digest) = digest.filter(|d| !d.is_empty()) else {
                return Ok(Err(ApiError::conflict("no_activation_code", "ask for a new activation code")));
            };
            if tries >= ACTIVATION_TRIES_MAX {
                return Ok(Err(ApiError::conflict("activation_code_void", "too many wrong codes: ask for a new activation code")));
            }
            if activation_digest(&serial, code.trim()) != digest {
                sql.exec("UPDATE terminal_inventory SET activation_tries = activation_tries + 1 WHERE serial = ?1", sql_params![serial.as_str()])?;
                audit(sql, now, &actor.name(), "activation_failed", &serial, "")?;
                return Ok(Err(ApiError::bad_request("wrong_activation_code", format!(
                    "the activation code is wrong ({} tries left)",
                    ACTIVATION_TRIES_MAX - tries - 1
                ))));
            }
            sql.exec(
                "UPDATE terminal_inventory SET activation_digest = NULL, activation_tries = 0, last_active_day = ?2 WHERE serial = ?1",
                sql_params![serial.as_str(), today],
            )?;
            set_state(sql, &serial, to, now)?;
            audit(sql, now, &actor.name(), "activate_terminal", &serial, "")?;
            Ok(load(sql, &serial)?.ok_or(ApiError::not_found("terminal")))
        })
        .await
    }

    /// Sends a new activation code for one of the merchant's assigned or dormant terminals.
    pub async fn request_activation_code(&self, actor: Actor, serial: String) -> ApiResult<()> {
        let merchant = merchant_of(&actor)?;
        let code = new_activation_code()?;
        let (now, office, policy) = (self.now_ms(), self.clone_handle(), self.policies.otp);
        self.write(move |sql| {
            let Some(terminal) = load(sql, &serial)?.filter(|t| t.merchant_id.as_deref() == Some(merchant.as_str()))
            else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            if !matches!(state_of(&terminal)?, Lifecycle::Assigned | Lifecycle::Dormant) {
                return Ok(Err(ApiError::conflict(
                    "not_awaiting_activation",
                    format!("the terminal is {}", terminal.state),
                )));
            }
            // The same per-phone limits as one-time codes.
            if let Some(phone) =
                sql.one("SELECT phone FROM merchant_profiles WHERE merchant_id = ?1", sql_params![merchant.as_str()])?
                && let Err(e) = may_send(sql, &policy, &phone.text(0)?, now)?
            {
                return Ok(Err(e.into()));
            }
            send_activation(&office, sql, &serial, merchant.as_str(), &code, now)?;
            audit(sql, now, &actor.name(), "request_activation_code", &serial, "")?;
            Ok(Ok(()))
        })
        .await
    }

    /// Adds or changes an operator of one of the merchant's terminals (`01`–`99`, a 4–6 digit password).
    pub async fn set_operator(
        &self,
        actor: Actor,
        serial: String,
        operator: String,
        password: String,
    ) -> ApiResult<Vec<String>> {
        let merchant = merchant_of(&actor)?;
        if operator.len() != 2 || !operator.bytes().all(|b| b.is_ascii_digit()) || operator == "00" {
            return Err(FieldError::new("operator", "two digits, 01 to 99").into());
        }
        if !(4..=6).contains(&password.len()) || !password.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("password", "4 to 6 digits").into());
        }
        let hash = hash_password(password).await?;
        let now = self.now_ms();
        self.write(move |sql| {
            let Some(terminal) = load(sql, &serial)?.filter(|t| t.merchant_id.as_deref() == Some(merchant.as_str()))
            else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            let count = sql.scalar(
                "SELECT COUNT(*) FROM terminal_operators WHERE terminal_id = ?1",
                sql_params![terminal.terminal_id.as_str()],
            )?;
            let exists = sql
                .one(
                    "SELECT 1 FROM terminal_operators WHERE terminal_id = ?1 AND operator = ?2",
                    sql_params![terminal.terminal_id.as_str(), operator.as_str()],
                )?
                .is_some();
            if !exists && count >= OPERATORS_MAX {
                return Ok(Err(ApiError::conflict("too_many_operators", format!("at most {OPERATORS_MAX} operators"))));
            }
            sql.exec(
                "INSERT INTO terminal_operators (terminal_id, operator, password_hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (terminal_id, operator) DO UPDATE SET password_hash = ?3",
                sql_params![terminal.terminal_id.as_str(), operator.as_str(), hash],
            )?;
            audit(sql, now, &actor.name(), "set_operator", &serial, &operator)?;
            Ok(Ok(operators(sql, &terminal.terminal_id)?))
        })
        .await
    }

    pub async fn remove_operator(&self, actor: Actor, serial: String, operator: String) -> ApiResult<Vec<String>> {
        let merchant = merchant_of(&actor)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let Some(terminal) = load(sql, &serial)?.filter(|t| t.merchant_id.as_deref() == Some(merchant.as_str()))
            else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            let gone = sql.exec(
                "DELETE FROM terminal_operators WHERE terminal_id = ?1 AND operator = ?2",
                sql_params![terminal.terminal_id.as_str(), operator.as_str()],
            )?;
            if gone == 0 {
                return Ok(Err(ApiError::not_found("operator")));
            }
            audit(sql, now, &actor.name(), "remove_operator", &serial, &operator)?;
            Ok(Ok(operators(sql, &terminal.terminal_id)?))
        })
        .await
    }

    pub async fn operators(&self, actor: Actor, serial: String) -> ApiResult<Vec<String>> {
        let merchant = merchant_of(&actor)?;
        self.read(move |sql| {
            let Some(terminal) = load(sql, &serial)?.filter(|t| t.merchant_id.as_deref() == Some(merchant.as_str()))
            else {
                return Ok(Err(ApiError::not_found("terminal")));
            };
            Ok(Ok(operators(sql, &terminal.terminal_id)?))
        })
        .await
    }

    /// The daily job: idle active terminals become dormant; terminals idle
    /// for the deregistration period are deregistered and their deposits forfeited.
    pub async fn run_lifecycle(&self) -> ApiResult<LifecycleSummary> {
        let (now, today, policy) = (self.now_ms(), self.today(), self.policies.lifecycle);
        let offset = self.clock.offset_minutes();
        self.write(move |sql| {
            let mut summary = LifecycleSummary::default();
            let rows = sql.query(
                "SELECT i.serial, i.terminal_id, i.state, i.merchant_id, i.last_active_day, i.assigned_day,
                        (SELECT MAX(t.created_at) FROM transactions t WHERE t.merchant_id = i.merchant_id AND t.terminal_id = i.terminal_id)
                 FROM terminal_inventory i WHERE i.state IN ('active', 'dormant') ORDER BY i.serial",
                &[],
            )?;
            for row in rows {
                let (serial, state) = (row.text(0)?, Lifecycle::from_code(&row.text(2)?).unwrap_or(Lifecycle::Active));
                let merchant = row.opt_text(3)?.as_deref().and_then(MerchantId::parse);
                let last_txn_day = row.opt_int(6)?.map(|ms| kassa_core::time::LocalTime::from_unix_ms(ms, offset).day_number());
                let last = [row.opt_int(4)?, row.opt_int(5)?, last_txn_day].into_iter().flatten().max().unwrap_or(today);
                let Some(event) = policy.daily(state, last, today) else { continue };
                let Ok(to) = next(state, event) else { continue };
                set_state(sql, &serial, to, now)?;
                match event {
                    Event::Sleep => {
                        sql.exec("UPDATE terminal_inventory SET activation_digest = NULL WHERE serial = ?1", sql_params![serial.as_str()])?;
                        summary.made_dormant.push(serial.clone());
                    }
                    _ => {
                        if let Some(merchant) = &merchant {
                            let (_, kept) = settle_deposit(sql, &serial, merchant, false, 0, now)?;
                            summary.deposits_forfeited += kept as i64;
                        }
                        summary.deregistered.push(serial.clone());
                    }
                }
                audit(sql, now, "system", if event == Event::Sleep { "terminal_dormant" } else { "terminal_abandoned" }, &serial, &format!("idle since day {last}"))?;
            }
            Ok(Ok(summary))
        })
        .await
    }

    /// A handle for closures that must send SMS (the gateway is shared).
    pub(crate) fn clone_handle(&self) -> SmsHandle {
        SmsHandle { sms: self.sms.clone() }
    }
}

/// The SMS gateway, to carry into a store closure.
#[derive(Debug, Clone)]
pub struct SmsHandle {
    pub sms: std::sync::Arc<dyn crate::office::SmsGateway>,
}

fn operators(sql: &mut dyn Sql, terminal_id: &str) -> kassa_store::Result<Vec<String>> {
    sql.query(
        "SELECT operator FROM terminal_operators WHERE terminal_id = ?1 ORDER BY operator",
        sql_params![terminal_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
