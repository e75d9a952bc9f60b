//! Reconciliation: the host's records of a day against the network's
//! clearing file. Items match by the link trace number and transmission time
//! the host gave each request; every break is classified.

use std::collections::BTreeMap;

/// One approved, standing transaction as the host holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostItem {
    pub txn_id: i64,
    pub stan: u32,
    pub transmitted: String,
    pub kind: String,
    pub amount: u64,
}

/// One line of the network's clearing file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearingItem {
    pub stan: u32,
    pub transmitted: String,
    pub kind: String,
    pub amount: u64,
    pub rrn: String,
}

/// Why an item did not reconcile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BreakKind {
    /// The host holds it approved; the network did not clear it.
    HostOnly,
    /// The network cleared it; the host holds no approval for it.
    NetworkOnly,
    /// Both hold it, for different amounts.
    AmountMismatch,
}

impl BreakKind {
    pub fn code(self) -> &'static str {
        match self {
            BreakKind::HostOnly => "host_only",
            BreakKind::NetworkOnly => "network_only",
            BreakKind::AmountMismatch => "amount_mismatch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub kind: BreakKind,
    pub stan: u32,
    pub transmitted: String,
    pub txn_id: Option<i64>,
    pub host_amount: Option<u64>,
    pub network_amount: Option<u64>,
    pub reason: String,
}

/// The outcome of one reconciliation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub matched: usize,
    pub breaks: Vec<Break>,
}

pub fn reconcile(host: &[HostItem], network: &[ClearingItem]) -> Reconciliation {
    let mut network_by_key: BTreeMap<(u32, &str), &ClearingItem> = BTreeMap::new();
    let mut result = Reconciliation::default();
    for item in network {
        if network_by_key.insert((item.stan, item.transmitted.as_str()), item).is_some() {
            result.breaks.push(Break {
                kind: BreakKind::NetworkOnly,
                stan: item.stan,
                transmitted: item.transmitted.clone(),
                txn_id: None,
                host_amount: None,
                network_amount: Some(item.amount),
                reason: "cleared twice by the network".into(),
            });
        }
    }
    for item in host {
        match network_by_key.remove(&(item.stan, item.transmitted.as_str())) {
            Some(cleared) if cleared.amount == item.amount => result.matched += 1,
            Some(cleared) => result.breaks.push(Break {
                kind: BreakKind::AmountMismatch,
                stan: item.stan,
                transmitted: item.transmitted.clone(),
                txn_id: Some(item.txn_id),
                host_amount: Some(item.amount),
                network_amount: Some(cleared.amount),
                reason: format!("host {} {}, network {} {}", item.kind, item.amount, cleared.kind, cleared.amount),
            }),
            None => result.breaks.push(Break {
                kind: BreakKind::HostOnly,
                stan: item.stan,
                transmitted: item.transmitted.clone(),
                txn_id: Some(item.txn_id),
                host_amount: Some(item.amount),
                network_amount: None,
                reason: format!("host {} approved; not in the clearing file", item.kind),
            }),
        }
    }
    for ((stan, transmitted), cleared) in network_by_key {
        result.breaks.push(Break {
            kind: BreakKind::NetworkOnly,
            stan,
            transmitted: transmitted.to_string(),
            txn_id: None,
            host_amount: None,
            network_amount: Some(cleared.amount),
            reason: format!("network cleared {} rrn {}; the host holds no approval", cleared.kind, cleared.rrn),
        });
    }
    result
}

/// Lines a clearing file may have.
pub const CLEARING_LINES_MAX: usize = 10_000_000;

/// A clearing file line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "clearing file line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Reads the simulator's clearing file (CSV:
/// `date,stan,transmitted,kind,merchant,terminal,pan,amount,rrn,auth_code`).
pub fn parse_clearing(text: &str) -> Result<Vec<ClearingItem>, ParseError> {
    let mut items = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if index == 0 && line.starts_with("date,") || line.trim().is_empty() {
            continue;
        }
        if items.len() >= CLEARING_LINES_MAX {
            return Err(ParseError { line: number, reason: format!("more than {CLEARING_LINES_MAX} lines") });
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [_, stan, transmitted, kind, _, _, _, amount, rrn, _] = fields.as_slice() else {
            return Err(ParseError { line: number, reason: format!("{} fields, 10 expected", fields.len()) });
        };
        let bad = |what: &str| ParseError { line: number, reason: format!("{what} is not readable") };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(transmitted, 10) {
            return Err(bad("transmission time"));
        }
        items.push(ClearingItem {
            stan: stan.parse().map_err(|_| bad("trace number"))?,
            transmitted: transmitted.to_string(),
            kind: kind.to_string(),
            amount: amount.parse().map_err(|_| bad("amount"))?,
            rrn: rrn.to_string(),
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(stan: u32, amount: u64) -> HostItem {
        HostItem { txn_id: i64::from(stan), stan, transmitted: "1122101010".into(), kind: "sale".into(), amount }
    }

    fn cleared(stan: u32, amount: u64) -> ClearingItem {
        ClearingItem { stan, transmitted: "1122101010".into(), kind: "sale".into(), amount, rrn: format!("{stan:012}") }
    }

    #[test]
    fn every_break_is_found_and_classified() {
        let result = reconcile(
            &[host(1, 100), host(2, 200), host(3, 300)],
            &[cleared(1, 100), cleared(3, 301), cleared(4, 400)],
        );
        assert_eq!(result.matched, 1);
        let kinds: Vec<(BreakKind, u32)> = result.breaks.iter().map(|b| (b.kind, b.stan)).collect();
        assert_eq!(kinds, [(BreakKind::HostOnly, 2), (BreakKind::AmountMismatch, 3), (BreakKind::NetworkOnly, 4)]);
    }

    #[test]
    fn the_clearing_file_parses_and_refuses_garbage() {
        let text = "date,stan,transmitted,kind,merchant,terminal,pan,amount,rrn,auth_code\n1122,000042,1122101010,sale,898310048990001,10000001,622202*********0128,9900,000000000001,007919\n";
        let items = parse_clearing(text).unwrap_or_default();
        assert_eq!(
            items,
            [ClearingItem {
                stan: 42,
                transmitted: "1122101010".into(),
                kind: "sale".into(),
                amount: 9900,
                rrn: "000000000001".into()
            }]
        );
        assert_eq!(parse_clearing("x,y\n").map_err(|e| e.line), Err(1));
        assert!(parse_clearing("1122,42,11221010,sale,m,t,p,1,r,a\n").is_err());
        assert!(parse_clearing("1122,42,1122101010,sale,m,t,p,-1,r,a\n").is_err());
    }
}
