//! A real browser with JavaScript switched off: headless Chromium, driven through
//! chromedriver, files a tip through `/report` and reads the receipt. With
//! `JUBAO_SCREENSHOTS=DIR` set it also saves the form, receipt and status pages at 360 px
//! and 1280 px wide (the ones in `tests/screenshots/` were made so).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{TestApp, spawn_app};

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) async fn browser() -> (Driver, Client) {
    let chromedriver = std::env::var("JUBAO_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    let chromium = std::env::var("JUBAO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let port = free_port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {chromedriver} ({e}): install Debian's chromium and chromium-driver"));
    let driver = Driver(child);
    let capabilities = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--lang=zh-CN", "--hide-scrollbars", "--force-device-scale-factor=1"],
            "prefs": { "profile.managed_default_content_settings.javascript": 2, "intl.accept_languages": "zh-CN" }
        }
    });
    let capabilities = match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    let mut last = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not answer: {last:?}");
}

pub(crate) async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css(css)).await.unwrap()
}

async fn shoot(client: &Client, app: &TestApp, path: &str, name: &str) {
    let Ok(dir) = std::env::var("JUBAO_SCREENSHOTS") else { return };
    for (width, height) in [(360u32, 2200u32), (1280, 1500)] {
        client.set_window_size(width, height).await.unwrap();
        if !path.is_empty() {
            client.goto(&app.url(path)).await.unwrap();
        }
        let png = client.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}-{width}.png"), png).unwrap();
    }
}

