//! The money controls of the reward track, through the JSON API, the staff pages and a real
//! browser: an account still waiting to be admitted to its key group takes no step; an amount
//! above the policy's ceiling is refused, and one above the computed amount needs two heads
//! besides the proposer; the reporter learns an amount only once finance authorises it; and a
//! reward step never tells an official of another department whether a reference exists.

use fantoccini::Locator;
use jubao::domain::TipReference;
use serde_json::{Value, json};

use crate::browser::{browser, sign_in, wait_for};
use crate::helpers::{Official, TestApp, act, spawn_app, track_page};
use crate::rewards::{file, get_as, payout, reporter_bearer, reporter_post, reporter_tip, reward_step};

/// The Chinese and English refusal for an account its key group has not admitted yet.
const WAITING_ZH: &str = "等待同事批准加入";
const WAITING_EN: &str = "waiting for a colleague to admit it";

/// Accepts, verifies and concludes a tip with `fine`: `officer` proposes, `head` approves.
async fn conclude(app: &TestApp, officer: &str, head: &str, reference: &str, fine: i64) {
    for action in ["accept", "start_verification"] {
        assert_eq!(act(app, officer, reference, json!({"action": action})).await.0, 200, "{action}");
    }
    let conclusion = json!({
        "action": "propose_conclusion",
        "conclusion": {"outcome": "substantiated", "fine_yuan": fine, "previously_known": false,
                       "feedback": "经核查属实，已责令整改并处罚款。符合奖励条件。"}
    });
    assert_eq!(act(app, officer, reference, conclusion).await.0, 200);
    let (status, body) = act(app, head, reference, json!({"action": "approve"})).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("concluded")), "{body}");
}

fn error_of(body: &str) -> Value {
    serde_json::from_str::<Value>(body).unwrap_or(Value::Null)["error"].clone()
}

/// Asserts a 403 whose bilingual message says the account waits to be admitted.
fn assert_waiting(answer: (u16, String), what: &str) {
    let (status, body) = answer;
    assert_eq!(status, 403, "{what}: {body}");
    let error = error_of(&body);
    assert_eq!(error["code"], "key_pending", "{what}: {body}");
    assert!(error["message_zh"].as_str().unwrap().contains(WAITING_ZH), "{what}: {body}");
    assert!(error["message"].as_str().unwrap().contains(WAITING_EN), "{what}: {body}");
}

