//! The engineer's tools, run as a user runs them: the `kassa` binary with
//! arguments and stdin, checking stdout and the exit code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kassa(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kassa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok(args: &[&str]) -> String {
    let run = kassa(args, "");
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// A sign-in 0800 carrying 11, 12, 13, 41, 42, 60 and 63 ("CUP").
const SIGN_IN: &str = "0041600003000060310031130108000038000000C000120000011530121122313030303030303138393833313030343839393030303100110000000100300003435550";

#[test]
fn decodes_a_sign_in_as_a_table() {
    let expected = r#"length    65
TPDU      6000030000  (id 60, destination 0003, source 0000)
header    603100311301  (app 60, version 31, terminal status 0, processing requirement 0, software 311301)
MTI       0800  (sign-in request)
field  name                                     value
   11  trace number                             000001
   12  local time                               153012
   13  local date                               1122
   41  terminal id                              "10000001"
   42  merchant id                              "898310048990001"
   60  reserved: type, batch, management code   00000001003
         60.1 message type     00
         60.2 batch            000001
         60.3 management code  003 (sign-in, 3DES)
   63  operator / card organisation             "CUP"
         63.1 card organisation "CUP" domestic (CUP)
"#;
    assert_eq!(ok(&["iso8583", "decode", SIGN_IN]), expected);
}

#[test]
fn json_round_trips_through_encode() {
    let json = ok(&["iso8583", "decode", "--json", SIGN_IN]);
    assert_eq!(
        json.trim(),
        r#"{"length":65,"tpdu":"6000030000","header":"603100311301","mti":"0800","fields":{"11":"000001","12":"153012","13":"1122","41":"10000001","42":"898310048990001","60":"00000001003","63":"CUP"}}"#
    );
    let run = kassa(&["iso8583", "encode"], &json);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), SIGN_IN.to_uppercase());
}

fn chip_sale_frame() -> String {
    let body = kassa_iso8583::pack(&kassa_iso8583::TERMINAL, &kassa_iso8583::samples::chip_sale()).unwrap();
    let mut frame = Vec::new();
    let tpdu = kassa_iso8583::Tpdu([0x60, 0x00, 0x03, 0x00, 0x00]);
    let header = kassa_iso8583::Header([0x60, 0x31, 0x00, 0x31, 0x13, 0x01]);
    kassa_iso8583::write_frame(&tpdu, &header, &body, &mut frame).unwrap();
    kassa_iso8583::hex(&frame)
}

