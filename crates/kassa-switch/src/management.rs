//! Management messages: sign-in (0800), sign-off and echo (0820), batch
//! settlement (0500) and batch upload (0320). None carries a MAC.

use kassa_core::{Amount, Batch, ResponseCode, Trace};
use kassa_crypto::KeyMode;
use kassa_iso8583::Message;
use kassa_iso8583::fields::{Field60, SettlementTotals, Totals, flag, parse_upload};
use kassa_store::{BatchTotals, Session, Store};

use crate::Switch;
use crate::network::Network;
use crate::request;
use crate::respond::{Reply, asks_sign_in, seal, skeleton};

impl<S: Store, N: Network> Switch<S, N> {
    /// A management answer: skeleton, host time, extra fields; no MAC.
    fn management_reply(
        &self,
        m: &Message,
        code: ResponseCode,
        label: &'static str,
        extra: impl FnOnce(&mut Message),
    ) -> Reply {
        let Some(mut response) = skeleton(m, &code) else { return Reply::none(label) };
        let now = self.clock.local();
        response.set(12, now.hhmmss()).set(13, now.mmdd()).set(32, &self.config.acquirer);
        if let Some(v) = m.get(60) {
            response.set(60, v);
        }
        if code.is_approved() {
            extra(&mut response);
        }
        let body = seal(self.hsm.as_ref(), response, None, 0);
        Reply { body, sign_in_again: asks_sign_in(&code), label, code: code.as_str().to_string() }
    }

    pub(crate) async fn sign_in(&self, m: &Message) -> Reply {
        let label = "sign_in";
        let names = match request::names(m) {
            Ok(names) => names,
            Err(code) => return self.plain(m, code, label),
        };
        let Some(mode) = request::field60(m).ok().and_then(|f| f.management_code).and_then(KeyMode::from_code) else {
            return self.plain(m, ResponseCode::InvalidTransaction, label);
        };
        let (terminal, _) = match self.registered(&names).await {
            Ok(found) => found,
            Err(code) => return self.plain(m, code, label),
        };
        let keys = match self.hsm.generate_working_keys(&terminal.tmk, mode) {
            Ok(keys) => keys,
            Err(error) => {
                tracing::warn!(%error, "generate working keys");
                return self.plain(m, ResponseCode::InvalidTransaction, label);
            }
        };
        let session = Session { mode, pin_key: keys.pin, mac_key: keys.mac, track_key: keys.track, key_version: 0 };
        let batch = match self.store.sign_in(names.terminal.clone(), session).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::error!(%error, "record sign-in");
                return self.plain(m, ResponseCode::SystemMalfunction, label);
            }
        };
        tracing::info!(terminal = %names.terminal, batch = %batch, mode = mode.code(), "signed in");
        self.management_reply(m, ResponseCode::Approved, label, |r| {
            let field60 =
                Field60 { message_type: 0, batch: batch.0, management_code: Some(mode.code()), ..Field60::default() };
            r.set(60, field60.render()).set(62, &keys.field62);
        })
    }

    pub(crate) async fn sign_off(&self, m: &Message) -> Reply {
        let label = "sign_off";
        let names = match request::names(m) {
            Ok(names) => names,
            Err(code) => return self.plain(m, code, label),
        };
        if let Err(code) = self.registered(&names).await {
            return self.plain(m, code, label);
        }
        let code = match self.store.sign_off(names.terminal.clone()).await {
            Ok(()) => ResponseCode::Approved,
            Err(error) => {
                tracing::error!(%error, "record sign-off");
                ResponseCode::SystemMalfunction
            }
        };
        self.management_reply(m, code, label, |_| {})
    }

    pub(crate) async fn echo(&self, m: &Message) -> Reply {
        let label = "echo";
        let code = match request::names(m) {
            Ok(names) => self.registered(&names).await.err().unwrap_or(ResponseCode::Approved),
            Err(code) => code,
        };
        self.management_reply(m, code, label, |_| {})
    }

    /// 0500: compares the terminal's totals with the host's, half by half, and
    /// closes the batch. Unbalanced halves get flag `2` and the host's totals.
    pub(crate) async fn settle(&self, m: &Message) -> Reply {
        let label = "settlement";
        let parsed = request::names(m).and_then(|names| {
            let f60 = request::field60(m)?;
            let totals = m.get(48).and_then(|v| SettlementTotals::parse(v).ok()).ok_or(ResponseCode::FormatError)?;
            Ok((names, Batch(f60.batch), totals))
        });
        let (names, batch, theirs) = match parsed {
            Ok(parsed) => parsed,
            Err(code) => return self.plain(m, code, label),
        };
        if let Err(code) = self.session(&names, Some(batch)).await {
            return self.plain(m, code, label);
        }
        let ours = match self.store.batch_totals(names.terminal.clone(), batch).await {
            Ok(totals) => totals,
            Err(error) => {
                tracing::error!(%error, "count batch");
                return self.plain(m, ResponseCode::SystemMalfunction, label);
            }
        };
        let (answer, balanced) = compare(&theirs, &ours);
        let stored = self
            .store
            .settle(names.terminal.clone(), batch, theirs.render(), answer.render(), balanced, self.clock.now_ms())
            .await;
        if let Err(error) = stored {
            tracing::error!(%error, "record settlement");
            return self.plain(m, ResponseCode::SystemMalfunction, label);
        }
        tracing::info!(terminal = %names.terminal, batch = %batch, balanced, "batch settled");
        let settlement_date = self.clock.local().mmdd();
        self.management_reply(m, ResponseCode::Approved, label, |r| {
            r.set(48, answer.render()).set(15, settlement_date);
        })
    }

    /// 0320: records uploaded transactions against the host's; ends with 202/207.
    pub(crate) async fn upload(&self, m: &Message) -> Reply {
        let label = "upload";
        let parsed = request::names(m).and_then(|names| Ok((names, request::field60(m)?)));
        let (names, f60) = match parsed {
            Ok(parsed) => parsed,
            Err(code) => return self.plain(m, code, label),
        };
        if let Err(code) = self.session(&names, None).await {
            return self.plain(m, code, label);
        }
        let batch = Batch(f60.batch);
        let records = match f60.management_code {
            Some(201) => m
                .get(48)
                .and_then(|v| parse_upload(v).ok())
                .map(|records| records.iter().map(|r| (Trace(r.trace), Amount(r.amount))).collect())
                .ok_or(ResponseCode::FormatError),
            Some(203 | 205) => {
                let trace =
                    m.get(61).and_then(|v| kassa_iso8583::fields::Original::parse(v).ok()).map(|o| Trace(o.trace));
                let trace = trace.or_else(|| request::trace(m).ok());
                let amount = m.get_str(4).and_then(Amount::from_field);
                trace.zip(amount).map(|r| vec![r]).ok_or(ResponseCode::FormatError)
            }
            Some(202 | 207) => Ok(Vec::new()),
            _ => Err(ResponseCode::InvalidTransaction),
        };
        let records = match records {
            Ok(records) => records,
            Err(code) => return self.plain(m, code, label),
        };
        let mut unmatched = 0;
        for (trace, amount) in records {
            match self.store.record_upload(names.terminal.clone(), batch, trace, amount, self.clock.now_ms()).await {
                Ok(true) => {}
                Ok(false) => unmatched += 1,
                Err(error) => {
                    tracing::error!(%error, "record upload");
                    return self.plain(m, ResponseCode::SystemMalfunction, label);
                }
            }
        }
        if unmatched > 0 {
            tracing::warn!(terminal = %names.terminal, batch = %batch, unmatched, "uploaded transactions the host does not hold");
        }
        self.management_reply(m, ResponseCode::Approved, label, |_| {})
    }
}

