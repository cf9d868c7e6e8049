//! The portal stays up for everyone while one client attacks it (SECURITY.md, "Availability"):
//! a crafted image, a flood of sign-ins, trickling bodies, message and upload floods, a full
//! disk. And nothing tells an official of another department whether a reference exists.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    act, client_from, csrf_of, pdf_of, reporter_bearer, reporter_tip, spawn_app, spawn_app_with, try_upload,
    upload_evidence,
};

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// A HEIF whose `iloc` gives `items` Exif items `extents` extents each, with offset and
/// length fields of size 0 (offset 0, length "to the end of the file"), then `padding`
/// bytes of `mdat`: the upload that held the old stripper for 49 s.
pub fn heif_bomb(items: u16, extents: u16, padding: usize) -> Vec<u8> {
    fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(payload.len() + 8).unwrap().to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(payload);
        b
    }
    let mut iinf = vec![0, 0, 0, 0];
    iinf.extend_from_slice(&items.to_be_bytes());
    let mut iloc = vec![1, 0, 0, 0, 0x00, 0x00];
    iloc.extend_from_slice(&items.to_be_bytes());
    for id in 1..=items {
        let mut infe = vec![2, 0, 0, 0];
        infe.extend_from_slice(&id.to_be_bytes());
        infe.extend_from_slice(&[0, 0]);
        infe.extend_from_slice(b"Exif\0");
        iinf.extend(boxed(b"infe", &infe));
        iloc.extend_from_slice(&id.to_be_bytes());
        iloc.extend_from_slice(&[0, 0, 0, 0]); // construction method 0, data reference 0
        iloc.extend_from_slice(&extents.to_be_bytes()); // and no bytes per extent
    }
    let mut meta = vec![0, 0, 0, 0];
    meta.extend(boxed(b"iinf", &iinf));
    meta.extend(boxed(b"iloc", &iloc));
    let mut file = boxed(b"ftyp", b"heic\0\0\0\0mif1heic");
    file.extend(boxed(b"meta", &meta));
    file.extend(boxed(b"mdat", &vec![0x55; padding]));
    file
}