#[test]
fn card_data_is_masked_unless_revealed() {
    let frame = chip_sale_frame();
    let masked = ok(&["iso8583", "decode", "--json", &frame]);
    assert!(masked.contains(r#""2":"622202*********0123""#), "{masked}");
    assert!(masked.contains(r#""35":"622202*********0123=*****************""#), "{masked}");
    assert!(masked.contains(r#""52":"****************""#), "{masked}");
    assert!(!masked.contains("6222021234567890123"));
    let table = ok(&["iso8583", "decode", &frame]);
    assert!(!table.contains("6222021234567890123"), "{table}");
    assert!(table.contains("9F26   application cryptogram"), "{table}");
    assert!(table.contains("MTI       0200  (sale request)"), "{table}");
    let revealed = ok(&["iso8583", "decode", "--json", "--reveal", &frame]);
    assert!(revealed.contains(r#""2":"6222021234567890123""#));
    let run = kassa(&["iso8583", "encode"], &revealed);
    assert_eq!(run.stdout.trim(), frame);
}

#[test]
fn stdin_decodes_one_frame_per_line_and_reports_bad_lines() {
    let input = format!("{SIGN_IN}\n\nnot hex\n{}\n", chip_sale_frame());
    let run = kassa(&["iso8583", "decode", "--json", "-"], &input);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with(r#"{"length":65"#));
    assert!(lines[1].starts_with(r#"{"error":"line 3: bad hex"#), "{}", lines[1]);
    assert!(lines[2].contains(r#""mti":"0200""#));
    assert_eq!(run.code, 2);
}

#[test]
fn bare_messages_decode_with_no_frame() {
    let body = &SIGN_IN[26..];
    let json = ok(&["iso8583", "decode", "--json", "--no-frame", body]);
    assert!(json.starts_with(r#"{"mti":"0800","fields""#), "{json}");
    let run = kassa(&["iso8583", "encode", "--no-frame"], &json);
    assert_eq!(run.stdout.trim(), body.to_uppercase());
}

#[test]
fn crypto_commands_give_the_published_vectors() {
    assert_eq!(ok(&["crypto", "kcv", "--key", "0123456789ABCDEFFEDCBA9876543210"]), "08D7B4FB\n");
    assert_eq!(ok(&["crypto", "pin-block", "--pin", "1234", "--pan", "4111111111111111"]), "041225EEEEEEEEEE\n");
    let encrypted = [
        "crypto",
        "pin-block",
        "--pin",
        "1234",
        "--pan",
        "4111111111111111",
        "--key",
        "0123456789ABCDEFFEDCBA9876543210",
    ];
    assert_eq!(ok(&encrypted), "2A3D408A1977DDE9\n");
    let data = kassa_crypto::to_hex(b"7654321 Now is the time for ");
    assert_eq!(
        ok(&["crypto", "mac", "--alg", "x9.9", "--key", "0123456789ABCDEF", "--data", &data]),
        "F1D30F6849312CA4\n"
    );
    let data = kassa_crypto::to_hex(b"Hello World !!!!");
    let x919 = ["crypto", "mac", "--alg", "x9.19", "--key", "7CA110454A1A6E570131D9619DC1376E", "--data", &data];
    assert_eq!(ok(&x919), "F09B856213BAB83B\n");
    // RFC 4493 example 2, truncated to the link's 8 bytes.
    let cmac = ["crypto", "mac", "--alg", "aes-cmac", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--data"];
    assert_eq!(ok(&[&cmac[..], &["6BC1BEE22E409F96E93D7E117393172A"]].concat()), "070A16B46B4D4144\n");
    let mab = "0200302004C020C0981100000000000000005100183402100006324392260009942820D1312101120084393136363838303134303030303030303030303030303031313536ACF46E73838A82F92600000000000000000822000001";
    assert_eq!(ok(&["crypto", "mac", "--alg", "cup-ecb", "--key", "C24A8FB57AA20123", "--data", mab]), "8A9E91B8\n");
    let kek = "70F2A84CCBC2AE8625CBB0F2C22AB923";
    assert_eq!(
        ok(&["crypto", "decrypt-key", "--kek", kek, "--key", "96D605EA176B7E9E"]),
        "C24A8FB57AA20123 0547DB3E\n"
    );
    assert_eq!(
        ok(&["crypto", "encrypt-key", "--kek", kek, "--key", "C24A8FB57AA20123"]),
        "96D605EA176B7E9E 0547DB3E\n"
    );
}

#[test]
fn translate_pin_and_gen_key_work() {
    let (a, b) = ("0123456789ABCDEFFEDCBA9876543210", "11111111111111112222222222222222");
    let pan = "4111111111111111";
    let translated =
        ok(&["crypto", "translate-pin", "--block", "2A3D408A1977DDE9", "--pan", pan, "--from-key", a, "--to-key", b]);
    let direct = ok(&["crypto", "pin-block", "--pin", "1234", "--pan", pan, "--key", b]);
    assert_eq!(translated, direct);
    let generated = ok(&["crypto", "gen-key", "--alg", "sm4", "--components", "2"]);
    assert_eq!(generated.lines().count(), 3, "{generated}");
}

#[test]
fn bad_input_gets_one_line_and_exit_code_2() {
    let cases: &[&[&str]] = &[
        &["crypto", "kcv", "--key", "0123"],
        &["crypto", "kcv", "--key", "ZZ"],
        &["crypto", "mac", "--alg", "md5", "--key", "0123456789ABCDEF", "--data", "00"],
        &["crypto", "mac", "--alg", "x9.19", "--key", "0123456789ABCDEF", "--data", "00"],
        &["crypto", "pin-block", "--pin", "12", "--pan", "4111111111111111"],
        &["iso8583", "decode", "003c6000030000603100"],
        &["iso8583", "decode", "--no-frame", "0200"],
        &["iso8583", "decode", "zz"],
        &["iso8583", "decode", "1001"],
    ];
    for args in cases {
        let run = kassa(args, "");
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
    }
    let run = kassa(&["iso8583", "encode"], r#"{"mti":"0200","fields":{"4":"12a"}}"#);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("field 4: character 'a' at position 2"), "{}", run.stderr);
}

#[test]
fn a_sign_in_response_shows_its_key_block() {
    use kassa_crypto::{KeyMode, SecretKey, WorkingKeys, keyblock};
    let tmk = SecretKey::from_hex("70F2A84CCBC2AE8625CBB0F2C22AB923", None).unwrap();
    let keys = WorkingKeys {
        pin: SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap(),
        mac: SecretKey::from_hex("C24A8FB57AA20123", None).unwrap(),
        track: None,
    };
    let field62 = keyblock::build(KeyMode::Tdes, &tmk, &keys).unwrap();
    let json = format!(
        r#"{{"tpdu":"6000000003","header":"603100311301","mti":"0810","fields":{{"11":"000001","12":"101010","13":"1122","32":"00049980","37":"000000000001","39":"00","41":"10000001","42":"898310048990001","60":"00000002003","62":"{}"}}}}"#,
        kassa_crypto::to_hex(&field62)
    );
    let run = kassa(&["iso8583", "encode"], &json);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let table = ok(&["iso8583", "decode", run.stdout.trim()]);
    assert!(table.contains("MTI       0810  (sign-in response)"), "{table}");
    assert!(table.contains("         approved"), "{table}");
    let tak_line = "         MAC key   96D605EA176B7E9E (under TMK)";
    assert!(table.contains(tak_line), "{table}");
    assert!(table.contains(&format!("         KCV       {}", keys.pin.check_value_hex())), "{table}");
    assert!(table.contains(&format!("         KCV       {}", keys.mac.check_value_hex())), "{table}");
}

#[test]
fn settle_refuses_an_open_day_and_reports_read_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().to_str().unwrap();
    let open = kassa(&["settle", "--demo", demo, "--date", "2099-01-01"], "");
    assert_eq!(open.code, 2, "{}", open.stdout);
    assert!(open.stderr.contains("has not closed yet"), "{}", open.stderr);
    let closed = ok(&["settle", "--demo", demo, "--date", "2020-01-01"]);
    assert!(closed.contains("settlement of 20200101: 0 merchants"), "{closed}");
    assert!(closed.contains("payouts: 0 created"), "{closed}");
    let bad = kassa(&["settle", "--demo", demo, "--date", "2020-13-01"], "");
    assert_eq!(bad.code, 2);

    let day = ok(&["report", "day", "--demo", demo, "--date", "2020-01-01"]);
    assert!(day.starts_with("business day 20200101: 0 merchants"), "{day}");
    let fees = ok(&["report", "fees", "--demo", demo, "--from", "2020-01-01", "--to", "2020-01-31", "--json"]);
    assert_eq!(fees.trim(), "[]");
    let exceptions = ok(&["report", "exceptions", "--demo", demo, "--date", "2020-01-01"]);
    assert!(exceptions.starts_with("reconciliation exceptions of 20200101: 0"), "{exceptions}");
    let backwards = kassa(&["report", "fees", "--demo", demo, "--from", "2020-02-01", "--to", "2020-01-01"], "");
    assert_eq!(backwards.code, 2);
    assert!(backwards.stderr.contains("a range of 1 to 366 days"), "{}", backwards.stderr);
}
