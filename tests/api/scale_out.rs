//! Two instances of the portal against one PostgreSQL database serve the same reporter
//! receipt, the same staff session and the same evidence interchangeably, and the
//! whole-system cap on tips holds across them. (SQLite has one instance.)

use serde_json::json;

use crate::helpers::{api_tip, client_from, spawn_app_with};

#[tokio::test]
async fn two_instances_on_one_database_serve_the_same_people_and_evidence() {
    let a = spawn_app_with(|s| s.limits.tips_per_hour = std::num::NonZeroU32::new(5).unwrap()).await;
    if !a.on_postgres() {
        eprintln!("two instances need PostgreSQL (JUBAO_TEST_POSTGRES_URL): skipped on SQLite");
        return;
    }
    let (b, _b_dir) = a.second_instance().await;
    let on_b = |path: &str| format!("{b}{path}");
    let officer = a.official("li.wei", "officer", Some("emergency")).await;
    let client = client_from(None);

    // A tip filed on A is followed on B with a session opened on A, and vice versa.
    let receipt: serde_json::Value = client
        .post(a.url("/api/v1/tips"))
        .json(&api_tip("两台实例之间的举报", "这是一段足够长的举报内容，用于测试。"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reference = receipt["reference"].as_str().unwrap();
    let receipt_body = json!({"reference": reference, "query_code": receipt["query_code"]});
    let on_a_session: serde_json::Value =
        client.post(a.url("/api/v1/reporter/session")).json(&receipt_body).send().await.unwrap().json().await.unwrap();
    let reporter = format!("Bearer {}", on_a_session["token"].as_str().unwrap());
    let tip = client.get(on_b("/api/v1/reporter/tip")).header("authorization", &reporter).send().await.unwrap();
    assert_eq!(tip.status(), 200, "A's reporter session on B");
    let on_b_session = client.post(on_b("/api/v1/reporter/session")).json(&receipt_body).send().await.unwrap();
    assert_eq!(on_b_session.status(), 200, "the receipt on B");

    // Evidence uploaded through B is downloaded through A, by an official signed in on B.
    let pdf = crate::helpers::pdf_of(1000, "evidence stored once, served by both");
    let part = reqwest::multipart::Part::bytes(pdf.clone()).file_name("现场记录.pdf");
    let uploaded: serde_json::Value = client
        .post(on_b("/api/v1/reporter/attachments"))
        .header("authorization", &reporter)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attachment = uploaded["attachments"][0].as_str().unwrap();
    let signed_in: serde_json::Value = client
        .post(on_b("/api/v1/staff/session"))
        .json(&json!({"username": "li.wei", "password": crate::helpers::PASSWORD, "totp": crate::helpers::totp_now(&officer, false)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let staff = format!("Bearer {}", signed_in["token"].as_str().unwrap());
    let case = client
        .get(a.url(&format!("/api/v1/staff/tips/{reference}")))
        .header("authorization", &staff)
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200, "B's staff session on A");
    let download = client
        .get(a.url(&format!("/api/v1/staff/tips/{reference}/attachments/{attachment}")))
        .header("authorization", &staff)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf.as_slice(), "the evidence B stored, as A serves it");
    assert!(!a.data_dir.join("blobs").exists(), "no blob files: the blobs are in the database");

    // A staff page session (cookie) from A works on B.
    let (browser, _) = a.staff_browser(&officer, true).await;
    let queue = browser.get(on_b("/staff")).send().await.unwrap();
    assert_eq!(queue.status(), 200, "A's staff cookie on B");
}

#[tokio::test]
async fn the_whole_system_cap_holds_across_instances() {
    let a = spawn_app_with(|s| s.limits.tips_per_hour = std::num::NonZeroU32::new(4).unwrap()).await;
    a.official("li.wei", "officer", Some("emergency")).await;
    // On SQLite there is one instance: both "instances" are the same one.
    let (b, _b_dir) =
        if a.on_postgres() { a.second_instance().await } else { (a.url(""), tempfile::tempdir().unwrap()) };
    let client = client_from(None);
    let mut statuses = Vec::new();
    for (i, base) in [a.url(""), b.clone(), a.url(""), b.clone(), a.url(""), b.clone()].iter().enumerate() {
        let response = client
            .post(format!("{base}/api/v1/tips"))
            .json(&api_tip(&format!("第 {i} 条"), "这是一段足够长的举报内容，用于测试。"))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 201, 429, 429]);
    // The HTML form is refused the same way, with a page saying when to come back.
    let page = client
        .post(format!("{b}/report"))
        .form(&crate::helpers::form_fields("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.text().await.unwrap().contains("分钟后再试"));
}

#[tokio::test]
async fn a_receipt_filed_on_one_instance_is_shown_once_by_the_other() {
    let a = spawn_app_with(|_| {}).await;
    a.official("li.wei", "officer", Some("emergency")).await;
    // On SQLite there is one instance: both "instances" are the same one.
    let (b, _b_dir) =
        if a.on_postgres() { a.second_instance().await } else { (a.url(""), tempfile::tempdir().unwrap()) };
    let browser = client_from(None);
    let fields = crate::helpers::form_fields("井下通风不足", "三号井下通风机已经停了一周，仍在生产。");
    let posted = browser.post(a.url("/report")).form(&fields).send().await.unwrap();
    assert_eq!(posted.status(), 303);
    // The receipt lives in the browser's sealed cookie and the shared database, not in
    // one instance's memory.
    let shown = browser.get(format!("{b}/track/receipt")).send().await.unwrap().text().await.unwrap();
    let code = crate::helpers::text_of_class(&shown, "code big").expect("the receipt");
    let again = browser.get(a.url("/track/receipt")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("回执只显示一次") && !again.contains(&code), "shown once across instances");
    let tips: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tips").fetch_one(a.store.pool()).await.unwrap();
    assert_eq!(tips, 1);
}
