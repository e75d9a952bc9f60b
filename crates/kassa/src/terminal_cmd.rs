//! `kassa terminal <command>`: the scripted terminal from the command line,
//! against `kassa demo` (`--demo DIR`) or a host given by flags.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kassa::demo::DemoFacts;
use kassa_core::services::Service;
use kassa_core::{Amount, Currency, TxnKind};
use kassa_crypto::{KeyMode, SecretKey};
use kassa_terminal::{Card, Entry, OriginalRef, ScriptedTerminal, TerminalConfig, TxnAnswer};

#[derive(Debug, Args)]
pub struct TerminalArgs {
    /// The demo's data directory (reads demo.json; keeps terminal state there).
    #[arg(long, default_value = "kassa-demo")]
    demo: PathBuf,
    /// Which demo terminal: its id, or its position (1 = the first); with
    /// --mobile the position counts the demo's mobile readers.
    #[arg(long, default_value = "1")]
    terminal: String,
    /// Sign-in key scheme: 001 (DES), 003 (3DES), 004 (3DES + track key).
    #[arg(long, default_value = "003")]
    keys: String,
    /// Seconds to wait for an answer.
    #[arg(long, default_value_t = 15)]
    timeout: u64,
    /// On screen: a card reader paired with the merchant's phone (no operator
    /// log-in; the phone's location goes with each transaction).
    #[arg(long)]
    mobile: bool,
    /// The phone's location for --mobile, `lat,lon` in degrees (default: near
    /// the demo merchant); `none` sends none (the host refuses it, `30`).
    #[arg(long, default_value = "39.9100,116.4600")]
    location: String,
    /// The language of the screens: zh (Chinese, the default) or en.
    #[arg(long, default_value = "zh")]
    lang: String,
    /// Without a command: the terminal on screen, as the real device.
    #[command(subcommand)]
    command: Option<TerminalCommand>,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// A demo test card by its number in the demo's card list (1 = the first).
    #[arg(long, conflicts_with = "pan")]
    card: Option<usize>,
    /// Or a card number (with --expiry).
    #[arg(long)]
    pan: Option<String>,
    /// YYMM, with --pan.
    #[arg(long, default_value = "3012")]
    expiry: String,
    /// The PIN the cardholder enters (default: the demo card's; `none` for no PIN).
    #[arg(long)]
    pin: Option<String>,
    /// swipe, chip, tap or keyed.
    #[arg(long, default_value = "swipe")]
    entry: String,
}

