//! What a terminal remembers between runs: trace counter, batch, working keys
//! (as the host sent them, under the master key), the pending reversal and the
//! transaction log (this batch and earlier ones, for refunds and reprints).
//! Saved as a small JSON file that never holds a card number in clear: the log
//! keeps masked numbers, and the whole number (which the batch upload needs)
//! only sealed under the terminal's master key, which is not in the file.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A reversal the terminal owes the host: the original request's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReversal {
    /// The original's fields by number, as hex of their logical values
    /// (never 2 or 14: those are in `card_sealed`).
    pub fields: Vec<(u8, String)>,
    /// Fields 2 and 14 (`PAN=YYMM`), sealed under the master key, when the original had them.
    #[serde(default)]
    pub card_sealed: Option<String>,
    /// `98` no answer, `A0` bad MAC, `96` device failure, `06` other.
    pub reason: String,
}

impl PendingReversal {
    /// The original's trace number (field 11).
    pub fn trace(&self) -> Option<u32> {
        let (_, hex) = self.fields.iter().find(|(n, _)| *n == 11)?;
        let bytes = kassa_crypto::from_hex(hex).ok()?;
        std::str::from_utf8(&bytes).ok()?.parse().ok()
    }
}

/// One approved transaction, as the slip, settlement, refunds and reprints need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub kind: String,
    pub trace: u32,
    pub batch: u32,
    pub amount: u64,
    pub masked_pan: String,
    /// The card number sealed under the terminal's master key (the batch
    /// upload needs it); useless without the key.
    #[serde(default)]
    pub pan_sealed: String,
    pub rrn: String,
    pub auth_code: String,
    pub response_code: String,
    pub domestic: bool,
    pub date: String,
    pub time: String,
    /// The year of `date` (YYYY), by the terminal's clock, for the slip.
    #[serde(default)]
    pub year: String,
    pub reversed: bool,
    /// How the card was read (swipe, chip, contactless, keyed), for the slip.
    #[serde(default)]
    pub entry: String,
    /// The operator who made it, for the slip.
    #[serde(default)]
    pub operator: String,
    /// A value-added service's amount, fee and beneficiary (`amount` is then
    /// the total debited), for the slip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceNote>,
    /// A till sale's basket (its lines, segment and total), for the slip and reprints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basket: Option<kassa_till::api::BasketPost>,
}

/// What a service's slip says beyond a sale's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceNote {
    /// What the beneficiary got (or the top-up's face value).
    pub amount: u64,
    pub fee: u64,
    /// The beneficiary card, masked, or the phone number with its middle hidden.
    pub beneficiary: String,
    /// A top-up's carrier confirmation number.
    #[serde(default)]
    pub confirmation: String,
}

/// A transaction the host did not approve (or never answered), for the batch's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: String,
    pub trace: u32,
    pub batch: u32,
    pub amount: u64,
    /// The response code, or `98` for no answer.
    pub code: String,
}

/// Failures a state file keeps (the oldest go first).
pub const FAILURES_KEPT: usize = 1_000;

/// Approved transactions the log keeps, this batch and earlier ones (the
/// oldest go first): a month of a busy counter, for refunds and reprints.
pub const LOG_KEPT: usize = 3_000;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalState {
    /// The last trace number used (000001–999999).
    pub trace: u32,
    pub batch: u32,
    pub batch_open: bool,
    /// 60.3 of the last sign-in and field 62 as received (keys under the TMK).
    pub key_mode: Option<u16>,
    pub key_block: Option<String>,
    pub pending_reversal: Option<PendingReversal>,
    /// Approved transactions, oldest first, at most [`LOG_KEPT`].
    pub log: Vec<LogEntry>,
    /// Declined or unanswered transactions, for the settlement list.
    #[serde(default)]
    pub failures: Vec<Failure>,
    /// Baskets paid while the till's API could not be reached, oldest first:
    /// sent, once each, when it can ([`crate::till`]).
    #[serde(default)]
    pub pending_baskets: Vec<kassa_till::api::BasketPost>,
}

impl TerminalState {
    pub fn load(path: &Path) -> std::io::Result<TerminalState> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(std::io::Error::other),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(TerminalState::default()),
            Err(error) => Err(error),
        }
    }

    /// Writes the state atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, text)?;
        std::fs::rename(temporary, path)
    }

    /// Takes the next trace number, wrapping after 999999.
    pub fn next_trace(&mut self) -> u32 {
        self.trace = if self.trace >= 999_999 { 1 } else { self.trace + 1 };
        self.trace
    }
}
