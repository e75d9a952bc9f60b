//! The rules engine in the authorization path, over real TCP: the starter
//! ruleset declines one card running across terminals and a burst of declines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use common::*;
use kassa_store::Store;
use kassa_terminal::Entry;

/// A world running `ruleset` at daytime (the starter's night rules stay quiet).
async fn starter_world(ruleset: String) -> World {
    world(Options { clock: Some(std::sync::Arc::new(daytime())), ruleset: Some(ruleset), ..Options::default() }).await
}

/// The back office over the world's store, as `kassa serve` builds it.
/// Settles today's business date with the standard fees; that day's merchant reports.
async fn settle_today(w: &World) -> Vec<kassa_store::reports::MerchantDayReport> {
    use kassa_core::time::Clock;
    let clock = daytime();
    let date = clock.local().yyyymmdd();
    let fees = kassa_settlement::FeeSchedule::standard();
    kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    w.host.store.merchant_day_report(date, None).await.unwrap()
}

fn office(w: &World) -> std::sync::Arc<kassa_api::Office> {
    kassa::api::office(
        w.host.store.clone(),
        w.hsm.clone(),
        std::sync::Arc::new(daytime()),
        std::sync::Arc::new(kassa_api::office::SimulatedBankDirectory::default()),
        kassa_api::Policies::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_starter_rules_decline_a_card_on_many_terminals_and_a_decline_burst() {
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut terminals: Vec<_> = (0..3).map(|i| w.terminal(i)).collect();
    for t in &mut terminals {
        t.sign_in().await.unwrap();
    }
    // One card on three terminals within 30 minutes: the third is declined (59) —
    // also by a host started afterwards, which rebuilds its windows from the store.
    assert_eq!(sale(&mut terminals[0], &debit(), 1_000).await.code.as_str(), "00");
    assert_eq!(sale(&mut terminals[1], &debit(), 1_000).await.code.as_str(), "00");
    let clock: std::sync::Arc<dyn kassa_core::time::Clock> = std::sync::Arc::new(daytime());
    let restarted =
        kassa::world::start_host(&w.settings, w.host.store.clone(), w.hsm.clone(), &w.zone, clock, w.shutdown.clone())
            .await
            .unwrap();
    let mut fresh = w.terminal_at(2, restarted.address);
    fresh.sign_in().await.unwrap();
    assert_eq!(sale(&mut fresh, &debit(), 1_000).await.code.as_str(), "59");
    // Back to the first host: the terminal signs in again (the other host gave it new keys).
    terminals[2].sign_in().await.unwrap();
    // Five different cards declined at one terminal within minutes (card
    // testing): the next transaction there, with any card, is declined.
    let tried = [
        (card(POOR, Some("111111"), Entry::Swipe), "51"),
        (card(EXPIRED, Some("222222"), Entry::Swipe), "54"),
        (card(LOST, Some("333333"), Entry::Swipe), "41"),
        (card(STOLEN, Some("444444"), Entry::Swipe), "43"),
        (card(UNKNOWN, Some("123456"), Entry::Swipe), "14"),
    ];
    for (tried, code) in &tried {
        assert_eq!(sale(&mut terminals[2], tried, 5_000).await.code.as_str(), *code);
    }
    assert_eq!(sale(&mut terminals[2], &credit(), 100).await.code.as_str(), "59");
    // Frozen: refused as a blocked terminal from then on, and the merchant is told why.
    assert_eq!(sale(&mut terminals[2], &credit(), 100).await.code.as_str(), "58");
    let merchant = kassa_api::Actor::Merchant { user: 1, merchant: kassa_core::MerchantId::parse(MID) };
    let mine = office(&w).my_terminals(merchant).await.unwrap();
    let frozen: Vec<_> = mine.iter().filter(|t| t.frozen).map(|t| t.terminal_id.clone()).collect();
    assert_eq!(frozen, [w.terminals[2].0.to_string()], "{mine:?}");
    assert!(mine[2].frozen_help.as_deref().is_some_and(|h| h.contains("58") && h.contains("support")));
    // The other terminals serve on.
    assert_eq!(sale(&mut terminals[0], &credit(), 100).await.code.as_str(), "00");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host, "a risk decline never reaches the network");

    // Each decision with hits is kept with its transaction, for the risk role only.
    let office = office(&w);
    let ids: Vec<i64> = w
        .host
        .store
        .office_read(|sql| sql.query("SELECT txn_id FROM risk_decisions ORDER BY txn_id", &[]))
        .await
        .unwrap()
        .iter()
        .map(|r| r.int(0).unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "the card on a third terminal, and the burst: {ids:?}");
    let frozen_by = office.risk_decision(
        kassa_api::Actor::Staff { id: 1, username: "rita".into(), role: kassa_merchant::StaffRole::Risk },
        ids[1],
    );
    assert_eq!(frozen_by.await.unwrap().hits[0]["rule"], "decline-burst");
    let risk = kassa_api::Actor::Staff { id: 1, username: "rita".into(), role: kassa_merchant::StaffRole::Risk };
    let first = office.risk_decision(risk, ids[0]).await.unwrap();
    assert_eq!((first.outcome.as_str(), first.ruleset_version), ("decline 59", 1));
    assert_eq!(first.hits[0]["rule"], "card-many-terminals");
    let support = kassa_api::Actor::Staff { id: 2, username: "sue".into(), role: kassa_merchant::StaffRole::Support };
    assert_eq!(office.risk_decision(support, ids[0]).await.err().map(|e| e.status.as_u16()), Some(403));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_sale_is_approved_and_its_takings_settle_into_frozen_funds() {
    let hold = "\n[[rule]]\nid = \"hold-7777\"\nversion = 1\ndescription = \"test\"\ncondition = \"amount == 7777\"\naction = \"hold_settlement\"\nscore = 10\nmode = \"enforce\"\n";
    let w = starter_world(format!("{}{hold}", kassa_risk::STARTER)).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 7_777).await.code.as_str(), "00", "a hold lets the sale through");
    assert_eq!(sale(&mut t, &debit(), 1_000).await.code.as_str(), "00");
    let report = settle_today(&w).await;
    let settled = report[0].settled.clone().unwrap();
    assert_eq!(settled.held, 7_777, "{report:?}");
    let audit = w.host.store.ledger_audit().await.unwrap();
    assert!(audit.check().is_ok(), "{audit:?}");
    let merchant = kassa_core::MerchantId::parse(MID).unwrap();
    let frozen = w.host.store.office_read(move |sql| kassa_store::office::wallet(sql, &merchant)).await.unwrap();
    assert_eq!(frozen.frozen, 7_777);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_cycling_with_round_credit_amounts_holds_the_settlement() {
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let rich = card("6222021234500000058", Some("888888"), Entry::Swipe);
    let visa = card(VISA, Some("1234"), Entry::Swipe);
    // Five distinct cards at one terminal within the hour; the third round credit amount is held.
    for (card, amount) in [
        (debit(), 1_000),
        (rich, 1_000),
        (card(POOR, Some("111111"), Entry::Swipe), 500),
        (credit(), 100_000),
        (visa, 100_000),
    ] {
        assert_eq!(sale(&mut t, &card, amount).await.code.as_str(), "00");
    }
    assert_eq!(sale(&mut t, &credit(), 100_000).await.code.as_str(), "00", "held, not declined");
    let report = settle_today(&w).await;
    assert_eq!(report[0].settled.clone().unwrap().held, 100_000, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ruleset_takes_effect_without_a_restart() {
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 4_242).await.code.as_str(), "00");
    let engine = w.host.rules.clone().unwrap();
    assert!(
        kassa::world::reload_ruleset(&engine, "version = 9\n[[rule]]\nid = 3").is_err(),
        "a bad ruleset changes nothing"
    );
    let v2 = format!(
        "{}\n[[rule]]\nid = \"no-4242\"\nversion = 1\ndescription = \"x\"\ncondition = \"amount == 4242\"\naction = \"decline\"\ncode = \"59\"\nscore = 1\nmode = \"enforce\"\n",
        kassa_risk::STARTER.replacen("version = 1", "version = 2", 1)
    );
    assert_eq!(kassa::world::reload_ruleset(&engine, &v2), Ok((1, 2)));
    assert_eq!(sale(&mut t, &debit(), 4_242).await.code.as_str(), "59");
    assert_eq!(sale(&mut t, &debit(), 4_243).await.code.as_str(), "00");
}

/// The end-to-end case: a cash-out pattern (card cycling with round credit
/// amounts) is held and opens a case; one analyst proposes, another approves
/// holding the merchant's settlement and freezing the terminal; the day
/// settles into frozen funds; a card override lets the card through; the
/// evidence exports with hashes; the release moves the funds to available.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cash_out_pattern_opens_a_case_actioned_with_four_eyes() {
    use kassa_api::cases::StepInput;
    use kassa_merchant::StaffRole;
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let rich = card("6222021234500000058", Some("888888"), Entry::Swipe);
    let visa = card(VISA, Some("1234"), Entry::Swipe);
    for (card, amount) in [
        (debit(), 1_000),
        (rich, 1_000),
        (card(POOR, Some("111111"), Entry::Swipe), 500),
        (credit(), 100_000),
        (visa, 100_000),
        (credit(), 100_000),
    ] {
        assert_eq!(sale(&mut t, &card, amount).await.code.as_str(), "00");
    }
    let office = office(&w);
    let staff = |name: &str| kassa_api::Actor::Staff { id: 1, username: name.into(), role: StaffRole::Risk };
    let (ana, bo) = (staff("ana"), staff("bo"));
    let step = |step: &str, text: Option<&str>| StepInput {
        step: step.into(),
        text: text.map(str::to_string),
        ..StepInput::default()
    };
    let status = |e: kassa_api::ApiError| e.status.as_u16();

    // The hold opened a high-priority case with the transaction as evidence.
    let queue = office.cases(ana.clone(), None, false).await.unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    let case = &queue[0];
    assert_eq!((case.state.as_str(), case.priority.as_str(), case.merchant_id.as_str()), ("open", "high", MID));
    assert!(case.title.contains("hold_settlement"), "{}", case.title);
    assert_eq!(case.terminal_id.as_deref(), Some(w.terminals[0].0.as_str()));
    let id = case.id;
    let detail = office.case(ana.clone(), id).await.unwrap();
    assert_eq!(detail.transactions.len(), 1);
    assert_eq!(detail.decisions[0].outcome, "hold_settlement");
    let held_txn = detail.transactions[0].id;
    assert!(detail.transactions[0].card.as_deref().is_some_and(|c| c.contains("****")), "masked");

    // One analyst at a time.
    office.case_step(ana.clone(), id, step("claim", None)).await.unwrap();
    assert_eq!(office.case_step(bo.clone(), id, step("note", Some("mine"))).await.err().map(status), Some(409));
    office.case_step(ana.clone(), id, step("note", Some("six cards in minutes, round credit amounts"))).await.unwrap();

    // Four eyes: ana proposes holding the settlement; ana may not approve it, bo does.
    let propose = |action: &str| StepInput {
        step: "propose".into(),
        action: Some(action.into()),
        text: Some("cash-out pattern".into()),
        ..StepInput::default()
    };
    let pending = office.case_step(ana.clone(), id, propose("hold_settlement")).await.unwrap();
    assert_eq!(pending.state, "action_pending");
    assert_eq!(office.case_step(ana.clone(), id, step("approve", None)).await.err().map(status), Some(403));
    let actioned = office.case_step(bo.clone(), id, step("approve", None)).await.unwrap();
    assert_eq!(actioned.state, "actioned");

    // A card override from the case lets that card through the rules.
    let made = office
        .create_override(ana.clone(), id, "card".into(), Some(held_txn), 7, "the cardholder confirmed".into())
        .await
        .unwrap();
    assert!(made.active && made.label.contains("****"), "{made:?}");
    assert_eq!(sale(&mut t, &credit(), 100_000).await.code.as_str(), "00");
    let overridden = office.risk_decisions(ana.clone(), 1).await.unwrap();
    assert!(overridden[0].outcome.contains("allowed by override"), "{overridden:?}");

    // Freezing the terminal, approved by the second operator: the host refuses it (58).
    office.case_step(ana.clone(), id, propose("freeze_terminal")).await.unwrap();
    office.case_step(bo.clone(), id, step("approve", None)).await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 1_000).await.code.as_str(), "58");

    // The day settles with the whole net held.
    let report = settle_today(&w).await;
    let settled = report[0].settled.clone().unwrap();
    assert_eq!((settled.net, settled.held), (0, report[0].approved_amount - settled.fees), "{report:?}");
    let profile = office.risk_profile(ana.clone(), MID.into()).await.unwrap();
    assert!(profile.settlement_held);
    assert_eq!(profile.frozen_funds, settled.held as i64);
    assert_eq!(profile.terminals[0].status, "blocked");

    // The evidence bundle: every section hashed, and the bundle over them.
    let bundle = office.evidence(ana.clone(), id).await.unwrap();
    let names: Vec<&str> = bundle.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["case", "history", "notes", "transactions", "decisions", "overrides", "location_trail"]);
    for section in &bundle.sections {
        use sha2::Digest;
        let hash: String =
            sha2::Sha256::digest(section.content.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, section.sha256, "{}", section.name);
    }
    assert_eq!(bundle.bundle_sha256.len(), 64);

    // Releasing the settlement moves the frozen funds to available, and tells the merchant.
    office.case_step(ana.clone(), id, propose("release_settlement")).await.unwrap();
    office.case_step(bo.clone(), id, step("approve", None)).await.unwrap();
    let profile = office.risk_profile(bo.clone(), MID.into()).await.unwrap();
    assert!(!profile.settlement_held);
    assert_eq!((profile.frozen_funds, profile.available_funds), (0, settled.held as i64));
    let audit = w.host.store.ledger_audit().await.unwrap();
    assert!(audit.check().is_ok(), "{audit:?}");

    // Closed as confirmed, reopened, and every step is in its history.
    let close = StepInput { step: "close".into(), resolution: Some("confirmed".into()), ..StepInput::default() };
    let closed = office.case_step(ana.clone(), id, close).await.unwrap();
    assert_eq!((closed.state.as_str(), closed.resolution.as_deref()), ("closed", Some("confirmed")));
    assert!(office.cases(ana.clone(), None, false).await.unwrap().is_empty(), "the queue holds open cases");
    office.case_step(bo.clone(), id, step("reopen", Some("new evidence"))).await.unwrap();
    let kinds: Vec<String> = office.case(bo.clone(), id).await.unwrap().events.into_iter().map(|e| e.kind).collect();
    for kind in ["opened", "txn", "claimed", "note", "proposed", "approved", "override", "closed", "reopened"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    let audit_log = office
        .audit_log(kassa_api::Actor::Staff { id: 9, username: "root".into(), role: StaffRole::Admin }, 100)
        .await
        .unwrap();
    assert!(audit_log.iter().any(|e| e.action == "case_approved" && e.actor == "staff:bo"));

    // Risk data is staff's: a merchant, or a support agent, sees none of it.
    let merchant = kassa_api::Actor::Merchant { user: 1, merchant: kassa_core::MerchantId::parse(MID) };
    assert_eq!(office.case(merchant.clone(), id).await.err().map(status), Some(403));
    assert_eq!(office.risk_profile(merchant, MID.into()).await.err().map(status), Some(403));
    let support = kassa_api::Actor::Staff { id: 3, username: "sue".into(), role: StaffRole::Support };
    assert_eq!(office.cases(support, None, false).await.err().map(status), Some(403));
}

