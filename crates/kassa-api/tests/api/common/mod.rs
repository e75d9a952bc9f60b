//! A test server on 127.0.0.1 with its own store, and a small HTTP/1.1 client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use kassa_api::office::{Outbox, SimulatedBankDirectory};
use kassa_api::{Office, Policies};
use kassa_core::time::ManualClock;
use kassa_crypto::SoftwareSecurityModule;
use kassa_merchant::StaffRole;
use kassa_store::AnyStore;
use kassa_store::sqlite::SqliteStore;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 2026-11-23 09:00 in China (a Monday).
pub const START_MS: i64 = 1_795_395_600_000;

/// Cards the simulated bank knows, and their holders.
pub const CARD_ZHANG: &str = "6222020200112233446";
pub const CARD_ZHANG_2: &str = "6222021234567890128";
pub const CARD_LI: &str = "6228480402564890018";
pub const CARD_ZHANG_CREDIT: &str = "6259650000000000009";
pub const ID_ZHANG: &str = "11010519491231002X";
pub const ID_LI: &str = "110101199003070011";

pub struct Server {
    pub address: SocketAddr,
    pub office: Arc<Office>,
    pub clock: ManualClock,
    pub bank: Arc<SimulatedBankDirectory>,
    _dir: tempfile::TempDir,
}

pub async fn test_store(dir: &tempfile::TempDir) -> AnyStore {
    if std::env::var("KASSA_TEST_STORE").as_deref() == Ok("postgres") {
        let admin = std::env::var("KASSA_TEST_POSTGRES").expect("KASSA_TEST_STORE=postgres needs KASSA_TEST_POSTGRES");
        let url = kassa_store::postgres::create_database(&admin, "kassa_api").await.unwrap();
        return AnyStore::open(&url).await.unwrap();
    }
    AnyStore::Sqlite(SqliteStore::open(&dir.path().join("kassa.db")).unwrap())
}

pub async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = test_store(&dir).await;
    let clock = ManualClock::new(START_MS, 480);
    let bank = Arc::new(SimulatedBankDirectory::default());
    bank.open_account(CARD_ZHANG, "张三");
    bank.open_account(CARD_ZHANG_2, "张三");
    bank.open_account(CARD_LI, "李四");
    bank.open(CARD_ZHANG_CREDIT, kassa_api::office::BankAccount { holder: "张三".into(), debit: false });
    let office = Arc::new(Office {
        store,
        hsm: Arc::new(SoftwareSecurityModule::new(&[9; 32])),
        clock: Arc::new(clock.clone()),
        sms: Arc::new(Outbox),
        bank: bank.clone(),
        // A holiday inside the first cooling-off: Tuesday 2026-12-01.
        policies: Policies {
            calendar: kassa_merchant::BusinessCalendar::new(&["20261201".into()], &[]).unwrap(),
            ..Policies::default()
        },
    });
    for (name, role) in [
        ("root", StaffRole::Admin),
        ("rita", StaffRole::Risk),
        ("otto", StaffRole::Operations),
        ("sue", StaffRole::Support),
    ] {
        office.create_staff(name.into(), role, "staff-pass-1".into()).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = kassa_api::http::router(office.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Server { address, office, clock, bank, _dir: dir }
}

/// An answer: status and JSON body (Null when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Server {
    pub async fn raw(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // The server may answer (a refusal) before it reads the body, and
        // close: the rest of the body then meets a closed socket.
        let _ = stream.write_all(body).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let body = if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_string()
        };
        Answer { status, body: serde_json::from_str(&body).unwrap_or(Value::Null) }
    }

    /// A GET whose answer is text (CSV).
    pub async fn csv(&self, path: &str, token: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.unwrap();
        let head =
            format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        assert!(headers.contains("text/csv"), "{headers}");
        if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_string()
        }
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Answer {
        let bytes = if body.is_null() { Vec::new() } else { serde_json::to_vec(&body).unwrap() };
        self.raw(method, path, token, "application/json", &bytes).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), Value::Null).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call("POST", path, token, body).await
    }

    /// The newest code sent to `phone`, read from the outbox.
    pub async fn last_code(&self, phone: &str) -> String {
        let sms = self.office.outbox(Some(phone.into()), 1).await.unwrap();
        let text = &sms.first().expect("an SMS").text;
        let at = text.find(" is ").expect("a code in the SMS") + 4;
        text[at..at + 6].to_string()
    }

    /// Logs a merchant in with the password [`Server::sign_up`] chose.
    pub async fn login(&self, phone: &str) -> String {
        let answer =
            self.post("/api/v1/merchant/login", None, json!({"phone": phone, "password": "shop-pass-1"})).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["token"].as_str().unwrap().to_string()
    }

    pub async fn staff(&self, name: &str) -> String {
        let answer = self.post("/api/v1/ops/login", None, json!({"username": name, "password": "staff-pass-1"})).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["token"].as_str().unwrap().to_string()
    }

    /// Signs a merchant up (phone proved by SMS) and answers its token.
    pub async fn sign_up(&self, phone: &str) -> String {
        let sent = self.post("/api/v1/sms/codes", None, json!({"phone": phone, "purpose": "register"})).await;
        assert_eq!(sent.status, 202, "{sent:?}");
        let code = self.last_code(phone).await;
        let answer = self
            .post(
                "/api/v1/merchant/register",
                None,
                json!({"phone": phone, "code": code, "password": "shop-pass-1", "payment_password": "135790"}),
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        answer.body["token"].as_str().unwrap().to_string()
    }

    /// Files an application with its three documents.
    pub async fn apply(&self, token: &str, legal_name: &str, id_number: &str, phone: &str, card: &str) -> Value {
        let answer = self
            .post(
                "/api/v1/merchant/application",
                Some(token),
                json!({
                    "legal_name": legal_name, "id_number": id_number, "phone": phone,
                    "business_name": format!("{legal_name}便利店"), "address": "北京市朝阳区建国路1号",
                    "mcc": "5411", "card_number": card, "card_holder": legal_name
                }),
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        for kind in ["id_front", "id_back", "business_licence"] {
            let up = self
                .raw("PUT", &format!("/api/v1/merchant/application/documents/{kind}"), Some(token), "image/png", &png())
                .await;
            assert_eq!(up.status, 200, "{up:?}");
        }
        answer.body
    }

    /// A merchant through sign-up, application and approval: (token, merchant id).
    pub async fn merchant(&self, phone: &str, legal_name: &str, id_number: &str, card: &str) -> (String, String) {
        let token = self.sign_up(phone).await;
        let application = self.apply(&token, legal_name, id_number, phone, card).await;
        let risk = self.staff("rita").await;
        let id = application["id"].as_i64().unwrap();
        let approved = self.post(&format!("/api/v1/ops/applications/{id}/approve"), Some(&risk), Value::Null).await;
        assert_eq!(approved.status, 200, "{approved:?}");
        (token, approved.body["merchant_id"].as_str().unwrap().to_string())
    }
}

/// A small PNG-looking document.
pub fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(256, 7);
    bytes
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}
