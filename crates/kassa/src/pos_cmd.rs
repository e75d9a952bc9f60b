//! `kassa terminal` with no command: the POS terminal on screen (ratatui +
//! crossterm) against `kassa demo`. The flow is `kassa-pos`'s; this file
//! reads the keyboard, talks to the host through the scripted terminal, and
//! saves the slips under `<demo>/slips/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use kassa::demo::DemoFacts;
use kassa_core::TxnKind;
use kassa_core::time::Clock;
use kassa_pos::slip::Header;
use kassa_pos::{App, BatchSummary, Effect, Key, Lang, Mode};
use kassa_terminal::{Card, Entry, ScriptedTerminal, TerminalConfig};
use kassa_till::api::BasketPost;

/// The demo's cards as the operator picks them: debit cards want a PIN; credit cards sign.
fn demo_cards(facts: &DemoFacts) -> Vec<(String, Card)> {
    facts
        .cards
        .iter()
        .map(|c| {
            let debit = c.kind == kassa_network_sim::CardKind::Debit;
            let state = match c.state {
                kassa_network_sim::CardState::Active => "",
                kassa_network_sim::CardState::Lost => " lost",
                kassa_network_sim::CardState::Stolen => " stolen",
            };
            let label = if debit {
                format!("{} debit, PIN {}{state}", kassa_core::mask_pan(&c.pan), c.pin)
            } else {
                format!("{} credit, no PIN{state}", kassa_core::mask_pan(&c.pan))
            };
            let card = Card {
                pan: c.pan.clone(),
                expiry: c.expiry.clone(),
                track2: Some(c.track2.clone()),
                pin: debit.then(|| c.pin.clone()),
                entry: Entry::Swipe,
            };
            (label, card)
        })
        .collect()
}

/// What an approved transaction logged (a balance inquiry logs nothing):
/// the log's last entry, if it is not the one that was last `before`.
fn logged_since(
    t: &ScriptedTerminal,
    before: Option<(u32, u32)>,
    result: &Result<kassa_terminal::TxnAnswer, String>,
) -> Option<kassa_terminal::LogEntry> {
    match result {
        Ok(a) if a.code.is_approved() => t.state().log.last().filter(|e| Some((e.batch, e.trace)) != before).cloned(),
        _ => None,
    }
}

/// The open batch as it stands, for the settlement screen and its list.
fn batch_summary(t: &ScriptedTerminal) -> BatchSummary {
    let state = t.state();
    BatchSummary::of(state.batch, &state.log, &state.failures)
}

/// `YYYY/MM/DD hh:mm:ss`, for the settlement list.
fn printed_at(clock: &dyn Clock) -> String {
    let l = clock.local();
    format!("{:04}/{:02}/{:02} {:02}:{:02}:{:02}", l.year, l.month, l.day, l.hour, l.minute, l.second)
}

/// Whether the open batch holds an earlier day's transactions (it must be settled first).
fn yesterday_open(t: &ScriptedTerminal, today_mmdd: &str) -> bool {
    let state = t.state();
    state.batch_open && state.log.iter().any(|e| e.batch == state.batch && !e.date.is_empty() && e.date != today_mmdd)
}

fn save_slips(dir: &Path, name: &str, texts: &[String]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let names: &[&str] = if texts.len() == 2 { &["merchant", "customer"] } else { &["list"] };
    let mut saved = Vec::new();
    for (text, copy) in texts.iter().zip(names) {
        let path = dir.join(format!("{name}-{copy}.txt"));
        std::fs::write(&path, text)?;
        saved.push(path);
    }
    Ok(saved)
}

fn key_of(event: &event::KeyEvent) -> Option<Key> {
    if event.modifiers.contains(KeyModifiers::CONTROL) && event.code == KeyCode::Char('c') {
        return Some(Key::Esc);
    }
    match event.code {
        KeyCode::Char(c) => Some(Key::Char(c)),
        KeyCode::Enter => Some(Key::Enter),
        KeyCode::Backspace => Some(Key::Backspace),
        KeyCode::Esc => Some(Key::Esc),
        KeyCode::Up => Some(Key::Up),
        KeyCode::Down => Some(Key::Down),
        _ => None,
    }
}

