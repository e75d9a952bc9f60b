//! Each starter rule fires on its pattern and stays quiet just below it.

use crate::velocity::Features;
use crate::{Action, Engine, Facts, Mode, Outcome, Ruleset, STARTER, Scope};

fn engine() -> Engine {
    let ruleset = Ruleset::from_toml(STARTER).unwrap_or_else(|e| panic!("{e}"));
    Engine::new(ruleset.compile().unwrap_or_else(|e| panic!("{e}")))
}

/// A quiet daytime debit sale of ¥88.00 at a standard merchant.
fn quiet() -> Facts {
    Facts {
        amount: 8_800,
        credit: false,
        card: "c1".into(),
        terminal: "t1".into(),
        merchant: "m1".into(),
        mcc: "5411".into(),
        merchant_tier: "standard".into(),
        hour: 14,
        entry: "chip".into(),
        kind: "sale".into(),
        distance_km: -1,
        velocity: Features {
            card_terminals_30m: 1,
            terminal_cards_1h: 1,
            card_terminal_count_1h: 1,
            card_terminal_sum_1h: 8_800,
            ..Features::default()
        },
        ..Facts::default()
    }
}

fn hits(engine: &Engine, facts: &Facts, scope: Scope) -> Vec<String> {
    let decision = engine.decide(facts, scope);
    assert!(decision.errors.is_empty(), "{:?}", decision.errors);
    decision.hits.into_iter().map(|h| h.rule).collect()
}

/// `rule` fires on `fire` and not on `below`.
fn check(rule: &str, scope: Scope, fire: impl Fn(&mut Facts), below: impl Fn(&mut Facts)) {
    let engine = engine();
    let mut firing = quiet();
    fire(&mut firing);
    assert!(hits(&engine, &firing, scope).contains(&rule.to_string()), "{rule} should fire on {firing:?}");
    let mut quiet_one = quiet();
    below(&mut quiet_one);
    assert!(!hits(&engine, &quiet_one, scope).contains(&rule.to_string()), "{rule} should stay quiet on {quiet_one:?}");
}

#[test]
fn a_quiet_sale_is_approved_by_the_whole_ruleset() {
    let engine = engine();
    let decision = engine.decide(&quiet(), Scope::Realtime);
    assert_eq!((decision.outcome, decision.hits.len(), decision.ruleset_version), (Outcome::Approve, 0, 1));
    assert!(decision.errors.is_empty(), "{:?}", decision.errors);
}

/// A transfer of ¥1,000 paid by a card that has paid nothing else today, to
/// a beneficiary nobody else paid.
fn transfer(f: &mut Facts) {
    f.kind = "transfer".into();
    f.amount = 100_000;
    f.service = crate::ServiceFacts {
        payer_count_24h: 1,
        payer_sum_24h: 100_000,
        beneficiary_count_24h: 1,
        beneficiary_sum_24h: 100_000,
        beneficiary_payers_24h: 1,
    };
}

#[test]
fn the_service_rules_watch_payers_beneficiaries_and_nights() {
    let engine = engine();
    let mut quiet_transfer = quiet();
    transfer(&mut quiet_transfer);
    assert_eq!(engine.decide(&quiet_transfer, Scope::Realtime).outcome, Outcome::Approve);
    let with = |change: fn(&mut Facts)| {
        move |f: &mut Facts| {
            transfer(f);
            change(f)
        }
    };
    check(
        "service-payer-velocity",
        Scope::Realtime,
        with(|f| f.service.payer_count_24h = 6),
        with(|f| f.service.payer_count_24h = 5),
    );
    check(
        "service-beneficiary-velocity",
        Scope::Realtime,
        with(|f| f.service.beneficiary_sum_24h = 10_000_001),
        with(|f| f.service.beneficiary_sum_24h = 10_000_000),
    );
    check(
        "service-beneficiary-velocity",
        Scope::Realtime,
        with(|f| f.service.beneficiary_count_24h = 11),
        with(|f| f.service.beneficiary_count_24h = 10),
    );
    check(
        "many-payers-one-beneficiary",
        Scope::Realtime,
        with(|f| f.service.beneficiary_payers_24h = 3),
        with(|f| f.service.beneficiary_payers_24h = 2),
    );
    check(
        "night-round-transfer",
        Scope::Realtime,
        with(|f| {
            f.amount = 500_000;
            f.hour = 2
        }),
        with(|f| {
            f.amount = 500_000;
            f.hour = 9
        }),
    );
    // Sales never see the service rules, whatever the numbers say.
    let mut sale = quiet();
    sale.service.beneficiary_payers_24h = 9;
    assert_eq!(engine.decide(&sale, Scope::Realtime).outcome, Outcome::Approve);
}

