//! How many SQL statements the two busiest requests make: filing a tip from the form
//! (`POST /report`) and opening its case page (`GET /staff/tips/{reference}`). A measurement,
//! not a check: run it with every statement logged, and it prints the counts.
//!
//! `JUBAO_TEST_LOG_FILTER='info,jubao=trace,sqlx::query=debug' cargo test --release --test api queries -- --ignored --nocapture`

use crate::helpers::{captured_logs, client_from, form_fields, spawn_app};

/// The statements logged while `request` ran.
async fn statements<F: std::future::Future<Output = u16>>(request: F) -> (u16, usize) {
    let before = captured_logs().len();
    let status = request.await;
    let logs = captured_logs();
    (status, logs[before..].lines().filter(|l| l.contains("sqlx::query")).count())
}

#[tokio::test]
#[ignore = "a measurement: run with sqlx::query=debug and --nocapture"]
async fn statements_per_request() {
    let app = spawn_app().await;
    let officer = app.official("li.officer", "officer", Some("emergency")).await;
    let (staff, _) = app.staff_browser(&officer, false).await;
    for round in 0..3 {
        let phone = client_from(None);
        let fields = form_fields("三号井瓦斯超限仍在作业", "三号井瓦斯浓度超限，班长要求继续作业，已经持续一周。");
        assert_eq!(phone.get(app.url("/report")).send().await.unwrap().status(), 200);
        let (status, filed) =
            statements(async { phone.post(app.url("/report")).form(&fields).send().await.unwrap().status().as_u16() })
                .await;
        let reference: String = sqlx::query_scalar("SELECT reference FROM tips ORDER BY received_at DESC LIMIT 1")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        let path = format!("/staff/tips/{reference}");
        let (shown, opened) =
            statements(async { staff.get(app.url(&path)).send().await.unwrap().status().as_u16() }).await;
        let (again, reopened) =
            statements(async { staff.get(app.url(&path)).send().await.unwrap().status().as_u16() }).await;
        println!(
            "round {round}: POST /report {status}: {filed} statements; GET {path} {shown}: {opened} statements, again {again}: {reopened}"
        );
    }
}