#[derive(Debug, Args)]
pub struct OriginalArgs {
    /// The original's trace number (field 11).
    #[arg(long, required_unless_present = "rrn")]
    trace: Option<u32>,
    /// The original's batch (default: the current batch).
    #[arg(long)]
    batch: Option<u32>,
    /// Or its reference number (37, as the slip shows it): an earlier day's
    /// sale, found in the terminal's log or, when the log no longer holds it, by the host.
    #[arg(long)]
    rrn: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TerminalCommand {
    /// Sign in and receive fresh working keys.
    SignIn,
    SignOff,
    Echo,
    /// A sale of --amount minor units (9900 is ¥99.00).
    Sale {
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        card: CardArgs,
    },
    /// Void a sale of this batch, found by its trace number.
    Void {
        #[command(flatten)]
        original: OriginalArgs,
        #[command(flatten)]
        card: CardArgs,
    },
    /// Refund (all or part of) a sale.
    Refund {
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        original: OriginalArgs,
        /// A till sale's line returned: `LINE` (1 = the basket's first) or
        /// `LINExQTY`; the lines returned must come to the refund's amount.
        #[arg(long = "return", value_name = "LINE[xQTY]")]
        returns: Vec<String>,
        #[command(flatten)]
        card: CardArgs,
    },
    PreAuth {
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        card: CardArgs,
    },
    PreAuthVoid {
        #[command(flatten)]
        original: OriginalArgs,
        #[command(flatten)]
        card: CardArgs,
    },
    Completion {
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        original: OriginalArgs,
        #[command(flatten)]
        card: CardArgs,
    },
    CompletionAdvice {
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        original: OriginalArgs,
        #[command(flatten)]
        card: CardArgs,
    },
    CompletionVoid {
        #[command(flatten)]
        original: OriginalArgs,
        #[command(flatten)]
        card: CardArgs,
    },
    /// Balance inquiry (needs the PIN).
    Balance {
        #[command(flatten)]
        card: CardArgs,
    },
    /// A mobile reader's card-to-card transfer: --amount to the debit card
    /// --to, paid by the card presented (a debit card, with its PIN); the fee
    /// is added and shown.
    Transfer {
        #[arg(long)]
        amount: u64,
        /// The beneficiary's card number.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        card: CardArgs,
    },
    /// A mobile reader's credit-card repayment: --amount into the credit card --to.
    Repay {
        #[arg(long)]
        amount: u64,
        /// The credit card repaid.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        card: CardArgs,
    },
    /// A mobile reader's mobile top-up: a face value (--amount, e.g. 5000 for
    /// ¥50) to the phone number --phone.
    TopUp {
        #[arg(long)]
        amount: u64,
        #[arg(long)]
        phone: String,
        #[command(flatten)]
        card: CardArgs,
    },
    /// The reader app's calculator: the sum EXPRESSION (digits, `.`, `+ - * /`,
    /// times and division first) in fen, no floating point, half up; with
    /// --collect the result is collected as a payment (a sale) on --card.
    Calc {
        expression: String,
        #[arg(long)]
        collect: bool,
        #[command(flatten)]
        card: CardArgs,
    },
    /// A till sale: items from the catalogue (downloaded now, or the one kept
    /// when the API cannot be reached) into a basket, the customer's segment,
    /// and the total paid by card; the basket then goes to the host, or waits
    /// for `send-baskets` when the API is away.
    Till {
        /// An item: its barcode or code, `CODExQTY` for more than one, or
        /// `CODE@FEN` for a code the catalogue does not know (its price keyed,
        /// when the merchant allows it). Repeat for each line.
        #[arg(long = "item", value_name = "CODE[xQTY][@FEN]", required = true)]
        items: Vec<String>,
        /// The customer's segment: its key (1 = the first) or its code.
        #[arg(long, default_value = "1")]
        segment: String,
        #[command(flatten)]
        card: CardArgs,
    },
    /// Send the baskets kept while the till's API could not be reached.
    SendBaskets,
    /// Send the kept reversal now, if there is one.
    Reversal,
    /// Settle the batch; uploads it when the host's totals differ.
    Settle,
    /// The current batch's transactions.
    List,
}

pub fn run(args: TerminalArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run_async(args))
}

fn card_of(facts: &DemoFacts, args: &CardArgs, logged_pan: Option<&str>) -> Result<Card> {
    let entry = Entry::parse(&args.entry)
        .with_context(|| format!("--entry {:?}: use swipe, chip, tap or keyed", args.entry))?;
    // Voids, refunds and completions default to the original's card, presented again.
    let logged = logged_pan.and_then(|pan| facts.cards.iter().position(|c| c.pan == pan)).map(|i| i + 1);
    let (pan, expiry, track2, demo_pin) = match (&args.pan, args.card.or(logged)) {
        (Some(pan), _) => (pan.clone(), args.expiry.clone(), None, None),
        (None, Some(n)) => {
            let card = n
                .checked_sub(1)
                .and_then(|i| facts.cards.get(i))
                .with_context(|| format!("--card {n}: the demo has cards 1 to {}", facts.cards.len()))?;
            (card.pan.clone(), card.expiry.clone(), Some(card.track2.clone()), Some(card.pin.clone()))
        }
        (None, None) => match logged_pan {
            Some(pan) => (pan.to_string(), args.expiry.clone(), None, None),
            None => bail!("which card? give --card N (see `kassa demo`) or --pan"),
        },
    };
    let pin = match args.pin.as_deref() {
        Some("none") => None,
        Some(pin) => Some(pin.to_string()),
        None => demo_pin,
    };
    Ok(Card { pan, expiry, track2, pin, entry })
}

