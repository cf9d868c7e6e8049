//! `spawn_app()` and the helpers that hide HTTP details from the tests.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use jubao::configuration::{DatabaseUrl, LogFilter, Settings};
use jubao::domain::Id;
use jubao::startup::Application;
use jubao::store::Store;
use sqlx::{Connection, Executor};
use tempfile::TempDir;

/// Every log line the application wrote during this test run.
static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Capture(buffer.clone());
    // The production default for everyone else, everything of our own; `JUBAO_TEST_LOG_FILTER`
    // widens it (`sqlx::query=debug` logs every statement, which `queries` counts).
    let directives = std::env::var("JUBAO_TEST_LOG_FILTER").unwrap_or_else(|_| "info,jubao=trace".to_owned());
    let filter = LogFilter::new(&directives).unwrap();
    jubao::telemetry::init(&filter, move || sink.clone());
    buffer
});

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = std::io::stdout().write_all(buf);
        }
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// All log output so far, as text.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// A database of its own for one test.
pub enum TestDatabase {
    Sqlite { path: PathBuf },
    Postgres { url: String, admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh SQLite file in `dir`, or a fresh PostgreSQL database on the server that
    /// `JUBAO_TEST_POSTGRES_URL` names.
    pub async fn fresh(dir: &Path) -> Self {
        match std::env::var("JUBAO_TEST_POSTGRES_URL") {
            Ok(admin_url) => {
                let name = format!("jubao_test_{}", Id::random());
                let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("JUBAO_TEST_POSTGRES_URL answers");
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).await.unwrap();
                conn.close().await.unwrap();
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&format!("/{name}"));
                TestDatabase::Postgres { url: url.to_string(), admin_url, name }
            }
            Err(_) => TestDatabase::Sqlite { path: dir.join("data").join("jubao.db") },
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { path } => format!("sqlite://{}", path.display()),
            TestDatabase::Postgres { url, .. } => url.clone(),
        }
    }

    /// Every value stored in the database as text, for looking for what must not be there.
    /// SQLite: the raw bytes of the database file and its WAL are searched by the caller.
    pub async fn dump(&self) -> String {
        match self {
            TestDatabase::Sqlite { .. } => String::new(),
            TestDatabase::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                let mut all = String::new();
                for table in tables {
                    let rows: Vec<String> =
                        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT CAST(t AS TEXT) FROM {table} t")))
                            .fetch_all(&mut conn)
                            .await
                            .unwrap();
                    all.push_str(&rows.join("\n"));
                }
                all
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name, .. } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Best effort, on a thread of its own: Drop cannot wait on the test's runtime.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = conn
                            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub settings: Settings,
    /// The same database the application uses, for the service layer and for looking at rows.
    pub store: Store,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub database: TestDatabase,
    /// Holds the data directory until the test ends.
    pub _dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As `spawn_app`, with settings changed first (limits, trusted proxies…).
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&LOGS);
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::fresh(dir.path()).await;
    let mut settings = Settings::defaults().unwrap();
    // Tests file many tips from one address; the limit tests set their own.
    settings.limits.tips_per_client_per_hour = std::num::NonZeroU32::new(10_000).unwrap();
    settings.limits.reporter_logins_per_client_per_minute = std::num::NonZeroU32::new(10_000).unwrap();
    // Every test talks from 127.0.0.1, some with many requests at once; the disk of a test
    // machine may be nearly full. The availability tests set their own.
    settings.limits.connections_per_client = std::num::NonZeroU32::new(10_000).unwrap();
    settings.limits.evidence_mib_per_client_per_hour = std::num::NonZeroU32::new(1_000_000).unwrap();
    settings.limits.messages_per_tip_per_day = std::num::NonZeroU32::new(10_000).unwrap();
    settings.limits.min_free_disk_mib = 0;
    change(&mut settings);
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.data_dir = dir.path().join("data");
    settings.set_database_url(DatabaseUrl::parse(&database.url()).unwrap());
    let app = Application::build(settings.clone()).await.expect("the application starts");
    let port = app.port();
    let store = app.store().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        settings,
        store,
        client: client_from(None),
        data_dir: dir.path().join("data"),
        database,
        _dir: dir,
    }
}

/// A client that never follows redirects and keeps cookies, optionally bound to a source
/// address.
pub fn client_from(source: Option<IpAddr>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true);
    if let Some(ip) = source {
        builder = builder.local_address(ip);
    }
    builder.build().unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// Every byte under the data directory (SQLite database, WAL, blobs, outbox) plus, on
    /// PostgreSQL, every stored value as text.
    pub async fn everything_stored(&self) -> Vec<u8> {
        let mut all = Vec::new();
        let mut stack = vec![self.data_dir.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    all.extend(std::fs::read(&path).unwrap());
                }
            }
        }
        all.extend(self.database.dump().await.into_bytes());
        all
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The password every test official has.
pub const PASSWORD: &str = "correct horse battery staple";

