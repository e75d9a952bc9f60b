//! Risk ruleset versions in the store: drafts written in the console or the
//! API, approved by a second person, activated (the hosts pick the active
//! version up within seconds), rolled back by activating a retired one, and
//! previewed against recorded transactions before approval.

use std::collections::HashSet;

use kassa_merchant::{FieldError, Permission};
use kassa_risk::lifecycle::{self, RulesetState, RulesetStep};
use kassa_risk::preview::{PREVIEW_TXNS_MAX, Preview, Replayed};
use kassa_risk::{Ruleset, VelocityEvent};
use kassa_store::office::{Row, Sql};
use kassa_store::sql_params;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::office::require;
use crate::office::{Actor, Office, audit};

/// Longest ruleset text accepted.
pub const RULESET_TEXT_MAX: usize = 512 * 1024;
/// The longest look-back of a preview.
pub const PREVIEW_HOURS_MAX: i64 = 7 * 24;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RulesetView {
    pub version: i64,
    /// draft, approved, active, retired or discarded.
    pub state: String,
    pub rules: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    pub approved_by: Option<String>,
    pub activated_by: Option<String>,
    pub activated_at: Option<i64>,
    /// The TOML (only when one version is asked for).
    pub text: Option<String>,
}

const COLUMNS: &str = "version, state, rules, note, created_by, created_at, approved_by, activated_by, activated_at, text FROM risk_rulesets";

fn view(r: &Row, with_text: bool) -> kassa_store::Result<RulesetView> {
    Ok(RulesetView {
        version: r.int(0)?,
        state: r.text(1)?,
        rules: r.int(2)?,
        note: r.text(3)?,
        created_by: r.text(4)?,
        created_at: r.int(5)?,
        approved_by: r.opt_text(6)?,
        activated_by: r.opt_text(7)?,
        activated_at: r.opt_int(8)?,
        text: if with_text { Some(r.text(9)?) } else { None },
    })
}

/// The active version's text, if one is active.
pub fn active_text(sql: &mut dyn Sql) -> kassa_store::Result<Option<(i64, String)>> {
    sql.one("SELECT version, text FROM risk_rulesets WHERE state = 'active'", &[])?
        .map(|r| Ok((r.int(0)?, r.text(1)?)))
        .transpose()
}

/// The admission rules of the active stored version (the shipped starter
/// ruleset while none is stored), compiled — outside any write transaction.
pub async fn admission_engine(office: &Office) -> ApiResult<kassa_risk::Engine> {
    let text = office.read(|sql| Ok(Ok(active_text(sql)?.map(|(_, text)| text)))).await?;
    let compiled = text
        .as_deref()
        .and_then(|t| Ruleset::from_toml(t).and_then(|r| r.compile()).ok())
        .or_else(|| Ruleset::from_toml(kassa_risk::STARTER).and_then(|r| r.compile()).ok())
        .ok_or_else(|| {
            ApiError::from(kassa_store::StoreError::Corrupt("no ruleset compiles for the admission checks".into()))
        })?;
    Ok(kassa_risk::Engine::new(compiled))
}

/// `engine`'s admission rules run over `applicant`: one entry per rule, hit
/// when it hit in enforce mode.
pub fn admission_rules(
    engine: &kassa_risk::Engine,
    applicant: &kassa_risk::Applicant,
) -> Vec<kassa_merchant::application::AdmissionRule> {
    let ruleset = engine.active();
    let decision = engine.decide_in(&applicant.context(), kassa_risk::Scope::Admission);
    ruleset
        .rules
        .iter()
        .filter(|r| r.rule.scope == kassa_risk::Scope::Admission)
        .map(|r| kassa_merchant::application::AdmissionRule {
            id: r.rule.id.clone(),
            description: r.rule.description.clone(),
            hit: decision.hits.iter().any(|h| h.rule == r.rule.id && h.enforced),
        })
        .collect()
}

fn compile(text: &str) -> ApiResult<kassa_risk::CompiledRuleset> {
    if text.len() > RULESET_TEXT_MAX {
        return Err(FieldError::new("text", "is longer than 512 KiB").into());
    }
    Ruleset::from_toml(text)
        .and_then(|r| r.compile())
        .map_err(|e| ApiError::from(FieldError::new("text", e.to_string())))
}

