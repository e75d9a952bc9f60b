//! The shop till, pure: item codes and their check digits (`code`), the
//! merchant's catalogue and its CSV (`catalogue`), the basket built at the
//! till (`basket`), customer segments (`segment`), and a period's sales
//! figures (`analytics`). No I/O: the store keeps these, the API serves them,
//! the terminal builds baskets with them.

pub mod analytics;
pub mod api;
pub mod basket;
pub mod catalogue;
pub mod code;
pub mod segment;

pub use basket::{Basket, Line};
pub use catalogue::Item;
pub use code::{CodeKind, ItemCode};
pub use segment::Segment;
