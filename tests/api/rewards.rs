//! The reward track through the API: an anonymous tip is verified with a fine, its reward
//! proposed, approved, authorised, claimed and paid, each step refused to the wrong role and
//! to whoever took the step before; finance never receives tip text and the case officer
//! never receives payout details. Then the duplicate rule, and — with a clock the test
//! controls — forfeiture and extension, objection and review.

use jubao::crypto::receipt::QueryCode;
use jubao::domain::TipReference;
use jubao::domain::china_time::DAY;
use jubao::service::cases::{self, Action, Conclusion, Outcome};
use jubao::service::rewards::{self, Claim};
use jubao::service::tips::{self, ReporterView};
use jubao::service::{ServiceError, deadlines};
use serde_json::json;

use crate::helpers::{Official, TestApp, act, client_from, contains, now, spawn_app};

const CANARY: &str = "CANARY-REWARD-7f3a";
const PAYEE: &str = "王小明";
const ACCOUNT: &str = "6217000012345678";

struct People {
    /// Officer and head of the emergency department: proposes the reward.
    head: Official,
    officer: Official,
    /// Head of the emergency department and finance: approves the reward.
    dual: Official,
    /// Finance: authorises.
    cash: Official,
    /// Finance: pays.
    pay: Official,
}

struct Bearers {
    head: String,
    officer: String,
    dual: String,
    cash: String,
    pay: String,
}

async fn people(app: &TestApp) -> (People, Bearers) {
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let cash = app.official("cash.one", "finance", None).await;
    let dual = app.official("qian.head", "head,finance", Some("emergency")).await;
    let pay = app.official("cash.two", "finance", None).await;
    app.approve_pending(&head).await;
    app.approve_pending(&cash).await;
    let bearers = Bearers {
        head: app.bearer(&head, false).await,
        officer: app.bearer(&officer, false).await,
        dual: app.bearer(&dual, false).await,
        cash: app.bearer(&cash, false).await,
        pay: app.bearer(&pay, false).await,
    };
    (People { head, officer, dual, cash, pay }, bearers)
}

/// Files a violation whose every text carries the canary.
pub(crate) async fn file(app: &TestApp, title: &str) -> serde_json::Value {
    let tip = crate::helpers::api_tip(title, &format!("煤矿三号井违规作业，未按规定通风。{CANARY}"));
    let response = client_from(None).post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// Accepts, verifies and concludes the tip with `fine` (the officer proposes, the head approves).
async fn conclude(app: &TestApp, b: &Bearers, reference: &str, fine: i64) {
    for action in ["accept", "start_verification"] {
        assert_eq!(act(app, &b.officer, reference, json!({"action": action})).await.0, 200, "{action}");
    }
    let conclusion = json!({
        "action": "propose_conclusion",
        "conclusion": {"outcome": "substantiated", "fine_yuan": fine, "previously_known": false,
                       "feedback": "经核查属实，已责令整改并处罚款。符合奖励条件。"}
    });
    assert_eq!(act(app, &b.officer, reference, conclusion).await.0, 200);
    let (status, body) = act(app, &b.head, reference, json!({"action": "approve"})).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("concluded")));
}