#[test]
fn every_starter_rule_fires_on_its_pattern_and_not_below() {
    check("block-lists", Scope::Realtime, |f| f.terminal_blocked = true, |_| {});
    check("single-limit", Scope::Realtime, |f| f.amount = 5_000_001, |f| f.amount = 5_000_000);
    check(
        "single-limit",
        Scope::Realtime,
        |f| {
            f.mcc = "7995".into();
            f.amount = 500_001
        },
        |f| {
            f.mcc = "7995".into();
            f.amount = 500_000
        },
    );
    check(
        "single-limit",
        Scope::Realtime,
        |f| {
            f.merchant_tier = "small".into();
            f.amount = 2_000_001
        },
        |f| {
            f.merchant_tier = "small".into();
            f.amount = 2_000_000
        },
    );
    check(
        "daily-limit",
        Scope::Realtime,
        |f| f.merchant_day_total = 20_000_000 - 8_799,
        |f| f.merchant_day_total = 20_000_000 - 8_800,
    );
    check(
        "monthly-limit",
        Scope::Realtime,
        |f| f.merchant_month_total = 300_000_000 - 8_799,
        |f| f.merchant_month_total = 300_000_000 - 8_800,
    );
    let night_round = |f: &mut Facts| {
        f.credit = true;
        f.amount = 200_000;
        f.hour = 23
    };
    check("night-round-credit", Scope::Realtime, night_round, |f| {
        night_round(f);
        f.hour = 21
    });
    check(
        "night-round-credit",
        Scope::Realtime,
        |f| {
            night_round(f);
            f.hour = 5
        },
        |f| {
            night_round(f);
            f.amount = 200_050
        },
    );
    let cycling = |f: &mut Facts| {
        f.credit = true;
        f.amount = 100_000;
        f.velocity.terminal_cards_1h = 5;
        f.velocity.terminal_credit_round_1h = 2
    };
    check("card-cycling", Scope::Realtime, cycling, |f| {
        cycling(f);
        f.velocity.terminal_cards_1h = 4
    });
    check(
        "same-amount-cards",
        Scope::Realtime,
        |f| {
            f.amount = 50_000;
            f.velocity.same_amount_cards_1h = 3
        },
        |f| {
            f.amount = 50_000;
            f.velocity.same_amount_cards_1h = 2
        },
    );
    let split = |f: &mut Facts| {
        f.amount = 4_900_000;
        f.velocity.card_terminal_count_1h = 3;
        f.velocity.card_terminal_sum_1h = 9_800_000
    };
    check("split-sales", Scope::Realtime, split, |f| {
        split(f);
        f.velocity.card_terminal_count_1h = 2
    });
    check("far-mobile-reader", Scope::Realtime, |f| f.distance_km = 51, |f| f.distance_km = 50);
    check(
        "far-mobile-reader",
        Scope::Realtime,
        |f| {
            f.distance_km = 3;
            f.other_city = true
        },
        |f| f.distance_km = 3,
    );
    let spike = |f: &mut Facts| {
        f.terminal_idle_days = 30;
        f.velocity.terminal_count_1h = 4
    };
    check("idle-terminal-spike", Scope::Realtime, spike, |f| {
        spike(f);
        f.terminal_idle_days = 29
    });
    // Refunds of earlier takings: ¥2,000 beyond the day's sales is reviewed.
    let refund = |f: &mut Facts| {
        f.kind = "refund".into();
        f.amount = 200_001;
        f.velocity.merchant_refunds_day = 10_000;
        f.velocity.merchant_sales_day = 10_000
    };
    check("refund-ratio", Scope::Realtime, refund, |f| {
        refund(f);
        f.amount = 200_000
    });
    check(
        "night-refund",
        Scope::Realtime,
        |f| {
            f.kind = "refund".into();
            f.amount = 1;
            f.velocity.merchant_sales_day = 100;
            f.hour = 23
        },
        |f| {
            f.kind = "refund".into();
            f.amount = 1;
            f.velocity.merchant_sales_day = 100;
            f.hour = 22
        },
    );
    check(
        "card-many-terminals",
        Scope::Realtime,
        |f| f.velocity.card_terminals_30m = 3,
        |f| f.velocity.card_terminals_30m = 2,
    );
    check(
        "decline-burst",
        Scope::Realtime,
        |f| f.velocity.terminal_declined_cards_10m = 5,
        |f| {
            // One customer's many wrong PINs and a few declined cards: a shop's hour.
            f.velocity.terminal_declines_10m = 9;
            f.velocity.terminal_declined_cards_10m = 4
        },
    );
    check("merchant-profile-churn", Scope::Realtime, |f| f.merchant_changes_30d = 3, |f| f.merchant_changes_30d = 2);
    let heavy = |f: &mut Facts| {
        f.velocity.merchant_count_day = 10;
        f.velocity.merchant_sales_day = 3_100_000;
        f.velocity.merchant_credit_day = 2_500_000
    };
    check("credit-heavy-day", Scope::MerchantDay, heavy, |f| {
        heavy(f);
        f.velocity.merchant_credit_day = 2_480_000
    });
}