/// The daily monitoring job: a credit-heavy day with a high average ticket is
/// held before it settles, and opens one case however often the job runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitoring_job_holds_a_credit_heavy_day_before_it_settles() {
    use kassa_core::time::Clock;
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &credit(), 450_001).await.code.as_str(), "00");
    assert_eq!(sale(&mut t, &card(VISA, Some("1234"), Entry::Swipe), 450_003).await.code.as_str(), "00");
    let clock = daytime();
    let date = clock.local().yyyymmdd();
    // A low-priority case is already open for the merchant: the monitoring
    // job's hold makes it high, and brings its SLA forward to match.
    let opened_at = clock.now_ms();
    let low = w
        .host
        .store
        .office_write(move |sql| {
            let new = kassa_store::cases::NewCase {
                merchant: MID,
                terminal: None,
                title: "reviewed earlier",
                priority: "low",
                due_at: opened_at + 72 * 3_600_000,
                actor: "rita",
            };
            kassa_store::cases::open_case(sql, &new, opened_at)
        })
        .await
        .unwrap();
    let monitor = w.host.monitor.clone().unwrap();
    let first = kassa::monitor::run(&w.host.store, &monitor, &date, clock.now_ms()).await.unwrap();
    let escalated = w
        .host
        .store
        .office_read(move |sql| {
            sql.query(
                "SELECT priority, due_at - opened_at FROM risk_cases WHERE id = ?1",
                kassa_store::sql_params![low],
            )
        })
        .await
        .unwrap();
    assert_eq!(escalated.len(), 1);
    assert_eq!((escalated[0].text(0).unwrap(), escalated[0].int(1).unwrap()), ("high".to_string(), 4 * 3_600_000));
    assert_eq!(
        first.hits,
        vec![(MID.to_string(), "hold_settlement".to_string(), vec!["credit-heavy-day".to_string()])]
    );
    assert_eq!(first.held, 1);
    let again = kassa::monitor::run(&w.host.store, &monitor, &date, clock.now_ms()).await.unwrap();
    assert_eq!(again.held, 0, "once per merchant and day");
    let cases = w
        .host
        .store
        .office_read(|sql| sql.query("SELECT c.id, e.detail FROM risk_cases c JOIN risk_case_events e ON e.case_id = c.id WHERE e.kind = 'monitor'", &[]))
        .await
        .unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let report = settle_today(&w).await;
    assert_eq!(report[0].settled.clone().unwrap().held, 900_004, "{report:?}");
}

