//! Any age implementation opens what jubao stores. Here the `age` command-line tool alone
//! walks recovery identity → department key → tip key → tip body, with no project code in
//! that chain (the test only copies the stored blobs into files).

use std::path::Path;
use std::process::Command;

use jubao::service::tips;

use crate::helpers::{TestApp, now, spawn_app, tip_about};

fn tool(program: &str, args: &[&str], dir: &Path) -> String {
    let output = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| {
        panic!("cannot run `{program}` ({e}): install the Debian package `age`, which the interop test needs")
    });
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn jubao(app: &TestApp, args: &[&str], dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_jubao"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("JUBAO_DATABASE_URL", app.database.url())
        .env("JUBAO_DATA_DIR", &app.data_dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "jubao {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

async fn blob(app: &TestApp, sql: &'static str, bind: &str) -> Vec<u8> {
    use sqlx::Row;
    sqlx::query(sql).bind(bind).fetch_one(app.store.pool()).await.unwrap().get::<Vec<u8>, _>(0)
}

#[tokio::test]
async fn the_age_tool_alone_opens_a_tip_from_a_recovery_identity() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    tool("age-keygen", &["-o", "recovery.txt"], work);
    let recipient = tool("age-keygen", &["-y", "recovery.txt"], work).trim().to_owned();

    let printed =
        jubao(&app, &["department", "recovery", "--department", "emergency", "--recipient", &recipient], work);
    assert!(printed.contains("holds key version 1 (new)"), "{printed}");

    let receipt = tips::file(&app.store, tip_about("mine", "interop-1", false), now()).await.unwrap();
    assert_eq!(receipt.department, "emergency");
    let tip_id: String = sqlx::query_scalar("SELECT id FROM tips WHERE reference = $1")
        .bind(receipt.reference.as_str())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let department_wrap = blob(
        &app,
        "SELECT w.envelope FROM group_key_wraps w JOIN key_holders h ON h.id = w.holder_id WHERE h.recipient = $1",
        &recipient,
    )
    .await;
    std::fs::write(work.join("department.age"), department_wrap).unwrap();
    std::fs::write(
        work.join("tip.age"),
        blob(&app, "SELECT envelope FROM tip_grants WHERE tip_id = $1", &tip_id).await,
    )
    .unwrap();
    std::fs::write(work.join("body.age"), blob(&app, "SELECT body FROM tips WHERE id = $1", &tip_id).await).unwrap();

    tool("age", &["--decrypt", "-i", "recovery.txt", "-o", "department.key", "department.age"], work);
    tool("age", &["--decrypt", "-i", "department.key", "-o", "tip.key", "tip.age"], work);
    let body = tool("age", &["--decrypt", "-i", "tip.key", "body.age"], work);
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["title"], "Blocked exits interop-1");
    assert_eq!(report["description"], "The fire exits of workshop 3 are chained shut. interop-1");

    // The same identity with `jubao recover`, offline.
    let printed = jubao(
        &app,
        &["recover", "--identity", "recovery.txt", "--reference", receipt.reference.as_str(), "--out", "recovered"],
        work,
    );
    assert!(printed.contains("recovered tip"), "{printed}");
    let recovered: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("recovered/report.json")).unwrap()).unwrap();
    assert_eq!(recovered["reference"], receipt.reference.as_str());
    assert_eq!(recovered["report"]["location"], "Workshop 3, Jiefangbei interop-1");
}

#[tokio::test]
async fn a_later_recovery_recipient_waits_for_a_head() {
    let app = spawn_app().await;
    app.official("li.wei", "officer,head", Some("emergency")).await;
    let dir = tempfile::tempdir().unwrap();
    tool("age-keygen", &["-o", "recovery.txt"], dir.path());
    let recipient = tool("age-keygen", &["-y", "recovery.txt"], dir.path()).trim().to_owned();
    let printed =
        jubao(&app, &["department", "recovery", "--department", "emergency", "--recipient", &recipient], dir.path());
    assert!(printed.contains("pending until a head of the department approves"), "{printed}");

    let receipt = tips::file(&app.store, tip_about("mine", "pending-1", false), now()).await.unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_jubao"))
        .args(["recover", "--identity", "recovery.txt", "--reference", receipt.reference.as_str(), "--out", "out"])
        .current_dir(dir.path())
        .env_clear()
        .env("JUBAO_DATABASE_URL", app.database.url())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no key the tip is granted to"));
}
