//! Every published vector in `../shared/vectors/crypto.json` passes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_crypto::{KeyAlgorithm, MacAlgorithm, SecretKey, from_hex, keyblock, mac, pin, to_hex};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/crypto.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn cases(name: &str) -> Vec<Value> {
    let all = vectors();
    let list = all[name].as_array().unwrap_or_else(|| panic!("no {name} vectors")).clone();
    assert!(!list.is_empty(), "{name} is empty");
    list
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or_else(|| panic!("{key} missing in {case}"))
}

#[test]
fn pin_block_format0() {
    for case in cases("pin_block_format0") {
        let clear = pin::build(s(&case, "pin"), Some(s(&case, "pan"))).unwrap();
        if let Some(expected) = case["clear_block"].as_str() {
            assert_eq!(to_hex(&clear), expected);
        }
        if let Some(expected) = case["encrypted_block"].as_str() {
            let key = SecretKey::from_hex(s(&case, "tpk"), None).unwrap();
            let encrypted = pin::encrypt(&clear, &key).unwrap();
            assert_eq!(to_hex(&encrypted), expected);
            let back = pin::parse(&pin::decrypt(&encrypted, &key).unwrap(), Some(s(&case, "pan"))).unwrap();
            assert_eq!(back.as_str(), s(&case, "pin"));
        }
    }
}

#[test]
fn key_check_value() {
    for case in cases("key_check_value") {
        let key = SecretKey::from_hex(s(&case, "key"), None).unwrap();
        assert_eq!(key.check_value_hex(), s(&case, "kcv"));
    }
}

fn check_mac(name: &str, algorithm: MacAlgorithm) {
    for case in cases(name) {
        let key = SecretKey::from_hex(s(&case, "key"), None).unwrap();
        let data = s(&case, "data_ascii").as_bytes();
        assert_eq!(to_hex(&mac::compute(algorithm, &key, data).unwrap()), s(&case, "mac"), "{name}");
    }
}

#[test]
fn ansi_x9_9() {
    check_mac("ansi_x9_9", MacAlgorithm::X99);
}

#[test]
fn ansi_x9_19() {
    check_mac("ansi_x9_19", MacAlgorithm::X919);
}

#[test]
fn cup_pos_ecb_mac() {
    for case in cases("cup_pos_ecb_mac") {
        let tmk = SecretKey::from_hex(s(&case, "tmk"), None).unwrap();
        let mut tak = from_hex(s(&case, "tak_under_tmk")).unwrap();
        tmk.decrypt_ecb(&mut tak).unwrap();
        assert_eq!(to_hex(&tak), s(&case, "tak_clear"));
        let tak = SecretKey::new(KeyAlgorithm::Des, &tak).unwrap();
        let mab = from_hex(s(&case, "mab")).unwrap();
        assert_eq!(to_hex(&mac::xor_blocks(&mab, 8)), s(&case, "xor_of_blocks"));
        let mac = mac::compute(MacAlgorithm::CupEcb, &tak, &mab).unwrap();
        assert_eq!(String::from_utf8(mac.to_vec()).unwrap(), s(&case, "mac_ascii"));
    }
}

#[test]
fn cup_tak_arrives_in_a_001_key_block() {
    // The same TAK, delivered the way a 001 sign-in delivers it, reads back.
    let case = &cases("cup_pos_ecb_mac")[0];
    let tmk = SecretKey::from_hex(s(case, "tmk"), None).unwrap();
    let tak = SecretKey::from_hex(s(case, "tak_clear"), None).unwrap();
    let tpk = SecretKey::from_hex("0123456789ABCDEF", None).unwrap();
    let keys = kassa_crypto::WorkingKeys { pin: tpk, mac: tak, track: None };
    let block = keyblock::build(kassa_crypto::KeyMode::Des, &tmk, &keys).unwrap();
    assert_eq!(to_hex(&block[12..20]), s(case, "tak_under_tmk"));
    assert_eq!(keyblock::parse(kassa_crypto::KeyMode::Des, &tmk, &block).unwrap(), keys);
}

#[test]
fn sm4_block() {
    for case in cases("sm4_block") {
        let key = SecretKey::from_hex(s(&case, "key"), Some(KeyAlgorithm::Sm4)).unwrap();
        let mut block = from_hex(s(&case, "plaintext")).unwrap();
        key.encrypt_block(&mut block).unwrap();
        assert_eq!(to_hex(&block), s(&case, "ciphertext"));
        key.decrypt_block(&mut block).unwrap();
        assert_eq!(to_hex(&block), s(&case, "plaintext"));
    }
}

#[test]
fn every_vector_family_is_tested() {
    let all = vectors();
    let tested = ["pin_block_format0", "key_check_value", "ansi_x9_9", "ansi_x9_19", "cup_pos_ecb_mac", "sm4_block"];
    for name in all.as_object().unwrap().keys().filter(|k| *k != "about") {
        assert!(tested.contains(&name.as_str()), "vector family {name} has no test");
    }
}
