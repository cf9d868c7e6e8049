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

/// Files a tip about `company` in `category` through the API; returns its id and reference.
async fn tip_about(app: &crate::helpers::TestApp, category: &str, company: &str) -> (String, String) {
    let mut tip = crate::helpers::api_tip("违规作业", "工人未经培训上岗，安全出口上锁，夜间赶工。");
    tip["category"] = category.into();
    tip["company"] = company.into();
    let filed = app.client.post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap();
    assert_eq!(filed.status(), 201);
    let reference = filed.json::<serde_json::Value>().await.unwrap()["reference"].as_str().unwrap().to_owned();
    let row = jubao::store::tips::by_reference(&mut app.store.conn().await.unwrap(), &reference).await.unwrap();
    (row.unwrap().id, reference)
}

/// The store keeps only cut hashes and finds the tips sharing one, under one key version; a
/// shredded tip drops out. (The indexes are computed here as the service will: normalised,
/// then keyed.)
#[tokio::test]
async fn tips_sharing_an_index_are_found_and_a_shredded_one_drops_out() {
    use jubao::crypto::blind::Field;
    use jubao::domain::matching::{Places, company};
    use jubao::store::indexes;
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    app.official("wang.fang", "officer", Some("housing")).await;
    let places = Places::new(&["重庆市"], ["渝中区", "九龙坡区"]);
    let matching = jubao::crypto::Key::<jubao::crypto::Matching>::generate();
    let indexer = matching.indexer();
    let spellings = [
        ("mine", "重庆某某建设工程有限公司"),
        ("mine", "重庆 某某建设工程 有限责任公司"),
        ("construction-site", "某某建设(重庆)"),
        ("mine", "重庆另一实业有限公司"),
    ];
    let mut tips = Vec::new();
    for (category, name) in spellings {
        let (id, reference) = tip_about(&app, category, name).await;
        let key = company(name, &places).unwrap();
        let mut conn = app.store.conn().await.unwrap();
        indexes::replace(&mut conn, &id, "matching-v1", &[(Field::Company, indexer.index(Field::Company, &key))])
            .await
            .unwrap();
        tips.push((id, reference));
    }
    let mut conn = app.store.conn().await.unwrap();
    let found = indexes::candidates(&mut conn, &tips[0].0, 50).await.unwrap();
    let mut departments: Vec<(&str, &str)> =
        found.iter().map(|c| (c.reference.as_str(), c.department_code.as_str())).collect();
    departments.sort();
    let mut expected = vec![(tips[1].1.as_str(), "emergency"), (tips[2].1.as_str(), "housing")];
    expected.sort();
    assert_eq!(departments, expected, "the other two spellings, in two departments; not the other company");
    assert!(found.iter().all(|c| c.field == Field::Company));

    // At rest: the cut hash only, never the normalised name or a whole hash.
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT value FROM tip_indexes").fetch_all(app.store.pool()).await.unwrap();
    assert_eq!(stored.len(), 4);
    assert!(stored.iter().all(|v| (0..1 << jubao::crypto::blind::BITS).contains(v)));

    // Indexed with another key version, a tip matches nothing of the old one.
    indexes::replace(&mut conn, &tips[1].0, "matching-v2", &[]).await.unwrap();
    assert_eq!(indexes::candidates(&mut conn, &tips[0].0, 50).await.unwrap().len(), 1);
    assert_eq!(indexes::not_indexed_with(&mut conn, "matching-v2", 10).await.unwrap().len(), 3);

    // Shredded, a tip drops out and is never re-indexed.
    jubao::store::tips::shred(&mut conn, &tips[2].0).await.unwrap();
    sqlx::query("UPDATE tips SET shredded_at = 1 WHERE id = $1").bind(&tips[2].0).execute(&mut *conn).await.unwrap();
    assert!(indexes::candidates(&mut conn, &tips[0].0, 50).await.unwrap().is_empty());
    assert_eq!(indexes::indexed_with(&mut conn, &tips[2].0).await.unwrap(), None);
    assert_eq!(indexes::not_indexed_with(&mut conn, "matching-v2", 10).await.unwrap().len(), 2);
}
