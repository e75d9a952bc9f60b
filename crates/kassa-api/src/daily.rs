//! The back office's daily jobs as one run (`Office::daily_jobs`): terminal
//! lifecycle, cancellations that come due, and what the run did.

use crate::error::ApiResult;
use crate::office::Office;

/// What one run of the daily jobs did.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct DailySummary {
    pub terminals: crate::terminals::LifecycleSummary,
    /// Cancellations closed because their cooling-off ended.
    pub cancellations_closed: Vec<i64>,
    /// Cancellations due but not closed: their checklist no longer holds
    /// (operations sort it out; the next run tries again).
    pub cancellations_held: Vec<crate::cancellation::HeldCancellation>,
}

impl Office {
    /// The daily jobs, driven by the injected clock: terminal lifecycle, then cancellations due.
    pub async fn daily_jobs(&self) -> ApiResult<DailySummary> {
        let terminals = self.run_lifecycle().await?;
        let (cancellations_closed, cancellations_held) = self.close_due_cancellations().await?;
        Ok(DailySummary { terminals, cancellations_closed, cancellations_held })
    }
}