pub(crate) async fn reward_step(
    app: &TestApp,
    bearer: &str,
    reference: &str,
    step: serde_json::Value,
) -> (u16, String) {
    let response = client_from(None)
        .post(app.url(&format!("/api/v1/staff/tips/{reference}/reward")))
        .header("authorization", bearer)
        .json(&step)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub(crate) async fn get_as(app: &TestApp, bearer: &str, path: &str) -> (u16, String) {
    let response = client_from(None).get(app.url(path)).header("authorization", bearer).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A reporter session token from the receipt.
pub(crate) async fn reporter_bearer(app: &TestApp, receipt: &serde_json::Value) -> String {
    let session: serde_json::Value = client_from(None)
        .post(app.url("/api/v1/reporter/session"))
        .json(&json!({"reference": receipt["reference"], "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    format!("Bearer {}", session["token"].as_str().unwrap())
}

pub(crate) async fn reporter_tip(app: &TestApp, bearer: &str) -> serde_json::Value {
    serde_json::from_str(&get_as(app, bearer, "/api/v1/reporter/tip").await.1).unwrap()
}

pub(crate) async fn reporter_post(app: &TestApp, bearer: &str, path: &str, body: serde_json::Value) -> (u16, String) {
    let response =
        client_from(None).post(app.url(path)).header("authorization", bearer).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub(crate) fn payout() -> serde_json::Value {
    json!({"method": "bank", "name": PAYEE, "id_number": "11010519491231002X", "bank": "中国银行重庆分行", "account": ACCOUNT})
}

#[tokio::test]
async fn a_reward_goes_from_proposal_to_payment_and_every_step_is_someone_else() {
    let app = spawn_app().await;
    let (p, b) = people(&app).await;
    let receipt = file(&app, "煤矿违规作业").await;
    let reference = receipt["reference"].as_str().unwrap();
    let reporter = reporter_bearer(&app, &receipt).await;

    // Before the conclusion nothing can be proposed, and the quote says why.
    let (status, body) = reward_step(&app, &b.head, reference, json!({"step": "propose"})).await;
    assert_eq!(status, 409, "{body}");
    conclude(&app, &b, reference, 100_000).await;

    // The case page's calculation: 15% of a 100 000 yuan fine.
    let (status, quote) = get_as(&app, &b.officer, &format!("/api/v1/staff/tips/{reference}/reward")).await;
    assert_eq!(status, 200, "{quote}");
    let quote: serde_json::Value = serde_json::from_str(&quote).unwrap();
    assert_eq!(quote["quote"]["computed_yuan"], 15_000);
    assert_eq!(quote["quote"]["eligible"], true);
    assert!(quote["reward"].is_null());
    let tip = reporter_tip(&app, &reporter).await;
    assert_eq!(tip["eligibility"]["eligible"], true, "the reporter is told the conditions are met");
    assert!(tip["reward"].is_null(), "nothing is shown before finance authorises");

    // Propose: finance may not; another amount needs a reason; then the head proposes.
    assert_eq!(reward_step(&app, &b.cash, reference, json!({"step": "propose"})).await.0, 403);
    let (status, body) = reward_step(&app, &b.head, reference, json!({"step": "propose", "amount_yuan": 20_000})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("needs a reason"), "{body}");
    assert_eq!(reward_step(&app, &b.head, reference, json!({"step": "propose"})).await.0, 204);
    assert_eq!(reward_step(&app, &b.officer, reference, json!({"step": "propose"})).await.0, 409, "one reward per tip");

    // Approve: not an officer, not the proposer; a finance user cannot authorise yet.
    assert_eq!(reward_step(&app, &b.cash, reference, json!({"step": "authorise"})).await.0, 409, "not approved yet");
    assert_eq!(reward_step(&app, &b.officer, reference, json!({"step": "approve"})).await.0, 403, "wrong role");
    assert_eq!(reward_step(&app, &b.head, reference, json!({"step": "approve"})).await.0, 403, "the proposer");
    assert_eq!(reward_step(&app, &b.dual, reference, json!({"step": "approve"})).await.0, 204);

    // Authorise: not a head, not the approver (who is also in finance); then finance.
    assert_eq!(reward_step(&app, &b.head, reference, json!({"step": "authorise"})).await.0, 403, "wrong role");
    assert_eq!(reward_step(&app, &b.dual, reference, json!({"step": "authorise"})).await.0, 403, "the approver");
    assert_eq!(reward_step(&app, &b.cash, reference, json!({"step": "authorise"})).await.0, 204);

    // The reporter sees the amount and the deadline, and claims; bad details are refused.
    let tip = reporter_tip(&app, &reporter).await;
    assert_eq!(tip["reward"]["amount_yuan"], 15_000);
    assert_eq!(tip["reward"]["status"], "notified");
    assert_eq!(tip["reward"]["can_claim"], true);
    let due = tip["reward"]["claim_due_at"].as_i64().unwrap();
    assert!((due - now() - 60 * DAY).abs() < 120, "60 days to claim");
    assert!(tip["events"].to_string().contains("15000 元"), "{}", tip["events"]);
    let mut bad = payout();
    bad["id_number"] = json!("110105194912310021");
    let (status, body) = reporter_post(&app, &reporter, "/api/v1/reporter/reward/claim", bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("身份证"), "{body}");
    assert_eq!(reporter_post(&app, &reporter, "/api/v1/reporter/reward/claim", payout()).await.0, 204);
    assert_eq!(reporter_post(&app, &reporter, "/api/v1/reporter/reward/claim", payout()).await.0, 409, "once");

    // Pay: not the authoriser, not an officer; then the other finance official.
    let paid = json!({"step": "pay", "payment_reference": "CQ-2026-000123"});
    assert_eq!(reward_step(&app, &b.cash, reference, paid.clone()).await.0, 403, "the authoriser");
    assert_eq!(reward_step(&app, &b.officer, reference, paid.clone()).await.0, 403, "wrong role");
    let (status, queue) = get_as(&app, &b.pay, "/api/v1/staff/rewards").await;
    assert_eq!(status, 200);
    assert!(queue.contains(PAYEE) && queue.contains(ACCOUNT), "finance receives the payout details: {queue}");
    assert!(!queue.contains(CANARY), "finance never receives tip text");
    assert_eq!(reward_step(&app, &b.pay, reference, paid.clone()).await.0, 204);
    assert_eq!(reward_step(&app, &b.pay, reference, paid).await.0, 409, "paid once");

    // Finance never opens the tip; the officials of the case never see the payout details.
    let (status, body) = get_as(&app, &b.cash, &format!("/api/v1/staff/tips/{reference}")).await;
    assert_eq!(status, 403);
    assert!(!body.contains(CANARY));
    for bearer in [&b.officer, &b.head, &b.dual] {
        for path in [format!("/api/v1/staff/tips/{reference}"), format!("/api/v1/staff/tips/{reference}/reward")] {
            let (_, body) = get_as(&app, bearer, &path).await;
            assert!(!body.contains(PAYEE) && !body.contains(ACCOUNT), "{path}: {body}");
        }
    }
    for bearer in [&b.officer, &b.head] {
        assert_eq!(get_as(&app, bearer, "/api/v1/staff/rewards").await.0, 403);
    }
    let (client, _) = app.staff_browser(&p.officer, true).await;
    let page = client.get(app.url(&format!("/staff/tips/{reference}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(CANARY) && page.contains("15000"), "the case page shows the reward");
    assert!(!page.contains(PAYEE) && !page.contains(ACCOUNT), "but not the payout details");

    // The payments export carries no identity fields.
    let (status, csv) = get_as(&app, &b.pay, "/api/v1/staff/rewards/payments.csv").await;
    assert_eq!(status, 200);
    assert!(csv.contains(reference) && csv.contains("15000") && csv.contains("CQ-2026-000123"), "{csv}");
    assert!(!csv.contains(PAYEE) && !csv.contains(ACCOUNT) && !csv.contains("1101051949"), "{csv}");

    // The reporter sees it paid; nothing readable reached the database; every step audited.
    let tip = reporter_tip(&app, &reporter).await;
    assert_eq!(tip["reward"]["status"], "paid");
    let stored = app.everything_stored().await;
    let logs = crate::helpers::captured_logs();
    for secret in [CANARY, PAYEE, ACCOUNT, "11010519491231002X", "CQ-2026-000123"] {
        assert!(!contains(&stored, secret), "{secret} is stored in the clear");
        assert!(!logs.contains(secret), "{secret} is logged");
    }
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'reward.%' OR action = 'payout.read' ORDER BY seq",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    for expected in
        ["reward.propose", "reward.approve", "reward.authorise", "reward.claim", "payout.read", "reward.pay"]
    {
        assert!(actions.iter().any(|a| a == expected), "{expected} audited: {actions:?}");
    }
    let _ = (p.head, p.dual, p.cash, p.pay);
}

#[tokio::test]
async fn only_the_first_accepted_tip_on_a_matter_can_be_rewarded() {
    let app = spawn_app().await;
    let (_p, b) = people(&app).await;
    let first = file(&app, "同一煤矿违规作业（先）").await;
    let second = file(&app, "同一煤矿违规作业（后）").await;
    let (first_ref, second_ref) = (first["reference"].as_str().unwrap(), second["reference"].as_str().unwrap());

    assert_eq!(act(&app, &b.officer, first_ref, json!({"action": "accept"})).await.0, 200);
    let (status, _) = act(&app, &b.head, first_ref, json!({"action": "link_duplicate", "of": second_ref})).await;
    assert_eq!(status, 422, "the second was not accepted first");
    assert_eq!(act(&app, &b.head, second_ref, json!({"action": "link_duplicate", "of": first_ref})).await.0, 200);

    // The second reporter is told why there is no reward.
    let tip = reporter_tip(&app, &reporter_bearer(&app, &second).await).await;
    assert_eq!(tip["eligibility"]["eligible"], false);
    assert!(tip["eligibility"]["reason_zh"].as_str().unwrap().contains("最先受理"), "{tip}");
    assert!(tip["events"].to_string().contains("只有最先受理的举报可获奖励"));
    let (status, body) = reward_step(&app, &b.head, second_ref, json!({"step": "propose"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("first accepted"), "{body}");

    // The first goes on to a reward.
    assert_eq!(act(&app, &b.officer, first_ref, json!({"action": "start_verification"})).await.0, 200);
    let conclusion = json!({"action": "propose_conclusion", "conclusion": {"outcome": "partially_substantiated",
        "fine_yuan": 10_000, "previously_known": false, "feedback": "部分属实，已处罚。"}});
    assert_eq!(act(&app, &b.officer, first_ref, conclusion).await.0, 200);
    assert_eq!(act(&app, &b.head, first_ref, json!({"action": "approve"})).await.0, 200);
    let (_, quote) = get_as(&app, &b.officer, &format!("/api/v1/staff/tips/{first_ref}/reward")).await;
    let quote: serde_json::Value = serde_json::from_str(&quote).unwrap();
    assert_eq!(
        (quote["quote"]["eligible"].as_bool(), quote["quote"]["computed_yuan"].as_i64()),
        (Some(true), Some(3_000))
    );
    assert_eq!(reward_step(&app, &b.officer, first_ref, json!({"step": "propose"})).await.0, 204);
}

#[tokio::test]
async fn a_matter_already_known_to_the_regulator_earns_nothing() {
    let app = spawn_app().await;
    let (_p, b) = people(&app).await;
    let receipt = file(&app, "已掌握的违法行为").await;
    let reference = receipt["reference"].as_str().unwrap();
    for action in ["accept", "start_verification"] {
        assert_eq!(act(&app, &b.officer, reference, json!({"action": action})).await.0, 200);
    }
    let conclusion = json!({"action": "propose_conclusion", "conclusion": {"outcome": "substantiated",
        "fine_yuan": 50_000, "previously_known": true, "feedback": "属实，但此前已掌握并依法处理。"}});
    assert_eq!(act(&app, &b.officer, reference, conclusion).await.0, 200);
    assert_eq!(act(&app, &b.head, reference, json!({"action": "approve"})).await.0, 200);
    let tip = reporter_tip(&app, &reporter_bearer(&app, &receipt).await).await;
    assert_eq!(tip["eligibility"]["eligible"], false);
    assert!(tip["eligibility"]["reason_en"].as_str().unwrap().contains("already knew"), "{tip}");
    assert_eq!(reward_step(&app, &b.officer, reference, json!({"step": "propose"})).await.0, 409);
}

async fn view_of(app: &TestApp, receipt: &serde_json::Value) -> ReporterView {
    let reference = TipReference::parse(receipt["reference"].as_str().unwrap()).unwrap();
    let code = QueryCode::parse(receipt["query_code"].as_str().unwrap()).unwrap();
    tips::open_for_reporter(&app.store, &reference, code).await.unwrap()
}

async fn reward_status(app: &TestApp, reference: &str) -> (String, Option<i64>) {
    sqlx::query_as(
        "SELECT r.status, r.claim_due_at FROM rewards r JOIN tips t ON t.id = r.tip_id WHERE t.reference = $1",
    )
    .bind(reference)
    .fetch_one(app.store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn an_unclaimed_reward_lapses_and_an_approved_extension_revives_it() {
    let app = spawn_app().await;
    let (p, b) = people(&app).await;
    let receipt = file(&app, "逾期未领取的奖励").await;
    let reference = receipt["reference"].as_str().unwrap();
    let tip_ref = TipReference::parse(reference).unwrap();
    conclude(&app, &b, reference, 100_000).await;
    assert_eq!(reward_step(&app, &b.head, reference, json!({"step": "propose"})).await.0, 204);
    assert_eq!(reward_step(&app, &b.dual, reference, json!({"step": "approve"})).await.0, 204);

    // From here the test holds the clock: authorised at t0, due 60 days later.
    let url = &app.settings.public_url;
    let t0 = now() + DAY;
    rewards::authorise(&app.store, &p.cash.signed_in, &tip_ref, t0).await.unwrap();
    let due = t0 + 60 * DAY;
    assert_eq!(reward_status(&app, reference).await, ("notified".into(), Some(due)));

    // A week before the deadline finance is reminded, once; nothing lapses yet.
    let swept = rewards::sweep(&app.store, url, due - 8 * DAY).await.unwrap();
    assert_eq!((swept.forfeited, swept.reminded), (0, 0));
    let swept = rewards::sweep(&app.store, url, due - 6 * DAY).await.unwrap();
    assert_eq!((swept.forfeited, swept.reminded), (0, 1));
    assert_eq!(rewards::sweep(&app.store, url, due - 5 * DAY).await.unwrap().reminded, 0, "reminded once");
    let swept = rewards::sweep(&app.store, url, due).await.unwrap();
    assert_eq!(swept.forfeited, 0, "the last day still counts");

    // A second past the deadline it lapses; a claim now is refused in the reporter's words.
    assert_eq!(rewards::sweep(&app.store, url, due + 1).await.unwrap().forfeited, 1);
    assert_eq!(reward_status(&app, reference).await.0, "forfeited");
    let view = view_of(&app, &receipt).await;
    let refused = rewards::claim(&app.store, url, &view, Claim::InPerson, due + DAY).await;
    assert!(
        matches!(&refused, Err(ServiceError::Conflict(m)) if m.key() == "rewards-reward-cannot-claimed-now"),
        "{refused:?}"
    );
    let shown = rewards::for_reporter(&app.store, &view, due + DAY).await.unwrap().reward.unwrap();
    assert!(!shown.can_claim && shown.can_ask_more_time);

    // The reporter asks for more time; only a head decides, and the window opens again.
    let extension = rewards::approve_extension(&app.store, &p.head.signed_in, &tip_ref, due + 2 * DAY).await;
    assert!(
        matches!(&extension, Err(ServiceError::Conflict(m)) if m.key() == "rewards-no-extension-asked"),
        "nothing asked yet: {extension:?}"
    );
    rewards::request_extension(&app.store, url, &view, "住院治疗，无法按期领取", due + 2 * DAY).await.unwrap();
    let again = rewards::request_extension(&app.store, url, &view, "再次申请", due + 2 * DAY).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    let by_finance = rewards::approve_extension(&app.store, &p.cash.signed_in, &tip_ref, due + 3 * DAY).await;
    assert!(matches!(by_finance, Err(ServiceError::Forbidden { .. })), "{by_finance:?}");
    rewards::approve_extension(&app.store, &p.head.signed_in, &tip_ref, due + 3 * DAY).await.unwrap();
    assert_eq!(reward_status(&app, reference).await, ("notified".into(), Some(due + 63 * DAY)));
    rewards::claim(&app.store, url, &view, Claim::InPerson, due + 4 * DAY).await.unwrap();

    // Collected in person: paid only against the receipt's query code.
    let payer = &p.pay.signed_in;
    let no_code = rewards::pay(&app.store, payer, &tip_ref, "现金-001", None, due + 5 * DAY).await;
    assert!(matches!(no_code, Err(ServiceError::Invalid { .. })), "{no_code:?}");
    let wrong =
        rewards::pay(&app.store, payer, &tip_ref, "现金-001", Some("1111 2222 3333 4444 5555"), due + 5 * DAY).await;
    assert!(matches!(wrong, Err(ServiceError::Invalid { .. })), "{wrong:?}");
    let code = receipt["query_code"].as_str().unwrap();
    rewards::pay(&app.store, payer, &tip_ref, "现金-001", Some(code), due + 5 * DAY).await.unwrap();
    assert_eq!(reward_status(&app, reference).await.0, "paid");
    let events = reporter_tip(&app, &reporter_bearer(&app, &receipt).await).await["events"].to_string();
    for said in ["逾期未领取", "领取期限已延长", "奖励已发放"] {
        assert!(events.contains(said), "{said}: {events}");
    }
    let _ = p.officer;
}

#[tokio::test]
async fn an_objection_is_reviewed_by_a_head_who_did_not_conclude() {
    let app = spawn_app().await;
    let (p, b) = people(&app).await;
    let url = &app.settings.public_url;
    let receipt = file(&app, "对办理结果有异议").await;
    let reference = receipt["reference"].as_str().unwrap();
    let tip_ref = TipReference::parse(reference).unwrap();
    conclude(&app, &b, reference, 0).await;
    let concluded_at: i64 = sqlx::query_scalar("SELECT concluded_at FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let view = view_of(&app, &receipt).await;

    // Ten days to object, counted from the conclusion.
    let shown = rewards::for_reporter(&app.store, &view, concluded_at).await.unwrap();
    assert_eq!(shown.objection_until, Some(concluded_at + 10 * DAY));
    let late = cases::object(&app.store, url, &view, "罚款太轻", concluded_at + 10 * DAY + 1).await;
    assert!(matches!(&late, Err(ServiceError::Conflict(m)) if m.key() == "cases-objection-window-passed"), "{late:?}");
    let objected_at = concluded_at + 9 * DAY;
    cases::object(&app.store, url, &view, "罚款为零，处理太轻，请复核", objected_at).await.unwrap();
    let twice = cases::object(&app.store, url, &view, "再次异议", objected_at + 1).await;
    assert!(matches!(twice, Err(ServiceError::Conflict(_))), "{twice:?}");
    let (status, due): (String, Option<i64>) = sqlx::query_as("SELECT status, due_at FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!((status.as_str(), due), ("under_review", Some(objected_at + 30 * DAY)), "30 days to review");

    // The review is overdue a second after its 30 days: escalated.
    deadlines::run(&app.store, url, objected_at + 30 * DAY + 1).await.unwrap();
    let escalated: Option<i64> = sqlx::query_scalar("SELECT escalated_at FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(escalated.is_some());

    // The head who concluded may not review; an officer may not; the other head revises.
    let revised = || Action::ConcludeReview {
        account: "复核认为原处罚偏轻，已追加罚款。".into(),
        revised: Some(Conclusion {
            outcome: Outcome::Substantiated,
            fine_yuan: 200_000,
            accident_grade: None,
            concealed_deaths: None,
            previously_known: false,
            feedback: String::new(),
        }),
    };
    let at = objected_at + 31 * DAY;
    let own = cases::act(&app.store, url, &p.head.signed_in, &tip_ref, revised(), at).await;
    assert!(matches!(own, Err(ServiceError::Forbidden { .. })), "{own:?}");
    let officer = cases::act(&app.store, url, &p.officer.signed_in, &tip_ref, revised(), at).await;
    assert!(matches!(officer, Err(ServiceError::Forbidden { .. })), "{officer:?}");
    cases::act(&app.store, url, &p.dual.signed_in, &tip_ref, revised(), at).await.unwrap();
    let (status, fine): (String, Option<i64>) =
        sqlx::query_as("SELECT status, fine_yuan FROM tips WHERE reference = $1")
            .bind(reference)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!((status.as_str(), fine), ("concluded", Some(200_000)));

    // The reporter reads the answer; the review is final; the reward follows the revised fine.
    let tip = reporter_tip(&app, &reporter_bearer(&app, &receipt).await).await;
    assert!(tip["events"].to_string().contains("已追加罚款"), "{}", tip["events"]);
    assert!(tip["objection_until"].is_null(), "one objection only");
    let (_, quote) = get_as(&app, &b.officer, &format!("/api/v1/staff/tips/{reference}/reward")).await;
    assert!(quote.contains("\"computed_yuan\":30000"), "{quote}");
    crate::helpers::assert_counts_match(&app).await;
    let _ = p.cash;
}

#[tokio::test]
async fn the_reporter_claims_and_objects_from_the_status_page() {
    let app = spawn_app().await;
    let (p, b) = people(&app).await;
    let receipt = file(&app, "在状态页领取奖励").await;
    let reference = receipt["reference"].as_str().unwrap();
    conclude(&app, &b, reference, 10_000).await;

    let browser = client_from(None);
    let opened = crate::helpers::post_page_form(
        &browser,
        &app,
        "/track",
        &[("reference", reference), ("query_code", receipt["query_code"].as_str().unwrap())],
    )
    .await;
    assert_eq!(opened.status(), 303);
    let page = browser.get(app.url("/track/status")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("符合奖励条件") && page.contains("提出异议"), "eligibility and the objection form");
    let csrf = crate::helpers::csrf_of(&page);

    // An empty objection is refused on the page, in Chinese and with its field.
    let response = browser
        .post(app.url("/track/objection"))
        .form(&[("csrf", csrf.as_str()), ("objection", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("请填写"));

    assert_eq!(reward_step(&app, &b.head, reference, json!({"step": "propose"})).await.0, 204);
    assert_eq!(reward_step(&app, &b.dual, reference, json!({"step": "approve"})).await.0, 204);
    assert_eq!(reward_step(&app, &b.cash, reference, json!({"step": "authorise"})).await.0, 204);
    let page = browser.get(app.url("/track/status")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("3000") && page.contains("领取奖励"), "the amount and the claim form");

    let claim = |account: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "claim".to_owned()),
            ("method", "bank".to_owned()),
            ("name", PAYEE.to_owned()),
            ("id_number", "11010519491231002X".to_owned()),
            ("bank", "中国银行".to_owned()),
            ("account", account.to_owned()),
        ]
    };
    let response = browser.post(app.url("/track/reward")).form(&claim("12ab")).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("银行账号应为 8 至 30 位数字") && page.contains(PAYEE), "the error, and what was typed kept");
    let response = browser.post(app.url("/track/reward")).form(&claim(ACCOUNT)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let page = browser.get(app.url("/track/status?done=claim")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("领取申请已提交") && page.contains("银行转账"));
    assert!(!page.contains("提交领取申请"), "no second claim form");

    // Finance's page lists it with the payout details and no tip text.
    let (finance, _) = app.staff_browser(&p.cash, true).await;
    let page = finance.get(app.url("/staff/finance")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(reference) && page.contains("3000") && page.contains(ACCOUNT), "{page}");
    assert!(!page.contains(CANARY));
}