#[test]
fn the_strongest_enforced_action_wins_and_monitor_mode_enforces_nothing() {
    let engine = engine();
    let mut f = quiet();
    f.velocity.terminal_declined_cards_10m = 9;
    f.terminal_blocked = true;
    let d = engine.decide(&f, Scope::Realtime);
    assert_eq!(d.outcome, Outcome::Decline { code: "59".into() }, "decline outranks freezing");
    assert_eq!(d.score, 180);
    let mut f = quiet();
    f.amount = 50_000;
    f.velocity.same_amount_cards_1h = 5;
    let d = engine.decide(&f, Scope::Realtime);
    assert_eq!(d.outcome, Outcome::Approve, "same-amount-cards is in monitor mode");
    assert_eq!(d.hits.len(), 1);
    assert!(!d.hits[0].enforced && d.score == 0);
    let mut f = quiet();
    f.velocity.terminal_declined_cards_10m = 5;
    assert_eq!(engine.decide(&f, Scope::Realtime).outcome, Outcome::FreezeTerminal { code: "59".into() });
}

#[test]
fn reload_swaps_a_whole_version() {
    let engine = engine();
    let mut next = Ruleset::from_toml(STARTER).unwrap_or_else(|e| panic!("{e}"));
    next.version = 2;
    for rule in &mut next.rules {
        if rule.id == "same-amount-cards" {
            rule.mode = Mode::Enforce;
            rule.version = 2;
        }
    }
    assert_eq!(engine.swap(next.compile().unwrap_or_else(|e| panic!("{e}"))), 1);
    let mut f = quiet();
    f.amount = 50_000;
    f.velocity.same_amount_cards_1h = 5;
    let d = engine.decide(&f, Scope::Realtime);
    assert_eq!((d.outcome, d.ruleset_version, d.hits[0].action), (Outcome::Review, 2, Action::Review));
}

