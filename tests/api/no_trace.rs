//! A visitor leaves no trace: not their address, user agent, query string or the values in
//! the path, in the logs or anywhere in the database, blobs or outbox — and what they report
//! is stored sealed only.

use crate::helpers::{captured_logs, client_from, contains, csrf_of, form_fields, spawn_app};

const VISITOR: &str = "127.0.0.77";
const AGENT: &str = "agent-canary-5e1f";
const QUERY: &str = "query-canary-9b2c";
const PATH: &str = "path-canary-41d7";
const TEXT: &str = "tip-text-canary-c0d3";
const MESSAGE: &str = "message-canary-88aa";
const FILE_NAME: &str = "file-name-canary-3e3e.pdf";
const FILE_BODY: &str = "file-body-canary-5151";

#[tokio::test]
async fn a_visitor_from_a_distinctive_address_leaves_no_trace() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let visitor = reqwest::Client::builder()
        .local_address(VISITOR.parse::<std::net::IpAddr>().unwrap())
        .user_agent(AGENT)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let _ = client_from(None);
    let requests = [
        ("GET", format!("/?utm={QUERY}")),
        ("GET", "/healthz".to_owned()),
        ("GET", format!("/api/v1/reference?x={QUERY}")),
        ("GET", "/api/v1/openapi.json".to_owned()),
        ("GET", format!("/{PATH}")),
        ("GET", format!("/api/v1/{PATH}")),
        ("GET", format!("/lang/en?next=/{PATH}")),
        ("POST", "/api/v1/reference".to_owned()),
        ("GET", format!("/q/{PATH}")),
    ];
    for (method, path) in &requests {
        let response = visitor
            .request(method.parse().unwrap(), app.url(path))
            .header("x-forwarded-for", "127.0.0.78")
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500, "{method} {path}");
    }

    // File, follow, message and upload, all from the same address.
    let filed = visitor
        .post(app.url(&format!("/report?from={QUERY}")))
        .form(&form_fields(&format!("title {TEXT}"), &format!("what happened {TEXT} in detail")))
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status(), 303, "filed; the receipt follows");
    let receipt = visitor.get(app.url("/track/receipt")).send().await.unwrap();
    assert_eq!(receipt.status(), 200);
    let status = visitor.get(app.url("/track/status")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&status);
    let sent = visitor
        .post(app.url("/track/messages"))
        .form(&[("csrf", csrf.as_str()), ("body", MESSAGE)])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    let file = reqwest::multipart::Part::bytes(crate::helpers::pdf_of(1000, FILE_BODY)).file_name(FILE_NAME);
    let uploaded = visitor
        .post(app.url("/track/attachments"))
        .multipart(reqwest::multipart::Form::new().text("csrf", csrf).part("file", file))
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 303);

    let logs = captured_logs();
    assert!(logs.contains("jubao::http"), "requests are logged at all");
    assert!(logs.contains("route=\"/track/attachments\""), "the upload was logged");
    let stored = app.everything_stored().await;
    for canary in [VISITOR, "127.0.0.78", AGENT, QUERY, PATH, TEXT, MESSAGE, FILE_NAME, FILE_BODY] {
        assert!(!logs.contains(canary), "{canary} is in the logs");
        assert!(!contains(&stored, canary), "{canary} is in the database or data directory");
    }
}
