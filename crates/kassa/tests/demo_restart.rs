//! `kassa demo` started again on its data directory keeps what the merchant
//! did: its settlement card, name and registered location, even when the
//! terminal count changes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use kassa::demo::{DEMO_MID, DEMO_SECOND_CARD};
use kassa_store::Store;
use tokio_util::sync::CancellationToken;

async fn card_and_name(demo: &kassa::demo::Demo) -> (String, String) {
    demo.host
        .store
        .office_read(|sql| {
            let card = sql.one(
                "SELECT pan_masked FROM merchant_cards WHERE merchant_id = ?1",
                kassa_store::sql_params![DEMO_MID],
            )?;
            let name = sql.one(
                "SELECT name || ' ' || location FROM merchants WHERE id = ?1",
                kassa_store::sql_params![DEMO_MID],
            )?;
            Ok((card.unwrap().text(0)?, name.unwrap().text(0)?))
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_the_merchants_card_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let first = CancellationToken::new();
    let demo = kassa::demo::start(dir.path(), 2, 0, false, None, first.clone()).await.unwrap();
    let merchant = kassa_core::MerchantId::parse(DEMO_MID).unwrap();
    let sealed = demo.office.hsm.encrypt_pan(DEMO_SECOND_CARD).unwrap();
    let masked = kassa_core::mask_pan(DEMO_SECOND_CARD);
    demo.host.store.put_settlement_card(merchant, sealed, masked.clone(), "张三".into()).await.unwrap();
    demo.host
        .store
        .office_write(|sql| {
            sql.exec("UPDATE merchants SET name = '张三便利店' WHERE id = ?1", kassa_store::sql_params![DEMO_MID])?;
            sql.exec(
                "UPDATE merchants SET location = '31.2304,121.4737' WHERE id = ?1",
                kassa_store::sql_params![DEMO_MID],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    first.cancel();
    drop(demo);
    for terminals in [2, 3] {
        let again = CancellationToken::new();
        let demo = kassa::demo::start(dir.path(), terminals, 0, false, None, again.clone()).await.unwrap();
        assert_eq!(
            card_and_name(&demo).await,
            (masked.clone(), "张三便利店 31.2304,121.4737".to_string()),
            "{terminals} terminals"
        );
        again.cancel();
    }
}

/// `--port 0` picks free ports once; a restart on the same data directory
/// takes them again (a terminal left running finds its host), and demo.json
/// names the API too. The mobile reader is kept, with its key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_its_ports() {
    let dir = tempfile::tempdir().unwrap();
    let first = CancellationToken::new();
    let demo = kassa::demo::start(dir.path(), 1, 0, false, None, first.clone()).await.unwrap();
    let facts = kassa::demo::DemoFacts::load(dir.path()).unwrap();
    assert_eq!(facts.api.as_deref(), Some(demo.api.to_string().as_str()));
    assert_eq!(facts.mobile_readers.len(), 1);
    let (port, api) = (facts.port, demo.api.port());
    first.cancel();
    drop(demo);
    let started = std::time::Instant::now();
    while std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
        || std::net::TcpListener::bind(("127.0.0.1", api)).is_err()
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the first demo let its ports go");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let again = CancellationToken::new();
    let demo = kassa::demo::start(dir.path(), 1, 0, false, None, again.clone()).await.unwrap();
    let kept = kassa::demo::DemoFacts::load(dir.path()).unwrap();
    assert_eq!((kept.port, demo.api.port()), (port, api));
    assert_eq!(kept.mobile_readers, facts.mobile_readers);
    again.cancel();
}