/// Posts a staff form as the browser sends it; returns the status and the page.
async fn post_form(
    app: &TestApp,
    browser: &(reqwest::Client, String),
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut form = vec![("csrf", browser.1.as_str())];
    form.extend_from_slice(fields);
    let response = browser.0.post(app.url(path)).form(&form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A refusal page in Chinese: the Chinese message, none of the English one.
fn assert_chinese_refusal(answer: &(u16, String), zh: &str, en: &str, what: &str) {
    let (status, page) = answer;
    assert_eq!(*status, 403, "{what}: {page}");
    assert!(page.contains(zh), "{what}: the Chinese message: {page}");
    assert!(!page.contains(en), "{what}: no English on a Chinese page: {page}");
}

async fn reward_of(app: &TestApp, bearer: &str, reference: &str) -> Value {
    let (status, body) = get_as(app, bearer, &format!("/api/v1/staff/tips/{reference}/reward")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["reward"].clone()
}

/// The emergency department's active officials and finance, then a head and a finance
/// official who arrive later and wait for a colleague to admit them to the key group.
struct Staff {
    head: Official,
    officer: Official,
    second: Official,
    cash: Official,
    pay: Official,
    late_head: Official,
    late_cash: Official,
}

async fn staff(app: &TestApp) -> Staff {
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let second = app.official("qian.head", "head", Some("emergency")).await;
    let cash = app.official("cash.one", "finance", None).await;
    let pay = app.official("cash.two", "finance", None).await;
    app.approve_pending(&head).await;
    app.approve_pending(&cash).await;
    let late_head = app.official("late.head", "head", Some("emergency")).await;
    let late_cash = app.official("late.cash", "finance", None).await;
    for late in [&late_head, &late_cash] {
        let state: String = sqlx::query_scalar("SELECT state FROM key_holders WHERE user_id = $1")
            .bind(&late.signed_in.user_id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert_eq!(state, "pending", "{} waits for a colleague", late.signed_in.username);
    }
    Staff { head, officer, second, cash, pay, late_head, late_cash }
}

#[tokio::test]
async fn a_head_still_waiting_for_the_key_approves_no_reward_and_no_extension() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let (officer, head, second) =
        (app.bearer(&s.officer, false).await, app.bearer(&s.head, false).await, app.bearer(&s.second, false).await);
    let (cash, late) = (app.bearer(&s.cash, false).await, app.bearer(&s.late_head, false).await);
    let late_page = app.staff_browser(&s.late_head, true).await;
    let receipt = file(&app, "待批准成员不得批准奖励").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &officer, &head, reference, 100_000).await;
    assert_eq!(reward_step(&app, &officer, reference, json!({"step": "propose"})).await.0, 204);

    // Through the API and through the case page's form: refused, saying why.
    assert_waiting(reward_step(&app, &late, reference, json!({"step": "approve"})).await, "approve (API)");
    let page = post_form(
        &app,
        &late_page,
        &format!("/staff/tips/{reference}/reward"),
        &[("step", "approve"), ("confirm", "yes")],
    )
    .await;
    assert_chinese_refusal(&page, WAITING_ZH, WAITING_EN, "approve (page)");
    assert_eq!(reward_of(&app, &officer, reference).await["status"], "proposed", "nothing was approved");

    // An admitted head approves; finance authorises; the reporter asks for more time.
    assert_eq!(reward_step(&app, &second, reference, json!({"step": "approve"})).await.0, 204);
    assert_eq!(reward_step(&app, &cash, reference, json!({"step": "authorise"})).await.0, 204);
    let reporter = reporter_bearer(&app, &receipt).await;
    let asked = reporter_post(
        &app,
        &reporter,
        "/api/v1/reporter/reward/extension",
        json!({"reason": "住院治疗，无法按期领取"}),
    )
    .await;
    assert_eq!(asked.0, 204, "{}", asked.1);

    let extend = json!({"step": "approve_extension"});
    assert_waiting(reward_step(&app, &late, reference, extend.clone()).await, "approve_extension (API)");
    let page =
        post_form(&app, &late_page, &format!("/staff/tips/{reference}/reward"), &[("step", "approve_extension")]).await;
    assert_chinese_refusal(&page, WAITING_ZH, WAITING_EN, "approve_extension (page)");
    assert_eq!(reward_of(&app, &officer, reference).await["extension_requested"], true, "still undecided");

    // Once a colleague admits them, the same head may decide.
    app.approve_pending(&s.head).await;
    assert_eq!(reward_step(&app, &late, reference, extend).await.0, 204);
    let _ = (s.pay, s.late_cash);
}

#[tokio::test]
async fn a_finance_official_still_waiting_for_the_key_neither_authorises_nor_pays() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let (officer, head, second) =
        (app.bearer(&s.officer, false).await, app.bearer(&s.head, false).await, app.bearer(&s.second, false).await);
    let (cash, pay, late) =
        (app.bearer(&s.cash, false).await, app.bearer(&s.pay, false).await, app.bearer(&s.late_cash, false).await);
    let late_page = app.staff_browser(&s.late_cash, true).await;
    let receipt = file(&app, "待批准财务不得核准或付款").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &officer, &head, reference, 100_000).await;
    assert_eq!(reward_step(&app, &officer, reference, json!({"step": "propose"})).await.0, 204);
    assert_eq!(reward_step(&app, &second, reference, json!({"step": "approve"})).await.0, 204);

    // Authorise: refused through the API and through /staff/finance's form.
    assert_waiting(reward_step(&app, &late, reference, json!({"step": "authorise"})).await, "authorise (API)");
    let queue = late_page.0.get(app.url("/staff/finance")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(reference), "the waiting official sees the queue as before: {queue}");
    let page = post_form(
        &app,
        &late_page,
        &format!("/staff/finance/{reference}"),
        &[("step", "authorise"), ("confirm", "yes")],
    )
    .await;
    assert_chinese_refusal(&page, WAITING_ZH, WAITING_EN, "authorise (page)");
    assert_eq!(reward_of(&app, &officer, reference).await["status"], "approved", "nothing was authorised");

    // An admitted official authorises; the reporter claims; paying is refused the same way.
    assert_eq!(reward_step(&app, &cash, reference, json!({"step": "authorise"})).await.0, 204);
    let reporter = reporter_bearer(&app, &receipt).await;
    assert_eq!(reporter_post(&app, &reporter, "/api/v1/reporter/reward/claim", payout()).await.0, 204);
    let paid = json!({"step": "pay", "payment_reference": "CQ-2026-000777"});
    assert_waiting(reward_step(&app, &late, reference, paid.clone()).await, "pay (API)");
    let fields = [("step", "pay"), ("payment_reference", "CQ-2026-000777"), ("receipt_code", ""), ("confirm", "yes")];
    let page = post_form(&app, &late_page, &format!("/staff/finance/{reference}"), &fields).await;
    assert_chinese_refusal(&page, WAITING_ZH, WAITING_EN, "pay (page)");
    assert_eq!(reward_of(&app, &officer, reference).await["status"], "claimed", "nothing was paid");
    assert_eq!(reward_step(&app, &pay, reference, paid).await.0, 204);
}

