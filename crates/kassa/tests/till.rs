//! The shop till end to end, over real TCP and HTTP on both stores: the
//! merchant's catalogue through the API (each merchant its own, CSV read
//! whole or not at all), a terminal's signed requests, baskets checked
//! against the sales that paid them, voids and returns marking them, and a
//! period's figures against an independent computation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::*;
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, MerchantId, TxnKind};
use kassa_store::Store;
use kassa_terminal::ScriptedTerminal;
use kassa_terminal::till::{TillApi, TillError};
use kassa_till::api::BasketPost;
use kassa_till::{Basket, ItemCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const OTHER: &str = "898310048990002";

struct Api {
    address: SocketAddr,
    office: Arc<kassa_api::Office>,
    _shutdown: tokio_util::sync::CancellationToken,
}

/// The API over the world's store, with the test merchant (and a second one) able to log in.
async fn api(w: &World) -> Api {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
    let office = kassa::api::office(
        w.host.store.clone(),
        w.hsm.clone(),
        clock,
        Arc::new(kassa_api::office::SimulatedBankDirectory::default()),
        kassa_api::Policies::default(),
    );
    let (_, first) = w.host.store.terminal(w.terminals[0].0.clone()).await.unwrap().unwrap();
    let second = kassa_store::Merchant { id: MerchantId::parse(OTHER).unwrap(), ..first };
    w.host.store.put_merchant(second, 0).await.unwrap();
    for (mid, phone, id) in [(MID, "13800138000", "11010519491231002X"), (OTHER, "13900139000", "110101199003070011")] {
        office
            .adopt_merchant(
                MerchantId::parse(mid).unwrap(),
                "张三".into(),
                id.into(),
                phone.into(),
                "北京市".into(),
                "shop-pass-1".into(),
                "135790".into(),
            )
            .await
            .unwrap();
    }
    let shutdown = tokio_util::sync::CancellationToken::new();
    let address = kassa::api::serve("127.0.0.1:0", office.clone(), shutdown.clone()).await.unwrap();
    Api { address, office, _shutdown: shutdown }
}

impl Api {
    async fn raw(&self, method: &str, path: &str, token: Option<&str>, kind: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: kassa\r\nConnection: close\r\n{auth}Content-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // The server may answer before it reads the whole body.
        let _ = stream.write_all(body).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let status = String::from_utf8_lossy(&answer[9..12]).parse().unwrap();
        (status, answer[split + 4..].to_vec())
    }

    async fn json(&self, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
        let body = if body.is_null() { Vec::new() } else { serde_json::to_vec(&body).unwrap() };
        let (status, bytes) = self.raw(method, path, Some(token), "application/json", &body).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn login(&self, phone: &str) -> String {
        let (status, body) = self
            .raw(
                "POST",
                "/api/v1/merchant/login",
                None,
                "application/json",
                json!({"phone": phone, "password": "shop-pass-1"}).to_string().as_bytes(),
            )
            .await;
        assert_eq!(status, 200);
        serde_json::from_slice::<Value>(&body).unwrap()["token"].as_str().unwrap().to_string()
    }
}

fn now() -> i64 {
    SystemClock { offset_minutes: 480 }.now_ms()
}

/// An EAN-13 from 12 digits.
fn ean(body: &str) -> String {
    kassa_till::code::with_check_digit(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_merchant_keeps_its_own_catalogue_and_a_csv_is_read_whole_or_not_at_all() {
    let w = world(Options::default()).await;
    let a = api(&w).await;
    let token = a.login("13800138000").await;
    let other = a.login("13900139000").await;
    for name in ["饮料", "零食"] {
        let (status, _) = a.json("POST", "/api/v1/merchant/till/departments", &token, json!({"name": name})).await;
        assert_eq!(status, 201);
    }
    let water = json!({"code": "6901234567892", "name": "矿泉水 550ml", "price": 200, "department": "饮料"});
    let (status, item) = a.json("POST", "/api/v1/merchant/till/items", &token, water.clone()).await;
    assert_eq!((status, item["price_text"].as_str()), (201, Some("¥2.00")), "{item}");
    let (status, body) = a.json("POST", "/api/v1/merchant/till/items", &token, water.clone()).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("item_exists")));
    let cases = [
        (json!({"code": "6901234567893", "name": "水", "price": 200, "department": "饮料"}), "code"),
        (json!({"code": "1001", "name": "", "price": 200, "department": "饮料"}), "name"),
        (json!({"code": "1001", "name": "水", "price": 0, "department": "饮料"}), "price"),
        (json!({"code": "1001", "name": "水", "price": -5, "department": "饮料"}), "price"),
        (json!({"code": "1001", "name": "水", "price": 10_000_000, "department": "饮料"}), "price"),
        (json!({"code": "1001", "name": "水", "price": 200, "department": "糖果"}), "department"),
    ];
    for (body, field) in cases {
        let (status, answer) = a.json("POST", "/api/v1/merchant/till/items", &token, body.clone()).await;
        assert_eq!((status, answer["field"].as_str()), (422, Some(field)), "{body}: {answer}");
    }
    // A UPC-A is found as its EAN-13.
    let upc = json!({"code": "036000291452", "name": "Gum", "price": 350, "department": "零食"});
    assert_eq!(a.json("POST", "/api/v1/merchant/till/items", &token, upc).await.0, 201);
    let (status, gum) = a.json("GET", "/api/v1/merchant/till/items/0036000291452", &token, Value::Null).await;
    assert_eq!((status, gum["code"].as_str()), (200, Some("0036000291452")));
    // The other merchant sees none of it.
    let (_, theirs) = a.json("GET", "/api/v1/merchant/till/items", &other, Value::Null).await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    assert_eq!(a.json("GET", "/api/v1/merchant/till/items/6901234567892", &other, Value::Null).await.0, 404);
    assert_eq!(
        a.json("PUT", "/api/v1/merchant/till/items/6901234567892", &other, water.clone()).await.0,
        422,
        "their department is not there"
    );

    // A file with bad rows: each reported, nothing kept.
    let bad =
        "code,name,price,department\n1001,面包,5,零食\n1002,牛奶,abc,饮料\n6901234567893,果汁,6,饮料\n1003,糖,3,糖果\n";
    let (status, body) =
        a.raw("POST", "/api/v1/merchant/till/items.csv", Some(&token), "text/csv", bad.as_bytes()).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_csv")), "{body}");
    let lines: Vec<u64> = body["rows"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4, 5]);
    let (_, items) = a.json("GET", "/api/v1/merchant/till/items", &token, Value::Null).await;
    assert_eq!(items.as_array().unwrap().len(), 2, "nothing of the bad file was kept");

    // Two thousand items at once, then the export reads back the same.
    let mut csv = String::from("code,name,price,department,active\n");
    for i in 0..2_000 {
        csv.push_str(&format!(
            "{},商品 {i},{}.{:02},{},1\n",
            ean(&format!("690{i:09}")),
            i % 90 + 1,
            i % 100,
            ["饮料", "零食"][i % 2]
        ));
    }
    let started = std::time::Instant::now();
    let (status, body) =
        a.raw("POST", "/api/v1/merchant/till/items.csv", Some(&token), "text/csv", csv.as_bytes()).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["created"].as_u64()), (200, Some(2_000)), "{body}");
    eprintln!("imported 2,000 items in {:?}", started.elapsed());
    // The same again, a price changed: nothing new, every row changed.
    let changed = csv.replacen(",1.00,", ",1.50,", 1);
    let (status, body) =
        a.raw("POST", "/api/v1/merchant/till/items.csv", Some(&token), "text/csv", changed.as_bytes()).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["created"].as_u64(), body["updated"].as_u64()), (200, Some(0), Some(2_000)), "{body}");
    let first = ean("690000000000");
    let (_, item) = a.json("GET", &format!("/api/v1/merchant/till/items/{first}"), &token, Value::Null).await;
    assert_eq!(item["price"].as_u64(), Some(150), "{item}");
    let (status, export) = a.raw("GET", "/api/v1/merchant/till/items.csv", Some(&token), "text/csv", b"").await;
    assert_eq!(status, 200);
    let departments: std::collections::HashSet<String> = ["饮料", "零食"].iter().map(|s| s.to_string()).collect();
    let read = kassa_till::catalogue::parse_csv(&String::from_utf8(export).unwrap(), &departments).unwrap();
    assert_eq!(read.len(), 2_002);
    // Retire one; a department with items cannot go.
    let (status, retired) =
        a.json("POST", "/api/v1/merchant/till/items/6901234567892/retire", &token, Value::Null).await;
    assert_eq!((status, retired["active"].as_bool()), (200, Some(false)));
    let (status, body) = a.json("DELETE", "/api/v1/merchant/till/departments/饮料", &token, Value::Null).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("department_in_use")), "{body}");
}

