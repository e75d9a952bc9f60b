//! Kassa's merchant and back-office rules, with no I/O: what the merchant
//! app and the operations console enforce (`../shared/docs/product.md` §3–§4).
//!
//! Everything here takes its facts and its time as arguments (unix
//! milliseconds or day numbers) and answers with a decision; the service in
//! `kassa-api` reads the facts from the store, asks, and writes the answer.

pub mod application;
pub mod auth;
pub mod calendar;
pub mod cancellation;
pub mod identity;
pub mod otp;
pub mod password;
pub mod roles;
pub mod terminal;

pub use application::{AdmissionCheck, AdmissionFacts, Application};
pub use auth::{LockoutPolicy, SessionPolicy};
pub use calendar::BusinessCalendar;
pub use identity::FieldError;
pub use otp::{OtpError, OtpPolicy, OtpPurpose};
pub use roles::{Permission, StaffRole};
