//! Retention: a tip closed longer than `[retention] days_after_closure` is crypto-shredded.
//! The reporter is told the date beforehand; afterwards nobody — not its department, not
//! the reporter with the receipt, not the offline recovery identity — opens it, the bytes of
//! its keys and content are gone from the store, and its statistics remain.

use std::process::Command;

use jubao::service::retention;
use jubao::store::blobs::BlobStore;
use serde_json::json;

use crate::helpers::{
    act, assert_counts_match, client_from, now, pdf_of, reporter_bearer, reporter_tip, run, spawn_app_with,
    upload_evidence,
};

/// Whether the last 64 bytes of `secret` are anywhere in `stored`: as bytes (SQLite files,
/// blobs) or as hex (PostgreSQL's text of a `bytea`).
fn holds(stored: &[u8], secret: &[u8]) -> bool {
    let tail = &secret[secret.len() - 64..];
    let hex = data_encoding::HEXLOWER.encode(tail);
    stored.windows(tail.len()).any(|w| w == tail) || stored.windows(hex.len()).any(|w| w == hex.as_bytes())
}

#[tokio::test]
async fn a_shredded_tip_is_unreadable_even_with_the_recovery_identity_and_its_statistics_survive() {
    let app = spawn_app_with(|s| s.retention.days_after_closure = 30).await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let second = app.official("qian.head", "head", Some("emergency")).await;
    let work = tempfile::tempdir().unwrap();
    let identity = work.path().join("recovery.txt");
    let keygen = Command::new("age-keygen").arg("-o").arg(&identity).output().expect("age-keygen (Debian package age)");
    assert!(keygen.status.success());
    let recipient =
        String::from_utf8(Command::new("age-keygen").arg("-y").arg(&identity).output().unwrap().stdout).unwrap();
    let (ok, _, stderr) =
        run(app.cli().args(["department", "recovery", "--department", "emergency", "--recipient", recipient.trim()]));
    assert!(ok, "{stderr}");
    app.approve_pending(&head).await;

    let canary = "retention-canary-7Q3K";
    let receipt =
        app.file_tip_saying(&format!("到期销毁 {canary}"), &format!("这是一段足够长的举报内容 {canary}")).await;
    let reference = receipt["reference"].as_str().unwrap().to_owned();
    let reporter = reporter_bearer(&app.address, &receipt).await;
    upload_evidence(&app.address, &reporter, "现场.pdf", pdf_of(64 * 1024, canary)).await;
    let sent = client_from(None)
        .post(app.url("/api/v1/reporter/messages"))
        .header("authorization", &reporter)
        .json(&json!({"body": format!("补充说明 {canary}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);

    // Before: the recovery identity opens it.
    let recover = |out: &str| {
        run(app
            .cli()
            .args(["recover", "--reference", &reference, "--identity"])
            .arg(&identity)
            .arg("--out")
            .arg(work.path().join(out)))
    };
    let (ok, _, stderr) = recover("before");
    assert!(ok, "{stderr}");
    let before = work.path().join("before");
    assert!(std::fs::read_to_string(before.join("report.json")).unwrap().contains(canary));
    assert!(std::fs::read_to_string(before.join("messages.json")).unwrap().contains(canary), "messages too");
    let evidence = std::fs::read(before.join("attachments").join("证据-01.pdf")).unwrap();
    assert!(evidence.starts_with(b"%PDF") && evidence.windows(canary.len()).any(|w| w == canary.as_bytes()));

    // What opens it today, kept to look for afterwards.
    let tip_id: String = sqlx::query_scalar("SELECT id FROM tips WHERE reference = $1")
        .bind(&reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let mut secrets: Vec<Vec<u8>> = sqlx::query_scalar("SELECT envelope FROM tip_grants WHERE tip_id = $1")
        .bind(&tip_id)
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    for column in ["body", "reporter_key_wrap"] {
        let bytes: Vec<u8> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {column} FROM tips WHERE id = $1")))
                .bind(&tip_id)
                .fetch_one(app.store.pool())
                .await
                .unwrap();
        secrets.push(bytes);
    }
    assert!(secrets.len() >= 3 && secrets.iter().all(|s| s.len() > 100));
    let stored = app.everything_stored().await;
    assert!(secrets.iter().all(|s| holds(&stored, s)), "positive control: the scan finds them now");

    // Rejected by two heads; the reporter is told when it will be destroyed.
    let head_bearer = app.bearer(&head, false).await;
    let second_bearer = app.bearer(&second, false).await;
    assert_eq!(
        act(&app, &head_bearer, &reference, json!({"action": "propose_rejection", "reason": "不属于本部门职责"}))
            .await
            .0,
        200
    );
    assert_eq!(act(&app, &second_bearer, &reference, json!({"action": "approve"})).await.0, 200);
    let closed_at: i64 = sqlx::query_scalar("SELECT closed_at FROM tips WHERE id = $1")
        .bind(&tip_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let tip = reporter_tip(&app.address, &reporter).await;
    let destroy_on = jubao::domain::china_time::date_string(closed_at + 30 * 86_400);
    assert!(
        tip["deadlines"].as_array().unwrap().iter().any(|d| d["step"] == "destroy" && d["due"] == destroy_on.as_str()),
        "the reporter sees the date: {tip}"
    );
    let page = crate::helpers::track_page(&app, &receipt).await;
    assert!(page.contains(&destroy_on) && page.contains("销毁"), "the status page shows it too");

    // Not yet due: nothing happens. Thirty-one days later: shredded.
    let blobs = BlobStore::open(&app.store, &app.data_dir).unwrap();
    assert_eq!(retention::shred_due(&app.store, &blobs, 30, now()).await.unwrap(), 0);
    let later = closed_at + 31 * 86_400;
    assert_eq!(retention::shred_due(&app.store, &blobs, 30, later).await.unwrap(), 1);
    assert_eq!(retention::shred_due(&app.store, &blobs, 30, later).await.unwrap(), 0, "once");

    // Nobody opens it any more.
    let session = client_from(None)
        .post(app.url("/api/v1/reporter/session"))
        .json(&json!({"reference": reference, "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 410, "the receipt learns that it was destroyed");
    let body: serde_json::Value = session.json().await.unwrap();
    assert_eq!(body["error"]["code"], "shredded");
    let old_session =
        client_from(None).get(app.url("/api/v1/reporter/tip")).header("authorization", &reporter).send().await.unwrap();
    assert!(matches!(old_session.status().as_u16(), 401 | 410), "the reporter's open session ended");
    let case = client_from(None)
        .get(app.url(&format!("/api/v1/staff/tips/{reference}")))
        .header("authorization", app.bearer(&head, true).await)
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 410, "its department");
    let (ok, _, stderr) = recover("after");
    assert!(!ok && stderr.contains("destroyed"), "the recovery identity: {stderr}");
    assert!(!work.path().join("after").join("report.json").exists());

    // Its keys and content are gone from every stored byte; its blobs too.
    let stored = app.everything_stored().await;
    for secret in &secrets {
        assert!(!holds(&stored, secret), "a sealed value of the shredded tip is still stored");
    }
    for (table, rows) in [("tip_grants", 0i64), ("messages", 0), ("attachments", 0), ("tip_identities", 0)] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE tip_id = $1")))
            .bind(&tip_id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert_eq!(n, rows, "{table}");
    }
    assert!(blobs.list().await.unwrap().is_empty(), "the evidence blob is destroyed");

    // The tombstone keeps the statistics.
    assert_counts_match(&app).await;
    let counted: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(tips), 0) AS BIGINT) FROM tip_counts WHERE department_code = 'emergency' AND status = 'rejected'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(counted, 1);
    let queue: serde_json::Value = client_from(None)
        .get(app.url("/api/v1/staff/tips?status=rejected"))
        .header("authorization", app.bearer(&second, true).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(queue.to_string().contains(&reference), "still listed, as metadata: {queue}");
    let (ok, stdout, stderr) = run(app.cli().args(["audit", "verify"]));
    assert!(ok, "{stdout}{stderr}");
}