/// A ruleset version drafted, previewed against the recorded transactions,
/// approved by a second analyst and activated in the store: the host swaps
/// to it without a restart; rolling back is activating the retired version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_drafted_approved_and_activated_in_the_store_runs_on_the_host() {
    use kassa_merchant::StaffRole;
    use kassa_risk::lifecycle::RulesetStep;
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 4_242).await.code.as_str(), "00");
    assert_eq!(sale(&mut t, &debit(), 1_000).await.code.as_str(), "00");
    let office = office(&w);
    let staff = |name: &str| kassa_api::Actor::Staff { id: 1, username: name.into(), role: StaffRole::Risk };
    let (ana, bo) = (staff("ana"), staff("bo"));
    let starter_v2 = kassa_risk::STARTER.replacen("version = 1", "version = 2", 1);
    office.draft_ruleset(ana.clone(), starter_v2, "the starter, as shipped".into()).await.unwrap();
    office.ruleset_step(bo.clone(), 2, RulesetStep::Approve).await.unwrap();
    office.ruleset_step(ana.clone(), 2, RulesetStep::Activate).await.unwrap();
    let v3 = format!(
        "{}\n[[rule]]\nid = \"no-4242\"\nversion = 1\ndescription = \"x\"\ncondition = \"amount == 4242\"\naction = \"decline\"\ncode = \"59\"\nscore = 1\nmode = \"enforce\"\n",
        kassa_risk::STARTER.replacen("version = 1", "version = 3", 1)
    );
    let taken = office.draft_ruleset(ana.clone(), v3.replacen("version = 3", "version = 2", 1), String::new()).await;
    assert_eq!(taken.err().map(|e| e.status.as_u16()), Some(422), "a version is written once");
    office.draft_ruleset(ana.clone(), v3, "decline 42.42".into()).await.unwrap();

    // The preview replays what was recorded: the new rule would have hit once.
    let preview = office.preview_ruleset(ana.clone(), 3, 24).await.unwrap();
    assert_eq!((preview.transactions, preview.candidate_version, preview.active_version), (2, 3, Some(2)));
    let hits = preview.rules.iter().find(|r| r.rule == "no-4242").unwrap();
    assert_eq!((hits.candidate, hits.active), (1, 0));
    assert_eq!((preview.candidate_declines, preview.active_declines, preview.changed), (1, 0, 1));

    // Four eyes, then activation: the host swaps within a second or two.
    assert_eq!(
        office.ruleset_step(ana.clone(), 3, RulesetStep::Approve).await.err().map(|e| e.status.as_u16()),
        Some(403)
    );
    assert_eq!(
        office.ruleset_step(bo.clone(), 3, RulesetStep::Activate).await.err().map(|e| e.status.as_u16()),
        Some(409)
    );
    office.ruleset_step(bo.clone(), 3, RulesetStep::Approve).await.unwrap();
    office.ruleset_step(bo.clone(), 3, RulesetStep::Activate).await.unwrap();
    let engine = w.host.rules.clone().unwrap();
    let started = std::time::Instant::now();
    while engine.active().version != 3 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the host took version 3");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sale(&mut t, &debit(), 4_242).await.code.as_str(), "59");
    let versions = office.rulesets(ana.clone()).await.unwrap();
    let states: Vec<(i64, &str)> = versions.iter().map(|v| (v.version, v.state.as_str())).collect();
    assert_eq!(states, [(3, "active"), (2, "retired")]);

    // Rolling back: the retired version, activated again.
    office.ruleset_step(ana.clone(), 2, RulesetStep::Activate).await.unwrap();
    let started = std::time::Instant::now();
    while engine.active().version != 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the host went back to version 2");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sale(&mut t, &debit(), 4_242).await.code.as_str(), "00");
}

