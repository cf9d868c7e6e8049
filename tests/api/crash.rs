//! Crash safety. Tips and evidence arrive from many clients at once; the server is killed
//! with SIGKILL in the middle and started again on the same data — ten times over. Every tip
//! whose receipt was returned opens with that receipt, every upload answered 201 is there,
//! and no blob is left that no attachment names.

use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jubao::store::blobs::BlobStore;
use jubao::store::{Store, attachments};

use crate::helpers::{TestDatabase, api_tip, jubao_cli, now, pdf_of, reporter_tip};

const ROUNDS: u64 = 10;
const CLIENTS: usize = 12;

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(database_url: &str, dir: &std::path::Path) -> std::process::Command {
    let mut command = jubao_cli(database_url, &dir.join("data"));
    command.current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null());
    command
}

async fn start(database_url: &str, dir: &std::path::Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = command(database_url, dir)
        .arg("serve")
        .env("JUBAO_BIND", format!("127.0.0.1:{port}"))
        .env("JUBAO_LIMITS__TIPS_PER_CLIENT_PER_HOUR", "1000000")
        .env("JUBAO_LIMITS__TIPS_PER_HOUR", "1000000")
        .env("JUBAO_LIMITS__REPORTER_LOGINS_PER_CLIENT_PER_MINUTE", "1000000")
        .spawn()
        .expect("jubao serve starts");
    let server = Server { child, address: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(format!("{}/healthz", server.address)).send().await.is_ok_and(|r| r.status() == 200) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer /healthz within 30 s");
}

/// What one client was told: a receipt, and the evidence accepted for it.
type Told = (serde_json::Value, Option<String>);

/// Files tips (and evidence for every third) until the server stops answering.
async fn client_until_killed(base: String, round: u64, client_no: usize, told: Arc<Mutex<Vec<Told>>>) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    for n in 0.. {
        let title = format!("断电测试 {round}-{client_no}-{n}");
        let Ok(created) = client
            .post(format!("{base}/api/v1/tips"))
            .json(&api_tip(&title, "这是一段足够长的举报内容，用于测试。"))
            .send()
            .await
        else {
            return;
        };
        assert!(created.status() == 201, "while serving, tips are taken: {}", created.status());
        let Ok(receipt) = created.json::<serde_json::Value>().await else { return };
        let index = {
            let mut told = told.lock().unwrap();
            told.push((receipt.clone(), None));
            told.len() - 1
        };
        if n % 3 != 0 {
            continue;
        }
        let body = serde_json::json!({"reference": receipt["reference"], "query_code": receipt["query_code"]});
        let Ok(session) = client.post(format!("{base}/api/v1/reporter/session")).json(&body).send().await else {
            return;
        };
        let Ok(session) = session.json::<serde_json::Value>().await else { return };
        let bearer = format!("Bearer {}", session["token"].as_str().unwrap());
        let part = reqwest::multipart::Part::bytes(pdf_of(512 * 1024, &title)).file_name("记录.pdf");
        let Ok(uploaded) = client
            .post(format!("{base}/api/v1/reporter/attachments"))
            .header("authorization", &bearer)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
        else {
            return;
        };
        if uploaded.status() != 201 {
            return;
        }
        let Ok(uploaded) = uploaded.json::<serde_json::Value>().await else { return };
        told.lock().unwrap()[index].1 = uploaded["attachments"][0].as_str().map(str::to_owned);
    }
}

