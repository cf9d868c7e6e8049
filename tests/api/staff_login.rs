//! Staff sign-in: the second factor is good once, forms need their token (the sign-in form
//! too), and guessing makes the guessing client wait a growing time — without telling known
//! names from unknown ones, and without holding the official out.

use std::net::IpAddr;

use crate::helpers::{PASSWORD, client_from, csrf_of, post_page_form, spawn_app, spawn_app_with, totp_now};

#[tokio::test]
async fn a_totp_code_is_accepted_once() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let code = totp_now(&officer, false);
    let app = &app;
    let sign_in = |code: String| async move { try_sign_in(app, &client_from(None), "li.wei", PASSWORD, &code).await };
    assert_eq!(sign_in(code.clone()).await.0, 303);
    let (status, page) = sign_in(code).await;
    assert_eq!(status, 401, "the same code a second time");
    assert!(page.contains("用户名、密码或验证码不正确"));
    assert_eq!(sign_in(totp_now(&officer, true)).await.0, 303, "the next step's code works");
}

#[tokio::test]
async fn a_form_without_its_token_is_refused() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("表单令牌测试").await;
    let reference = receipt["reference"].as_str().unwrap();
    let (browser, csrf) = app.staff_browser(&officer, false).await;
    let act = |token: Option<&str>| {
        let mut form = vec![("action", "accept".to_owned())];
        if let Some(t) = token {
            form.push(("csrf", t.to_owned()));
        }
        browser.post(app.url(&format!("/staff/tips/{reference}/act"))).form(&form).send()
    };
    assert_eq!(act(None).await.unwrap().status(), 403);
    assert_eq!(act(Some("forged-token")).await.unwrap().status(), 403);
    let status: String = sqlx::query_scalar("SELECT status FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(status, "received", "nothing happened");
    assert_eq!(act(Some(&csrf)).await.unwrap().status(), 303);
    let logout = browser.post(app.url("/staff/logout")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(logout.status(), 403, "signing out needs the token too");
}

/// A client of its own: loopback has every 127.x.y.z address.
fn from(last: u8) -> reqwest::Client {
    client_from(Some(IpAddr::from([127, 0, 0, last])))
}

async fn try_sign_in(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    name: &str,
    password: &str,
    code: &str,
) -> (u16, String) {
    let response =
        post_page_form(client, app, "/staff/login", &[("username", name), ("password", password), ("totp", code)])
            .await;
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn guessing_pauses_the_guesser_and_not_the_official() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let attacker = from(2);
    for _ in 0..3 {
        assert_eq!(try_sign_in(&app, &attacker, "li.wei", "wrong password here", "000000").await.0, 401);
    }
    let (status, page) = try_sign_in(&app, &attacker, "li.wei", PASSWORD, &totp_now(&officer, false)).await;
    assert_eq!(status, 429, "the guesser waits, even with the right password");
    assert!(page.contains("登录失败次数过多，请在") && page.contains("秒后再试"), "{page}");
    // The official, on their own device, is not held up by the attacker's failures.
    let (status, _) = try_sign_in(&app, &from(3), "li.wei", PASSWORD, &totp_now(&officer, false)).await;
    assert_eq!(status, 303, "the official signs in meanwhile");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, _) = try_sign_in(&app, &attacker, "li.wei", PASSWORD, &totp_now(&officer, true)).await;
    assert_eq!(status, 303, "after the pause, the right credentials work");
    let paid: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'signin%'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(paid, 5, "every attempt that was checked is in the audit chain (not the one refused while paused)");
}

#[tokio::test]
async fn known_and_unknown_names_answer_alike() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let mut answers = Vec::new();
    for (name, last) in [("li.wei", 4), ("wang.nobody", 5)] {
        let client = from(last);
        let mut seen = Vec::new();
        for _ in 0..5 {
            let (status, page) = try_sign_in(&app, &client, name, "wrong password here", "000000").await;
            // The form gives back the typed name and a fresh token; the rest must be the same.
            let page = page.replace(name, "NAME").replace(&csrf_of(&page), "TOKEN");
            let message =
                page.split("role=\"alert\"").nth(1).map(|m| m.split("</div>").next().unwrap_or("").to_owned());
            // How many seconds are left depends on the clock: compare the words.
            let message = message.map(|m| m.chars().filter(|c| !c.is_ascii_digit()).collect::<String>());
            seen.push((status, message));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1], "a staff name cannot be told from the answers");
    let statuses: Vec<u16> = answers[0].iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

