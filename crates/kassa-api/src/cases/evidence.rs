//! A case as an evidence bundle for a report to the regulator: each section
//! with the SHA-256 of its JSON, and the bundle's hash over them.

use kassa_merchant::Permission;
use kassa_store::sql_params;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{CASE_TXNS_MAX, CaseEventView, detail_of};
use crate::error::{ApiError, ApiResult};
use crate::office::require;
use crate::office::{Actor, Office, audit};

/// One part of an evidence bundle, with the SHA-256 of its canonical JSON.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvidenceSection {
    pub name: String,
    pub sha256: String,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

/// A case exported for a report: each section hashed, and the bundle's hash
/// over the sections' names and hashes in order.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvidenceBundle {
    pub case_id: i64,
    pub generated_at: i64,
    pub generated_by: String,
    pub sections: Vec<EvidenceSection>,
    pub bundle_sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Office {
    /// The case as an evidence bundle with hashes, for a report to the
    /// regulator (recorded in the audit log).
    pub async fn evidence(&self, actor: Actor, id: i64) -> ApiResult<EvidenceBundle> {
        require(&actor, Permission::WorkCases)?;
        let (now, who) = (self.now_ms(), actor.name());
        self.write(move |sql| {
            let Some(detail) = detail_of(sql, id, now)? else {
                return Ok(Err(ApiError::not_found("case")));
            };
            let trail = sql.query(
                "SELECT t.id, t.created_at, t.terminal_id, t.location FROM risk_case_txns c
                 JOIN transactions t ON t.id = c.txn_id WHERE c.case_id = ?1 AND t.location IS NOT NULL ORDER BY t.id LIMIT ?2",
                sql_params![id, CASE_TXNS_MAX],
            )?;
            let trail: Vec<serde_json::Value> = trail
                .iter()
                .map(|r| {
                    Ok(serde_json::json!({
                        "txn_id": r.int(0)?, "at": r.int(1)?, "terminal_id": r.text(2)?, "location": r.text(3)?,
                    }))
                })
                .collect::<kassa_store::Result<_>>()?;
            let notes: Vec<&CaseEventView> = detail.events.iter().filter(|e| e.kind == "note").collect();
            let parts = [
                ("case", serde_json::to_value(&detail.case)),
                ("history", serde_json::to_value(&detail.events)),
                ("notes", serde_json::to_value(&notes)),
                ("transactions", serde_json::to_value(&detail.transactions)),
                ("decisions", serde_json::to_value(&detail.decisions)),
                ("overrides", serde_json::to_value(&detail.overrides)),
                ("location_trail", Ok(serde_json::Value::Array(trail))),
            ];
            let mut sections = Vec::new();
            let mut whole = String::new();
            for (name, content) in parts {
                let content = content.map_err(|e| kassa_store::StoreError::Corrupt(e.to_string()))?;
                let sha256 = sha256_hex(content.to_string().as_bytes());
                whole.push_str(&format!("{name}:{sha256}\n"));
                sections.push(EvidenceSection { name: name.into(), sha256, content });
            }
            let bundle_sha256 = sha256_hex(whole.as_bytes());
            audit(sql, now, &who, "export_evidence", &format!("case {id}"), &bundle_sha256)?;
            Ok(Ok(EvidenceBundle { case_id: id, generated_at: now, generated_by: who, sections, bundle_sha256 }))
        })
        .await
    }
}