/// The replay of the last `hours` of transactions, oldest first.
fn replay(
    sql: &mut dyn Sql,
    since_ms: i64,
    offset_minutes: i32,
    bins: &HashSet<String>,
) -> kassa_store::Result<Vec<Replayed>> {
    let rows = sql.query(
        "SELECT t.created_at, t.business_date, t.pan_hash, t.terminal_id, t.merchant_id, t.amount, t.kind,
                COALESCE(t.response_code, '96'), SUBSTR(COALESCE(t.pan_masked, ''), 1, 6), m.mcc, COALESCE(t.entry_mode, ''), m.tier
         FROM transactions t JOIN merchants m ON m.id = t.merchant_id
         WHERE t.created_at > ?1 AND t.pan_hash IS NOT NULL ORDER BY t.id LIMIT ?2",
        sql_params![since_ms, PREVIEW_TXNS_MAX as i64],
    )?;
    rows.iter()
        .map(|r| {
            let at_ms = r.int(0)?;
            let hour = kassa_core::time::LocalTime::from_unix_ms(at_ms, offset_minutes).hhmmss();
            Ok(Replayed {
                event: VelocityEvent {
                    at_ms,
                    day: kassa_core::time::day_number_of(&r.text(1)?).unwrap_or(0),
                    card: r.blob(2)?.iter().map(|b| format!("{b:02x}")).collect(),
                    terminal: r.text(3)?,
                    merchant: r.text(4)?,
                    amount: r.int(5)?,
                    credit: bins.contains(&r.text(8)?),
                    kind: r.text(6)?,
                    code: r.text(7)?,
                },
                mcc: r.text(9)?,
                tier: r.text(11)?,
                hour: hour.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0),
                entry: kassa_core::txn::entry_mode_word(&r.text(10)?).to_ascii_lowercase(),
            })
        })
        .collect()
}

impl Office {
    /// Every version, newest first (without their text).
    pub async fn rulesets(&self, actor: Actor) -> ApiResult<Vec<RulesetView>> {
        require(&actor, Permission::WorkCases)?;
        self.read(move |sql| {
            let rows = sql.query(&format!("SELECT {COLUMNS} ORDER BY version DESC LIMIT 200"), &[])?;
            Ok(Ok(rows.iter().map(|r| view(r, false)).collect::<kassa_store::Result<_>>()?))
        })
        .await
    }

    /// One version, with its text.
    pub async fn ruleset(&self, actor: Actor, version: i64) -> ApiResult<RulesetView> {
        require(&actor, Permission::WorkCases)?;
        self.read(move |sql| {
            let row = sql.one(&format!("SELECT {COLUMNS} WHERE version = ?1"), sql_params![version])?;
            Ok(row.map(|r| view(&r, true)).transpose()?.ok_or_else(|| ApiError::not_found("ruleset version")))
        })
        .await
    }

    /// A new draft: the TOML must compile, and its `version` must be above every stored one.
    pub async fn draft_ruleset(&self, actor: Actor, text: String, note: String) -> ApiResult<RulesetView> {
        require(&actor, Permission::WorkCases)?;
        let compiled = compile(&text)?;
        let note = note.trim().chars().take(500).collect::<String>();
        let (version, rules, now, who) =
            (i64::from(compiled.version), compiled.rules.len() as i64, self.now_ms(), actor.name());
        self.write(move |sql| {
            let top = sql.scalar("SELECT MAX(version) FROM risk_rulesets", &[])?;
            if version <= top {
                return Ok(Err(FieldError::new(
                    "text",
                    format!("version {version} is taken; the next is {}", top + 1),
                )
                .into()));
            }
            sql.exec(
                "INSERT INTO risk_rulesets (version, text, rules, note, state, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6)",
                sql_params![version, text.as_str(), rules, note.as_str(), who.as_str(), now],
            )?;
            audit(sql, now, &who, "ruleset_draft", &format!("ruleset {version}"), &note)?;
            let row = sql.one(&format!("SELECT {COLUMNS} WHERE version = ?1"), sql_params![version])?;
            Ok(row.map(|r| view(&r, false)).transpose()?.ok_or_else(|| ApiError::not_found("ruleset version")))
        })
        .await
    }

