//! Kassa's merchant and back-office service and its HTTP JSON API.
//!
//! [`office::Office`] applies the rules of `kassa-merchant` to the store;
//! [`http`] serves it with axum and documents it as OpenAPI (utoipa).

pub mod cancellation;
pub mod cards;
pub mod cases;
pub mod daily;
pub mod error;
pub mod http;
pub mod merchants;
pub mod office;
pub mod ops;
pub mod rulesets;
pub mod services;
pub mod terminals;
pub mod till;
pub mod txns;

pub use error::{ApiError, ApiResult};
pub use office::{Actor, Office, Policies};