/// A mobile reader far from the merchant's registered location, and a
/// merchant whose name or category keeps changing, are put in front of an
/// analyst (review: approved, kept, a case opened).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_mobile_reader_and_a_churning_merchant_profile_are_reviewed() {
    use kassa_merchant::StaffRole;
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let office = office(&w);
    let ops = kassa_api::Actor::Staff { id: 1, username: "otto".into(), role: StaffRole::Operations };
    let risk = kassa_api::Actor::Staff { id: 2, username: "rita".into(), role: StaffRole::Risk };
    let bad = office.set_merchant_location(ops.clone(), MID.into(), "somewhere".into()).await;
    assert_eq!(bad.err().map(|e| e.status.as_u16()), Some(422));
    office.set_merchant_location(ops.clone(), MID.into(), "31.2304,121.4737".into()).await.unwrap();
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    // In Shanghai, where the merchant is: nothing to see.
    t.set_location(Some("31.2500,121.4500".into()));
    assert_eq!(sale(&mut t, &debit(), 1_234).await.code.as_str(), "00");
    assert!(office.risk_decisions(risk.clone(), 10).await.unwrap().is_empty());
    // In Beijing: reviewed (approved, kept, a case).
    t.set_location(Some("39.9042,116.4074".into()));
    assert_eq!(sale(&mut t, &debit(), 1_235).await.code.as_str(), "00");
    let decisions = office.risk_decisions(risk.clone(), 10).await.unwrap();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(
        (decisions[0].outcome.as_str(), decisions[0].hits[0]["rule"].as_str()),
        ("review", Some("far-mobile-reader"))
    );
    let detail = office.risk_transaction(risk.clone(), decisions[0].txn_id).await.unwrap();
    assert_eq!(detail.location.as_deref(), Some("39.9042,116.4074"));
    let why = detail.decision.unwrap().hits[0].clone();
    assert!(why["description"].as_str().is_some_and(|d| d.contains("mobile reader")), "{why}");
    assert!(why["condition"].as_str().is_some_and(|c| c.contains("distance_km")), "{why}");
    let case = office.cases(risk.clone(), None, false).await.unwrap().remove(0);
    assert_eq!(case.priority, "low");
    assert_eq!(detail.cases, [case.id]);
    let evidence = office.evidence(risk.clone(), case.id).await.unwrap();
    let trail = &evidence.sections.iter().find(|s| s.name == "location_trail").unwrap().content;
    assert_eq!(trail[0]["location"], "39.9042,116.4074", "{trail}");

    // Three changes of name or category within 30 days: the next sale is reviewed.
    t.set_location(None);
    for (name, mcc) in [("Kassa 2", None), ("Kassa 3", Some("5812")), ("Kassa 4", None)] {
        office
            .change_merchant_profile(
                ops.clone(),
                MID.into(),
                Some(name.into()),
                mcc.map(str::to_string),
                "owner asked".into(),
            )
            .await
            .unwrap();
    }
    assert_eq!(sale(&mut t, &debit(), 1_236).await.code.as_str(), "00");
    let decisions = office.risk_decisions(risk.clone(), 10).await.unwrap();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    assert_eq!(decisions[0].hits[0]["rule"], "merchant-profile-churn");
    // The tier sets the limits: ¥25,000 passes a standard merchant, not a small one.
    assert_eq!(sale(&mut t, &debit(), 2_500_000).await.code.as_str(), "00");
    let wrong = office.set_merchant_tier(risk.clone(), MID.into(), "tiny".into(), String::new()).await;
    assert_eq!(wrong.err().map(|e| e.status.as_u16()), Some(422));
    office.set_merchant_tier(risk.clone(), MID.into(), "small".into(), "new shop".into()).await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 2_500_000).await.code.as_str(), "61");
    let support = kassa_api::Actor::Staff { id: 3, username: "sue".into(), role: StaffRole::Support };
    let refused = office.set_merchant_location(support, MID.into(), "31.2,121.4".into()).await;
    assert_eq!(refused.err().map(|e| e.status.as_u16()), Some(403));
}

