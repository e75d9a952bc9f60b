//! The biller adapter for mobile top-ups: what the host asks a phone
//! number's carrier (`docs/network-profile.md`, "The carrier"), and the
//! simulated carrier every host has by default.

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use kassa_core::{Amount, ResponseCode};

/// A top-up to buy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopUpOrder {
    /// The host's order number: the service's reference (its transaction id, 12 digits).
    pub order: String,
    pub phone: String,
    pub amount: Amount,
}

/// The carrier's answer to a top-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopUpAnswer {
    Confirmed { confirmation: String },
    Refused(ResponseCode),
}

/// The carrier's answer to a cancel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CancelAnswer {
    /// Not delivered (or taken back): nothing to recover.
    Cancelled,
    /// Delivered already: its confirmation came late.
    Delivered { confirmation: String },
}

/// The carrier could not be reached.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("carrier unreachable: {0}")]
pub struct Unreachable(pub String);

/// A carrier the host buys top-ups from. The host puts its own deadline on
/// `top_up`; `cancel` is retried until it answers.
pub trait Carrier: Send + Sync + 'static {
    fn top_up(&self, order: TopUpOrder) -> BoxFuture<'static, Result<TopUpAnswer, Unreachable>>;
    fn cancel(&self, order: String) -> BoxFuture<'static, Result<CancelAnswer, Unreachable>>;
}

/// How the simulated carrier behaves (tests change it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CarrierMode {
    /// Serves the numbers it knows, refuses the others (`14`).
    #[default]
    Serve,
    /// Refuses every top-up (`05`).
    Refuse,
    /// Never answers a top-up and delivers nothing.
    Silent,
    /// Never answers a top-up in time, but delivers it: a cancel then finds it delivered.
    Late,
}

/// The simulated carrier: 11-digit numbers starting `13`, `15`, `17`, `18`
/// or `19` are its; it remembers what it delivered.
#[derive(Debug, Default)]
pub struct SimulatedCarrier {
    mode: Mutex<CarrierMode>,
    delivered: Mutex<HashMap<String, (String, Amount)>>,
}

/// Orders the simulated carrier remembers.
pub const CARRIER_ORDERS_MAX: usize = 100_000;

impl SimulatedCarrier {
    pub fn set_mode(&self, mode: CarrierMode) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }

    /// What it delivered: order → (phone, amount).
    pub fn delivered(&self) -> HashMap<String, (String, Amount)> {
        self.delivered.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn serves(phone: &str) -> bool {
        kassa_core::services::is_mobile_number(phone)
            && ["13", "15", "17", "18", "19"].iter().any(|p| phone.starts_with(p))
    }

    fn deliver(&self, order: &TopUpOrder) -> String {
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        if delivered.len() >= CARRIER_ORDERS_MAX {
            delivered.clear();
        }
        delivered.insert(order.order.clone(), (order.phone.clone(), order.amount));
        format!("CM{}", order.order)
    }
}

impl Carrier for std::sync::Arc<SimulatedCarrier> {
    fn top_up(&self, order: TopUpOrder) -> BoxFuture<'static, Result<TopUpAnswer, Unreachable>> {
        let mode = *self.mode.lock().unwrap_or_else(|e| e.into_inner());
        let answer = match mode {
            CarrierMode::Serve if SimulatedCarrier::serves(&order.phone) => {
                Some(TopUpAnswer::Confirmed { confirmation: self.deliver(&order) })
            }
            CarrierMode::Serve => Some(TopUpAnswer::Refused(ResponseCode::InvalidCardNumber)),
            CarrierMode::Refuse => Some(TopUpAnswer::Refused(ResponseCode::DoNotHonour)),
            CarrierMode::Silent => None,
            CarrierMode::Late => {
                self.deliver(&order);
                None
            }
        };
        Box::pin(async move {
            match answer {
                Some(answer) => Ok(answer),
                None => std::future::pending().await,
            }
        })
    }

    fn cancel(&self, order: String) -> BoxFuture<'static, Result<CancelAnswer, Unreachable>> {
        let delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&order);
        Box::pin(async move {
            Ok(if delivered {
                CancelAnswer::Delivered { confirmation: format!("CM{order}") }
            } else {
                CancelAnswer::Cancelled
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn order(phone: &str) -> TopUpOrder {
        TopUpOrder { order: "000000000042".into(), phone: phone.into(), amount: Amount(5_000) }
    }

    #[tokio::test]
    async fn the_simulated_carrier_serves_its_ranges_and_remembers_late_deliveries() {
        let carrier = Arc::new(SimulatedCarrier::default());
        assert!(matches!(carrier.top_up(order("13812345678")).await, Ok(TopUpAnswer::Confirmed { .. })));
        assert_eq!(
            carrier.top_up(order("14612345678")).await,
            Ok(TopUpAnswer::Refused(ResponseCode::InvalidCardNumber))
        );
        carrier.set_mode(CarrierMode::Refuse);
        assert_eq!(carrier.top_up(order("13812345678")).await, Ok(TopUpAnswer::Refused(ResponseCode::DoNotHonour)));
        carrier.set_mode(CarrierMode::Late);
        let late = TopUpOrder { order: "000000000043".into(), ..order("13812345678") };
        let waited = tokio::time::timeout(std::time::Duration::from_millis(20), carrier.top_up(late)).await;
        assert!(waited.is_err(), "a late carrier does not answer in time");
        assert!(matches!(carrier.cancel("000000000043".into()).await, Ok(CancelAnswer::Delivered { .. })));
        assert_eq!(carrier.cancel("000000000099".into()).await, Ok(CancelAnswer::Cancelled));
    }
}
