//! The Prometheus endpoint reports what the host did.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_transactions_by_type_and_code() {
    let recorder = kassa::metrics::install_recorder().unwrap();
    let w = world(Options::default()).await;
    let address = kassa::metrics::serve("127.0.0.1:0", recorder, w.shutdown.clone()).await.unwrap();
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    sale(&mut t, &debit(), 100).await;
    sale(&mut t, &card(POOR, Some("111111"), kassa_terminal::Entry::Swipe), 100_000).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    assert!(text.contains(r#"kassa_transactions_total{type="sale",code="00"} 1"#), "{text}");
    assert!(text.contains(r#"kassa_transactions_total{type="sale",code="51"} 1"#), "{text}");
    assert!(text.contains(r#"kassa_transactions_total{type="sign_in",code="00"} 1"#), "{text}");
    assert!(text.contains("kassa_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("kassa_connections_open"), "{text}");
    assert!(text.contains("kassa_saf_depth 0"), "{text}");
}