#[tokio::test]
async fn an_amount_above_the_policys_ceiling_is_refused_unless_the_policy_allows_more() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let (officer, head) = (app.bearer(&s.officer, false).await, app.bearer(&s.head, false).await);
    let officer_page = app.staff_browser(&s.officer, true).await;
    let receipt = file(&app, "超出上限的奖励金额").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &officer, &head, reference, 100_000).await;

    // 9 000 000 000 yuan for a violation whose ceiling is 300 000: refused, naming the ceiling.
    let huge = json!({"step": "propose", "amount_yuan": 9_000_000_000i64, "reason": "举报人贡献特别重大"});
    let (status, body) = reward_step(&app, &officer, reference, huge).await;
    assert_eq!(status, 403, "{body}");
    let error = error_of(&body);
    assert_eq!(error["code"], "above_ceiling", "{body}");
    assert!(error["message_zh"].as_str().unwrap().contains("300000 元"), "{body}");
    assert!(error["message"].as_str().unwrap().contains("300000 yuan"), "{body}");
    let just_over = json!({"step": "propose", "amount_yuan": 300_001, "reason": "举报人贡献特别重大"});
    assert_eq!(reward_step(&app, &officer, reference, just_over).await.0, 403, "one yuan over");

    // The case page's form, filled as the browser sends it.
    let fields = [("step", "propose"), ("amount", "9000000000"), ("reason", "举报人贡献特别重大")];
    let page = post_form(&app, &officer_page, &format!("/staff/tips/{reference}/reward"), &fields).await;
    assert_chinese_refusal(&page, "300000 元", "300000 yuan", "propose above the ceiling (page)");
    for nothing in [0i64, -5] {
        let step = json!({"step": "propose", "amount_yuan": nothing, "reason": "测试"});
        assert_eq!(reward_step(&app, &officer, reference, step).await.0, 422, "{nothing} yuan");
    }
    assert!(reward_of(&app, &officer, reference).await.is_null(), "nothing was proposed");

    // A policy with `override_maximum` lets an override go that far, and no further.
    let policy = format!("override_maximum = 500000\n{}", include_str!("../../seeds/reward_policy.toml"));
    let seeds = jubao::seeds::SeedSet::builtin_with("reward_policy.toml", &policy).unwrap();
    jubao::store::reference::store_seeds(&app.store, &seeds, crate::helpers::now()).await.unwrap();
    let (status, body) = reward_step(
        &app,
        &officer,
        reference,
        json!({"step": "propose", "amount_yuan": 500_001, "reason": "举报人贡献特别重大"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body)["message_zh"].as_str().unwrap().contains("500000 元"), "{body}");
    let (status, body) = reward_step(
        &app,
        &officer,
        reference,
        json!({"step": "propose", "amount_yuan": 400_000, "reason": "举报人贡献特别重大"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let reward = reward_of(&app, &officer, reference).await;
    assert_eq!((reward["amount_yuan"].as_i64(), reward["approvals_required"].as_i64()), (Some(400_000), Some(2)));

    // A proposal the database holds above the ceiling (stored before the rule, or written
    // there by hand) is approved by no head.
    sqlx::query("UPDATE rewards SET amount_yuan = 9000000000").execute(app.store.pool()).await.unwrap();
    let second = app.bearer(&s.second, false).await;
    let (status, body) = reward_step(&app, &second, reference, json!({"step": "approve"})).await;
    assert_eq!((status, error_of(&body)["code"].as_str()), (403, Some("above_ceiling")), "{body}");
    assert_eq!(reward_of(&app, &officer, reference).await["first_approved_by"], Value::Null);
    let _ = (s.cash, s.pay, s.late_head, s.late_cash);
}

#[tokio::test]
async fn an_amount_above_the_computed_one_needs_two_heads_who_did_not_propose_it() {
    let app = spawn_app().await;
    let proposer = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let first = app.official("qian.head", "head", Some("emergency")).await;
    let second = app.official("sun.head", "head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let cash = app.official("cash.one", "finance", None).await;
    app.approve_pending(&proposer).await;
    for (who, email) in [(&proposer, "zhao@example.org"), (&first, "qian@example.org"), (&second, "sun@example.org")] {
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(&who.signed_in.user_id)
            .execute(app.store.pool())
            .await
            .unwrap();
    }
    let (b_proposer, b_first, b_second) =
        (app.bearer(&proposer, false).await, app.bearer(&first, false).await, app.bearer(&second, false).await);
    let (b_officer, b_cash) = (app.bearer(&officer, false).await, app.bearer(&cash, false).await);
    let first_page = app.staff_browser(&first, true).await;
    let receipt = file(&app, "高于计算金额的奖励").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &b_officer, &b_proposer, reference, 100_000).await;

    // 20 000 where the policy gives 15 000: a reason, then two heads.
    let more = json!({"step": "propose", "amount_yuan": 20_000});
    assert_eq!(reward_step(&app, &b_proposer, reference, more).await.0, 422, "a reason first");
    let more = json!({"step": "propose", "amount_yuan": 20_000, "reason": "举报人冒险取证，协助查处"});
    assert_eq!(reward_step(&app, &b_proposer, reference, more).await.0, 204);
    assert_eq!(reward_of(&app, &b_officer, reference).await["approvals_required"], 2);
    assert_eq!(reward_step(&app, &b_proposer, reference, json!({"step": "approve"})).await.0, 403, "the proposer");

    // The first head's approval is recorded; the reward stays proposed and waits for another.
    let mails_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_address = 'sun@example.org'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(reward_step(&app, &b_first, reference, json!({"step": "approve"})).await.0, 204);
    let reward = reward_of(&app, &b_officer, reference).await;
    assert_eq!(reward["status"], "proposed", "{reward}");
    assert_eq!(reward["first_approved_by"].as_str(), Some(first.signed_in.user_id.as_str()), "{reward}");
    assert!(reward["approved_by"].is_null(), "{reward}");
    let audited: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT actor_id, detail FROM audit_log WHERE action = 'reward.first_approve' ORDER BY seq")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].0.as_deref(), Some(first.signed_in.user_id.as_str()));
    let told: Vec<String> = sqlx::query_scalar("SELECT to_address FROM outbox WHERE body LIKE $1 ORDER BY to_address")
        .bind(format!("%第二位负责人%{reference}%"))
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(told, vec!["sun@example.org".to_owned()], "the other head is told, not the proposer or the first");
    let mails_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_address = 'sun@example.org'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(mails_after, mails_before + 1);

    // The case page says so, in Chinese and in English, and offers the first head no second go.
    let page =
        first_page.0.get(app.url(&format!("/staff/tips/{reference}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("等待第二位负责人批准"), "{page}");
    assert!(!page.contains("name=\"step\" value=\"approve\""), "no approve button for the head who approved");
    let (english, _) = app.staff_browser(&second, true).await;
    english.get(app.url(&format!("/lang/en?next=/staff/tips/{reference}"))).send().await.unwrap();
    let page = english.get(app.url(&format!("/staff/tips/{reference}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("waiting for a second head&#39;s approval")
            || page.contains("waiting for a second head's approval"),
        "{page}"
    );

    // The same head cannot approve twice, by the API or by the page.
    let (status, body) = reward_step(&app, &b_first, reference, json!({"step": "approve"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body)["message_zh"].as_str().unwrap().contains("另一位负责人"), "{body}");
    let again = post_form(
        &app,
        &first_page,
        &format!("/staff/tips/{reference}/reward"),
        &[("step", "approve"), ("confirm", "yes")],
    )
    .await;
    assert_chinese_refusal(&again, "另一位负责人", "another head", "the first head again (page)");
    assert_eq!(reward_step(&app, &b_cash, reference, json!({"step": "authorise"})).await.0, 409, "not approved yet");

    // Another head approves: approved; finance can go on.
    assert_eq!(reward_step(&app, &b_second, reference, json!({"step": "approve"})).await.0, 204);
    let reward = reward_of(&app, &b_officer, reference).await;
    assert_eq!(reward["status"], "approved", "{reward}");
    assert_eq!(reward["approved_by"].as_str(), Some(second.signed_in.user_id.as_str()));
    assert_eq!(reward_step(&app, &b_cash, reference, json!({"step": "authorise"})).await.0, 204);
    assert_eq!(reporter_tip(&app, &reporter_bearer(&app, &receipt).await).await["reward"]["amount_yuan"], 20_000);
}

#[tokio::test]
async fn the_reporter_is_told_no_amount_until_finance_authorises_it() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let third = app.official("sun.head", "head", Some("emergency")).await;
    app.approve_pending(&s.head).await;
    let (officer, head, second) =
        (app.bearer(&s.officer, false).await, app.bearer(&s.head, false).await, app.bearer(&s.second, false).await);
    let (third, cash) = (app.bearer(&third, false).await, app.bearer(&s.cash, false).await);
    let receipt = file(&app, "奖励核准前举报人看不到金额").await;
    let reference = receipt["reference"].as_str().unwrap();
    let reporter = reporter_bearer(&app, &receipt).await;
    conclude(&app, &officer, &head, reference, 100_000).await;

    // 26 789 yuan: a number that appears nowhere else on the reporter's pages.
    let amount = "26789";
    let steps: [(&str, &str, Value); 3] = [
        ("proposed", &officer, json!({"step": "propose", "amount_yuan": 26_789, "reason": "协助查处"})),
        ("approved once", &second, json!({"step": "approve"})),
        ("approved twice", &third, json!({"step": "approve"})),
    ];
    for (stage, bearer, step) in steps {
        let (status, body) = reward_step(&app, bearer, reference, step).await;
        assert_eq!(status, 204, "{stage}: {body}");
        let tip = reporter_tip(&app, &reporter).await;
        assert!(tip["reward"].is_null(), "{stage}: {tip}");
        assert!(!tip.to_string().contains(amount), "{stage}: no amount in the API: {tip}");
        let page = track_page(&app, &receipt).await;
        assert!(page.contains("符合奖励条件"), "{stage}: the page is the status page");
        assert!(!page.contains(amount), "{stage}: no amount on /track/status");
    }
    assert_eq!(reward_of(&app, &officer, reference).await["status"], "approved");

    assert_eq!(reward_step(&app, &cash, reference, json!({"step": "authorise"})).await.0, 204);
    let tip = reporter_tip(&app, &reporter).await;
    assert_eq!(tip["reward"]["amount_yuan"], 26_789, "{tip}");
    assert!(track_page(&app, &receipt).await.contains(amount), "the amount once authorised");
    let _ = (s.pay, s.late_head, s.late_cash);
}

#[tokio::test]
async fn a_reward_step_answers_alike_for_an_unknown_reference_and_another_departments_tip() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let fire = app.official("wang.fang", "officer,head", Some("fire")).await;
    let (officer, head) = (app.bearer(&s.officer, false).await, app.bearer(&s.head, false).await);
    let (b_fire, cash) = (app.bearer(&fire, false).await, app.bearer(&s.cash, false).await);
    let fire_page = app.staff_browser(&fire, true).await;
    let cash_page = app.staff_browser(&s.cash, true).await;
    let receipt = file(&app, "他部门举报的奖励").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &officer, &head, reference, 100_000).await;
    assert_eq!(reward_step(&app, &officer, reference, json!({"step": "propose"})).await.0, 204);
    let without_reward = file(&app, "尚无奖励的举报").await;
    let without_reward = without_reward["reference"].as_str().unwrap();
    let unknown = TipReference::generate().to_string();

    let no_such_tip = |what: &str, real: &(u16, String), none: &(u16, String)| {
        assert_eq!(real, none, "{what}: the same answer for a real tip and an unknown reference");
        assert_eq!(real.0, 403, "{what}: {}", real.1);
        if real.1.starts_with('{') {
            assert_eq!(error_of(&real.1)["code"], "no_such_tip", "{what}: {}", real.1);
        } else {
            assert!(real.1.contains("没有您可以查看的此编号举报"), "{what}: {}", real.1);
        }
    };

    // Another department's official, through the API and the case page's form.
    let path = |r: &str| format!("/api/v1/staff/tips/{r}/reward");
    no_such_tip(
        "GET reward",
        &get_as(&app, &b_fire, &path(reference)).await,
        &get_as(&app, &b_fire, &path(&unknown)).await,
    );
    for step in ["propose", "approve", "approve_extension"] {
        let body = json!({"step": step});
        let real = reward_step(&app, &b_fire, reference, body.clone()).await;
        let none = reward_step(&app, &b_fire, &unknown, body).await;
        no_such_tip(step, &real, &none);
        let page = |r: &str| format!("/staff/tips/{r}/reward");
        let fields = [("step", step), ("amount", ""), ("reason", "")];
        let real = post_form(&app, &fire_page, &page(reference), &fields).await;
        let none = post_form(&app, &fire_page, &page(&unknown), &fields).await;
        no_such_tip(&format!("{step} (page)"), &real, &none);
    }

    // Finance acts on every department's rewards: a tip without one answers as an unknown one.
    for step in [json!({"step": "authorise"}), json!({"step": "pay", "payment_reference": "CQ-1"})] {
        let real = reward_step(&app, &cash, without_reward, step.clone()).await;
        let none = reward_step(&app, &cash, &unknown, step.clone()).await;
        no_such_tip(&step.to_string(), &real, &none);
        let fields = [
            ("step", step["step"].as_str().unwrap()),
            ("payment_reference", "CQ-1"),
            ("receipt_code", ""),
            ("confirm", "yes"),
        ];
        let real = post_form(&app, &cash_page, &format!("/staff/finance/{without_reward}"), &fields).await;
        let none = post_form(&app, &cash_page, &format!("/staff/finance/{unknown}"), &fields).await;
        no_such_tip(&format!("{step} (page)"), &real, &none);
    }

    // The tip's own department still works its reward.
    assert_eq!(reward_step(&app, &head, reference, json!({"step": "approve"})).await.0, 204);
    assert_eq!(reward_step(&app, &cash, reference, json!({"step": "authorise"})).await.0, 204);
    let _ = (s.second, s.pay, s.late_head, s.late_cash);
}

/// Clicks the button of the form posting to `action` whose `step` is `step`, and waits until
/// the browser shows what the server answered at `lands_on`.
async fn submit(client: &fantoccini::Client, app: &TestApp, action: &str, step: &str, lands_on: &str) {
    let button =
        format!("//form[@action='{action}'][.//input[@name='step' and @value='{step}']]//button[@type='submit']");
    client.find(Locator::XPath(&button)).await.unwrap().click().await.unwrap();
    let url = url::Url::parse(&app.url(lands_on)).unwrap();
    client.wait().at_most(std::time::Duration::from_secs(30)).for_url(&url).await.unwrap();
    wait_for(client, "footer, main").await;
}

/// The text a person reads on the page now.
async fn text(client: &fantoccini::Client) -> String {
    client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn officials_meet_the_reward_controls_in_a_browser_without_javascript() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let third = app.official("sun.head", "head", Some("emergency")).await;
    app.approve_pending(&s.head).await;
    let (officer, head) = (app.bearer(&s.officer, false).await, app.bearer(&s.head, false).await);
    let receipt = file(&app, "浏览器中的奖励控制").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &officer, &head, reference, 100_000).await;
    let case = format!("/staff/tips/{reference}");
    let reward_action = format!("{case}/reward");
    let proposed = format!("{case}?done=reward_propose");
    let approved = format!("{case}?done=reward_approve");

    let (_driver, client) = browser().await;
    client.set_window_size(1280, 1500).await.unwrap();

    // The officer types 9 000 000 000 yuan and a reason: refused, naming the ceiling.
    sign_in(&client, &app, &s.officer, true).await;
    wait_for(&client, "a[href='/staff/keys']").await;
    client.goto(&app.url(&case)).await.unwrap();
    wait_for(&client, "#amount").await.clear().await.unwrap();
    client.find(Locator::Id("amount")).await.unwrap().send_keys("9000000000").await.unwrap();
    client.find(Locator::Id("override")).await.unwrap().send_keys("举报人贡献特别重大").await.unwrap();
    submit(&client, &app, &reward_action, "propose", &reward_action).await;
    let page = text(&client).await;
    assert!(page.contains("300000 元") && page.contains("上限"), "{page}");
    assert!(!page.contains("yuan"), "no English on the Chinese page: {page}");

    // Back to the case: 20 000 with a reason goes through and waits for two heads.
    client.goto(&app.url(&case)).await.unwrap();
    wait_for(&client, "#amount").await.clear().await.unwrap();
    client.find(Locator::Id("amount")).await.unwrap().send_keys("20000").await.unwrap();
    client.find(Locator::Id("override")).await.unwrap().send_keys("举报人冒险取证，协助查处").await.unwrap();
    submit(&client, &app, &reward_action, "propose", &proposed).await;
    let page = text(&client).await;
    assert!(page.contains("已提议，待批准") && page.contains("20000 元"), "{page}");
    assert!(page.contains("须两位负责人批准"), "the page says two heads must approve: {page}");

    // The first head approves from the case page and reads that a second head must follow.
    client.delete_all_cookies().await.unwrap();
    sign_in(&client, &app, &s.second, false).await;
    wait_for(&client, "a[href='/staff/keys']").await;
    client.goto(&app.url(&case)).await.unwrap();
    wait_for(&client, "#reward-confirm").await.click().await.unwrap();
    submit(&client, &app, &reward_action, "approve", &approved).await;
    let page = text(&client).await;
    assert!(page.contains("等待第二位负责人批准"), "{page}");
    assert!(client.find(Locator::Css("input[name=step][value=approve]")).await.is_err(), "no second go");

    // Another head approves: approved, waiting for finance.
    client.delete_all_cookies().await.unwrap();
    sign_in(&client, &app, &third, false).await;
    wait_for(&client, "a[href='/staff/keys']").await;
    client.goto(&app.url(&case)).await.unwrap();
    wait_for(&client, "#reward-confirm").await.click().await.unwrap();
    submit(&client, &app, &reward_action, "approve", &approved).await;
    let page = text(&client).await;
    assert!(page.contains("已批准，待财务核准"), "{page}");

    // A finance official still waiting for the key reads why, and gets no button to click.
    client.delete_all_cookies().await.unwrap();
    sign_in(&client, &app, &s.late_cash, false).await;
    wait_for(&client, "a[href='/staff/keys']").await;
    client.goto(&app.url("/staff/finance")).await.unwrap();
    wait_for(&client, "section.reward-line").await;
    let page = text(&client).await;
    assert!(page.contains("您的财务密钥尚待") && page.contains("密钥与成员"), "{page}");
    let authorise = "input[name=step][value=authorise]";
    assert!(client.find(Locator::Css(authorise)).await.is_err(), "no button that would be refused");
    let status: String =
        sqlx::query_scalar("SELECT r.status FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.reference = $1")
            .bind(reference)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(status, "approved", "nothing was authorised");
    client.close().await.unwrap();
    let _ = (s.cash, s.pay, s.late_head);
}
