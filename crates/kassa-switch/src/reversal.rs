//! Terminal reversals (0400): undo a request the terminal got no valid answer to.
//!
//! The match key is merchant, terminal, original type, batch (the 0400's own
//! 60.2, which may be an earlier batch: no `77` for that) and trace. Original
//! not found → `00`, recorded so a late original is a duplicate; already
//! reversed → `00`; amount differs → `64`; otherwise undone here and queued
//! for a 0420 to the network → `00`.

use kassa_core::ResponseCode;
use kassa_iso8583::Message;
use kassa_store::{ReversalOutcome, ReversalRequest, Store};

use crate::Switch;
use crate::network::Network;
use crate::request::{self, kind_of_type};
use crate::respond::{Reply, asks_sign_in, seal, skeleton};

impl<S: Store, N: Network> Switch<S, N> {
    pub(crate) async fn reversal(&self, m: &Message, body: &[u8]) -> Reply {
        let label = "reversal";
        let Some(kind) = request::field60(m).ok().and_then(|f| kind_of_type(f.message_type)) else {
            return self.plain(m, ResponseCode::FormatError, label);
        };
        let request = match request::reversal(m, kind) {
            Ok(request) => request,
            Err(code) => return self.plain(m, code, label),
        };
        let (terminal, _) = match self.session(&request.names, None).await {
            Ok(found) => found,
            Err(code) => return self.plain(m, code, label),
        };
        let Some(session) = terminal.session.clone() else {
            return self.plain(m, ResponseCode::SignInAgain, label);
        };
        if let Err(code) = self.verify_mac(m, body, &session) {
            return self.plain(m, code, label);
        }
        let reason = m.get_str(39).unwrap_or("06").to_string();
        let reversal = ReversalRequest {
            key: request.key.clone(),
            kind,
            amount: request.amount,
            currency: request.currency,
            reason,
            business_date: self.business_date(),
            now_ms: self.clock.now_ms(),
        };
        let code = match self.store.reverse(reversal).await {
            Ok(ReversalOutcome::Reversed) => {
                self.saf_wakeup.notify_one();
                if matches!(kind, kassa_core::TxnKind::Sale | kassa_core::TxnKind::Completion) {
                    let date = self.business_date();
                    self.daily.adjust(&request.key.merchant, &date, request.amount, false);
                }
                ResponseCode::Approved
            }
            Ok(ReversalOutcome::AlreadyReversed | ReversalOutcome::OriginalNotFound) => ResponseCode::Approved,
            Ok(ReversalOutcome::AlreadyReturned) => {
                tracing::warn!("reversal of a transaction already voided or refunded: nothing undone");
                ResponseCode::Approved
            }
            Ok(ReversalOutcome::AmountMismatch) => ResponseCode::AmountMismatch,
            Err(error) => {
                tracing::error!(%error, "apply reversal");
                ResponseCode::SystemMalfunction
            }
        };
        let Some(mut response) = skeleton(m, &code) else { return Reply::none(label) };
        let now = self.clock.local();
        response.set(12, now.hhmmss()).set(13, now.mmdd()).set(32, &self.config.acquirer);
        for n in [25, 49, 60] {
            if let Some(v) = m.get(n) {
                response.set(n, v);
            }
        }
        let mac_key = code.is_approved().then_some(&session.mac_key);
        let body = seal(self.hsm.as_ref(), response, mac_key, terminal.pad_nibble);
        Reply { body, sign_in_again: asks_sign_in(&code), label, code: code.as_str().to_string() }
    }
}
