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

/// The message of an error page: the paragraph after its heading.
/// The refusal the case page shows at its top, without its lead-in ("未能完成……：").
fn error_message(html: &str) -> String {
    let marker = "class=\"error-summary\" role=\"alert\"><p>";
    let start = html.find(marker).unwrap_or_else(|| panic!("a refused form: {html}")) + marker.len();
    let summary = &html[start..start + html[start..].find("</p>").unwrap()];
    let cut = summary.find('：').map(|i| i + '：'.len_utf8()).or_else(|| summary.find(": ").map(|i| i + 2));
    summary[cut.unwrap_or(0)..].to_owned()
}

/// Asks for a transfer to transport from the case page, after choosing `lang` with the
/// language switch in the header, as a person does.
async fn transfer_in(
    app: &crate::helpers::TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    reference: &str,
    lang: &str,
) -> reqwest::Response {
    browser.get(app.url(&format!("/lang/{lang}"))).send().await.unwrap();
    browser
        .post(app.url(&format!("/staff/tips/{reference}/act")))
        .form(&[("csrf", csrf), ("action", "transfer"), ("to", "transport"), ("confirm", "yes")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_service_error_reaches_a_chinese_page_in_chinese_and_an_english_page_in_english() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let receipt = app.file_tip("商场消防通道堵塞").await;
    let reference = receipt["reference"].as_str().unwrap();
    let (browser, csrf) = app.staff_browser(&head, false).await;
    // Nobody works for transport yet, so it holds no key and cannot receive the tip.
    let transfer = |lang| transfer_in(&app, &browser, &csrf, reference, lang);
    let zh = transfer("zh").await;
    assert_eq!(zh.status(), 422);
    let zh = error_message(&zh.text().await.unwrap());
    assert!(zh.contains("尚未开通接收举报"), "{zh}");
    let ascii_words: Vec<&str> = zh.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 1).collect();
    assert!(ascii_words.is_empty(), "no English in a Chinese message: {zh}");

    let en = transfer("en").await;
    assert_eq!(en.status(), 422);
    let en = error_message(&en.text().await.unwrap());
    assert!(en.contains("cannot receive tips yet"), "{en}");
    assert!(!en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "no Chinese in an English message: {en}");

    // The API says the same with its code and status unchanged.
    let bearer = app.bearer(&head, true).await;
    let (status, body) =
        crate::helpers::act(&app, &bearer, reference, serde_json::json!({"action": "transfer", "to": "transport"}))
            .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid");
    assert_eq!(body["error"]["message_zh"], zh.as_str());
}

#[tokio::test]
async fn a_refused_new_official_is_told_why_in_the_page_language() {
    let app = spawn_app().await;
    let admin = app.official("root.admin", "admin", None).await;
    let (browser, csrf) = app.staff_browser(&admin, false).await;
    let form = |email: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("username", "li.wei".to_owned()),
            ("roles", "officer".to_owned()),
            ("department", "emergency".to_owned()),
            ("email", email.to_owned()),
            ("password", crate::helpers::PASSWORD.to_owned()),
        ]
    };
    let zh = browser.post(app.url("/staff/admin/users")).form(&form("nope")).send().await.unwrap();
    assert_eq!(zh.status(), 422);
    let zh = zh.text().await.unwrap();
    assert!(zh.contains("这不是有效的电子邮箱地址") && !zh.contains("not an email address"), "{zh}");

    browser.get(app.url("/lang/en")).send().await.unwrap();
    let en =
        browser.post(app.url("/staff/admin/users")).form(&form("nope")).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("This is not an email address"), "{en}");
}