pub fn now() -> i64 {
    jubao::store::unix_now()
}

impl TestApp {
    /// Creates an official with `PASSWORD` and signs them in.
    pub async fn official(&self, username: &str, roles: &str, department: Option<&str>) -> Official {
        use jubao::service::officials::{self, NewOfficial};
        let created = officials::create(
            &self.store,
            NewOfficial {
                username: jubao::domain::Username::parse(username).unwrap(),
                roles: jubao::domain::Roles::parse(roles).unwrap(),
                department: department.map(|d| jubao::domain::Code::parse(d).unwrap()),
                email: None,
                password: jubao::auth::Password::new(PASSWORD.to_owned()).unwrap(),
            },
            now(),
        )
        .await
        .unwrap();
        let signed_in = self.sign_in(username).await;
        Official { created, signed_in }
    }

    pub async fn sign_in(&self, username: &str) -> jubao::service::officials::SignedIn {
        jubao::service::officials::sign_in(
            &self.store,
            username,
            jubao::auth::Password::new(PASSWORD.to_owned()).unwrap(),
        )
        .await
        .unwrap()
    }
}

pub struct Official {
    pub created: jubao::service::officials::Created,
    pub signed_in: jubao::service::officials::SignedIn,
}

/// A tip about `category` whose every text contains `canary`.
pub fn tip_about(category: &str, canary: &str, identity: bool) -> jubao::service::tips::NewTip {
    use jubao::domain::report::{Identity, Report};
    jubao::service::tips::NewTip {
        kind: jubao::domain::Kind::MajorHazard,
        category: jubao::domain::Code::parse(category).unwrap(),
        district: jubao::domain::Code::parse("500103").unwrap(),
        channel: jubao::domain::Channel::Web,
        report: Report {
            title: format!("Blocked exits {canary}"),
            description: format!("The fire exits of workshop 3 are chained shut. {canary}"),
            location: format!("Workshop 3, Jiefangbei {canary}"),
            company: Some(format!("Example Chemicals Ltd {canary}")),
            credit_code: None,
            occurred_on: Some("2026-11-20".to_owned()),
            supervisory_duty: false,
        },
        identity: identity.then(|| Identity {
            name: format!("Zhang San {canary}"),
            phone: Some("13800000000".to_owned()),
            email: None,
            id_number: Some(format!("ID-{canary}")),
        }),
        poster_id: None,
    }
}

/// The text of the first element with `class="…{class}…"` in a page.
pub fn text_of_class(html: &str, class: &str) -> Option<String> {
    let marker = format!("class=\"{class}\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_owned())
}

/// The value of the hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The fields of a good tip as the HTML form posts them.
pub fn form_fields(title: &str, description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "major_hazard".into()),
        ("category", "mine".into()),
        ("district", "500103".into()),
        ("title", title.into()),
        ("description", description.into()),
        ("location", "某某煤矿三号井".into()),
        ("company", "某某煤业有限公司".into()),
        ("credit_code", String::new()),
        ("occurred_on", "2026-11-20".into()),
        ("agree", "true".into()),
    ]
}

/// A good tip for the JSON API.
pub fn api_tip(title: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": "violation", "category": "mine", "district": "500103", "title": title,
        "description": description, "location": "某某煤矿三号井", "supervisory_duty": false
    })
}

/// A TOTP code of an official for now (`later`: for the next 30-second step, so one test may
/// sign the same official in twice; a code is accepted only once).
pub fn totp_now(official: &Official, later: bool) -> String {
    let at = u64::try_from(now()).unwrap() + if later { 30 } else { 0 };
    jubao::auth::totp::code_at(&official.created.enrolment.secret_base32, at).unwrap()
}

impl TestApp {
    /// A bearer token from `POST /api/v1/staff/session`.
    pub async fn bearer(&self, official: &Official, later: bool) -> String {
        staff_bearer(&self.address, official, later).await
    }
}

