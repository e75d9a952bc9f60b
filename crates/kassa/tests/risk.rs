//! The rules engine in the authorization path, over real TCP: the starter
//! ruleset declines one card running across terminals and a burst of declines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use common::*;
use kassa_terminal::Entry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_starter_rules_decline_a_card_on_many_terminals_and_a_decline_burst() {
    let w = world(Options { ruleset: Some(kassa_risk::STARTER.to_string()), ..Options::default() }).await;
    let mut terminals: Vec<_> = (0..3).map(|i| w.terminal(i)).collect();
    for t in &mut terminals {
        t.sign_in().await.unwrap();
    }
    // One card on three terminals within 30 minutes: the third is declined (59).
    assert_eq!(sale(&mut terminals[0], &debit(), 1_000).await.code.as_str(), "00");
    assert_eq!(sale(&mut terminals[1], &debit(), 1_000).await.code.as_str(), "00");
    assert_eq!(sale(&mut terminals[2], &debit(), 1_000).await.code.as_str(), "59");
    // Five declines for want of funds at one terminal: the next transaction there, with any card, is declined.
    let poor = card(POOR, Some("111111"), Entry::Swipe);
    for _ in 0..5 {
        assert_eq!(sale(&mut terminals[2], &poor, 5_000).await.code.as_str(), "51");
    }
    assert_eq!(sale(&mut terminals[2], &credit(), 100).await.code.as_str(), "59");
    // The other terminals serve on.
    assert_eq!(sale(&mut terminals[0], &credit(), 100).await.code.as_str(), "00");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host, "a risk decline never reaches the network");
}