pub(crate) fn describe(kind: &str, amount: Option<u64>, card: Option<&Card>, answer: &TxnAnswer) -> String {
    let money = amount.map(|a| format!(" {}", Amount(a).display(Currency::CNY))).unwrap_or_default();
    let card = card.map(|c| format!("  card {}", kassa_core::mask_pan(&c.pan))).unwrap_or_default();
    let mut line = format!(
        "{kind}{money}{card}  →  {} {}  trace {:06}  batch {:06}",
        answer.code,
        answer.code.meaning(),
        answer.trace,
        answer.batch
    );
    if !answer.rrn.is_empty() {
        line.push_str(&format!("  ref {}  auth {}", answer.rrn, answer.auth_code));
    }
    if let Some(balances) = &answer.balances
        && let Ok(b) = kassa_iso8583::fields::Balances::parse(balances.as_bytes())
    {
        for entry in b.0 {
            let what = if entry.amount_type == "02" { "available" } else { "ledger" };
            line.push_str(&format!("  {what} {}", Amount(entry.amount).display(Currency::CNY)));
        }
    }
    if answer.reversal_sent {
        line = format!("(a kept reversal was sent first)\n{line}");
    }
    line
}

async fn run_async(args: TerminalArgs) -> Result<ExitCode> {
    let facts = DemoFacts::load(&args.demo).map_err(|e| anyhow::anyhow!("{e}"))?;
    // A mobile reader is its own kind of terminal: the host wants its location.
    let listed = if args.mobile { &facts.mobile_readers } else { &facts.terminals };
    let terminal = match args.terminal.parse::<usize>() {
        Ok(n) if n >= 1 && n <= listed.len() && args.terminal.len() < 8 => &listed[n - 1],
        _ => facts
            .terminals
            .iter()
            .chain(&facts.mobile_readers)
            .find(|t| t.tid == args.terminal)
            .with_context(|| format!("no demo terminal {}", args.terminal))?,
    };
    let mode = kassa_crypto::KeyMode::from_code(args.keys.parse().unwrap_or(0))
        .filter(|m| *m != KeyMode::Sm4)
        .with_context(|| format!("--keys {}: use 001, 003 or 004", args.keys))?;
    let config = TerminalConfig {
        address: format!("{}:{}", facts.host, facts.port),
        terminal_id: terminal.tid.clone(),
        merchant_id: facts.mid.clone(),
        tmk: SecretKey::from_hex(&terminal.tmk, None)?,
        key_mode: mode,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: Duration::from_secs(args.timeout),
        state_path: Some(args.demo.join("terminals").join(format!("{}.json", terminal.tid))),
    };
    let Some(command) = args.command else {
        let lang = kassa_pos::Lang::parse(&args.lang).with_context(|| format!("--lang {}: use zh or en", args.lang))?;
        return crate::pos_cmd::run(&facts, config, &args.demo, args.mobile, &args.location, lang).await;
    };
    let mut t = ScriptedTerminal::new(config)?;
    if args.mobile && args.location != "none" {
        t.set_location(Some(args.location.clone()));
    }
    let current_batch = t.state().batch;
    // The batch log as the terminal holds it: voids and refunds find their original here.
    let log = t.state().log.clone();
    let logged = |o: &OriginalArgs| match (o.trace, &o.rrn) {
        (Some(trace), _) => find_logged(&log, o.batch.unwrap_or(current_batch), trace),
        (None, Some(rrn)) => log.iter().rev().find(|e| e.rrn == *rrn).cloned(),
        (None, None) => None,
    };
    let original = |o: &OriginalArgs| -> OriginalRef {
        match logged(o) {
            Some(l) => OriginalRef {
                batch: l.batch,
                trace: l.trace,
                date: Some(l.date.clone()),
                rrn: Some(l.rrn.clone()),
                auth_code: Some(l.auth_code),
            },
            // Not in the log: by trace in the batch named, or by reference number at the host.
            None => OriginalRef {
                batch: o.trace.map_or(0, |_| o.batch.unwrap_or(current_batch)),
                trace: o.trace.unwrap_or(0),
                rrn: o.rrn.clone(),
                ..OriginalRef::default()
            },
        }
    };
    let financial = |kind: TxnKind,
                     amount: Option<u64>,
                     card: &CardArgs,
                     orig: Option<&OriginalArgs>|
     -> Result<(TxnKind, Amount, Card, Option<OriginalRef>)> {
        let logged_pan = orig.and_then(&logged).and_then(|e| t.card_number(&e));
        Ok((kind, Amount(amount.unwrap_or(0)), card_of(&facts, card, logged_pan.as_deref())?, orig.map(original)))
    };
    let job = match &command {
        TerminalCommand::SignIn => {
            let (batch, check_values) = t.sign_in().await?;
            println!("signed in  batch {batch:06}  key check values {}", check_values.join(" "));
            return Ok(ExitCode::SUCCESS);
        }
        TerminalCommand::SignOff => {
            let answer = t.sign_off().await?;
            if let Some(settled) = &answer.settled {
                println!("the open batch was settled first → {} {}", settled.code, settled.code.meaning());
            }
            println!("sign-off → {}", answer.code);
            return Ok(ExitCode::SUCCESS);
        }
        TerminalCommand::Echo => {
            println!("echo → {}", t.echo().await?);
            return Ok(ExitCode::SUCCESS);
        }
        TerminalCommand::Reversal => {
            let sent = t.send_pending_reversal().await?;
            println!("{}", if sent { "reversal sent and answered" } else { "no reversal kept" });
            return Ok(ExitCode::SUCCESS);
        }
        TerminalCommand::Settle => {
            let answer = t.settle().await?;
            let d = answer.terminal_totals.domestic;
            println!(
                "settlement → {} {}  sales {} × {}  voids/refunds {} × {}  {}",
                answer.code,
                answer.code.meaning(),
                d.debit_count,
                Amount(d.debit_amount).display(Currency::CNY),
                d.credit_count,
                Amount(d.credit_amount).display(Currency::CNY),
                if answer.balanced {
                    "balanced".to_string()
                } else {
                    format!("NOT balanced: uploaded {} transactions", answer.uploaded)
                }
            );
            if let Some(batch) = answer.next_batch {
                println!("signed in again  batch {batch:06}");
            }
            return Ok(ExitCode::SUCCESS);
        }
        TerminalCommand::List => {
            let state = t.state();
            println!("batch {:06}{}", state.batch, if state.batch_open { "" } else { " (closed)" });
            for e in state.log.iter().filter(|e| e.batch == state.batch) {
                println!(
                    "  {:06}  {:<18} {:>12}  {}  ref {}  {}",
                    e.trace,
                    e.kind,
                    Amount(e.amount).display(Currency::CNY),
                    e.masked_pan,
                    e.rrn,
                    if e.reversed { "reversed" } else { "" }
                );
            }
            if state.pending_reversal.is_some() {
                println!("  a reversal is kept and will be sent before the next transaction");
            }
            return Ok(ExitCode::SUCCESS);
        }
        TerminalCommand::Calc { expression, collect, card } => {
            let fen = kassa_pos::app::calculator::evaluate(expression)
                .with_context(|| format!("{expression:?}: not a sum the calculator can do"))?;
            println!("{expression} = {}", Amount(fen).display(Currency::CNY));
            if !*collect {
                return Ok(ExitCode::SUCCESS);
            }
            if fen == 0 {
                bail!("nothing to collect: the result is ¥0.00");
            }
            financial(TxnKind::Sale, Some(fen), card, None)?
        }
        TerminalCommand::Sale { amount, card } => financial(TxnKind::Sale, Some(*amount), card, None)?,
        TerminalCommand::Void { original, card } => {
            let amount = logged(original).map(|e| e.amount);
            financial(TxnKind::SaleVoid, amount, card, Some(original))?
        }
        TerminalCommand::Refund { amount, original, card, returns } if !returns.is_empty() => {
            let (_, amount, card, original) = financial(TxnKind::Refund, Some(*amount), card, Some(original))?;
            return crate::till_cmd::refund(&mut t, &facts, amount, card, original, returns).await;
        }
        TerminalCommand::Refund { amount, original, card, .. } => {
            financial(TxnKind::Refund, Some(*amount), card, Some(original))?
        }
        TerminalCommand::Till { items, segment, card } => {
            return crate::till_cmd::sale(&mut t, &facts, items, segment, card_of(&facts, card, None)?).await;
        }
        TerminalCommand::SendBaskets => return crate::till_cmd::send_kept(&mut t, &facts).await,
        TerminalCommand::PreAuth { amount, card } => financial(TxnKind::PreAuth, Some(*amount), card, None)?,
        TerminalCommand::PreAuthVoid { original, card } => {
            let amount = logged(original).map(|e| e.amount);
            financial(TxnKind::PreAuthVoid, amount, card, Some(original))?
        }
        TerminalCommand::Completion { amount, original, card } => {
            financial(TxnKind::Completion, Some(*amount), card, Some(original))?
        }
        TerminalCommand::CompletionAdvice { amount, original, card } => {
            financial(TxnKind::CompletionAdvice, Some(*amount), card, Some(original))?
        }
        TerminalCommand::CompletionVoid { original, card } => {
            let amount = logged(original).map(|e| e.amount);
            financial(TxnKind::CompletionVoid, amount, card, Some(original))?
        }
        TerminalCommand::Balance { card } => financial(TxnKind::BalanceInquiry, None, card, None)?,
        TerminalCommand::Transfer { amount, to, card } => {
            return service(&mut t, &facts, Service::Transfer, *amount, to, card_of(&facts, card, None)?).await;
        }
        TerminalCommand::Repay { amount, to, card } => {
            return service(&mut t, &facts, Service::Repayment, *amount, to, card_of(&facts, card, None)?).await;
        }
        TerminalCommand::TopUp { amount, phone, card } => {
            return service(&mut t, &facts, Service::TopUp, *amount, phone, card_of(&facts, card, None)?).await;
        }
    };
    let (kind, amount, card, original) = job;
    let answer = t.transact(kind, &card, amount, original.as_ref()).await?;
    let shown_amount = (kind != TxnKind::BalanceInquiry).then_some(amount.minor_units());
    println!("{}", describe(kind.name(), shown_amount, Some(&card), &answer));
    Ok(if answer.code.is_approved() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A service: the fee from the demo's schedule, shown, then the request; the
/// answer in words, saying whose side a refusal speaks of.
async fn service(
    t: &mut ScriptedTerminal,
    facts: &DemoFacts,
    service: Service,
    amount: u64,
    beneficiary: &str,
    card: Card,
) -> Result<ExitCode> {
    let priced =
        facts.services.price(service, Amount(amount)).with_context(|| format!("--amount {amount} is too large"))?;
    let shown = |a: Amount| a.display(Currency::CNY);
    println!(
        "{}  amount {}  fee {}  total debited {}",
        service.english(),
        shown(priced.amount),
        shown(priced.fee),
        shown(priced.total)
    );
    let answer = t.service(service, &card, priced.amount, priced.fee, beneficiary).await?;
    println!("{}", describe(service.english(), Some(priced.total.minor_units()), Some(&card), &answer));
    let side = answer.card_organisation.get(3..4).unwrap_or("");
    let rest = answer.card_organisation.get(4..).unwrap_or("").trim();
    let to = match service {
        Service::TopUp => kassa_core::services::mask_phone(beneficiary),
        _ => kassa_core::mask_pan(beneficiary),
    };
    match (answer.code.is_approved(), side) {
        (true, _) if !rest.is_empty() => println!("done: {to} credited; the carrier's confirmation {rest}"),
        (true, _) => println!("done: {to} credited {}", shown(priced.amount)),
        (false, "B") => println!("the beneficiary's side refused or did not answer: the payer's card is not charged"),
        (false, _) => println!("refused on the payer's side: nothing was charged"),
    }
    Ok(if answer.code.is_approved() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn find_logged(log: &[kassa_terminal::LogEntry], batch: u32, trace: u32) -> Option<kassa_terminal::LogEntry> {
    log.iter().find(|e| e.batch == batch && e.trace == trace).cloned()
}