    /// Approves, activates or discards a version (`kassa_risk::lifecycle`):
    /// the author cannot approve; activating retires the active version in
    /// the same commit. Hosts swap to the active version within seconds.
    pub async fn ruleset_step(&self, actor: Actor, version: i64, step: RulesetStep) -> ApiResult<RulesetView> {
        require(&actor, Permission::WorkCases)?;
        let (now, who) = (self.now_ms(), actor.name());
        self.write(move |sql| {
            let Some(row) = sql.one("SELECT state, created_by, text FROM risk_rulesets WHERE version = ?1", sql_params![version])? else {
                return Ok(Err(ApiError::not_found("ruleset version")));
            };
            let state = RulesetState::from_code(&row.text(0)?)
                .ok_or_else(|| kassa_store::StoreError::Corrupt("ruleset state".into()))?;
            let next = match lifecycle::next(state, step, &row.text(1)?, &who) {
                Ok(next) => next,
                Err(e @ lifecycle::LifecycleError::SameOperator) => return Ok(Err(ApiError::forbidden(e.to_string()))),
                Err(e) => return Ok(Err(ApiError::conflict("wrong_state", e.to_string()))),
            };
            if step == RulesetStep::Activate {
                // It compiled when drafted; it must still, with this build's engine.
                if let Err(e) = compile(&row.text(2)?) {
                    return Ok(Err(e));
                }
                sql.exec("UPDATE risk_rulesets SET state = 'retired' WHERE state = 'active'", &[])?;
                sql.exec(
                    "UPDATE risk_rulesets SET state = 'active', activated_by = ?2, activated_at = ?3 WHERE version = ?1",
                    sql_params![version, who.as_str(), now],
                )?;
            } else if step == RulesetStep::Approve {
                sql.exec(
                    "UPDATE risk_rulesets SET state = ?2, approved_by = ?3, approved_at = ?4 WHERE version = ?1",
                    sql_params![version, next.code(), who.as_str(), now],
                )?;
            } else {
                sql.exec("UPDATE risk_rulesets SET state = ?2 WHERE version = ?1", sql_params![version, next.code()])?;
            }
            audit(sql, now, &who, &format!("ruleset_{}", next.code()), &format!("ruleset {version}"), "")?;
            let row = sql.one(&format!("SELECT {COLUMNS} WHERE version = ?1"), sql_params![version])?;
            Ok(row.map(|r| view(&r, false)).transpose()?.ok_or_else(|| ApiError::not_found("ruleset version")))
        })
        .await
    }

    /// What the version would have done over the last `hours` of recorded
    /// transactions, beside the active version: hits per rule, declines,
    /// holds and changed outcomes. Nothing is enforced.
    pub async fn preview_ruleset(&self, actor: Actor, version: i64, hours: i64) -> ApiResult<Preview> {
        require(&actor, Permission::WorkCases)?;
        if !(1..=PREVIEW_HOURS_MAX).contains(&hours) {
            return Err(FieldError::new("hours", "must be 1 to 168").into());
        }
        let since = self.now_ms() - hours * 3_600_000;
        let offset = self.clock.offset_minutes();
        let bins: HashSet<String> = self.policies.credit_bins.iter().cloned().collect();
        let (candidate, active, txns) = self
            .read(move |sql| {
                let Some(row) = sql.one("SELECT text FROM risk_rulesets WHERE version = ?1", sql_params![version])?
                else {
                    return Ok(Err(ApiError::not_found("ruleset version")));
                };
                let active = active_text(sql)?.filter(|(v, _)| *v != version).map(|(_, text)| text);
                Ok(Ok((row.text(0)?, active, replay(sql, since, offset, &bins)?)))
            })
            .await?;
        let candidate = compile(&candidate)?;
        let active = active.and_then(|text| compile(&text).ok());
        // The replay is CPU work: off the async threads.
        tokio::task::spawn_blocking(move || kassa_risk::preview::preview(&txns, candidate, active))
            .await
            .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "preview", e.to_string()))
    }
}