#[tokio::test]
async fn a_password_no_one_can_have_costs_nothing_and_counts_nothing() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let client = from(6);
    // Four: more than the free failures, fewer than the client's allowance a minute.
    for _ in 0..4 {
        assert_eq!(try_sign_in(&app, &client, "li.wei", "short", "000000").await.0, 401);
    }
    let (status, _) = try_sign_in(&app, &client, "li.wei", PASSWORD, &totp_now(&officer, false)).await;
    assert_eq!(status, 303, "refusals that paid no derivation did not start a pause");
    let checked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'signin.failed'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(checked, 0);
}

#[tokio::test]
async fn an_account_under_attack_raises_the_alarm_for_oversight() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let watcher = jubao::service::officials::create(
        &app.store,
        jubao::service::officials::NewOfficial {
            username: jubao::domain::Username::parse("an.weiban").unwrap(),
            roles: jubao::domain::Roles::parse("oversight").unwrap(),
            department: None,
            email: Some("anweiban@example.gov.cn".to_owned()),
            password: jubao::auth::Password::new(PASSWORD.to_owned()).unwrap(),
        },
        crate::helpers::now(),
    )
    .await
    .unwrap();
    let _ = watcher;
    // Failures spread over many clients, none of them paused long: the account's count grows.
    let failures = jubao::service::staff_login::ALARM_FAILURES as usize;
    for i in 0..failures {
        let client = from(10 + u8::try_from(i / 3).unwrap());
        let response = client
            .post(app.url("/api/v1/staff/session"))
            .json(&serde_json::json!({"username": "li.wei", "password": "wrong password here", "totp": "000000"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "attempt {i}");
    }
    let alarms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'signin.under_attack'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(alarms, 1);
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_address = 'anweiban@example.gov.cn'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(mails, 1, "oversight is told by mail");
}

#[tokio::test]
async fn sign_in_and_receipt_forms_from_another_site_are_refused() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    // Another site's form: no cookie of ours, whatever token it makes up.
    let forged = client_from(None)
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", "made-up"),
            ("username", "li.wei"),
            ("password", PASSWORD),
            ("totp", &totp_now(&officer, false)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let page = forged.text().await.unwrap();
    assert!(page.contains("页面已过期，请重新登录") && page.contains("name=\"csrf\""), "the form comes back");
    let receipt = app.file_tip("跨站查询").await;
    let forged = client_from(None)
        .post(app.url("/track"))
        .form(&[
            ("reference", receipt["reference"].as_str().unwrap()),
            ("query_code", receipt["query_code"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(sessions, 0, "no session was started by a forged form");
    // The same person's own page works, and the form cookie is strict.
    let browser = client_from(None);
    let page = browser.get(app.url("/staff/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("jubao_form=") && cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"));
}

#[tokio::test]
async fn the_staff_cookie_is_strict_http_only_scoped_and_secure_behind_tls() {
    let app = spawn_app_with(|s| {
        s.public_url = serde_json::from_value(serde_json::json!("https://jubao.example.gov.cn")).unwrap();
    })
    .await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    // Behind TLS the form cookie is Secure, so this plain-HTTP client sends it by hand.
    let client = client_from(None);
    let page = client.get(app.url("/staff/login")).send().await.unwrap();
    let form_cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = csrf_of(&page.text().await.unwrap());
    let response = client
        .post(app.url("/staff/login"))
        .header("cookie", form_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "li.wei"),
            ("password", PASSWORD),
            ("totp", totp_now(&officer, false).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(response.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/staff", "Secure"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let (laptop, csrf) = app.staff_browser(&officer, false).await;
    let (phone, _) = app.staff_browser(&officer, true).await;
    assert_eq!(phone.get(app.url("/staff")).send().await.unwrap().status(), 200);
    let out = laptop.post(app.url("/staff/logout-all")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), 303);
    let after = phone.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers()["location"], "/staff/login");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE kind = 'staff'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "the sealed keys are gone");
}
