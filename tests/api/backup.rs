//! `jubao backup` while the portal serves, `jubao restore` into a new database and data
//! directory, and there the earlier tip opens with its receipt, evidence and all. On
//! PostgreSQL the same backup is also restored into SQLite: the format is the project's own.

use std::path::Path;

use jubao::configuration::DatabaseUrl;
use jubao::startup::Application;

use crate::helpers::{
    Official, TestApp, TestDatabase, client_from, jubao_cli, pdf_of, reporter_bearer, reporter_tip, run, spawn_app,
    staff_bearer, upload_evidence,
};

/// Starts the portal on a restored database; returns its address.
async fn serve_restored(app: &TestApp, database_url: &str, data_dir: &Path) -> String {
    let mut settings = app.settings.clone();
    settings.set_database_url(DatabaseUrl::parse(database_url).unwrap());
    settings.data_dir = data_dir.to_path_buf();
    settings.bind = "127.0.0.1:0".parse().unwrap();
    let restored = Application::build(settings).await.expect("the restored portal starts");
    let address = format!("http://127.0.0.1:{}", restored.port());
    tokio::spawn(restored.run_until_stopped());
    address
}

/// Restores `backup` into an empty database and data directory, then opens the tip with its
/// receipt there and downloads its evidence as the officer.
async fn restore_and_open(
    app: &TestApp,
    officer: &Official,
    backup: &Path,
    (target, data_dir): (&TestDatabase, &Path),
    receipt: &serde_json::Value,
    evidence: &[u8],
) {
    let (ok, stdout, stderr) = run(jubao_cli(&target.url(), data_dir).args(["restore", "--from"]).arg(backup));
    assert!(ok, "restore: {stderr}");
    assert!(stdout.contains("restored"), "{stdout}");
    assert!(stderr.contains("tips: "), "progress is shown: {stderr}");

    let (ok, _, stderr) = run(jubao_cli(&target.url(), data_dir).args(["restore", "--from"]).arg(backup));
    assert!(!ok, "a second restore into the same database is refused");
    assert!(stderr.contains("already holds data"), "{stderr}");

    let (ok, stdout, stderr) = run(jubao_cli(&target.url(), data_dir).args(["audit", "verify"]));
    assert!(ok, "the restored audit chain is intact: {stdout}{stderr}");

    let base = serve_restored(app, &target.url(), data_dir).await;
    let bearer = reporter_bearer(&base, receipt).await;
    let client = client_from(None);
    let tip = reporter_tip(&base, &bearer).await;
    assert_eq!(tip["report"]["title"], "备份之前的举报", "{tip}");
    assert_eq!(tip["attachments"].as_array().map(Vec::len), Some(1), "{tip}");

    let staff = staff_bearer(&base, officer, false).await;
    let reference = receipt["reference"].as_str().unwrap();
    let attachment = tip["attachments"][0]["id"].as_str().unwrap();
    let download = client
        .get(format!("{base}/api/v1/staff/tips/{reference}/attachments/{attachment}"))
        .header("authorization", &staff)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), evidence, "the evidence, restored");
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_and_the_receipt_opens_the_tip() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("备份之前的举报").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    let evidence = pdf_of(3 * 1024 * 1024, "backup evidence");
    upload_evidence(&app.address, &bearer, "现场记录.pdf", evidence.clone()).await;

    // Online: tips keep coming in while the backup runs.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup-1");
    let mut command = app.cli();
    command.args(["backup", "--out"]).arg(&backup);
    let backing_up = tokio::task::spawn_blocking(move || run(&mut command));
    for n in 0..5 {
        app.file_tip(&format!("备份期间的举报 {n}")).await;
    }
    let (ok, stdout, stderr) = backing_up.await.unwrap();
    assert!(ok, "backup: {stderr}");
    assert!(stdout.contains("backup written"), "{stdout}");
    assert!(backup.join("manifest.json").is_file());
    assert!(!dir.path().join("backup-1.partial").exists(), "the partial directory was renamed into place");

    let (ok, _, stderr) = run(app.cli().args(["backup", "--out"]).arg(&backup));
    assert!(!ok && stderr.contains("already exists"), "a backup never overwrites: {stderr}");

    let target_dir = tempfile::tempdir().unwrap();
    let target = TestDatabase::fresh(target_dir.path()).await;
    let data_dir = target_dir.path().join("data");
    restore_and_open(&app, &officer, &backup, (&target, &data_dir), &receipt, &evidence).await;

    if app.on_postgres() {
        let sqlite_dir = tempfile::tempdir().unwrap();
        let sqlite = TestDatabase::Sqlite { path: sqlite_dir.path().join("data").join("jubao.db") };
        let data_dir = sqlite_dir.path().join("data");
        restore_and_open(&app, &officer, &backup, (&sqlite, &data_dir), &receipt, &evidence).await;
    }
}

#[tokio::test]
async fn a_damaged_or_unfinished_backup_is_refused() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    app.file_tip("备份之前的举报").await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup");
    let (ok, _, stderr) = run(app.cli().args(["backup", "--out"]).arg(&backup));
    assert!(ok, "{stderr}");

    let tips = backup.join("tables").join("tips.jsonl");
    let mut bytes = std::fs::read(&tips).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    std::fs::write(&tips, bytes).unwrap();
    let target_dir = tempfile::tempdir().unwrap();
    let target = TestDatabase::fresh(target_dir.path()).await;
    let data_dir = target_dir.path().join("data");
    let (ok, _, stderr) = run(jubao_cli(&target.url(), &data_dir).args(["restore", "--from"]).arg(&backup));
    assert!(!ok, "a damaged backup is refused");
    assert!(stderr.contains("damaged") && stderr.lines().count() == 1, "one line naming the damage: {stderr}");

    std::fs::remove_file(backup.join("manifest.json")).unwrap();
    let (ok, _, stderr) = run(jubao_cli(&target.url(), &data_dir).args(["restore", "--from"]).arg(&backup));
    assert!(!ok && stderr.contains("not a complete backup"), "{stderr}");
}
