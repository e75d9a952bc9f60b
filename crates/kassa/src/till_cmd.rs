//! `kassa terminal till`, `send-baskets` and `refund --return`: the shop
//! till from the command line, as the countertop's till screen does it — the
//! catalogue, the basket, the segment, the sale, the basket to the host.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use kassa::demo::DemoFacts;
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, Currency, TxnKind};
use kassa_terminal::till::{BasketSent, TillApi};
use kassa_terminal::{Card, OriginalRef, ScriptedTerminal};
use kassa_till::api::{BasketPost, ReturnPost, ReturnedLine, TerminalCatalogue};
use kassa_till::{Basket, ItemCode};

use crate::terminal_cmd::describe;

fn now_ms() -> i64 {
    SystemClock { offset_minutes: 480 }.now_ms()
}

fn api_of(facts: &DemoFacts) -> Result<TillApi> {
    let address = facts.api.clone().context("demo.json names no merchants API: start `kassa demo` again")?;
    Ok(TillApi::new(address))
}

fn money(amount: Amount) -> String {
    amount.display(Currency::CNY)
}

/// `CODE`, `CODExQTY`, `CODE@FEN` or `CODExQTY@FEN`.
fn item_spec(spec: &str) -> Result<(String, u32, Option<u64>)> {
    let (rest, price) = match spec.split_once('@') {
        Some((rest, fen)) => {
            (rest, Some(fen.parse::<u64>().with_context(|| format!("--item {spec}: the price is fen, digits"))?))
        }
        None => (spec, None),
    };
    let (code, quantity) = match rest.rsplit_once('x') {
        Some((code, qty)) if !qty.is_empty() && qty.chars().all(|c| c.is_ascii_digit()) => {
            (code, qty.parse::<u32>().with_context(|| format!("--item {spec}: the quantity is too large"))?)
        }
        _ => (rest, 1),
    };
    Ok((code.to_string(), quantity, price))
}

/// The basket the items name, line by line as the till would ring them up.
fn ring_up(catalogue: &TerminalCatalogue, items: &[String]) -> Result<Basket> {
    let mut basket = Basket::default();
    for spec in items {
        let (text, quantity, price) = item_spec(spec)?;
        let (code, _) = ItemCode::parse(&text).map_err(|e| anyhow::anyhow!("--item {spec}: {e}"))?;
        let line = match (catalogue.find(code.as_str()), price) {
            (Some(item), _) => basket.scan(&item),
            (None, Some(fen)) if catalogue.keyed_price => basket.keyed(code.clone(), Amount(fen)),
            (None, Some(_)) => {
                bail!("--item {spec}: not in the catalogue, and the merchant does not allow keyed prices")
            }
            (None, None) if catalogue.keyed_price => {
                bail!("--item {spec}: not in the catalogue; key its price as {text}@FEN")
            }
            (None, None) => bail!("--item {spec}: not in the catalogue"),
        }
        .map_err(|e| anyhow::anyhow!("--item {spec}: {e}"))?;
        let quantity = basket.lines[line].quantity.saturating_add(quantity - 1);
        basket.set_quantity(line, quantity).map_err(|e| anyhow::anyhow!("--item {spec}: {e}"))?;
    }
    for (i, line) in basket.lines.iter().enumerate() {
        // Padded by the columns a name takes (a Chinese character takes two).
        let room = 24usize.saturating_sub(kassa_pos::slip::width(&line.name));
        println!(
            "  {:>2} {:<13} {}{} {:>3} × {:>10} = {:>11}{}",
            i + 1,
            line.code.as_str(),
            line.name,
            " ".repeat(room),
            line.quantity,
            money(line.unit_price),
            line.amount().map(money).unwrap_or_default(),
            if line.keyed { "  (price keyed)" } else { "" }
        );
    }
    Ok(basket)
}

