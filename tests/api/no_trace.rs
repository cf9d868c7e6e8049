//! A visitor leaves no trace: not their address, user agent, query string or the values in
//! the path, in the logs or anywhere in the database.

use crate::helpers::{captured_logs, client_from, contains, spawn_app};

const VISITOR: &str = "127.0.0.77";
const AGENT: &str = "agent-canary-5e1f";
const QUERY: &str = "query-canary-9b2c";
const PATH: &str = "path-canary-41d7";

#[tokio::test]
async fn a_visitor_from_a_distinctive_address_leaves_no_trace() {
    let app = spawn_app().await;
    let visitor = client_from(Some(VISITOR.parse().unwrap()));
    let requests = [
        ("GET", format!("/?utm={QUERY}")),
        ("GET", "/healthz".to_owned()),
        ("GET", format!("/api/v1/reference?x={QUERY}")),
        ("GET", "/api/v1/openapi.json".to_owned()),
        ("GET", format!("/{PATH}")),
        ("GET", format!("/api/v1/{PATH}")),
        ("GET", format!("/lang/en?next=/{PATH}")),
        ("POST", "/api/v1/reference".to_owned()),
    ];
    for (method, path) in &requests {
        let response = visitor
            .request(method.parse().unwrap(), app.url(path))
            .header("user-agent", AGENT)
            .header("x-forwarded-for", "127.0.0.78")
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500, "{method} {path}");
    }

    let logs = captured_logs();
    assert!(logs.contains("jubao::http"), "requests are logged at all");
    let stored = app.everything_stored().await;
    for canary in [VISITOR, "127.0.0.78", AGENT, QUERY, PATH] {
        assert!(!logs.contains(canary), "{canary} is in the logs");
        assert!(!contains(&stored, canary), "{canary} is in the database or data directory");
    }
}