#[tokio::test]
async fn a_browser_without_javascript_files_a_tip_and_reads_the_receipt() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    app.official("guard.one", "custodian", None).await;
    let (_driver, client) = browser().await;

    client.goto(&app.url("/report")).await.unwrap();
    shoot(&client, &app, "/report", "report-form").await;
    client.set_window_size(1280, 1500).await.unwrap();
    client.find(Locator::Css("input[name=kind][value=major_hazard]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("#category option[value=mine]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("#district option[value='500103']")).await.unwrap().click().await.unwrap();
    client.find(Locator::Id("title")).await.unwrap().send_keys("井下通风不足").await.unwrap();
    client
        .find(Locator::Id("description"))
        .await
        .unwrap()
        .send_keys("三号井下通风机已经停了一周，工人仍在井下作业。")
        .await
        .unwrap();
    client.find(Locator::Id("location")).await.unwrap().send_keys("某某煤矿三号井").await.unwrap();
    client.find(Locator::Css("input[name=agree]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();

    // A click does not wait for the next page: wait for the receipt to be there.
    let reference = wait_for(&client, "dd.code:not(.big)").await.text().await.unwrap();
    let code = wait_for(&client, "dd.code.big").await.text().await.unwrap();
    assert_eq!(reference.trim().len(), 10, "{reference}");
    assert_eq!(code.chars().filter(char::is_ascii_digit).count(), 20, "{code}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tips WHERE reference = $1")
        .bind(reference.trim())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1);
    shoot(&client, &app, "", "receipt").await;

    // The receipt page leads on to the status page, with the session the filing started.
    client.find(Locator::Css("a[href='/track/status']")).await.unwrap().click().await.unwrap();
    let heading = wait_for(&client, "form[action='/track/messages']").await;
    drop(heading);
    let heading = client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "办理进度");
    shoot(&client, &app, "/track/status", "status").await;
    client.close().await.unwrap();
}

/// Signs in on the staff page; `later` as for `totp_now` (a code is good once, and only
/// codes newer than the last one used are accepted).
pub(crate) async fn sign_in(client: &Client, app: &TestApp, official: &crate::helpers::Official, later: bool) {
    client.goto(&app.url("/staff/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys(&official.signed_in.username).await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(crate::helpers::PASSWORD).await.unwrap();
    client
        .find(Locator::Id("totp"))
        .await
        .unwrap()
        .send_keys(&crate::helpers::totp_now(official, later))
        .await
        .unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
}

#[tokio::test]
async fn officials_work_the_queue_the_case_and_the_oversight_charts_in_a_browser() {
    use serde_json::json;
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let second = app.official("qian.head", "head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let fire = app.official("wang.fang", "officer", Some("fire")).await;
    let oversight = app.official("an.wei", "oversight", None).await;
    let titles = ["化工厂储罐区违规动火", "煤矿井下瓦斯超限仍作业", "仓库违规存放危险化学品", "商场消防通道长期堵塞"];
    let mut references = Vec::new();
    for title in titles {
        references.push(app.file_tip(title).await["reference"].as_str().unwrap().to_owned());
    }
    let bearer = app.bearer(&head, false).await;
    let second_bearer = app.bearer(&second, false).await;
    for action in ["accept", "start_verification"] {
        crate::helpers::act(&app, &bearer, &references[0], json!({"action": action})).await;
    }
    crate::helpers::act(
        &app,
        &bearer,
        &references[0],
        json!({"action": "note", "body": "已联系属地监管站，明日现场检查。"}),
    )
    .await;
    crate::helpers::act(
        &app,
        &bearer,
        &references[0],
        json!({"action": "propose_extension", "days": 15, "reason": "需委托第三方检测储罐。"}),
    )
    .await;
    crate::helpers::act(&app, &second_bearer, &references[0], json!({"action": "approve"})).await;
    crate::helpers::act(&app, &bearer, &references[1], json!({"action": "accept"})).await;
    crate::helpers::act(&app, &bearer, &references[3], json!({"action": "transfer", "to": "fire"})).await;
    let _ = fire;
    sqlx::query("UPDATE tips SET due_at = due_at - 864000 WHERE reference = $1")
        .bind(&references[2])
        .execute(app.store.pool())
        .await
        .unwrap();
    jubao::service::deadlines::run(&app.store, &app.settings.public_url, crate::helpers::now()).await.unwrap();

    let (_driver, client) = browser().await;
    client.set_window_size(1280, 1500).await.unwrap();
    sign_in(&client, &app, &head, true).await;
    let first_row = wait_for(&client, "table.queue a.code").await.text().await.unwrap();
    assert_eq!(first_row.len(), 10);
    let page = client.source().await.unwrap();
    assert!(page.contains("超期"), "the overdue tip is marked");
    shoot(&client, &app, "/staff", "staff-queue").await;
    // At 360 px the page is no wider than the screen: the table scrolls in its own box.
    client.set_window_size(360, 2200).await.unwrap();
    client.goto(&app.url("/staff")).await.unwrap();
    wait_for(&client, "table.queue").await;
    for css in ["main", "table.queue", "header.site", "form.filters"] {
        let (_, _, width, _) = client.find(Locator::Css(css)).await.unwrap().rectangle().await.unwrap();
        assert!(width <= 360.0, "{css} is {width} px wide at 360 px");
    }
    let page_width = client.execute("return document.documentElement.scrollWidth", vec![]).await;
    if let Ok(width) = page_width {
        assert!(width.as_f64().unwrap_or(0.0) <= 360.0, "the page is {width} px wide at 360 px");
    }
    client.set_window_size(1280, 1500).await.unwrap();
    client.goto(&app.url(&format!("/staff/tips/{}", references[0]))).await.unwrap();
    let heading = wait_for(&client, "h2").await.text().await.unwrap();
    assert_eq!(heading, "化工厂储罐区违规动火");
    shoot(&client, &app, &format!("/staff/tips/{}", references[0]), "staff-case").await;

    client.delete_all_cookies().await.unwrap();
    sign_in(&client, &app, &oversight, false).await;
    wait_for(&client, "table.queue").await;
    // Oversight sees every department's queue but opens none of these: no link to a 403.
    let links = client.find_all(Locator::Css("table.queue a.code")).await.unwrap();
    assert!(links.is_empty(), "oversight is offered cases it may not open");
    let page = client.source().await.unwrap();
    assert!(references.iter().all(|r| page.contains(r.as_str())), "the references are still listed");
    client.goto(&app.url("/staff/oversight")).await.unwrap();
    wait_for(&client, "figure.chart svg").await;
    shoot(&client, &app, "/staff/oversight", "staff-oversight").await;
    client.close().await.unwrap();
}