/// Every receipt opens its tip, and every accepted upload is listed on it.
async fn everything_told_is_there(base: &str, told: &[Told]) {
    let client = reqwest::Client::new();
    for (receipt, attachment) in told {
        let body = serde_json::json!({"reference": receipt["reference"], "query_code": receipt["query_code"]});
        let session = client.post(format!("{base}/api/v1/reporter/session")).json(&body).send().await.unwrap();
        assert_eq!(session.status(), 200, "the receipt {} opens after the crash", receipt["reference"]);
        let session: serde_json::Value = session.json().await.unwrap();
        let tip = reporter_tip(base, &format!("Bearer {}", session["token"].as_str().unwrap())).await;
        assert!(tip["report"]["title"].as_str().unwrap().starts_with("断电测试"), "{tip}");
        if let Some(id) = attachment {
            assert!(
                tip["attachments"].as_array().unwrap().iter().any(|a| a["id"] == id.as_str()),
                "evidence answered 201 survives the crash: {tip}"
            );
        }
    }
}

/// No finished blob that no attachment names, and no attachment without its blob.
async fn no_orphan_blobs(store: &Store, blobs: &BlobStore) {
    let named = attachments::blob_ids(&mut store.conn().await.unwrap()).await.unwrap();
    let all = blobs.list().await.unwrap();
    for (id, finished) in &all {
        if *finished {
            assert!(named.contains(id), "blob {id} is finished but no attachment names it");
        }
    }
    for id in &named {
        assert!(all.iter().any(|(blob, finished)| blob == id && *finished), "attachment blob {id} is missing");
    }
    if matches!(blobs, BlobStore::Files { .. }) {
        assert!(all.iter().all(|(_, finished)| *finished), "unfinished uploads are swept at start");
    }
}

#[tokio::test]
async fn tips_survive_sigkill_ten_times_and_no_blob_is_orphaned() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::fresh(dir.path()).await;
    let url = database.url();
    let mut add = command(&url, dir.path());
    add.args([
        "user",
        "add",
        "--username",
        "li.wei",
        "--role",
        "officer",
        "--department",
        "emergency",
        "--password-stdin",
    ])
    .stdin(Stdio::piped());
    let mut adding = add.spawn().unwrap();
    std::io::Write::write_all(&mut adding.stdin.take().unwrap(), b"correct horse battery staple\n").unwrap();
    assert!(adding.wait().unwrap().success(), "the first official is created");

    let mut server = start(&url, dir.path()).await;
    let mut total = 0;
    for round in 0..ROUNDS {
        let told = Arc::new(Mutex::new(Vec::new()));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| tokio::spawn(client_until_killed(server.address.clone(), round, c, told.clone())))
            .collect();
        // Somewhere in the middle of the traffic, a different moment each round: once a few
        // receipts are out (however slow the machine is today), and a little later each round.
        let waiting = std::time::Instant::now();
        while told.lock().unwrap().len() < 3 + round as usize {
            assert!(waiting.elapsed() < Duration::from_secs(120), "round {round}: no tips were filed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100 + 60 * round)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for client in clients {
            client.await.unwrap();
        }
        let told = told.lock().unwrap().clone();
        assert!(!told.is_empty(), "round {round}: tips were filed before the kill");
        let uploads = told.iter().filter(|(_, attachment)| attachment.is_some()).count();
        eprintln!("round {round}: {} receipts and {uploads} uploads answered before SIGKILL", told.len());
        total += told.len();

        server = start(&url, dir.path()).await;
        everything_told_is_there(&server.address, &told).await;
        let store = Store::connect(&jubao::configuration::DatabaseUrl::parse(&url).unwrap()).await.unwrap();
        let blobs = BlobStore::open(&store, &dir.path().join("data")).unwrap();
        no_orphan_blobs(&store, &blobs).await;
        if let BlobStore::Database { .. } = blobs {
            // Uploads cut off by the kill stay unfinished until they are a day old (another
            // instance may be receiving a slow one); the sweep then takes them all.
            blobs.sweep_partials(now() + 2 * 86_400, false).await.unwrap();
            assert!(blobs.list().await.unwrap().iter().all(|(_, finished)| *finished), "round {round}");
        }
        store.close().await;
    }
    assert!(total >= ROUNDS as usize * 5, "enough traffic to mean something: {total} tips");
    drop(server);
}
