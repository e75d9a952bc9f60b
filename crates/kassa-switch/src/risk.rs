//! The risk step: a trait, and a first implementation with per-merchant single
//! and daily limits and block lists of cards and terminals. The full rules
//! engine replaces it later behind the same trait.

use std::collections::HashSet;
use std::sync::RwLock;

use kassa_core::{Amount, ResponseCode, TerminalId, TxnKind};

/// The facts the risk step decides on.
#[derive(Clone, Debug)]
pub struct RiskFacts<'a> {
    pub kind: TxnKind,
    pub amount: Amount,
    pub terminal: &'a TerminalId,
    /// Keyed hash of the card number.
    pub card: &'a [u8; 32],
    pub single_limit: Amount,
    pub daily_limit: Amount,
    /// The merchant's approved (and in-flight) takings today, before this one.
    pub daily_total: Amount,
}

pub trait Risk: Send + Sync + std::fmt::Debug {
    /// `Ok` to go on to the network, or the decline.
    fn check(&self, facts: &RiskFacts<'_>) -> Result<(), ResponseCode>;
}

/// Limits from the merchant record, and block lists held in memory.
#[derive(Debug, Default)]
pub struct LimitsAndBlockLists {
    blocked_cards: RwLock<HashSet<[u8; 32]>>,
    blocked_terminals: RwLock<HashSet<TerminalId>>,
}

impl LimitsAndBlockLists {
    pub fn block_card(&self, fingerprint: [u8; 32]) {
        self.blocked_cards.write().unwrap_or_else(|e| e.into_inner()).insert(fingerprint);
    }

    pub fn block_terminal(&self, terminal: TerminalId) {
        self.blocked_terminals.write().unwrap_or_else(|e| e.into_inner()).insert(terminal);
    }
}

impl Risk for LimitsAndBlockLists {
    /// Checks in order: terminal blocked (58), card blocked (59), single limit
    /// (61), daily limit (61). Only money-taking kinds count against limits.
    fn check(&self, facts: &RiskFacts<'_>) -> Result<(), ResponseCode> {
        if self.blocked_terminals.read().unwrap_or_else(|e| e.into_inner()).contains(facts.terminal) {
            return Err(ResponseCode::NotPermittedToTerminal);
        }
        if self.blocked_cards.read().unwrap_or_else(|e| e.into_inner()).contains(facts.card) {
            return Err(ResponseCode::SuspectedFraud);
        }
        let limited = matches!(facts.kind, TxnKind::Sale | TxnKind::PreAuth | TxnKind::Completion);
        if limited && facts.amount > facts.single_limit {
            return Err(ResponseCode::OverAmountLimit);
        }
        let after = facts.daily_total.checked_add(facts.amount).unwrap_or(Amount(u64::MAX));
        if limited && facts.kind != TxnKind::PreAuth && after > facts.daily_limit {
            return Err(ResponseCode::OverAmountLimit);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_lists_decline_in_order() {
        let risk = LimitsAndBlockLists::default();
        let terminal = TerminalId::parse("10000001").unwrap_or_else(|| unreachable!());
        let facts = |amount: u64, daily_total: u64| RiskFacts {
            kind: TxnKind::Sale,
            amount: Amount(amount),
            terminal: &terminal,
            card: &[1; 32],
            single_limit: Amount(1_000),
            daily_limit: Amount(5_000),
            daily_total: Amount(daily_total),
        };
        assert_eq!(risk.check(&facts(1_000, 4_000)), Ok(()));
        assert_eq!(risk.check(&facts(1_001, 0)), Err(ResponseCode::OverAmountLimit));
        assert_eq!(risk.check(&facts(1_000, 4_001)), Err(ResponseCode::OverAmountLimit));
        risk.block_card([1; 32]);
        assert_eq!(risk.check(&facts(1, 0)), Err(ResponseCode::SuspectedFraud));
        risk.block_terminal(terminal.clone());
        assert_eq!(risk.check(&facts(1, 0)), Err(ResponseCode::NotPermittedToTerminal));
    }
}
