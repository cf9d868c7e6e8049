//! The audit chain holds after a full case, and `jubao audit verify` names the first entry
//! that was edited or removed.

use std::process::Command;

use serde_json::json;

use crate::helpers::{TestApp, act, spawn_app};

fn verify(app: &TestApp) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_jubao"))
        .args(["audit", "verify"])
        .current_dir(dir.path())
        .env_clear()
        .env("JUBAO_DATABASE_URL", app.database.url())
        .env("JUBAO_DATA_DIR", &app.data_dir)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_chain_holds_after_a_full_case_and_breaks_where_it_was_edited() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let second = app.official("qian.head", "head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let receipt = app.file_tip("审计链测试").await;
    let reference = receipt["reference"].as_str().unwrap();
    let bearer = app.bearer(&head, false).await;
    let second_bearer = app.bearer(&second, false).await;
    for action in [json!({"action": "accept"}), json!({"action": "start_verification"})] {
        assert_eq!(act(&app, &bearer, reference, action).await.0, 200);
    }
    let conclusion = json!({"action": "propose_conclusion", "conclusion": {"outcome": "unsubstantiated", "fine_yuan": 0, "previously_known": false, "feedback": "经核查不属实。"}});
    assert_eq!(act(&app, &bearer, reference, conclusion).await.0, 200);
    assert_eq!(act(&app, &second_bearer, reference, json!({"action": "approve"})).await.0, 200);
    assert_eq!(act(&app, &bearer, reference, json!({"action": "close"})).await.0, 200);

    let (code, stdout, stderr) = verify(&app);
    assert_eq!(code, Some(0), "{stderr}");
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(app.store.pool()).await.unwrap();
    assert!(entries >= 7, "{entries} entries");
    assert_eq!(stdout.trim(), format!("audit chain intact: {entries} entries"));
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq").fetch_all(app.store.pool()).await.unwrap();
    for expected in [
        "signin",
        "tip.accept",
        "tip.start_verification",
        "tip.propose_conclusion",
        "tip.approve_conclusion",
        "tip.close",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} is not in {actions:?}");
    }

    // Edit one entry: the chain breaks there, and the command says which.
    sqlx::query("UPDATE audit_log SET detail = 'outcome=substantiated' WHERE action = 'tip.approve_conclusion'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let edited: i64 = sqlx::query_scalar("SELECT seq FROM audit_log WHERE action = 'tip.approve_conclusion'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (code, _, stderr) = verify(&app);
    assert_eq!(code, Some(1));
    let expected = format!("jubao: audit chain broken at entry {edited}: the entry was altered (database ");
    assert!(stderr.trim().starts_with(&expected) && stderr.lines().count() == 1, "{stderr}");

    // Removing an entry is seen too.
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(app.store.pool()).await.unwrap();
    let (code, _, stderr) = verify(&app);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("audit chain broken at entry 2: the entry is missing"), "{stderr}");
}
