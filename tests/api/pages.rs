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

#[tokio::test]
async fn every_page_has_an_icon_from_the_binary() {
    let app = spawn_app().await;
    let response = app.get("/favicon.ico").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/x-icon");
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("max-age=604800"));
    let icon = response.bytes().await.unwrap();
    assert_eq!(&icon[..4], &[0, 0, 1, 0], "an ICO header");
    for page in ["/", "/report", "/track", "/staff/login"] {
        let html = app.get(page).await.text().await.unwrap();
        assert!(html.contains("<link rel=\"icon\" href=\"/favicon.ico\""), "{page}");
    }
}

#[tokio::test]
async fn the_receipt_is_shown_once_and_a_refresh_never_files_again() {
    use crate::helpers::{client_from, form_fields, text_of_class};
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let tips = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tips").fetch_one(app.store.pool()).await.unwrap();
        n
    };
    let browser = client_from(None);
    let posted = browser
        .post(app.url("/report"))
        .form(&form_fields("井下通风不足", "三号井下通风机已经停了一周，仍在生产。"))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/track/receipt", "no secret in the address");
    let cookies: Vec<String> =
        posted.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let handoff = cookies.iter().find(|c| c.starts_with("jubao_receipt=")).expect("the receipt cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/track/receipt", "Max-Age=600"] {
        assert!(handoff.contains(flag), "{flag}: {handoff}");
    }
    assert_eq!(tips().await, 1);

    let shown = browser.get(app.url(&location)).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let html = shown.text().await.unwrap();
    let reference = text_of_class(&html, "code").unwrap();
    let code = text_of_class(&html, "code big").unwrap();
    assert_eq!(reference.len(), 10);
    assert_eq!(code.split(' ').count(), 5, "{code}");
    assert!(!handoff.contains(&code.replace(' ', "")) && !handoff.contains(&reference), "the cookie is sealed");

    // A refresh, and the same cookies replayed from elsewhere: the page says it was shown.
    let again = browser.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("回执只显示一次") && !again.contains(&code), "{again}");
    let replay = client_from(None)
        .get(app.url(&location))
        .header("cookie", cookies.iter().map(|c| c.split(';').next().unwrap()).collect::<Vec<_>>().join("; "))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(replay.contains("回执只显示一次") && !replay.contains(&code), "the old session ended");
    assert_eq!(tips().await, 1, "nothing was filed again");

    // The status page opens with the session the receipt page handed on.
    let status = browser.get(app.url("/track/status")).send().await.unwrap();
    assert_eq!(status.status(), 200);
    assert!(status.text().await.unwrap().contains(&reference));

    // In English too.
    let en = client_from(None)
        .get(app.url(&location))
        .header("cookie", "jubao_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("The receipt is shown only once"), "{en}");
}
