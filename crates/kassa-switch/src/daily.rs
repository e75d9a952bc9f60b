//! Each merchant's approved takings for the business day, kept in memory for
//! the risk step's daily limit: loaded from the store once per merchant and
//! day, then kept current as approvals, voids and reversals are recorded.
//!
//! With several hosts over one database each host sees its own approvals
//! plus what the store held when it first looked: a daily limit may be
//! overshot by what other hosts approved since. The full risk engine shares
//! its counters; this first step accepts that.

use std::collections::HashMap;
use std::sync::Mutex;

use kassa_core::{Amount, MerchantId};
use kassa_store::{Store, StoreError};

#[derive(Debug, Default)]
pub(crate) struct DailyTotals {
    day: Mutex<(String, HashMap<MerchantId, Amount>)>,
}

impl DailyTotals {
    fn cached(&self, merchant: &MerchantId, date: &str) -> Option<Amount> {
        let mut guard = self.day.lock().unwrap_or_else(|e| e.into_inner());
        if guard.0 != date {
            // A new business day: yesterday's totals are no longer needed.
            *guard = (date.to_string(), HashMap::new());
        }
        guard.1.get(merchant).copied()
    }

    /// The merchant's approved takings on `date`.
    pub(crate) async fn get<S: Store>(
        &self,
        store: &S,
        merchant: &MerchantId,
        date: &str,
    ) -> Result<Amount, StoreError> {
        if let Some(total) = self.cached(merchant, date) {
            return Ok(total);
        }
        let loaded = store.daily_total(merchant.clone(), date.to_string()).await?;
        let mut guard = self.day.lock().unwrap_or_else(|e| e.into_inner());
        if guard.0 != date {
            return Ok(loaded);
        }
        Ok(*guard.1.entry(merchant.clone()).or_insert(loaded))
    }

    /// Adds (or, with `add` false, takes away) an approved amount.
    pub(crate) fn adjust(&self, merchant: &MerchantId, date: &str, amount: Amount, add: bool) {
        let mut guard = self.day.lock().unwrap_or_else(|e| e.into_inner());
        if guard.0 != date {
            return;
        }
        if let Some(total) = guard.1.get_mut(merchant) {
            *total = if add {
                total.checked_add(amount).unwrap_or(*total)
            } else {
                total.checked_sub(amount).unwrap_or(Amount::ZERO)
            };
        }
    }
}
