//! Nothing a reporter tells — tip text, identity, payout details — nor any query code or
//! password reaches the database files (WAL included), the data directory or the logs in the
//! clear.

use jubao::domain::report::PayoutDetails;
use jubao::service::{sessions, tips};
use jubao::store::sessions::SessionKind;

use crate::helpers::{PASSWORD, captured_logs, contains, now, spawn_app, tip_about};

#[tokio::test]
async fn no_plaintext_reaches_storage_or_logs() {
    let app = spawn_app().await;
    let canary = format!("canary-{}", jubao::domain::Id::random());
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let custodian = app.official("guard.one", "custodian", None).await;
    let finance = app.official("cash.one", "finance", None).await;

    let receipt = tips::file(&app.store, tip_about("mine", &canary, true), now()).await.unwrap();
    let code = receipt.query_code.expose().to_owned();
    let reference = receipt.reference.clone();
    let reporter = tips::open_for_reporter(&app.store, &reference, receipt.query_code).await.unwrap();
    let details = PayoutDetails {
        name: format!("Zhang San {canary}"),
        id_number: format!("5001031990{canary}"),
        bank: format!("Bank {canary}"),
        account: format!("6222{canary}"),
    };
    tips::store_payout(&app.store, &reporter.tip.id, &reporter.reporter.public(), &details, now()).await.unwrap();
    sessions::start(&app.store, SessionKind::Reporter, &reporter.tip.id, &reporter.reporter, now()).await.unwrap();
    sessions::start(&app.store, SessionKind::Staff, &officer.signed_in.user_id, &officer.signed_in.key, now())
        .await
        .unwrap();

    // Everything is readable by those it is for…
    let opened = tips::open_for_official(&app.store, &officer.signed_in, &reference).await.unwrap();
    assert!(opened.report.description.contains(&canary));
    let identity = tips::identity_for_custodian(&app.store, &custodian.signed_in, &reporter.tip.id).await.unwrap();
    assert!(identity.name.contains(&canary));
    let payout = tips::payout_for_finance(&app.store, &finance.signed_in, &reporter.tip.id).await.unwrap();
    assert!(payout.account.contains(&canary));

    // …and in the clear nowhere.
    let stored = app.everything_stored().await;
    assert!(stored.len() > 10_000, "the database was read ({} bytes)", stored.len());
    assert!(contains(&stored, reference.as_str()), "the scan finds what is stored in the clear (the reference)");
    let logs = captured_logs();
    for (what, secret) in [("canary", canary.as_str()), ("query code", code.as_str()), ("password", PASSWORD)] {
        assert!(!contains(&stored, secret), "the {what} is in the database or data directory");
        assert!(!logs.contains(secret), "the {what} is in the logs");
    }
}