/// A till sale, from the catalogue to the basket recorded at the host.
pub async fn sale(
    t: &mut ScriptedTerminal,
    facts: &DemoFacts,
    items: &[String],
    segment: &str,
    card: Card,
) -> Result<ExitCode> {
    let api = api_of(facts)?;
    let (catalogue, stale) = t.till_catalogue(&api, now_ms()).await;
    let catalogue = match (catalogue, stale) {
        (Some(c), None) => c,
        (Some(c), Some(e)) => {
            println!("the till's API cannot be reached ({e}): the catalogue kept from the last download is used");
            c
        }
        (None, Some(e)) => bail!("no catalogue: it cannot be downloaded ({e}) and none is kept"),
        (None, None) => bail!("no catalogue"),
    };
    let basket = ring_up(&catalogue, items)?;
    let chosen = match segment.parse::<usize>() {
        Ok(n) => n.checked_sub(1).and_then(|i| catalogue.segments.get(i)),
        Err(_) => catalogue.segments.iter().find(|s| s.code == segment),
    };
    let segment = chosen.with_context(|| {
        let keys: Vec<String> =
            catalogue.segments.iter().enumerate().map(|(i, s)| format!("{} {} ({})", i + 1, s.name, s.code)).collect();
        format!("--segment {segment}: the merchant's segments are {}", keys.join(", "))
    })?;
    let total = basket.total().map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "basket: {} lines, {} items, total {}  segment {} ({})",
        basket.lines.len(),
        basket.items(),
        money(total),
        segment.name,
        segment.code
    );
    let answer = t.transact(TxnKind::Sale, &card, total, None).await?;
    // The basket goes (or is kept) before anything is printed: a closed
    // stdout must not lose it.
    let sent = if answer.code.is_approved() {
        let post = BasketPost {
            batch: answer.batch,
            trace: answer.trace,
            segment: segment.code.clone(),
            lines: basket.lines,
            total: total.minor_units(),
        };
        Some(t.till_sale_paid(&api, post, now_ms()).await)
    } else {
        None
    };
    println!("{}", describe("sale", Some(total.minor_units()), Some(&card), &answer));
    let Some(sent) = sent else {
        println!("not paid: the basket is not recorded");
        return Ok(ExitCode::from(1));
    };
    Ok(match sent {
        BasketSent::Recorded => {
            println!("basket recorded at the host");
            ExitCode::SUCCESS
        }
        BasketSent::Kept(reason) => {
            println!("the till's API cannot be reached ({reason}): the basket is kept; `send-baskets` sends it");
            ExitCode::SUCCESS
        }
        BasketSent::Refused(reason) => {
            println!("the host refused the basket: {reason}");
            ExitCode::from(1)
        }
    })
}

/// Sends the kept baskets.
pub async fn send_kept(t: &mut ScriptedTerminal, facts: &DemoFacts) -> Result<ExitCode> {
    let api = api_of(facts)?;
    let waiting = t.state().pending_baskets.len();
    if waiting == 0 {
        println!("no basket is kept");
        return Ok(ExitCode::SUCCESS);
    }
    let sent = t.send_kept_baskets(&api, now_ms()).await;
    let left = t.state().pending_baskets.len();
    match sent {
        Ok(n) => println!("{n} of {waiting} kept baskets sent; {left} left"),
        Err(e) => println!("none sent ({e}); {left} kept"),
    }
    Ok(if left == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `LINE` or `LINExQTY`.
fn returned_line(spec: &str) -> Result<ReturnedLine> {
    let (line, quantity) = spec.split_once('x').unwrap_or((spec, "1"));
    let number = |text: &str| text.parse::<u32>().with_context(|| format!("--return {spec}: LINE or LINExQTY"));
    Ok(ReturnedLine { line: number(line)?, quantity: number(quantity)? })
}

/// A refund that names the till sale's lines returned: the refund, then the return at the host.
pub async fn refund(
    t: &mut ScriptedTerminal,
    facts: &DemoFacts,
    amount: Amount,
    card: Card,
    original: Option<OriginalRef>,
    returns: &[String],
) -> Result<ExitCode> {
    let lines = returns.iter().map(|s| returned_line(s)).collect::<Result<Vec<_>>>()?;
    let api = api_of(facts)?;
    let answer = t.transact(TxnKind::Refund, &card, amount, original.as_ref()).await?;
    println!("{}", describe("refund", Some(amount.minor_units()), Some(&card), &answer));
    if !answer.code.is_approved() {
        return Ok(ExitCode::from(1));
    }
    let post = ReturnPost { batch: answer.batch, trace: answer.trace, lines };
    match api.record_return(t, &post, now_ms()).await {
        Ok(basket) => {
            println!("items returned recorded: the basket is {}", basket["state"].as_str().unwrap_or("updated"));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("the refund is approved, but the items returned are not recorded: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_specs() {
        assert_eq!(item_spec("6901234567892").unwrap(), ("6901234567892".into(), 1, None));
        assert_eq!(item_spec("6901234567892x3").unwrap(), ("6901234567892".into(), 3, None));
        assert_eq!(item_spec("BOX-1x2@1500").unwrap(), ("BOX-1".into(), 2, Some(1_500)));
        assert_eq!(item_spec("TAXI").unwrap(), ("TAXI".into(), 1, None));
        assert!(item_spec("1001@abc").is_err());
        assert_eq!(returned_line("2x3").unwrap(), ReturnedLine { line: 2, quantity: 3 });
        assert!(returned_line("two").is_err());
    }
}