#[test]
fn bad_rules_are_refused_before_they_run() {
    let bad_condition = STARTER.replace("card_blocked || terminal_blocked || merchant_blocked", "card_blocked ||");
    assert!(Ruleset::from_toml(&bad_condition).and_then(|r| r.compile()).is_err());
    let duplicate = format!(
        "{STARTER}\n[[rule]]\nid = \"block-lists\"\nversion = 1\ndescription = \"x\"\ncondition = \"true\"\naction = \"review\"\nscore = 1\nmode = \"monitor\"\n"
    );
    let err = Ruleset::from_toml(&duplicate).and_then(|r| r.compile()).err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("rule block-lists: ids must be present and unique"));
    assert!(Ruleset::from_toml("version = 1\n[[rule]]\nid = 3").is_err());
}

#[test]
fn hot_reload_under_load_never_mixes_versions() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    // Version 2 adds a rule that hits every sale; version 1 does not have it.
    let v1 = Ruleset::from_toml(STARTER).unwrap_or_else(|e| panic!("{e}"));
    let v2_text = format!(
        "{}\n[[rule]]\nid = \"v2-only\"\nversion = 1\ndescription = \"x\"\ncondition = \"kind == 'sale'\"\naction = \"review\"\nscore = 1\nmode = \"enforce\"\n",
        STARTER.replacen("version = 1", "version = 2", 1)
    );
    let v2 = Ruleset::from_toml(&v2_text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v2.version, 2);
    let engine = Arc::new(Engine::new(v1.compile().unwrap_or_else(|e| panic!("{e}"))));
    let stop = Arc::new(AtomicBool::new(false));
    let deciders: Vec<_> = (0..3)
        .map(|_| {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = [0u32; 3];
                while !stop.load(Ordering::Relaxed) {
                    let d = engine.decide(&quiet(), Scope::Realtime);
                    let has_v2_rule = d.hits.iter().any(|h| h.rule == "v2-only");
                    assert_eq!(has_v2_rule, d.ruleset_version == 2, "a decision on a mixed ruleset: {d:?}");
                    assert!(d.errors.is_empty());
                    seen[d.ruleset_version as usize] += 1;
                }
                seen
            })
        })
        .collect();
    for i in 0..200 {
        let next = if i % 2 == 0 { &v2 } else { &v1 };
        engine.swap(next.compile().unwrap_or_else(|e| panic!("{e}")));
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = [0u32; 3];
    for d in deciders {
        let seen = d.join().unwrap_or_else(|_| panic!("a decider panicked"));
        for v in 0..3 {
            total[v] += seen[v];
        }
    }
    assert_eq!(total[0], 0);
    assert!(total[1] + total[2] > 0, "decisions were made during the reloads");
}

#[test]
fn every_admission_rule_fires_on_its_pattern_and_not_below() {
    use crate::facts::Applicant;
    let engine = engine();
    let hits = |a: &Applicant| -> Vec<String> {
        engine.decide_in(&a.context(), Scope::Admission).hits.into_iter().map(|h| h.rule).collect()
    };
    assert!(hits(&Applicant::default()).is_empty());
    let cases: [(&str, Applicant); 4] = [
        ("duplicate-identity", Applicant { same_identity: 1, ..Applicant::default() }),
        ("duplicate-phone", Applicant { same_phone: 1, ..Applicant::default() }),
        ("block-list", Applicant { blocked: vec!["card".into()], ..Applicant::default() }),
        ("high-risk-category", Applicant { high_risk_mcc: true, mcc: "7995".into(), ..Applicant::default() }),
    ];
    for (rule, applicant) in cases {
        assert_eq!(hits(&applicant), [rule], "{applicant:?}");
    }
    // Transaction rules never run on an application, nor admission rules on a sale.
    assert!(engine.decide(&quiet(), Scope::Admission).hits.is_empty());
}