#[tokio::test]
async fn a_crafted_heif_is_refused_at_once_and_intake_goes_on() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("证据炸弹").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    let bomb = heif_bomb(600, u16::MAX, 64 * 1024);
    assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
    let upload = try_upload(&app.address, &bearer, "IMG_0001.HEIC", bomb);
    let (uploaded, filed) = tokio::join!(upload, async { app.file_tip("同时提交的举报").await });
    assert_eq!(uploaded.status(), 422, "refused, not worked through");
    let body: serde_json::Value = uploaded.json().await.unwrap();
    assert_eq!(body["error"]["code"], "file_too_complex", "{body}");
    assert!(body["error"]["message_zh"].as_str().unwrap().contains("文件结构过于复杂"), "{body}");
    assert!(filed["reference"].is_string());
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_sign_in_flood_neither_starves_the_database_nor_intake() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    // 20 wrong passwords from each of 4 addresses, each for a name of its own: within every
    // per-client limit, all paying the 128 MiB derivation.
    let mut flood = Vec::new();
    for client in 0..4u8 {
        for attempt in 0..20 {
            let http = client_from(Some(loopback(20 + client)));
            let url = app.url("/api/v1/staff/session");
            flood.push(tokio::spawn(async move {
                let response = http
                    .post(url)
                    .json(&json!({"username": format!("guess.{client}.{attempt}"), "password": "wrong password here", "totp": "000000"}))
                    .send()
                    .await
                    .unwrap();
                (response.status().as_u16(), response.headers().contains_key("retry-after"))
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let filed = app.file_tip("登录洪泛时的举报").await;
    assert!(filed["reference"].is_string(), "a tip is filed meanwhile");
    assert_eq!(client_from(None).get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let mut answers = Vec::new();
    for job in flood {
        answers.push(job.await.unwrap());
    }
    let unexpected: Vec<_> = answers.iter().filter(|(status, _)| !matches!(status, 401 | 429)).collect();
    assert!(unexpected.is_empty(), "no 5xx, only refusals: {unexpected:?}");
    assert!(answers.iter().filter(|(s, _)| *s == 429).all(|(_, retry)| *retry), "every 429 says when to retry");
}

async fn raw_connection(app_address: &str, from: IpAddr) -> tokio::net::TcpStream {
    let target: SocketAddr = app_address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    socket.connect(target).await.unwrap()
}

/// Sends the headers of a `POST /report` that announces 10 000 bytes.
async fn start_trickle(stream: &mut tokio::net::TcpStream) {
    let head = "POST /report HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
}

async fn status_line(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(within, stream.read(&mut answer)).await.ok()?.ok()?;
    let text = String::from_utf8_lossy(&answer[..read]).into_owned();
    text.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn a_trickling_body_is_cut_and_one_host_cannot_hold_the_portal() {
    let app = spawn_app_with(|s| {
        s.limits.request_timeout_seconds = std::num::NonZeroU32::new(2).unwrap();
    })
    .await;
    // One byte a second: cut at the deadline with 408, the connection closed.
    let mut slow = raw_connection(&app.address, loopback(30)).await;
    start_trickle(&mut slow).await;
    let (mut read_half, mut write_half) = slow.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..10 {
            if write_half.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(6), read_half.read(&mut answer)).await;
    let line = match read {
        Ok(Ok(n)) => String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned(),
        other => format!("no answer: {other:?}"),
    };
    assert!(line.contains("408"), "{line:?}");
    trickle.abort();

    // The cap of requests in progress per client.
    let app = spawn_app_with(|s| {
        s.limits.connections_per_client = std::num::NonZeroU32::new(4).unwrap();
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = raw_connection(&app.address, loopback(32)).await;
        start_trickle(&mut stream).await;
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut one_more = raw_connection(&app.address, loopback(32)).await;
    start_trickle(&mut one_more).await;
    let line = status_line(&mut one_more, Duration::from_secs(3)).await.unwrap_or_default();
    assert!(line.contains("429"), "refused at once: {line:?}");
    let other = client_from(Some(loopback(33)));
    assert_eq!(other.get(app.url("/healthz")).send().await.unwrap().status(), 200, "others are served");
    assert_eq!(other.get(app.url("/report")).send().await.unwrap().status(), 200);
    drop(held);
}

#[tokio::test]
async fn a_reporter_sends_so_many_messages_a_day() {
    let app = spawn_app_with(|s| s.limits.messages_per_tip_per_day = std::num::NonZeroU32::new(3).unwrap()).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("留言配额").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    let send = |body: &'static str| {
        client_from(None)
            .post(app.url("/api/v1/reporter/messages"))
            .header("authorization", bearer.clone())
            .json(&json!({ "body": body }))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(send("补充一点情况").await.unwrap().status(), 201);
    }
    let refused = send("第四条").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "quota");
    assert!(body["error"]["message_zh"].as_str().unwrap().contains("每日上限"));
    // On the page, the refused message comes back to be sent later.
    let page = crate::helpers::track_page(&app, &receipt).await;
    assert!(page.contains("补充一点情况"));
    let phone = client_from(None);
    let opened = crate::helpers::post_page_form(
        &phone,
        &app,
        "/track",
        &[
            ("reference", receipt["reference"].as_str().unwrap()),
            ("query_code", receipt["query_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(opened.status(), 303);
    let status = phone.get(app.url("/track/status")).send().await.unwrap().text().await.unwrap();
    let response = phone
        .post(app.url("/track/messages"))
        .form(&[("csrf", csrf_of(&status).as_str()), ("body", "一段不想丢失的留言")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let page = response.text().await.unwrap();
    assert!(page.contains("一段不想丢失的留言") && page.contains("每日上限"), "the draft is kept");
}

#[tokio::test]
async fn evidence_per_client_is_capped_by_the_hour() {
    let app = spawn_app_with(|s| {
        s.limits.evidence_mib_per_client_per_hour = std::num::NonZeroU32::new(3).unwrap();
    })
    .await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("证据配额").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    // A 1.5 MiB file begins two MiB of the allowance, a small one a third.
    upload_evidence(&app.address, &bearer, "a.pdf", pdf_of(1_500_000, "a")).await;
    upload_evidence(&app.address, &bearer, "b.pdf", pdf_of(10_000, "b")).await;
    let refused = try_upload(&app.address, &bearer, "c.pdf", pdf_of(10_000, "c")).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(stored, 2);
}

async fn upload_status(app: &crate::helpers::TestApp, bearer: &str) -> (u16, serde_json::Value) {
    let response = try_upload(&app.address, bearer, "r.pdf", pdf_of(10_000, "room")).await;
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn without_room_uploads_get_507_and_tips_still_go_in() {
    // A floor no disk reaches.
    let app = spawn_app_with(|s| s.limits.min_free_disk_mib = u64::MAX / (1 << 21)).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("磁盘将满").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    let (status, body) = upload_status(&app, &bearer).await;
    assert_eq!(status, 507, "{body}");
    assert!(body["error"]["message_zh"].as_str().unwrap().contains("不带文件的举报"));
    let health = app.get_json("/healthz").await;
    assert_eq!(health, json!({"status": "ok", "uploads": "refused", "reason": "disk_low"}));
    assert!(app.file_tip("仍可提交").await["reference"].is_string(), "a tip without files is taken");
    // On the status page, the refusal is shown beside the file field.
    let page = crate::helpers::track_page(&app, &receipt).await;
    let phone_csrf = csrf_of(&page);
    assert!(!phone_csrf.is_empty());

    // A database above its cap (where PostgreSQL keeps the evidence) does the same.
    let app = spawn_app_with(|s| s.limits.max_database_mib = 1).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("数据库已满").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    // A database that has grown past a mebibyte (PostgreSQL's is larger from the start).
    let blob = if app.on_postgres() { "BYTEA" } else { "BLOB" };
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE TABLE ballast (b {blob})")))
        .execute(app.store.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO ballast (b) VALUES ($1)")
        .bind(vec![7u8; 2 * 1024 * 1024])
        .execute(app.store.pool())
        .await
        .unwrap();
    assert_eq!(upload_status(&app, &bearer).await.0, 507);
    assert_eq!(app.get_json("/healthz").await["reason"], "database_full");
    let app = spawn_app().await;
    assert_eq!(app.get_json("/healthz").await, json!({"status": "ok", "uploads": "accepted"}));
}

#[tokio::test]
async fn another_departments_reference_is_not_told_from_none() {
    let app = spawn_app().await;
    let emergency = app.official("li.wei", "officer", Some("emergency")).await;
    let fire = app.official("zhou.fire", "officer,head", Some("fire")).await;
    let theirs = app.file_tip("应急部门的举报").await;
    let theirs = theirs["reference"].as_str().unwrap();
    let nobodys = "ZZZZZZZZZZ";
    let fire_bearer = app.bearer(&fire, false).await;
    let _ = app.bearer(&emergency, false).await;
    let get = |path: String| {
        let bearer = fire_bearer.clone();
        let url = app.url(&path);
        async move {
            let response = client_from(None).get(url).header("authorization", bearer).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let same = |a: (u16, String), b: (u16, String), what: &str| {
        assert_eq!(a, b, "{what}: an existing reference of another department answers as an unknown one");
    };
    same(get(format!("/api/v1/staff/tips/{theirs}")).await, get(format!("/api/v1/staff/tips/{nobodys}")).await, "case");
    let (status, _) = get(format!("/api/v1/staff/tips/{theirs}")).await;
    assert_eq!(status, 403, "CONTRACT.md: 403 for a tip the official cannot open");
    same(
        get(format!("/api/v1/staff/tips/{theirs}/attachments/x")).await,
        get(format!("/api/v1/staff/tips/{nobodys}/attachments/x")).await,
        "attachment",
    );
    let accept = json!({"action": "accept"});
    same(
        {
            let (s, b) = act(&app, &fire_bearer, theirs, accept.clone()).await;
            (s, b.to_string())
        },
        {
            let (s, b) = act(&app, &fire_bearer, nobodys, accept.clone()).await;
            (s, b.to_string())
        },
        "action",
    );
    // Linking one of fire's own tips to another department's reference, or to none.
    let own_tip = jubao::service::tips::file(
        &app.store,
        crate::helpers::tip_about("fire-crowded-place", "火灾", false),
        crate::helpers::now(),
    )
    .await
    .unwrap();
    let own_ref = own_tip.reference.to_string();
    let (status, _) = act(&app, &fire_bearer, &own_ref, json!({"action": "accept"})).await;
    assert_eq!(status, 200, "fire works its own tip");
    let link = |to: &str| json!({"action": "link_duplicate", "of": to});
    let a = act(&app, &fire_bearer, &own_ref, link(theirs)).await;
    let b = act(&app, &fire_bearer, &own_ref, link(nobodys)).await;
    assert_eq!(a, b, "link target");
    assert_eq!(a.0, 422);
    // The staff page of the case.
    let (browser, _) = app.staff_browser(&fire, true).await;
    let page = |r: String| {
        let browser = browser.clone();
        let url = app.url(&format!("/staff/tips/{r}"));
        async move {
            let response = browser.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    same(page(theirs.to_owned()).await, page(nobodys.to_owned()).await, "case page");
}

#[tokio::test]
async fn page_numbers_out_of_range_are_refused_clearly() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let bearer = app.bearer(&officer, false).await;
    for page in ["9223372036854775807", "0", "-1", "1000001", "abc"] {
        let response = client_from(None)
            .get(app.url(&format!("/api/v1/staff/tips?page={page}")))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "page={page}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["error"]["message_zh"].is_string(), "{body}");
    }
    let ok = client_from(None)
        .get(app.url("/api/v1/staff/tips?page=1000000"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "the last page one may ask for is empty, not an error");
    let (browser, _) = app.staff_browser(&officer, true).await;
    let response = browser.get(app.url("/staff?page=9223372036854775807")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("页码应在 1 到 1000000 之间"));
}

#[tokio::test]
async fn invisible_characters_do_not_reach_the_case() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let sneaky = "井下\u{200B}通风\u{200F}不足\u{061C}，\u{FEFF}请\u{2028}核查";
    let response = client_from(None)
        .post(app.url("/api/v1/tips"))
        .json(&crate::helpers::api_tip(sneaky, &format!("{sneaky}，这是一段足够长的举报内容。")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let receipt: serde_json::Value = response.json().await.unwrap();
    let bearer = reporter_bearer(&app.address, &receipt).await;
    let tip = reporter_tip(&app.address, &bearer).await;
    let text = tip.to_string();
    for c in ['\u{200B}', '\u{200F}', '\u{061C}', '\u{FEFF}', '\u{2028}'] {
        assert!(!text.contains(c), "U+{:04X} is still there", u32::from(c));
    }
    assert!(text.contains("井下通风不足，请 核查"), "{text}");
}

#[cfg(unix)]
#[tokio::test]
async fn what_is_stored_is_private_to_the_service() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("文件权限").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    upload_evidence(&app.address, &bearer, "p.pdf", pdf_of(5_000, "mode")).await;
    // A photo is cleaned by way of the spool, which it leaves empty.
    let photo = include_bytes!("../fixtures/photo-gps.jpg").to_vec();
    upload_evidence(&app.address, &bearer, "photo.jpg", photo).await;
    let spooled = std::fs::read_dir(app.data_dir.join("spool")).unwrap().count();
    assert_eq!(spooled, 0, "nothing waits in the spool once a file is cleaned");
    let mut stack = vec![app.data_dir.clone()];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", path.display());
                seen += 1;
            }
        }
    }
    // On SQLite the database and the blob are files here; PostgreSQL keeps both itself.
    assert!(seen >= 2 || app.on_postgres(), "files were looked at: {seen}");
}
