//! Building and packing answers to terminals: response skeletons, the
//! terminal's pad-nibble profile, and the MAC on approved financial answers.

use std::sync::LazyLock;

use kassa_core::ResponseCode;
use kassa_crypto::{MacAlgorithm, SecurityModule, WrappedKey};
use kassa_iso8583::mac_block::{self, TERMINAL_MAC_FIELD};
use kassa_iso8583::profile::Options;
use kassa_iso8583::{Message, Profile, TERMINAL, pack};

static TERMINAL_PAD_F: LazyLock<Profile> =
    LazyLock::new(|| TERMINAL.with_options(Options { pad_nibble: 0xF, ..Options::TERMINAL }));

/// The terminal profile with a terminal's pad nibble (the VARIANT setting).
pub fn profile_for(pad_nibble: u8) -> &'static Profile {
    if pad_nibble == 0xF { &TERMINAL_PAD_F } else { &TERMINAL }
}

/// The terminal side's MAC algorithm: the UnionPay ECB MAC (its SM4 variant
/// when the MAC key is SM4).
pub const TERMINAL_MAC: MacAlgorithm = MacAlgorithm::CupEcb;

/// What the host sends back for one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The packed answer (MTI onwards), or nothing when the frame gets no answer.
    pub body: Option<Vec<u8>>,
    /// Ask the terminal to sign in again (header processing requirement `3`).
    pub sign_in_again: bool,
    /// What the message was, for metrics and logs.
    pub label: &'static str,
    /// The response code sent, for metrics and logs.
    pub code: String,
}

impl Reply {
    pub fn none(label: &'static str) -> Reply {
        Reply { body: None, sign_in_again: false, label, code: String::new() }
    }
}

/// The answer skeleton for `request`: MTI + 10, fields 3, 4, 11, 41, 42 echoed,
/// and 39. `None` when the request is itself a response.
pub fn skeleton(request: &Message, code: &ResponseCode) -> Option<Message> {
    let mut response = request.response()?;
    response.set(39, code.as_str());
    Some(response)
}

/// Packs `message`; with a MAC key, MACs it in field 64.
pub fn seal(
    hsm: &dyn SecurityModule,
    mut message: Message,
    mac_key: Option<&WrappedKey>,
    pad_nibble: u8,
) -> Option<Vec<u8>> {
    let profile = profile_for(pad_nibble);
    let Some(key) = mac_key else {
        message.remove(TERMINAL_MAC_FIELD);
        return pack(profile, &message).ok();
    };
    mac_block::reserve(&mut message, TERMINAL_MAC_FIELD);
    let mut packed = pack(profile, &message).ok()?;
    let (data, _) = mac_block::split(&message, &packed, TERMINAL_MAC_FIELD)?;
    let mac = hsm.generate_mac(key, TERMINAL_MAC, data).ok()?;
    mac_block::fill(&mut packed, mac);
    Some(packed)
}

/// Whether a code asks the terminal to sign in again.
pub fn asks_sign_in(code: &ResponseCode) -> bool {
    matches!(code, ResponseCode::SignInAgain | ResponseCode::MacFailed)
}
