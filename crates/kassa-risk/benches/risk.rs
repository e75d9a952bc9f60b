//! The risk step's cost with 50 rules: velocity features, facts, decision.
//! `cargo bench -p kassa-risk` prints p50/p99 over 20,000 decisions, then divan's figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use kassa_risk::velocity::VelocityEvent;
use kassa_risk::{Engine, Facts, Ruleset, STARTER, Scope, Velocity};

/// The starter ruleset padded to 50 rules with variants of its realistic ones.
fn fifty_rules() -> Engine {
    let mut ruleset = Ruleset::from_toml(STARTER).unwrap();
    let realtime: Vec<_> = ruleset.rules.iter().filter(|r| r.scope == kassa_risk::Scope::Realtime).cloned().collect();
    let mut n = 0;
    while ruleset.rules.len() < 50 {
        let mut rule = realtime[n % realtime.len()].clone();
        rule.id = format!("{}-variant-{n}", rule.id);
        rule.mode = kassa_risk::Mode::Monitor;
        ruleset.rules.push(rule);
        n += 1;
    }
    Engine::new(ruleset.compile().unwrap())
}

fn event(i: i64) -> VelocityEvent {
    VelocityEvent {
        at_ms: 1_795_000_000_000 + i * 250,
        day: 20_780,
        card: format!("card{}", i % 5_000),
        terminal: format!("t{}", i % 500),
        merchant: format!("m{}", i % 100),
        amount: 100 + (i * 37) % 500_000,
        credit: i % 3 == 0,
        kind: "sale".into(),
        code: if i % 17 == 0 { "51".into() } else { "00".into() },
    }
}

fn warm_velocity() -> Velocity {
    Velocity::rebuild((0..20_000).map(event))
}

fn step(engine: &Engine, velocity: &Velocity, i: i64) -> bool {
    let e = event(20_000 + i);
    let features = velocity.features(&e);
    let facts = Facts {
        amount: e.amount,
        credit: e.credit,
        card: e.card.clone(),
        terminal: e.terminal.clone(),
        merchant: e.merchant.clone(),
        mcc: "5411".into(),
        merchant_tier: "standard".into(),
        hour: 14,
        entry: "chip".into(),
        kind: e.kind.clone(),
        distance_km: -1,
        velocity: features,
        ..Facts::default()
    };
    engine.decide(&facts, Scope::Realtime).declined().is_some()
}

fn main() {
    let engine = fifty_rules();
    let velocity = warm_velocity();
    let mut times: Vec<u128> = (0..20_000)
        .map(|i| {
            let start = Instant::now();
            std::hint::black_box(step(&engine, &velocity, i));
            start.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize] as f64 / 1_000.0;
    println!(
        "risk step, 50 rules, 20,000 decisions: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    divan::main();
}

#[divan::bench]
fn decide_with_50_rules(bencher: divan::Bencher<'_, '_>) {
    let engine = fifty_rules();
    let velocity = warm_velocity();
    let mut i = 0;
    bencher.bench_local(|| {
        i += 1;
        step(&engine, &velocity, i)
    });
}