/// A bearer token from `POST /api/v1/staff/session` at `base` (an instance's address).
pub async fn staff_bearer(base: &str, official: &Official, later: bool) -> String {
    let response = client_from(None)
        .post(format!("{base}/api/v1/staff/session"))
        .json(&serde_json::json!({
            "username": official.signed_in.username,
            "password": PASSWORD,
            "totp": totp_now(official, later),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{} signs in", official.signed_in.username);
    let body: serde_json::Value = response.json().await.unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

impl TestApp {
    /// A cookie-keeping client signed in on the staff pages, with its form token.
    pub async fn staff_browser(&self, official: &Official, later: bool) -> (reqwest::Client, String) {
        let client = client_from(None);
        let response = post_page_form(
            &client,
            self,
            "/staff/login",
            &[
                ("username", official.signed_in.username.as_str()),
                ("password", PASSWORD),
                ("totp", totp_now(official, later).as_str()),
            ],
        )
        .await;
        assert_eq!(response.status(), 303, "{} signs in", official.signed_in.username);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        let token = cookie.strip_prefix("jubao_staff=").unwrap().split(';').next().unwrap();
        let csrf = jubao::web::auth::csrf_token(&jubao::crypto::session::SessionToken::parse(token).unwrap());
        (client, csrf)
    }

    /// Has `approver` approve every pending holder of the groups they belong to.
    pub async fn approve_pending(&self, approver: &Official) {
        use jubao::crypto::{self, Holds, Key, KeyRole, Recovery, User};
        use jubao::domain::KeyGroup;
        async fn approve<G: KeyRole>(
            tx: &mut jubao::store::WriteTx,
            group: &KeyGroup,
            id: &str,
            key: &Key<User>,
            holder: &str,
        ) where
            User: Holds<G>,
            Recovery: Holds<G>,
        {
            jubao::service::groups::approve::<G>(tx, group, id, key, holder, now()).await.unwrap();
        }
        let groups: Vec<String> =
            sqlx::query_scalar("SELECT key_group FROM key_holders WHERE user_id = $1 AND state = 'active'")
                .bind(&approver.signed_in.user_id)
                .fetch_all(self.store.pool())
                .await
                .unwrap();
        for name in groups {
            let pending: Vec<String> =
                sqlx::query_scalar("SELECT id FROM key_holders WHERE key_group = $1 AND state = 'pending'")
                    .bind(&name)
                    .fetch_all(self.store.pool())
                    .await
                    .unwrap();
            let group = KeyGroup::parse(&name).unwrap();
            for holder in pending {
                let mut tx = self.store.begin().await.unwrap();
                let (id, key) = (&approver.signed_in.user_id, &approver.signed_in.key);
                match &group {
                    KeyGroup::Department(_) => approve::<crypto::Department>(&mut tx, &group, id, key, &holder).await,
                    KeyGroup::Custodians => approve::<crypto::Custodian>(&mut tx, &group, id, key, &holder).await,
                    KeyGroup::Finance => approve::<crypto::Finance>(&mut tx, &group, id, key, &holder).await,
                    KeyGroup::Matching => approve::<crypto::Matching>(&mut tx, &group, id, key, &holder).await,
                }
                tx.commit().await.unwrap();
            }
        }
    }

    /// Files a tip through the API and returns its receipt.
    pub async fn file_tip(&self, title: &str) -> serde_json::Value {
        self.file_tip_saying(title, "这是一段足够长的举报内容，用于测试。").await
    }

    /// As `file_tip`, with a description of its own.
    pub async fn file_tip_saying(&self, title: &str, description: &str) -> serde_json::Value {
        let response =
            client_from(None).post(self.url("/api/v1/tips")).json(&api_tip(title, description)).send().await.unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }
}

/// `POST /api/v1/staff/tips/{reference}/actions` as `bearer`; returns status and body.
pub async fn act(app: &TestApp, bearer: &str, reference: &str, action: serde_json::Value) -> (u16, serde_json::Value) {
    let response = client_from(None)
        .post(app.url(&format!("/api/v1/staff/tips/{reference}/actions")))
        .header("authorization", bearer)
        .json(&action)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// Department, district, category, kind, status; tips, concluded, seconds to conclude.
type CountRow = (String, String, String, String, String, i64, i64, i64);

/// The counts the triggers keep (migration 0006) equal a fresh count of the tips.
pub async fn assert_counts_match(app: &TestApp) {
    let grouped = "department_code, district_code, category_code, kind, status";
    let kept: Vec<CountRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {grouped}, tips, concluded, conclude_seconds FROM tip_counts WHERE tips <> 0 ORDER BY {grouped}"
    )))
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    let counted: Vec<CountRow> = sqlx::query_as(sqlx::AssertSqlSafe(
        format!(
            "SELECT {grouped}, CAST(COUNT(*) AS BIGINT), CAST(SUM(CASE WHEN concluded_at IS NULL THEN 0 ELSE 1 END) AS BIGINT), \
             CAST(COALESCE(SUM(concluded_at - received_at), 0) AS BIGINT) FROM tips GROUP BY {grouped} ORDER BY {grouped}"
        ),
    ))
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(kept, counted, "tip_counts has drifted from the tips");
}

impl TestApp {
    /// Another instance of the portal on the same database with a data directory of its own,
    /// as a second machine behind a load balancer: its address, and the directory to hold.
    pub async fn second_instance(&self) -> (String, TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".parse().unwrap();
        settings.data_dir = dir.path().join("data");
        let app = Application::build(settings).await.expect("the second instance starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        (address, dir)
    }

    pub fn on_postgres(&self) -> bool {
        matches!(self.database, TestDatabase::Postgres { .. })
    }
}

/// The `jubao` binary with nothing configured but the database and the data directory.
pub fn jubao_cli(database_url: &str, data_dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_jubao"));
    command.env_clear().env("JUBAO_DATABASE_URL", database_url).env("JUBAO_DATA_DIR", data_dir);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// Runs a command to its end: (success, stdout, stderr).
pub fn run(command: &mut std::process::Command) -> (bool, String, String) {
    let output = command.output().expect("the command runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

impl TestApp {
    /// `jubao` on this application's database and data directory.
    pub fn cli(&self) -> std::process::Command {
        jubao_cli(&self.database.url(), &self.data_dir)
    }
}

/// A reporter's bearer token at `base` (an instance's address) from a receipt.
pub async fn reporter_bearer(base: &str, receipt: &serde_json::Value) -> String {
    let session = client_from(None)
        .post(format!("{base}/api/v1/reporter/session"))
        .json(&serde_json::json!({"reference": receipt["reference"], "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200, "the receipt opens a session at {base}");
    let body: serde_json::Value = session.json().await.unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

/// `GET /api/v1/reporter/tip` at `base` with a reporter's bearer token.
pub async fn reporter_tip(base: &str, bearer: &str) -> serde_json::Value {
    let tip = client_from(None)
        .get(format!("{base}/api/v1/reporter/tip"))
        .header("authorization", bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(tip.status(), 200, "the reporter's tip at {base}");
    tip.json().await.unwrap()
}

/// Sends `bytes` as the reporter's evidence at `base`, whatever the answer.
pub async fn try_upload(base: &str, bearer: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    try_upload_to(base, "/api/v1/reporter/attachments", bearer, name, bytes).await
}

/// As `try_upload`, to `path` (with its query, e.g. `?keep_original=true`).
pub async fn try_upload_to(base: &str, path: &str, bearer: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    client_from(None)
        .post(format!("{base}{path}"))
        .header("authorization", bearer)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as the reporter's evidence at `base`; returns the attachment's id.
pub async fn upload_evidence(base: &str, bearer: &str, name: &str, bytes: Vec<u8>) -> String {
    let uploaded = try_upload(base, bearer, name, bytes).await;
    assert_eq!(uploaded.status(), 201, "evidence upload at {base}");
    let body: serde_json::Value = uploaded.json().await.unwrap();
    body["attachments"][0].as_str().unwrap().to_owned()
}

/// A one-page PDF of about `size` bytes whose page shows `marker`, already in the form the
/// portal's cleaning gives it, so that it is stored byte for byte as sent.
pub fn pdf_of(size: usize, marker: &str) -> Vec<u8> {
    let mut content = format!("BT /F1 12 Tf 40 760 Td ({marker}) Tj ET\n").into_bytes();
    // Comments in a content stream are ignored by readers: they make up the size.
    while content.len() + 400 < size {
        let line = size - content.len() - 400;
        content.extend_from_slice(b"%");
        content.resize(content.len() + line.min(1000), b'.');
        content.push(b'\n');
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".as_bytes().to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_vec(),
        [format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(), content, b"\nendstream".to_vec()].concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    jubao::evidence::strip_metadata(jubao::evidence::FileKind::Pdf, &pdf).expect("the test PDF is readable")
}

/// Posts the form of a page used before any session (`/staff/login`, `/track`) as a browser
/// does: the page first (its form token and the cookie behind it), then the form.
pub async fn post_page_form(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    client.post(app.url(path)).form(&form).send().await.unwrap()
}

/// The reporter's status page (`/track/status`) after signing in with a receipt on `/track`.
pub async fn track_page(app: &TestApp, receipt: &serde_json::Value) -> String {
    let phone = client_from(None);
    let opened = post_page_form(
        &phone,
        app,
        "/track",
        &[
            ("reference", receipt["reference"].as_str().unwrap()),
            ("query_code", receipt["query_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(opened.status(), 303, "the receipt opens the status page");
    phone.get(app.url("/track/status")).send().await.unwrap().text().await.unwrap()
}