/// The test terminal signed in, and its till API.
async fn till_terminal(w: &World, a: &Api) -> (ScriptedTerminal, TillApi) {
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    (t, TillApi::new(a.address.to_string()))
}

fn basket_of(lines: &[(&str, &str, u64, u32)]) -> Basket {
    let mut basket = Basket::default();
    for (code, department, price, quantity) in lines {
        let item = kassa_till::Item {
            code: ItemCode::parse(code).unwrap().0,
            name: format!("item {code}"),
            price: Amount(*price),
            department: department.to_string(),
            active: true,
        };
        let i = basket.scan(&item).unwrap();
        basket.set_quantity(i, *quantity).unwrap();
    }
    basket
}

fn post(answer: &kassa_terminal::TxnAnswer, basket: &Basket, segment: &str) -> BasketPost {
    BasketPost {
        batch: answer.batch,
        trace: answer.trace,
        segment: segment.into(),
        lines: basket.lines.clone(),
        total: basket.total().unwrap().0,
    }
}

fn refused(result: Result<Value, TillError>) -> (u16, String) {
    match result {
        Err(TillError::Refused { status, code, .. }) => (status, code),
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basket_is_recorded_once_only_with_the_sale_that_paid_it() {
    let w = world(Options::default()).await;
    let a = api(&w).await;
    let token = a.login("13800138000").await;
    a.json("POST", "/api/v1/merchant/till/departments", &token, json!({"name": "饮料"})).await;
    let water = json!({"code": "6901234567892", "name": "矿泉水", "price": 200, "department": "饮料"});
    a.json("POST", "/api/v1/merchant/till/items", &token, water).await;
    let (t, till) = till_terminal(&w, &a).await;

    // The catalogue, downloaded with the terminal's own key.
    let catalogue = till.catalogue(&t, now()).await.unwrap();
    assert_eq!(catalogue.merchant_id, MID);
    assert_eq!(catalogue.find("6901234567892").unwrap().price, Amount(200));
    assert_eq!(catalogue.segments.len(), 6, "the default segments");
    // A wrong MAC, an old time, no signature: refused.
    let (status, _) = a.raw("GET", kassa_till::api::CATALOGUE_PATH, None, "application/json", b"").await;
    assert_eq!(status, 401);
    assert!(matches!(till.catalogue(&t, now() - 600_000).await, Err(TillError::Refused { status: 401, .. })));
    let mut forged = w.terminal(0);
    forged.sign_in().await.unwrap(); // new keys: the first terminal's MAC key is stale
    assert!(matches!(till.catalogue(&t, now()).await, Err(TillError::Refused { status: 401, .. })));
    let t = forged;

    // A sale of ¥12.00 pays a basket of 3 waters and a keyed ¥6.00 item.
    let mut t = t;
    let basket = {
        let mut b = basket_of(&[("6901234567892", "饮料", 200, 3)]);
        b.keyed(ItemCode::parse("9999").unwrap().0, Amount(600)).unwrap();
        b
    };
    let sale = sale(&mut t, &debit(), 1_200).await;
    assert!(sale.code.is_approved());
    let good = post(&sale, &basket, "student");
    // The wrong total, segment, sale: refused with a reason, nothing recorded.
    let mut wrong_total = good.clone();
    wrong_total.total += 1;
    assert_eq!(refused(till.record_basket(&t, &wrong_total, now()).await), (422, "invalid_field".into()));
    let mut not_the_sale = good.clone();
    not_the_sale.lines[0].quantity = 4;
    not_the_sale.total += 200;
    assert_eq!(refused(till.record_basket(&t, &not_the_sale, now()).await), (409, "total_differs".into()));
    let mut unknown = good.clone();
    unknown.trace = 999_999;
    assert_eq!(refused(till.record_basket(&t, &unknown, now()).await), (409, "sale_unknown".into()));
    let mut segment = good.clone();
    segment.segment = "aliens".into();
    assert_eq!(refused(till.record_basket(&t, &segment, now()).await), (422, "invalid_field".into()));
    // Recorded once: sent again, the same basket.
    let first = till.record_basket(&t, &good, now()).await.unwrap();
    let again = till.record_basket(&t, &good, now()).await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(
        (first["total"].as_u64(), first["items"].as_u64(), first["state"].as_str()),
        (Some(1_200), Some(4), Some("paid"))
    );
    assert_eq!(first["reference"], json!(sale.rrn));
    let mut other_basket = good.clone();
    other_basket.segment = "senior".into();
    assert_eq!(refused(till.record_basket(&t, &other_basket, now()).await), (409, "basket_differs".into()));
    let id = first["id"].as_i64().unwrap();

    // A refund of two waters names them; the basket shows them returned.
    let today = SystemClock { offset_minutes: 480 }.local();
    let refund = t
        .transact(TxnKind::Refund, &debit(), Amount(400), Some(&original_of(&sale, Some(&today.mmdd()))))
        .await
        .unwrap();
    assert!(refund.code.is_approved(), "{refund:?}");
    let ret = kassa_till::api::ReturnPost {
        batch: refund.batch,
        trace: refund.trace,
        lines: vec![kassa_till::api::ReturnedLine { line: 1, quantity: 2 }],
    };
    let marked = till.record_return(&t, &ret, now()).await.unwrap();
    assert_eq!(
        (marked["state"].as_str(), marked["returned"].as_u64()),
        (Some("partly_returned"), Some(400)),
        "{marked}"
    );
    assert_eq!(marked["lines"][0]["returned"].as_u64(), Some(2));
    let again = till.record_return(&t, &ret, now()).await.unwrap();
    assert_eq!(again["returned"].as_u64(), Some(400), "a refund's return is recorded once");
    let second = t
        .transact(TxnKind::Refund, &debit(), Amount(400), Some(&original_of(&sale, Some(&today.mmdd()))))
        .await
        .unwrap();
    let too_many = kassa_till::api::ReturnPost { batch: second.batch, trace: second.trace, ..ret.clone() };
    assert_eq!(
        refused(till.record_return(&t, &too_many, now()).await),
        (422, "invalid_field".into()),
        "one water is left"
    );
    // The figures count the sale less the return.
    let q = kassa_api::till::PeriodQuery::default();
    let figures = a.office.till_analytics(merchant(), &q).await.unwrap();
    assert_eq!((figures.current.baskets, figures.current.sales, figures.current.items), (1, 800, 2));
    let _ = second;

    // A voided sale marks its basket and leaves the figures.
    let voided = sale_with_basket(&mut t, &till, 200, "young_man").await;
    t.transact(TxnKind::SaleVoid, &debit(), Amount(200), Some(&original_of(&voided, None))).await.unwrap();
    let (_, baskets) = a.json("GET", "/api/v1/merchant/till/baskets", &token, Value::Null).await;
    let states: Vec<&str> = baskets.as_array().unwrap().iter().map(|b| b["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["voided", "partly_returned"]);
    let figures = a.office.till_analytics(merchant(), &q).await.unwrap();
    assert_eq!(figures.current.baskets, 1, "the voided basket counts for nothing");
    let (status, one) = a.json("GET", &format!("/api/v1/merchant/till/baskets/{id}"), &token, Value::Null).await;
    assert_eq!((status, one["lines"].as_array().unwrap().len()), (200, 2));
    assert_eq!(one["lines"][1]["department"], "keyed");
    let other = a.login("13900139000").await;
    assert_eq!(a.json("GET", &format!("/api/v1/merchant/till/baskets/{id}"), &other, Value::Null).await.0, 404);
}

fn merchant() -> kassa_api::Actor {
    kassa_api::Actor::Merchant { user: 1, merchant: MerchantId::parse(MID) }
}

async fn sale_with_basket(
    t: &mut ScriptedTerminal,
    till: &TillApi,
    price: u64,
    segment: &str,
) -> kassa_terminal::TxnAnswer {
    let basket = basket_of(&[("6901234567892", "饮料", price, 1)]);
    let answer = sale(t, &debit(), price).await;
    till.record_basket(t, &post(&answer, &basket, segment), now()).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basket_paid_while_the_api_is_away_is_sent_once_when_it_is_back() {
    let w = world(Options::default()).await;
    let a = api(&w).await;
    let (mut t, till) = till_terminal(&w, &a).await;
    let away = TillApi::new("127.0.0.1:9");
    let basket = basket_of(&[("6901234567892", "饮料", 200, 2)]);
    let answer = sale(&mut t, &debit(), 400).await;
    let post = post(&answer, &basket, "senior");
    assert!(matches!(away.record_basket(&t, &post, now()).await, Err(TillError::Unreachable(..))));
    t.keep_basket(post.clone()).unwrap();
    t.keep_basket(post.clone()).unwrap();
    assert_eq!(t.state().pending_baskets.len(), 1, "kept once");
    assert!(away.catalogue(&t, now()).await.is_err());
    assert_eq!(t.send_kept_baskets(&till, now()).await.unwrap(), 1);
    assert_eq!(t.send_kept_baskets(&till, now()).await.unwrap(), 0);
    let baskets = a.office.baskets(merchant(), kassa_api::till::PeriodQuery::default()).await.unwrap();
    assert_eq!(baskets.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_keeps_its_catalogue_and_its_baskets_for_when_the_api_is_away() {
    use kassa_terminal::till::BasketSent;
    let w = world(Options::default()).await;
    let a = api(&w).await;
    let token = a.login("13800138000").await;
    a.json("POST", "/api/v1/merchant/till/departments", &token, json!({"name": "饮料"})).await;
    let water = json!({"code": "6901234567892", "name": "矿泉水", "price": 200, "department": "饮料"});
    a.json("POST", "/api/v1/merchant/till/items", &token, water).await;
    let till = TillApi::new(a.address.to_string());
    let dir = tempfile::tempdir().unwrap();
    let mut t = w.terminal_kept(0, dir.path().join("terminal.json"));
    t.sign_in().await.unwrap();
    let away = TillApi::new("127.0.0.1:9");
    // Downloaded once and kept beside the state; used when the API cannot be reached.
    let (fresh, error) = t.till_catalogue(&till, now()).await;
    assert!(fresh.as_ref().is_some_and(|c| c.find("6901234567892").is_some()) && error.is_none());
    assert!(dir.path().join("terminal-catalogue.json").exists());
    let (kept, error) = t.till_catalogue(&away, now()).await;
    assert_eq!(kept, fresh, "the kept catalogue");
    assert!(matches!(error, Some(TillError::Unreachable(..))));
    // A sale paid while the API is away: its basket on the slip's entry, and kept.
    let basket = basket_of(&[("6901234567892", "饮料", 200, 3)]);
    let first = sale(&mut t, &debit(), 600).await;
    let sent = t.till_sale_paid(&away, post(&first, &basket, "student"), now()).await;
    assert!(matches!(sent, BasketSent::Kept(_)), "{sent:?}");
    assert_eq!(t.state().pending_baskets.len(), 1);
    assert!(t.state().log.last().and_then(|e| e.basket.as_ref()).is_some_and(|b| b.total == 600));
    // Kept across a restart of the terminal.
    drop(t);
    let mut t = w.terminal_kept(0, dir.path().join("terminal.json"));
    assert_eq!(t.state().pending_baskets.len(), 1);
    // The next sale, with the API back: the kept basket goes first, then this one; each once.
    let second = sale(&mut t, &debit(), 200).await;
    let basket = basket_of(&[("6901234567892", "饮料", 200, 1)]);
    assert_eq!(t.till_sale_paid(&till, post(&second, &basket, "senior"), now()).await, BasketSent::Recorded);
    assert!(t.state().pending_baskets.is_empty());
    let baskets = a.office.baskets(merchant(), kassa_api::till::PeriodQuery::default()).await.unwrap();
    assert_eq!(baskets.len(), 2);
    // A basket the host refuses for good (its total is not the sale's) is not kept.
    let third = sale(&mut t, &debit(), 500).await;
    let sent = t.till_sale_paid(&till, post(&third, &basket, "senior"), now()).await;
    assert!(matches!(&sent, BasketSent::Refused(reason) if reason.contains("total_differs")), "{sent:?}");
    assert!(t.state().pending_baskets.is_empty());
}

/// Random baskets over three weeks: the store's SQL figures, for a period
/// and the one before, equal the plain computation over the same baskets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figures_equal_an_independent_computation() {
    use kassa_till::analytics::{BasketFact, LineFact, compute};
    let w = world(Options::default()).await;
    let a = api(&w).await;
    let today = SystemClock { offset_minutes: 480 }.local().day_number();
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let departments = ["饮料", "零食", "日用", "生鲜"];
    let segments = ["young_man", "young_woman", "man", "woman", "senior", "student"];
    let mut facts = Vec::new();
    for trace in 1..=300u32 {
        let day = today - next(21) as i64;
        let mut basket = Basket::default();
        for _ in 0..1 + next(5) {
            let code = format!("C{}", next(30));
            let item = kassa_till::Item {
                code: ItemCode::parse(&code).unwrap().0,
                name: format!("商品 {code}"),
                price: Amount(50 + next(3_000)),
                department: departments[(code[1..].parse::<usize>().unwrap()) % 4].into(),
                active: true,
            };
            let line = basket.scan(&item).unwrap();
            basket.set_quantity(line, 1 + next(4) as u32).unwrap();
        }
        let b = kassa_store::till::NewBasket {
            merchant: MID.into(),
            terminal: "SEEDED01".into(),
            batch: 1,
            trace,
            rrn: None,
            txn_id: None,
            segment: segments[next(6) as usize].into(),
            local_date: kassa_core::time::date_of_day_number(day),
            local_hour: next(24) as u8,
            basket,
        };
        facts.push(BasketFact {
            local_date: b.local_date.clone(),
            hour: b.local_hour,
            segment: b.segment.clone(),
            lines: b
                .basket
                .lines
                .iter()
                .map(|l| LineFact {
                    code: l.code.to_string(),
                    name: l.name.clone(),
                    department: l.department.clone(),
                    quantity: u64::from(l.quantity),
                    amount: l.amount().unwrap().0,
                })
                .collect(),
            voided: false,
        });
        w.host.store.office_write(move |sql| kassa_store::till::record_basket(sql, &b, 0)).await.unwrap();
    }
    for (from, to) in [(today - 6, today), (today - 20, today), (today - 3, today - 3)] {
        let q = kassa_api::till::PeriodQuery {
            from: Some(kassa_core::time::date_of_day_number(from)),
            to: Some(kassa_core::time::date_of_day_number(to)),
            ..Default::default()
        };
        let got = a.office.till_analytics(merchant(), &q).await.unwrap();
        let dates: Vec<String> = (from..=to).map(kassa_core::time::date_of_day_number).collect();
        let length = to - from + 1;
        let before: Vec<String> = (from - length..from).map(kassa_core::time::date_of_day_number).collect();
        assert_eq!(got.current, compute(&facts, &dates), "{from}..{to}");
        assert_eq!(got.previous, compute(&facts, &before), "before {from}..{to}");
        assert!(got.current.baskets > 0);
    }
}
