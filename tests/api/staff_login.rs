//! Staff sign-in: the second factor is good once, forms need their token, and guessing
//! locks the account for a growing time.

use crate::helpers::{PASSWORD, client_from, spawn_app, spawn_app_with, totp_now};

#[tokio::test]
async fn a_totp_code_is_accepted_once() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let code = totp_now(&officer, false);
    let sign_in = |code: String| {
        client_from(None)
            .post(app.url("/staff/login"))
            .form(&[("username", "li.wei"), ("password", PASSWORD), ("totp", code.as_str())])
            .send()
    };
    assert_eq!(sign_in(code.clone()).await.unwrap().status(), 303);
    let replayed = sign_in(code).await.unwrap();
    assert_eq!(replayed.status(), 401, "the same code a second time");
    assert!(replayed.text().await.unwrap().contains("用户名、密码或验证码不正确"));
    assert_eq!(sign_in(totp_now(&officer, true)).await.unwrap().status(), 303, "the next step's code works");
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

#[tokio::test]
async fn guessing_locks_the_account_for_a_growing_time() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let attempt = |password: &'static str, code: String| {
        client_from(None)
            .post(app.url("/staff/login"))
            .form(&[("username", "li.wei"), ("password", password), ("totp", code.as_str())])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong password here", "000000".into()).await.unwrap().status(), 401);
    }
    let locked = attempt(PASSWORD, totp_now(&officer, false)).await.unwrap();
    assert_eq!(locked.status(), 401);
    assert!(locked.text().await.unwrap().contains("账号已临时锁定"), "the right password waits out the lock");
    let (failures, until): (i64, Option<i64>) =
        sqlx::query_as("SELECT failed_logins, locked_until FROM users WHERE username = 'li.wei'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(failures, 3);
    assert!(until.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(
        attempt(PASSWORD, totp_now(&officer, false)).await.unwrap().status(),
        303,
        "after the lock, the right credentials work"
    );
    let (failures,): (i64,) = sqlx::query_as("SELECT failed_logins FROM users WHERE username = 'li.wei'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(failures, 0, "a success clears the count");
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'signin%'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 5, "every attempt is in the audit chain");
}

#[tokio::test]
async fn the_staff_cookie_is_strict_http_only_scoped_and_secure_behind_tls() {
    let app = spawn_app_with(|s| {
        s.public_url = serde_json::from_value(serde_json::json!("https://jubao.example.gov.cn")).unwrap();
    })
    .await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let response = client_from(None)
        .post(app.url("/staff/login"))
        .form(&[("username", "li.wei"), ("password", PASSWORD), ("totp", totp_now(&officer, false).as_str())])
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