/// The host's answer to a 0500: each half flagged balanced or not (then with
/// the host's totals), and whether the whole batch balanced.
fn compare(theirs: &SettlementTotals, ours: &BatchTotals) -> (SettlementTotals, bool) {
    let half = |t: &Totals, o: &Totals| {
        let same = (t.debit_amount, t.debit_count, t.credit_amount, t.credit_count)
            == (o.debit_amount, o.debit_count, o.credit_amount, o.credit_count);
        (Totals { flag: if same { flag::BALANCED } else { flag::NOT_BALANCED }, ..*o }, same)
    };
    let (domestic, domestic_ok) = half(&theirs.domestic, &ours.domestic);
    let (foreign, foreign_ok) = half(&theirs.foreign, &ours.foreign);
    (SettlementTotals { domestic, foreign }, domestic_ok && foreign_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settlement_flags_each_half() {
        let mut theirs = SettlementTotals::default();
        theirs.domestic.debit_amount = 100;
        theirs.domestic.debit_count = 1;
        let mut ours = BatchTotals::default();
        ours.domestic.debit_amount = 100;
        ours.domestic.debit_count = 1;
        let (answer, balanced) = compare(&theirs, &ours);
        assert!(balanced);
        assert_eq!((answer.domestic.flag, answer.foreign.flag), (1, 1));
        ours.foreign.credit_amount = 5;
        ours.foreign.credit_count = 1;
        let (answer, balanced) = compare(&theirs, &ours);
        assert!(!balanced);
        assert_eq!((answer.domestic.flag, answer.foreign.flag, answer.foreign.credit_amount), (1, 2, 5));
    }
}
