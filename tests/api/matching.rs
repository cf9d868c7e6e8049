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
    // A place without a house number: the tips are matched on the company alone.
    tip["location"] = "厂区东侧仓库".into();
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
    assert_eq!(indexes::coverage(&mut conn, "matching-v2").await.unwrap(), indexes::Coverage { tips: 4, indexed: 1 });

    // Shredded, a tip drops out and is never re-indexed.
    jubao::store::tips::shred(&mut conn, &tips[2].0).await.unwrap();
    sqlx::query("UPDATE tips SET shredded_at = 1 WHERE id = $1").bind(&tips[2].0).execute(&mut *conn).await.unwrap();
    assert!(indexes::candidates(&mut conn, &tips[0].0, 50).await.unwrap().is_empty());
    assert_eq!(indexes::indexed_with(&mut conn, &tips[2].0).await.unwrap(), None);
    assert_eq!(indexes::coverage(&mut conn, "matching-v2").await.unwrap(), indexes::Coverage { tips: 3, indexed: 1 });
}

/// `GET /api/v1/staff/tips/{reference}` as `bearer`: the case body.
async fn case_of(app: &crate::helpers::TestApp, bearer: &str, reference: &str) -> serde_json::Value {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/staff/tips/{reference}")))
        .header("authorization", bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{reference}");
    response.json().await.unwrap()
}

/// Three tips about one company, spelt three ways and sent to two departments, and one about
/// another company: each department's officer sees their own as related and the other's as a
/// count; oversight sees all three as one repeated company; a shredded tip drops out.
#[tokio::test]
async fn related_tips_are_shown_by_department_and_oversight_sees_the_repeated_company() {
    let app = spawn_app().await;
    let li = app.official("li.wei", "officer", Some("emergency")).await;
    let wang = app.official("wang.fang", "officer", Some("housing")).await;
    let zhou = app.official("zhou.min", "oversight", None).await;
    // li came first and holds the matching key; admitting the others gives it to them.
    app.approve_pending(&li).await;
    let (li_b, wang_b, zhou_b) =
        (app.bearer(&li, false).await, app.bearer(&wang, false).await, app.bearer(&zhou, false).await);

    let (_, first) = tip_about(&app, "mine", "重庆某某建设工程有限公司").await;
    let (_, second) = tip_about(&app, "mine", "重庆 某某建设工程 有限责任公司").await;
    let (third_id, third) = tip_about(&app, "construction-site", "某某建设(重庆)").await;
    let (_, other) = tip_about(&app, "mine", "重庆另一实业有限公司").await;

    // Not yet opened, a tip has no index: the first one opened finds nothing yet.
    let opened = case_of(&app, &li_b, &first).await;
    assert_eq!(opened["related"]["listed"], serde_json::json!([]), "{opened}");
    for (bearer, reference) in [(&li_b, &second), (&li_b, &other), (&wang_b, &third)] {
        case_of(&app, bearer, reference).await;
    }

    // The emergency officer: the second tip listed and openable, the housing tip a count.
    let seen = case_of(&app, &li_b, &first).await["related"].clone();
    let listed: Vec<&str> =
        seen["listed"].as_array().unwrap().iter().map(|t| t["reference"].as_str().unwrap()).collect();
    assert_eq!(listed, [second.as_str()], "{seen}");
    assert_eq!(seen["listed"][0]["openable"], true);
    assert_eq!(seen["listed"][0]["shares"], serde_json::json!(["company"]));
    assert_eq!(seen["elsewhere"], serde_json::json!([{"department": "housing", "status": "received", "count": 1}]));
    assert!(!seen.to_string().contains(&third), "another department's reference is not shown: {seen}");
    assert!(!seen.to_string().contains(&other), "another company is not listed: {seen}");

    // The housing officer: nothing of their own, two in emergency.
    let seen = case_of(&app, &wang_b, &third).await["related"].clone();
    assert_eq!(seen["listed"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["elsewhere"], serde_json::json!([{"department": "emergency", "status": "received", "count": 2}]));

    // Oversight: the one company, with all three tips, and not the other company.
    let repeats: serde_json::Value = app
        .client
        .get(app.url("/api/v1/staff/related"))
        .header("authorization", &zhou_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let company: Vec<&serde_json::Value> =
        repeats.as_array().unwrap().iter().filter(|r| r["field"] == "company").collect();
    assert_eq!(company.len(), 1, "{repeats}");
    let mut tips: Vec<&str> =
        company[0]["tips"].as_array().unwrap().iter().map(|t| t["reference"].as_str().unwrap()).collect();
    tips.sort();
    let mut expected = vec![first.as_str(), second.as_str(), third.as_str()];
    expected.sort();
    assert_eq!(tips, expected, "{repeats}");
    assert_eq!(company[0]["value"].as_str().unwrap().len(), 4, "an opaque value, never a name");
    // An officer may not ask for repeats.
    let refused = app.client.get(app.url("/api/v1/staff/related")).header("authorization", &li_b).send().await.unwrap();
    assert_eq!(refused.status(), 403);

    // Each lookup is in the audit chain.
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('tip.related', 'related.repeats')")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(audited, 7, "six cases opened by holders, one look at the repeats");

    // Shredded, the housing tip drops out.
    let blobs = jubao::store::blobs::BlobStore::open(&app.store, &app.data_dir).unwrap();
    assert!(jubao::service::retention::shred(&app.store, &blobs, &third_id, crate::helpers::now()).await.unwrap());
    let seen = case_of(&app, &li_b, &first).await["related"].clone();
    assert_eq!(seen["elsewhere"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["listed"].as_array().unwrap().len(), 1);
}

/// At rest only cut hashes; the matching key is sealed to its holders like a department key;
/// an official not yet admitted to it indexes nothing and finds nothing.
#[tokio::test]
async fn the_matching_key_is_sealed_and_without_it_nothing_is_indexed_or_found() {
    let app = spawn_app().await;
    let li = app.official("li.wei", "officer,head", Some("emergency")).await;
    let chen = app.official("chen.jie", "officer", Some("emergency")).await;
    let name = "重庆矩阵标记建设工程有限公司";
    let (tip_id, reference) = tip_about(&app, "mine", name).await;

    // chen waits for a colleague: the case opens only once admitted, and then...
    app.approve_pending(&li).await;
    // ...li's admission gave chen the matching key too; take it away again to see the page
    // without it.
    sqlx::query("UPDATE key_holders SET state = 'pending' WHERE key_group = 'matching' AND user_id = $1")
        .bind(&chen.signed_in.user_id)
        .execute(app.store.pool())
        .await
        .unwrap();
    let chen_b = app.bearer(&chen, false).await;
    let seen = case_of(&app, &chen_b, &reference).await;
    assert_eq!(seen["related"], serde_json::Value::Null, "no key, no lookup: {seen}");
    let indexed: Option<String> = sqlx::query_scalar("SELECT indexed_with FROM tips WHERE id = $1")
        .bind(&tip_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(indexed, None, "nothing indexed without the key");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tip_indexes").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(rows, 0);

    // A holder opens it: indexed with the newest matching version.
    let li_b = app.bearer(&li, false).await;
    assert!(case_of(&app, &li_b, &reference).await["related"].is_object());
    let version: String = sqlx::query_scalar("SELECT id FROM group_keys WHERE key_group = 'matching'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let indexed: Option<String> = sqlx::query_scalar("SELECT indexed_with FROM tips WHERE id = $1")
        .bind(&tip_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(indexed.as_deref(), Some(version.as_str()));

    // The key: sealed to each holder as an age file, never stored in the clear.
    let wraps: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT w.envelope FROM group_key_wraps w JOIN group_keys g ON g.id = w.group_key_id \
         WHERE g.key_group = 'matching'",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert!(!wraps.is_empty());
    assert!(wraps.iter().all(|w| w.starts_with(b"age-encryption.org/v1")), "each wrap is an age file");

    // Nothing stored holds the normalised name, or the name as typed.
    let everything = app.everything_stored().await;
    for needle in ["矩阵标记", name] {
        assert!(!crate::helpers::contains(&everything, needle), "{needle} is stored in the clear");
    }
    let values: Vec<i64> =
        sqlx::query_scalar("SELECT value FROM tip_indexes").fetch_all(app.store.pool()).await.unwrap();
    assert!(!values.is_empty() && values.iter().all(|v| (0..1 << jubao::crypto::blind::BITS).contains(v)));
}

/// In a browser: the case page lists the earlier tip about the same company, and the officer
/// proposes this one as its duplicate from the list; another head approves and it is closed.
#[tokio::test]
async fn the_case_page_lists_related_tips_and_a_duplicate_is_linked_from_the_list() {
    use crate::browser::sign_in;
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let second = app.official("qian.head", "head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let (_, earlier) = tip_about(&app, "mine", "重庆某某建设工程有限公司").await;
    let (_, unrelated) = tip_about(&app, "mine", "重庆另一实业有限公司").await;
    let (_, later) = tip_about(&app, "mine", "某某建设工程（重庆）有限责任公司").await;
    let bearer = app.bearer(&head, false).await;
    for reference in [&earlier, &unrelated] {
        case_of(&app, &bearer, reference).await;
    }
    let accepted = crate::helpers::act(&app, &bearer, &earlier, serde_json::json!({"action": "accept"})).await;
    assert_eq!(accepted.0, 200, "{accepted:?}");

    let (_driver, client) = browser().await;
    client.set_window_size(360, 2400).await.unwrap();
    sign_in(&client, &app, &head, true).await;
    wait_for(&client, "table.queue a.code").await;
    client.goto(&app.url(&format!("/staff/tips/{later}"))).await.unwrap();
    let related = wait_for(&client, "section.related").await.text().await.unwrap();
    assert!(related.contains("相关举报") && related.contains(&earlier), "{related}");
    assert!(related.contains("企业名称") && related.contains("应急管理局"), "{related}");
    assert!(!related.contains(&unrelated), "another company is not listed: {related}");
    assert!(related.contains("尚无持钥人员打开过的举报"), "says what is not indexed: {related}");
    let link = client.find(Locator::Css("ul.related-tips a.code")).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some(format!("/staff/tips/{earlier}").as_str()));

    // Proposed from the list: the page the browser lands on says so.
    client.find(Locator::Css("ul.related-tips form button[type=submit]")).await.unwrap().click().await.unwrap();
    let notice = wait_for(&client, "p.notice").await.text().await.unwrap();
    assert!(notice.contains("重复举报的提议已提交"), "{notice}");
    let second_bearer = app.bearer(&second, false).await;
    let approved = crate::helpers::act(&app, &second_bearer, &later, serde_json::json!({"action": "approve"})).await;
    assert_eq!(approved.0, 200, "{approved:?}");
    let (status, of): (String, Option<String>) =
        sqlx::query_as("SELECT status, duplicate_of FROM tips WHERE reference = $1")
            .bind(&later)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(status, "closed");
    let earlier_id: String = sqlx::query_scalar("SELECT id FROM tips WHERE reference = $1")
        .bind(&earlier)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(of == Some(earlier_id) || of.as_deref() == Some(earlier.as_str()), "{of:?}");
    client.close().await.unwrap();
}

/// The matching key's newest version and how many tips are indexed under it.
async fn coverage(app: &crate::helpers::TestApp) -> jubao::store::indexes::Coverage {
    jubao::service::related::coverage(&app.store).await.unwrap().expect("the matching key exists")
}

/// A member leaves the matching key's group, which makes a new version: the old indexes no
/// longer match.
async fn rotate_by_leaving(app: &crate::helpers::TestApp, leaving: &crate::helpers::Official) {
    use jubao::domain::KeyGroup;
    let mut tx = app.store.begin().await.unwrap();
    let made = jubao::service::groups::leave::<jubao::crypto::Matching>(
        &mut tx,
        &KeyGroup::Matching,
        &leaving.signed_in.user_id,
        crate::helpers::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(made.is_some(), "a holder is left, so a new version is made");
}

/// After a rotation, a re-indexing goes through the tips the official can open: it stops when
/// the session that began it has ended and goes on from there, skips shredded tips, counts a
/// tip that will not open, and is recorded in the audit chain.
#[tokio::test]
async fn a_reindexing_after_a_rotation_is_resumable_and_counts_what_it_cannot_open() {
    use jubao::service::related::Reindexing;
    let app = spawn_app().await;
    let li = app.official("li.wei", "officer,head", Some("emergency")).await;
    let chen = app.official("chen.jie", "officer", Some("emergency")).await;
    let wang = app.official("wang.fang", "officer", Some("housing")).await;
    app.approve_pending(&li).await;
    let li_b = app.bearer(&li, false).await;
    let mut tips = Vec::new();
    for (category, company) in [
        ("mine", "重庆某某建设工程有限公司"),
        ("mine", "某某建设工程（重庆）有限责任公司"),
        ("mine", "重庆另一实业有限公司"),
        ("mine", "重庆第三实业有限公司"),
        ("construction-site", "重庆某某建设工程有限公司"),
    ] {
        let tip = tip_about(&app, category, company).await;
        if category == "mine" {
            case_of(&app, &li_b, &tip.1).await;
        }
        tips.push(tip);
    }
    assert_eq!(coverage(&app).await.indexed, 4, "li opened the four emergency tips");
    rotate_by_leaving(&app, &chen).await;
    assert_eq!(coverage(&app).await, jubao::store::indexes::Coverage { tips: 5, indexed: 0 });
    let seen = case_of(&app, &li_b, &tips[1].1).await["related"].clone();
    assert_eq!(seen["listed"], serde_json::json!([]), "the old indexes match nothing new: {seen}");
    assert_eq!(coverage(&app).await.indexed, 1, "the tip just opened is indexed under the new version");

    // One tip is shredded, one is damaged; the session named has ended: nothing is done.
    let blobs = jubao::store::blobs::BlobStore::open(&app.store, &app.data_dir).unwrap();
    assert!(jubao::service::retention::shred(&app.store, &blobs, &tips[3].0, crate::helpers::now()).await.unwrap());
    sqlx::query("UPDATE tips SET body = $1 WHERE id = $2")
        .bind(b"age-encryption.org/v1\ndamaged".to_vec())
        .bind(&tips[2].0)
        .execute(app.store.pool())
        .await
        .unwrap();
    let places = jubao::domain::matching::Places::new(&["重庆市"], ["渝中区"]);
    let li_in = app.sign_in("li.wei").await;
    let ended =
        Reindexing::prepare(&app.store, &li_in, &places, Some("no-such-session".into())).await.unwrap().unwrap();
    let cut = ended.run(&app.store, |_| {}).await.unwrap();
    assert!(cut.stopped && cut.done == 0, "{cut:?}");
    assert_eq!(cut.total, 2, "the emergency tips not shredded, nor indexed under the new version: {cut:?}");

    // Run again: li's department's tips are done, the damaged one counted; the housing tip
    // waits for a housing holder.
    let mut heard = Vec::new();
    let run = Reindexing::prepare(&app.store, &li_in, &places, None).await.unwrap().unwrap();
    let done = run.run(&app.store, |p| heard.push(p)).await.unwrap();
    assert_eq!((done.total, done.done, done.unreadable, done.stopped), (2, 1, 1, false), "{done:?}");
    assert_eq!(heard.last(), Some(&done), "progress is told after each batch");
    assert_eq!(coverage(&app).await, jubao::store::indexes::Coverage { tips: 4, indexed: 2 });
    let wang_in = app.sign_in("wang.fang").await;
    let run = Reindexing::prepare(&app.store, &wang_in, &places, None).await.unwrap().unwrap();
    assert_eq!(run.run(&app.store, |_| {}).await.unwrap().done, 1);
    let _ = wang;

    // Re-indexed, the two spellings match again across departments.
    let seen = case_of(&app, &li_b, &tips[1].1).await["related"].clone();
    assert_eq!(
        seen["elsewhere"],
        serde_json::json!([{"department": "housing", "status": "received", "count": 1}]),
        "{seen}"
    );
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'related.reindexed' ORDER BY seq")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(audited.len(), 3, "{audited:?}");
    assert!(audited[0].ends_with("done=0 unreadable=0 stopped=true"), "{audited:?}");
    assert!(audited[1].ends_with("done=1 unreadable=1 stopped=false"), "{audited:?}");
}

/// A database whose tips were indexed before the index rows carried their key version and
/// the time received (migration 14) keeps those indexes: each row gets its tip's, the
/// repeats of a period find them, and a stray row of a tip never indexed is dropped.
#[tokio::test]
async fn the_indexes_computed_before_migration_14_are_carried_over() {
    use jubao::crypto::blind::Field;
    use jubao::store::{Store, indexes};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let database = crate::helpers::TestDatabase::fresh(dir.path()).await;
    let url = jubao::configuration::DatabaseUrl::parse(&database.url()).unwrap();
    let store = Store::connect(&url).await.unwrap();
    store.migrate_to(13).await.unwrap();
    let seeds = jubao::seeds::SeedSet::builtin().unwrap();
    jubao::store::reference::store_seeds(&store, &seeds, crate::helpers::now()).await.unwrap();
    for (id, received_at, indexed_with) in [("t1", 1_000_i64, Some("k1")), ("t2", 2_000, None)] {
        sqlx::query(
            "INSERT INTO tips (id, reference, kind, category_code, district_code, channel, status, \
             department_code, received_at, public_key, receipt_kdf, receipt_salt, receipt_verifier, \
             reporter_key_wrap, body, indexed_with) \
             VALUES ($1, $2, 'violation', 'mine', '500103', 'web', 'received', 'emergency', $3, 'k', 'kdf', \
             $4, $4, $4, $4, $5)",
        )
        .bind(id)
        .bind(format!("R-{id}"))
        .bind(received_at)
        .bind(Vec::<u8>::new())
        .bind(indexed_with)
        .execute(store.pool())
        .await
        .unwrap();
    }
    for (tip, field, value) in [("t1", "company", 7_i64), ("t1", "address", 9), ("t2", "company", 7)] {
        sqlx::query("INSERT INTO tip_indexes (tip_id, field, value) VALUES ($1, $2, $3)")
            .bind(tip)
            .bind(field)
            .bind(value)
            .execute(store.pool())
            .await
            .unwrap();
    }
    store.migrate().await.unwrap();
    let rows: Vec<(String, String, i64, String, i64)> =
        sqlx::query_as("SELECT tip_id, field, value, key_id, received_at FROM tip_indexes ORDER BY field")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("t1".into(), "address".into(), 9, "k1".into(), 1_000),
            ("t1".into(), "company".into(), 7, "k1".into(), 1_000)
        ]
    );
    let found = indexes::repeats(&mut store.conn().await.unwrap(), "k1", 0, 1, 10).await.unwrap();
    let found: Vec<(Field, i64, i64)> = found.into_iter().map(|r| (r.field, r.value, r.tips)).collect();
    assert_eq!(found, [(Field::Company, 7, 1), (Field::Address, 9, 1)]);
    store.close().await;
}

/// In a browser: after a rotation the keys page says how many tips are indexed under the
/// newest key; the officer starts the re-indexing, and the page shows it finished.
#[tokio::test]
async fn the_keys_page_starts_a_reindexing_and_shows_its_progress() {
    use crate::browser::sign_in;
    let app = spawn_app().await;
    let li = app.official("li.wei", "officer,head", Some("emergency")).await;
    let chen = app.official("chen.jie", "officer", Some("emergency")).await;
    app.approve_pending(&li).await;
    let li_b = app.bearer(&li, false).await;
    let mut references = Vec::new();
    for company in ["重庆某某建设工程有限公司", "某某建设工程（重庆）有限责任公司", "重庆另一实业有限公司"]
    {
        let (_, reference) = tip_about(&app, "mine", company).await;
        case_of(&app, &li_b, &reference).await;
        references.push(reference);
    }
    rotate_by_leaving(&app, &chen).await;

    let (_driver, client) = browser().await;
    client.set_window_size(360, 2400).await.unwrap();
    sign_in(&client, &app, &li, true).await;
    wait_for(&client, "table.queue").await;
    client.goto(&app.url("/staff/keys")).await.unwrap();
    let section = wait_for(&client, "section.reindex").await.text().await.unwrap();
    assert!(section.contains("已按最新版本的比对密钥建立索引的举报：0 / 3 件"), "{section}");
    client.find(Locator::Css("section.reindex form button[type=submit]")).await.unwrap().click().await.unwrap();
    let notice = wait_for(&client, "p.notice").await.text().await.unwrap();
    assert!(notice.contains("已开始重建索引"), "{notice}");
    // The run is short: reload until the page says it is finished.
    let mut section = String::new();
    for _ in 0..50 {
        client.goto(&app.url("/staff/keys")).await.unwrap();
        section = wait_for(&client, "section.reindex").await.text().await.unwrap();
        if section.contains("已完成：3 / 3 件") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(section.contains("li.wei 的重建索引已完成：3 / 3 件"), "{section}");
    assert!(section.contains("建立索引的举报：3 / 3 件"), "{section}");
    assert!(client.find(Locator::Css("section.reindex form")).await.is_err(), "nothing is left to start");
    client.close().await.unwrap();

    let seen = case_of(&app, &li_b, &references[0]).await["related"].clone();
    let listed: Vec<&str> =
        seen["listed"].as_array().unwrap().iter().map(|t| t["reference"].as_str().unwrap()).collect();
    assert_eq!(listed, [references[1].as_str()], "{seen}");
}
