//! Risk cases in the store: opening one, or adding a transaction to the one
//! already open for the merchant, and the allow-list overrides made from
//! cases. The host opens cases when the rules hit; the API works them. The
//! state machine itself is `kassa-risk`'s (`case.rs`).

use kassa_risk::case::Priority;

use crate::Result;
use crate::office::Sql;
use crate::sql_params;

/// What a new case starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCase<'a> {
    pub merchant: &'a str,
    pub terminal: Option<&'a str>,
    pub title: &'a str,
    pub priority: &'a str,
    pub due_at: i64,
    pub actor: &'a str,
}

/// Opens a case; its id.
pub fn open_case(sql: &mut dyn Sql, case: &NewCase<'_>, now_ms: i64) -> Result<i64> {
    let id = sql.insert(
        "INSERT INTO risk_cases (merchant_id, terminal_id, title, priority, state, opened_at, due_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?5) RETURNING id",
        sql_params![case.merchant, case.terminal, case.title, case.priority, now_ms, case.due_at],
    )?;
    case_event(sql, id, now_ms, case.actor, "opened", case.title)?;
    Ok(id)
}

/// The merchant's case that is not closed yet, newest first.
fn live_case(sql: &mut dyn Sql, merchant: &str) -> Result<Option<(i64, String)>> {
    sql.one(
        "SELECT id, priority FROM risk_cases WHERE merchant_id = ?1 AND state <> 'closed' ORDER BY id DESC LIMIT 1",
        sql_params![merchant],
    )?
    .map(|r| Ok((r.int(0)?, r.text(1)?)))
    .transpose()
}

/// The merchant's live case, or a case opened as `new`. A live case of lower
/// priority than `new` asks for takes the higher one, and its SLA is brought
/// forward to match (never moved back): whoever found the new hit — the
/// switch or the monitoring job — the case is worked as urgently as its most
/// urgent hit.
pub fn live_or_open(sql: &mut dyn Sql, new: &NewCase<'_>, now_ms: i64) -> Result<i64> {
    let Some((id, current)) = live_case(sql, new.merchant)? else {
        return open_case(sql, new, now_ms);
    };
    let (current, asked) = (Priority::from_code(&current), Priority::from_code(new.priority));
    if let Some(raised) = current.zip(asked).and_then(|(current, asked)| current.raised_to(asked)) {
        sql.exec(
            "UPDATE risk_cases SET priority = ?2,
                 due_at = CASE WHEN opened_at + ?3 < due_at THEN opened_at + ?3 ELSE due_at END
             WHERE id = ?1",
            sql_params![id, raised.code(), raised.sla_ms()],
        )?;
    }
    Ok(id)
}

/// Keeps a transaction with a case as evidence.
pub fn attach_txn(sql: &mut dyn Sql, case: i64, txn_id: i64) -> Result<()> {
    sql.exec(
        "INSERT INTO risk_case_txns (case_id, txn_id) VALUES (?1, ?2) ON CONFLICT (case_id, txn_id) DO NOTHING",
        sql_params![case, txn_id],
    )?;
    Ok(())
}

/// One line of a case's history.
pub fn case_event(sql: &mut dyn Sql, case: i64, now_ms: i64, actor: &str, kind: &str, detail: &str) -> Result<()> {
    sql.exec(
        "INSERT INTO risk_case_events (case_id, at, actor, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        sql_params![case, now_ms, actor, kind, detail],
    )?;
    sql.exec("UPDATE risk_cases SET updated_at = ?2 WHERE id = ?1", sql_params![case, now_ms])?;
    Ok(())
}

/// The override in force for the merchant or the card (hex of its keyed hash), if any.
pub fn active_override(sql: &mut dyn Sql, merchant: &str, card_hex: &str, now_ms: i64) -> Result<Option<i64>> {
    sql.one(
        "SELECT id FROM risk_overrides WHERE expires_at > ?3
           AND ((kind = 'merchant' AND value = ?1) OR (kind = 'card' AND value = ?2))
         ORDER BY id LIMIT 1",
        sql_params![merchant, card_hex, now_ms],
    )?
    .map(|r| r.int(0))
    .transpose()
}
