//! A card as presented at the terminal: how it was read, and what the
//! cardholder keys in.

use serde::{Deserialize, Serialize};

/// How the card was read (field 22, first two digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entry {
    Keyed,
    Swipe,
    Chip,
    Tap,
}

impl Entry {
    /// In words, as a slip prints it.
    pub fn word(self) -> &'static str {
        match self {
            Entry::Keyed => "KEYED",
            Entry::Swipe => "SWIPE",
            Entry::Chip => "CHIP",
            Entry::Tap => "CONTACTLESS",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Entry::Keyed => "01",
            Entry::Swipe => "02",
            Entry::Chip => "05",
            Entry::Tap => "07",
        }
    }

    pub fn parse(text: &str) -> Option<Entry> {
        match text {
            "keyed" | "manual" => Some(Entry::Keyed),
            "swipe" | "stripe" => Some(Entry::Swipe),
            "chip" | "insert" => Some(Entry::Chip),
            "tap" | "contactless" => Some(Entry::Tap),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub pan: String,
    /// YYMM.
    pub expiry: String,
    /// Track 2 as the stripe or chip gives it; built from PAN and expiry when absent.
    pub track2: Option<String>,
    pub pin: Option<String>,
    pub entry: Entry,
}

impl Card {
    pub fn track2(&self) -> String {
        self.track2.clone().unwrap_or_else(|| format!("{}={}2200000000000", self.pan, self.expiry))
    }
}