/// Runs the terminal on screen until the operator quits.
pub async fn run(
    facts: &DemoFacts,
    config: TerminalConfig,
    demo: &Path,
    mobile: bool,
    location: &str,
    lang: Lang,
) -> Result<ExitCode> {
    let terminal_id = config.terminal_id.clone();
    let mut t = ScriptedTerminal::new(config)?;
    let mode = if mobile {
        t.set_location((location != "none").then(|| location.to_string()));
        Mode::Mobile
    } else {
        Mode::Countertop
    };
    let header = Header {
        merchant_name: kassa::demo::DEMO_MERCHANT_NAME.to_string(),
        merchant_id: facts.mid.clone(),
        terminal_id: terminal_id.clone(),
    };
    let mut app = App::new(mode, header, demo_cards(facts));
    app.lang = lang;
    app.services = facts.services.clone();
    if mode == Mode::Mobile {
        // The reader's app asks for the merchant's payment password before a void or refund.
        app.operators.supervisor_password = kassa::demo::DEMO_PAYMENT_PASSWORD.to_string();
    }
    app.sync(t.state().batch, t.state().log.clone());
    let slips = demo.join("slips");
    let clock = kassa_core::time::SystemClock { offset_minutes: 480 };
    // The till's API (catalogue, baskets): the demo's merchants API.
    let till_api = kassa_terminal::till::TillApi::new(facts.api.clone().unwrap_or_default());
    let mut screen = ratatui::init();
    let mut pending = app.start();
    // Keys are read on this thread: nothing else runs while the operator
    // thinks, and the host's answers are awaited in turn, as on the device.
    let outcome: Result<()> = async {
        loop {
            screen.draw(|f| kassa_pos::view::draw(f, &app))?;
            if let Some(effect) = pending.take() {
                pending = match effect {
                    Effect::Quit => return Ok(()),
                    Effect::SignIn => {
                        t.set_operator(if app.operator.is_empty() { "01" } else { &app.operator });
                        let open = yesterday_open(&t, &clock.local().mmdd());
                        let result = t.sign_in().await.map_err(|e| e.to_string());
                        if result.is_ok() && !t.state().pending_baskets.is_empty() {
                            // Baskets paid while the API was away go now; what cannot, waits.
                            let _ = t.send_kept_baskets(&till_api, clock.now_ms()).await;
                        }
                        app.sync(t.state().batch, t.state().log.clone());
                        app.signed_in(result, open)
                    }
                    Effect::Transact { kind, amount, card, original } => {
                        let before = t.state().log.last().map(|e| (e.batch, e.trace));
                        let result = t.transact(kind, &card, amount, original.as_ref()).await;
                        let result = result.map_err(|e| e.to_string());
                        let logged = logged_since(&t, before, &result);
                        app.sync(t.state().batch, t.state().log.clone());
                        app.answered(kind, amount, result, logged)
                    }
                    Effect::Catalogue => {
                        let (catalogue, stale) = t.till_catalogue(&till_api, clock.now_ms()).await;
                        app.catalogue_loaded(catalogue, stale.map(|e| e.to_string()));
                        None
                    }
                    Effect::TillSale { amount, card, sale } => {
                        let before = t.state().log.last().map(|e| (e.batch, e.trace));
                        let result = t.transact(TxnKind::Sale, &card, amount, None).await;
                        let result = result.map_err(|e| e.to_string());
                        let logged = logged_since(&t, before, &result);
                        let sent = match &logged {
                            Some(entry) => {
                                let basket = BasketPost {
                                    batch: entry.batch,
                                    trace: entry.trace,
                                    segment: sale.segment.clone(),
                                    lines: sale.basket.lines.clone(),
                                    total: amount.minor_units(),
                                };
                                Some(t.till_sale_paid(&till_api, basket, clock.now_ms()).await)
                            }
                            None => None,
                        };
                        // The entry again: it holds the basket now, for the slip.
                        let logged = logged.and_then(|l| {
                            t.state().log.iter().rev().find(|e| e.batch == l.batch && e.trace == l.trace).cloned()
                        });
                        app.sync(t.state().batch, t.state().log.clone());
                        app.till_answered(amount, result, logged, sent)
                    }
                    Effect::Service { service, amount, fee, beneficiary, card } => {
                        let before = t.state().log.last().map(|e| (e.batch, e.trace));
                        let result = t.service(service, &card, amount, fee, &beneficiary).await;
                        let result = result.map_err(|e| e.to_string());
                        let logged = logged_since(&t, before, &result);
                        app.sync(t.state().batch, t.state().log.clone());
                        let total = amount.checked_add(fee).unwrap_or(amount);
                        app.answered(service.kind(), total, result, logged)
                    }
                    Effect::Settle { forced } => {
                        let summary = batch_summary(&t);
                        let result = t.settle().await.map_err(|e| e.to_string());
                        app.sync(t.state().batch, t.state().log.clone());
                        app.settled(result, &summary, &printed_at(&clock), forced);
                        None
                    }
                    Effect::SignOff => {
                        let summary = batch_summary(&t);
                        let result = t.sign_off().await.map_err(|e| e.to_string());
                        let done = result.as_ref().is_ok_and(|a| a.code.is_approved());
                        app.sync(t.state().batch, t.state().log.clone());
                        app.signed_off(result, &summary, &printed_at(&clock));
                        if done && mode == Mode::Mobile && summary.entries.is_empty() && summary.failures.is_empty() {
                            return Ok(());
                        }
                        None
                    }
                    Effect::Print { name, texts } => {
                        if let Err(e) = save_slips(&slips, &format!("{terminal_id}-{name}"), &texts) {
                            app.print_failed(e.to_string());
                        }
                        None
                    }
                };
                continue;
            }
            if let Event::Key(key) = event::read()?
                && key.kind == KeyEventKind::Press
                && let Some(key) = key_of(&key)
            {
                pending = app.key(key);
            }
        }
    }
    .await;
    ratatui::restore();
    outcome?;
    Ok(ExitCode::SUCCESS)
}
