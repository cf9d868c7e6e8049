//! What ties reports of one matter together: the company's 统一社会信用代码, typed on the form
//! as a reporter copies it from a licence.

use fantoccini::Locator;

use crate::browser::{browser, wait_for};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_mistyped_credit_code_is_named_beside_its_field_and_the_corrected_one_is_kept_with_the_tip() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let (_driver, client) = browser().await;
    client.set_window_size(360, 2400).await.unwrap();
    client.goto(&app.url("/report")).await.unwrap();
    client.find(Locator::Css("input[name=kind][value=major_hazard]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("#category option[value=mine]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("#district option[value='500103']")).await.unwrap().click().await.unwrap();
    for (id, value) in [
        ("title", "井下通风不足"),
        ("description", "三号井下通风机已经停了一周，工人仍在井下作业。"),
        ("location", "某某煤矿三号井"),
        ("company", "重庆某某煤业有限公司"),
        // One character mistyped: the check character no longer matches.
        ("credit_code", "91110000100003485Y"),
    ] {
        client.find(Locator::Id(id)).await.unwrap().send_keys(value).await.unwrap();
    }
    client.find(Locator::Css("input[name=agree]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();

    // Back on the form: the mistake beside the field, tied to it, and everything typed kept.
    let error = wait_for(&client, "#credit_code-error").await.text().await.unwrap();
    assert!(error.contains("校验位") && error.contains("营业执照"), "{error}");
    let field = client.find(Locator::Id("credit_code")).await.unwrap();
    let described = field.attr("aria-describedby").await.unwrap().unwrap_or_default();
    assert!(described.contains("credit_code-error"), "{described}");
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some("91110000100003485Y"));
    let company = client.find(Locator::Id("company")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(company.as_deref(), Some("重庆某某煤业有限公司"));

    // Corrected as a copy from a licence often comes: small letters, full-width, spaces.
    field.clear().await.unwrap();
    field.send_keys("９１１１００００ １０００ ０３４９ ５ｙ").await.unwrap();
    let agree = client.find(Locator::Css("input[name=agree]")).await.unwrap();
    if !agree.is_selected().await.unwrap() {
        agree.click().await.unwrap();
    }
    client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&client, "dd.code.big").await;
    client.find(Locator::Css("a[href='/track/status']")).await.unwrap().click().await.unwrap();
    wait_for(&client, "form[action='/track/messages']").await;
    let page = client.source().await.unwrap();
    assert!(page.contains("统一社会信用代码：") && page.contains("91110000100003495Y"), "shown in its one form");
    client.close().await.unwrap();
}

/// The API takes the same field with the same check (CONTRACT.md: `credit_code?`).
#[tokio::test]
async fn the_api_checks_the_credit_code_and_keeps_it_in_one_form() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let mut tip = crate::helpers::api_tip("井下通风不足", "三号井下通风机已经停了一周，工人仍在井下作业。");
    tip["credit_code"] = "91110000100003495X".into();
    let refused = app.client.post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "credit_code", "{body}");
    assert!(body["error"]["fields"][0]["message"].as_str().unwrap_or_default().contains("check"), "{body}");
    tip["credit_code"] = "91110000 10000 3495y".into();
    let filed = app.client.post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap();
    assert_eq!(filed.status(), 201);
}