/// A shop's ordinary day under the starter rules: a sale refunded in two
/// parts, a third refund, a customer's wrong PINs, a card short of funds and an
/// expired one — all answered as the card and the rules of the sale say, no
/// risk decline, and the terminal serves on (it is not frozen).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shops_ordinary_day_passes_the_starter_rules() {
    use kassa_core::time::Clock;
    use kassa_core::{Amount, TxnKind};
    let w = starter_world(kassa_risk::STARTER.to_string()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let today = daytime().local().mmdd();
    let sold = sale(&mut t, &debit(), 10_000).await;
    assert_eq!(sold.code.as_str(), "00");
    let original = original_of(&sold, Some(&today));
    for part in [3_000, 3_000, 2_000] {
        let refund = t.transact(TxnKind::Refund, &debit(), Amount(part), Some(&original)).await.unwrap();
        assert_eq!(refund.code.as_str(), "00", "a refund of {part} within the sale");
    }
    let wrong_pin = card(DEBIT, Some("000000"), Entry::Swipe);
    for _ in 0..2 {
        assert_eq!(sale(&mut t, &wrong_pin, 2_500).await.code.as_str(), "55");
    }
    assert_eq!(sale(&mut t, &debit(), 2_500).await.code.as_str(), "00", "then the right PIN");
    assert_eq!(sale(&mut t, &card(POOR, Some("111111"), Entry::Swipe), 5_000).await.code.as_str(), "51");
    assert_eq!(sale(&mut t, &card(EXPIRED, Some("222222"), Entry::Swipe), 100).await.code.as_str(), "54");
    let other = sale(&mut t, &credit(), 4_800).await;
    assert_eq!(other.code.as_str(), "00");
    let refund =
        t.transact(TxnKind::Refund, &credit(), Amount(4_800), Some(&original_of(&other, Some(&today)))).await.unwrap();
    assert_eq!(refund.code.as_str(), "00");
    assert_eq!(sale(&mut t, &credit(), 1_200).await.code.as_str(), "00", "the terminal serves on");
    let declined: Vec<String> = w
        .host
        .store
        .office_read(|sql| sql.query("SELECT outcome FROM risk_decisions", &[]))
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0).unwrap())
        .filter(|o| !o.starts_with("review"))
        .collect();
    assert!(declined.is_empty(), "no risk decline, no freeze: {declined:?}");
    let merchant = kassa_api::Actor::Merchant { user: 1, merchant: kassa_core::MerchantId::parse(MID) };
    assert!(office(&w).my_terminals(merchant).await.unwrap().iter().all(|t| !t.frozen));
}
