use crate::helpers::spawn_app;

#[tokio::test]
async fn the_home_page_is_chinese_by_default_and_lists_the_kinds() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    for text in ["我要举报", "查询办理进度", "重大事故隐患", "瞒报、谎报事故", "12350", "/static/jubao.css"]
    {
        assert!(html.contains(text), "{text}");
    }
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_and_returns_to_the_page() {
    let app = spawn_app().await;
    let response = app.get("/lang/en?next=/report").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/report");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("jubao_lang=en;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");

    let html =
        app.client.get(app.url("/")).header("cookie", "jubao_lang=en").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Make a report"));
    assert!(html.contains("Major accident hazard"));
    assert!(html.contains("href=\"/lang/zh?next=/\""), "a way back to Chinese");
}

#[tokio::test]
async fn the_language_switch_never_sends_the_visitor_elsewhere() {
    let app = spawn_app().await;
    for next in ["//evil.example/", "https://evil.example/", "/%5Cevil.example"] {
        let response = app.get(&format!("/lang/zh?next={next}")).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/", "{next}");
    }
}

#[tokio::test]
async fn the_stylesheet_is_served_and_cacheable() {
    let app = spawn_app().await;
    let response = app.get("/static/jubao.css").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css; charset=utf-8");
    assert!(response.text().await.unwrap().contains("--brand"));
}
