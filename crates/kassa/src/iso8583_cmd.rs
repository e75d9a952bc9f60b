//! `kassa iso8583 decode|encode`.

use std::io::{BufRead, Read};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use kassa_crypto::from_hex;
use kassa_iso8583::profile::Options;
use kassa_iso8583::{Header, Kind, Message, Mti, Profile, TERMINAL, Tpdu, frame, hex, pack, unpack_at};
use serde_json::Value;

use crate::render::{self, FrameInfo};

#[derive(Debug, Subcommand)]
pub enum Iso8583Command {
    /// Decode frames (or bare messages) given in hex; `-` reads one per line from stdin.
    Decode(DecodeArgs),
    /// Encode the JSON that `decode --json` prints (read from stdin) into hex frames.
    Encode(EncodeArgs),
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Print JSON: {"length","tpdu","header","mti","fields":{"3":"000000",…}}.
    #[arg(long)]
    json: bool,
    /// Show card numbers, track data and PIN blocks in full.
    #[arg(long)]
    reveal: bool,
    /// The input is a bare message (MTI onwards), without length, TPDU and header.
    #[arg(long)]
    no_frame: bool,
    /// The hex to decode (spaces allowed), or `-` for one frame per line on stdin.
    hex: String,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Print a bare message (MTI onwards) without length, TPDU and header.
    #[arg(long)]
    no_frame: bool,
    /// Pad nibble for odd-length BCD fields: 0 (default) or f.
    #[arg(long, default_value = "0")]
    pad: String,
}

pub fn run(command: Iso8583Command) -> Result<ExitCode> {
    match command {
        Iso8583Command::Decode(args) => decode(&args),
        Iso8583Command::Encode(args) => encode(&args),
    }
}

fn decode(args: &DecodeArgs) -> Result<ExitCode> {
    if args.hex != "-" {
        println!("{}", decode_one(args, &args.hex)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut failures = 0usize;
    let mut first = true;
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.context("read stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        if !args.json && !first {
            println!();
        }
        first = false;
        match decode_one(args, &line) {
            Ok(text) => println!("{text}"),
            Err(error) => {
                failures += 1;
                let message = format!("line {}: {error:#}", number + 1);
                if args.json {
                    println!("{}", serde_json::json!({ "error": message }));
                } else {
                    println!("error: {message}");
                }
            }
        }
    }
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn decode_one(args: &DecodeArgs, text: &str) -> Result<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = from_hex(&compact).context("bad hex")?;
    let (info, message) = if args.no_frame {
        (None, kassa_iso8583::unpack(&TERMINAL, &bytes)?)
    } else {
        let parts = frame::split_frame(&bytes)?;
        let info =
            FrameInfo { length: bytes.len() - frame::LENGTH_PREFIX_SIZE, tpdu: parts.tpdu, header: parts.header };
        (Some(info), unpack_at(&TERMINAL, parts.body, frame::BODY_OFFSET)?)
    };
    Ok(if args.json {
        render::json(&TERMINAL, info.as_ref(), &message, args.reveal).to_string()
    } else {
        render::table(&TERMINAL, info.as_ref(), &message, args.reveal).trim_end().to_string()
    })
}

fn encode(args: &EncodeArgs) -> Result<ExitCode> {
    let pad_nibble = match args.pad.to_ascii_lowercase().as_str() {
        "0" => 0x0,
        "f" => 0xF,
        other => bail!("--pad {other:?}: use 0 or f"),
    };
    let profile = TERMINAL.with_options(Options { pad_nibble, ..TERMINAL.options });
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("read stdin")?;
    let mut count = 0;
    for (index, value) in serde_json::Deserializer::from_str(&input).into_iter::<Value>().enumerate() {
        let value = value.with_context(|| format!("message {}: not valid JSON", index + 1))?;
        let bytes = encode_one(&profile, &value, args.no_frame).with_context(|| format!("message {}", index + 1))?;
        println!("{}", hex(&bytes));
        count += 1;
    }
    if count == 0 {
        bail!("no JSON message on stdin");
    }
    Ok(ExitCode::SUCCESS)
}

fn hex_field<const N: usize>(object: &serde_json::Map<String, Value>, name: &str) -> Result<[u8; N]> {
    let text = object
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing \"{name}\" ({N} bytes of hex), or pass --no-frame"))?;
    from_hex(text)
        .with_context(|| format!("\"{name}\""))?
        .try_into()
        .map_err(|_| anyhow!("\"{name}\" must be {N} bytes ({} hex digits)", 2 * N))
}

fn encode_one(profile: &Profile, value: &Value, no_frame: bool) -> Result<Vec<u8>> {
    let object = value.as_object().ok_or_else(|| anyhow!("expected a JSON object"))?;
    let mti = object.get("mti").and_then(Value::as_str).ok_or_else(|| anyhow!("missing \"mti\""))?;
    let mut message = Message::new(Mti::new(mti)?);
    let fields = object.get("fields").and_then(Value::as_object).ok_or_else(|| anyhow!("missing \"fields\" object"))?;
    for (key, value) in fields {
        let number: u8 = key.parse().map_err(|_| anyhow!("field key {key:?} is not a field number"))?;
        let spec =
            profile.field(number).ok_or_else(|| anyhow!("field {number} is not in the {} profile", profile.name))?;
        let text = value.as_str().ok_or_else(|| anyhow!("field {number}: value must be a string"))?;
        let bytes = match spec.kind {
            Kind::Binary => from_hex(text).with_context(|| format!("field {number}"))?,
            Kind::Numeric | Kind::Track | Kind::Text => text.as_bytes().to_vec(),
        };
        message.try_set(number, bytes)?;
    }
    let body = pack(profile, &message)?;
    if no_frame {
        return Ok(body);
    }
    let tpdu = Tpdu(hex_field(object, "tpdu")?);
    let header = Header(hex_field(object, "header")?);
    let mut out = Vec::with_capacity(body.len() + frame::BODY_OFFSET);
    frame::write_frame(&tpdu, &header, &body, &mut out)?;
    Ok(out)
}
