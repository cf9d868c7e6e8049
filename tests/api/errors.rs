//! Errors have the contract's shape: JSON `{error: {code, message}}` on the API, a bilingual
//! page elsewhere, and a 4xx for anything the client did wrong.

use crate::helpers::spawn_app;

#[tokio::test]
async fn api_errors_are_json_with_code_and_message() {
    let app = spawn_app().await;
    for (method, path, status, code) in [
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("POST", "/api/v1/reference", 405, "method_not_allowed"),
        ("PUT", "/api/v1/openapi.json", 405, "method_not_allowed"),
    ] {
        let response = app.client.request(method.parse().unwrap(), app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{method} {path}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        assert!(!body["error"]["message_zh"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn page_errors_are_pages_in_the_visitors_language() {
    let app = spawn_app().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("lang=\"zh-CN\""));
    assert!(html.contains("找不到这个页面"));

    let response = app.client.get(app.url("/no-such-page")).header("cookie", "jubao_lang=en").send().await.unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("lang=\"en\""));
    assert!(html.contains("There is nothing at this address."));
}
