//! The hotline desk page (`/staff/intake`) driven as a browser does: an intake official
//! files a caller's tip, reads the receipt once, and a refresh files nothing more.

use crate::helpers::{PASSWORD, TestApp, client_from, post_page_form, spawn_app, totp_now};

/// The value of the hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("a {name} field")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The texts of every `<dd class="code big">` of a page.
fn big_codes(html: &str) -> Vec<String> {
    let marker = "class=\"code big\">";
    html.match_indices(marker)
        .map(|(at, _)| {
            let start = at + marker.len();
            html[start..start + html[start..].find('<').unwrap()].to_owned()
        })
        .collect()
}

/// Every field as the desk form posts them, the empty optional ones included.
fn desk_fields(csrf: &str, nonce: &str, title: &str, description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.into()),
        ("nonce", nonce.into()),
        ("channel", "hotline".into()),
        ("kind", "major_hazard".into()),
        ("category", "mine".into()),
        ("district", "500103".into()),
        ("title", title.into()),
        ("description", description.into()),
        ("location", "某某煤矿三号井".into()),
        ("company", String::new()),
        ("credit_code", String::new()),
        ("occurred_on", String::new()),
        ("name", String::new()),
        ("phone", String::new()),
        ("email", String::new()),
        ("id_number", String::new()),
    ]
}

async fn tips(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM tips").fetch_one(app.store.pool()).await.unwrap()
}

#[tokio::test]
async fn the_desk_files_a_callers_tip_once_and_shows_the_receipt_once() {
    let app = spawn_app().await;
    let desk = app.official("zhou.desk", "intake", None).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let (browser, csrf) = app.staff_browser(&desk, false).await;

    let form = browser.get(app.url("/staff/intake")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains("电话") && form.contains("来信") && form.contains("来访") && form.contains("电子邮件"));
    assert!(form.contains("举报须知"), "the clerk is told to read the notice");
    assert!(!form.contains("name=\"agree\""), "no tick box on the desk");
    assert!(form.contains("href=\"/staff/intake\""), "the nav shows the desk");
    let nonce = hidden(&form, "nonce");
    assert_eq!(hidden(&form, "csrf"), csrf);

    let before = tips(&app).await;
    let fields = desk_fields(&csrf, &nonce, "来电反映井下通风不足", "来电人称三号井通风机停了两天仍在生产。");
    let filed = browser.post(app.url("/staff/intake")).form(&fields).send().await.unwrap();
    assert_eq!(filed.status(), 200);
    assert_eq!(filed.headers()["cache-control"], "no-store");
    let receipt = filed.text().await.unwrap();
    assert!(receipt.contains("请向来电人读出并确认记下：举报编号和查询码只显示这一次"), "{receipt}");
    let codes = big_codes(&receipt);
    assert_eq!(codes.len(), 2, "{receipt}");
    let reference = codes[0].clone();
    assert_eq!(reference.chars().count(), 10, "{reference}");
    let digits: String = codes[1].chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(digits.len(), 20, "{}", codes[1]);
    assert!(digits.chars().all(|c| c.is_ascii_digit()));
    assert!(receipt.contains("登记下一条"));
    assert_eq!(tips(&app).await, before + 1);

    // A refresh sends the same form again: nothing more is filed, no receipt again.
    let again = browser.post(app.url("/staff/intake")).form(&fields).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again = again.text().await.unwrap();
    assert!(again.contains("此举报已登记"), "{again}");
    assert!(big_codes(&again).is_empty());
    assert!(!again.contains(&reference));
    assert_eq!(tips(&app).await, before + 1);

    // The officer's queue shows the tip as taken by telephone.
    let (officer_browser, _) = app.staff_browser(&officer, false).await;
    let queue = officer_browser.get(app.url("/staff")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(&reference), "{queue}");
    assert!(queue.contains("电话"));

    // The clerk cannot open the queue or the tip.
    assert_eq!(browser.get(app.url("/staff")).send().await.unwrap().status(), 403);
    let case = browser.get(app.url(&format!("/staff/tips/{reference}"))).send().await.unwrap();
    let status = case.status().as_u16();
    assert!(matches!(status, 403 | 404), "the clerk cannot open the tip: {status}");
}

#[tokio::test]
async fn a_form_with_a_missing_title_comes_back_with_what_was_typed() {
    let app = spawn_app().await;
    let desk = app.official("zhou.desk", "intake", None).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let (browser, csrf) = app.staff_browser(&desk, false).await;
    let form = browser.get(app.url("/staff/intake")).send().await.unwrap().text().await.unwrap();
    let nonce = hidden(&form, "nonce");

    let mut fields = desk_fields(&csrf, &nonce, "", "来信反映仓库堆放液化气瓶上百个。");
    fields.retain(|(name, _)| *name != "channel");
    fields.push(("channel", "letter".into()));
    let answer = browser.post(app.url("/staff/intake")).form(&fields).send().await.unwrap();
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("来信反映仓库堆放液化气瓶上百个。"), "the description is kept");
    assert!(page.contains("id=\"title-error\""), "the error is next to the title");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("value=\"letter\" checked"), "the channel is kept");
    assert_eq!(hidden(&page, "nonce"), nonce, "the same filing goes on");
    assert_eq!(tips(&app).await, 0);

    // Fixed, the same form files once.
    let fields = desk_fields(&csrf, &nonce, "仓库堆放液化气瓶", "来信反映仓库堆放液化气瓶上百个。");
    let filed = browser.post(app.url("/staff/intake")).form(&fields).send().await.unwrap();
    assert_eq!(filed.status(), 200);
    assert_eq!(tips(&app).await, 1);

    // A form without its token is refused.
    let mut forged = desk_fields("", "other", "仓库堆放液化气瓶", "来信反映。");
    forged.retain(|(name, _)| *name != "csrf");
    let refused = browser.post(app.url("/staff/intake")).form(&forged).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(tips(&app).await, 1);
}

#[tokio::test]
async fn only_the_intake_role_opens_the_desk_and_lands_on_it() {
    let app = spawn_app().await;
    let desk = app.official("zhou.desk", "intake", None).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;

    let (officer_browser, _) = app.staff_browser(&officer, false).await;
    assert_eq!(officer_browser.get(app.url("/staff/intake")).send().await.unwrap().status(), 403);

    let nobody = client_from(None).get(app.url("/staff/intake")).send().await.unwrap();
    assert_eq!(nobody.status(), 303);
    assert_eq!(nobody.headers()["location"], "/staff/login");

    let client = client_from(None);
    let totp = totp_now(&desk, false);
    let signed_in = post_page_form(
        &client,
        &app,
        "/staff/login",
        &[("username", desk.signed_in.username.as_str()), ("password", PASSWORD), ("totp", totp.as_str())],
    )
    .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/staff/intake");
    assert_eq!(client.get(app.url("/staff/intake")).send().await.unwrap().status(), 200);
}
