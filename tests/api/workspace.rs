//! Working cases through the API: every step of the lifecycle, legal and illegal; proposals
//! decided only by another head; transfer; duplicates; identity disclosure only with a
//! custodian's approval; and what the reporter sees of it all.

use serde_json::json;

use crate::helpers::{TestApp, act, client_from, spawn_app};

async fn reporter_view(app: &TestApp, receipt: &serde_json::Value) -> serde_json::Value {
    let client = client_from(None);
    let session: serde_json::Value = client
        .post(app.url("/api/v1/reporter/session"))
        .json(&json!({"reference": receipt["reference"], "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    client
        .get(app.url("/api/v1/reporter/tip"))
        .header("authorization", format!("Bearer {}", session["token"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT status FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_case_goes_through_every_step_and_illegal_steps_get_409() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let second_head = app.official("qian.head", "head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let receipt = app.file_tip("仓库违规存放危险化学品").await;
    let reference = receipt["reference"].as_str().unwrap();
    let officer_bearer = app.bearer(&officer, false).await;
    let head_bearer = app.bearer(&head, false).await;
    let second_bearer = app.bearer(&second_head, false).await;

    // Received: what does not fit is refused with 409 and a reason.
    for illegal in ["start_verification", "close", "approve", "propose_conclusion"] {
        let (status, body) = act(&app, &officer_bearer, reference, json!({"action": illegal, "conclusion": {"outcome": "substantiated", "fine_yuan": 0, "previously_known": false, "feedback": "x"}})).await;
        assert!(status == 409, "{illegal}: {status} {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }

    // A rejection is proposed, and decided by a head other than the proposer.
    let (status, _) =
        act(&app, &head_bearer, reference, json!({"action": "propose_rejection", "reason": "内容不清楚"})).await;
    assert_eq!(status, 200);
    let (status, body) = act(&app, &head_bearer, reference, json!({"action": "approve"})).await;
    assert_eq!(status, 403, "the proposer does not approve: {body}");
    let (status, _) = act(&app, &officer_bearer, reference, json!({"action": "approve"})).await;
    assert_eq!(status, 403, "an officer does not approve");
    let (status, _) =
        act(&app, &second_bearer, reference, json!({"action": "deny", "reason": "信息足够，应当受理"})).await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&app, reference).await, "received");

    // Accept, assign, verify.
    assert_eq!(act(&app, &officer_bearer, reference, json!({"action": "accept"})).await.0, 200);
    assert_eq!(status_of(&app, reference).await, "accepted");
    assert_eq!(act(&app, &officer_bearer, reference, json!({"action": "accept"})).await.0, 409);
    let (status, _) =
        act(&app, &officer_bearer, reference, json!({"action": "assign", "to": second_head.signed_in.user_id})).await;
    assert_eq!(status, 403, "an officer assigns only to themself");
    assert_eq!(
        act(&app, &head_bearer, reference, json!({"action": "assign", "to": officer.signed_in.user_id})).await.0,
        200
    );
    assert_eq!(act(&app, &officer_bearer, reference, json!({"action": "start_verification"})).await.0, 200);
    assert_eq!(status_of(&app, reference).await, "verifying");

    // One extension of at most 30 days, with a reason the reporter sees.
    let due_before: i64 = sqlx::query_scalar("SELECT due_at FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        act(&app, &officer_bearer, reference, json!({"action": "propose_extension", "days": 45, "reason": "需要检测"}))
            .await
            .0,
        422
    );
    assert_eq!(
        act(
            &app,
            &officer_bearer,
            reference,
            json!({"action": "propose_extension", "days": 20, "reason": "需要第三方检测"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(&app, &officer_bearer, reference, json!({"action": "propose_extension", "days": 10, "reason": "again"}))
            .await
            .0,
        409,
        "one proposal at a time"
    );
    assert_eq!(act(&app, &head_bearer, reference, json!({"action": "approve"})).await.0, 200);
    let due_after: i64 = sqlx::query_scalar("SELECT due_at FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(due_after - due_before, 20 * 86400);
    assert_eq!(
        act(&app, &officer_bearer, reference, json!({"action": "propose_extension", "days": 5, "reason": "more"}))
            .await
            .0,
        409,
        "only once"
    );

    // A note, a reply, then the conclusion approved by a head.
    assert_eq!(act(&app, &officer_bearer, reference, json!({"action": "note", "body": "现场照片已调取"})).await.0, 200);
    assert_eq!(
        act(&app, &officer_bearer, reference, json!({"action": "reply", "body": "请问仓库几点开门？"})).await.0,
        200
    );
    let conclusion = json!({"action": "propose_conclusion", "conclusion": {
        "outcome": "substantiated", "fine_yuan": 100000, "previously_known": false,
        "feedback": "经核查属实，已责令停产整改并罚款十万元，符合奖励条件。"}});
    assert_eq!(act(&app, &officer_bearer, reference, conclusion).await.0, 200);
    assert_eq!(act(&app, &second_bearer, reference, json!({"action": "approve"})).await.0, 200);
    assert_eq!(status_of(&app, reference).await, "concluded");
    let (outcome, fine): (String, i64) = sqlx::query_as("SELECT outcome, fine_yuan FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!((outcome.as_str(), fine), ("substantiated", 100000));
    assert_eq!(act(&app, &officer_bearer, reference, json!({"action": "close"})).await.0, 200);
    for step in ["accept", "close", "start_verification", "propose_rejection", "transfer"] {
        assert_eq!(
            act(&app, &officer_bearer, reference, json!({"action": step, "reason": "x", "to": "fire"})).await.0,
            409,
            "closed: {step}"
        );
    }

    // The reporter sees the steps, the extension's reason, the reply and the feedback; not the note.
    let view = reporter_view(&app, &receipt).await;
    let told: Vec<&str> = view["events"].as_array().unwrap().iter().map(|e| e["text_zh"].as_str().unwrap()).collect();
    let all = told.join("\n");
    assert!(
        all.contains("已受理")
            && all.contains("需要第三方检测")
            && all.contains("罚款十万元")
            && all.contains("已结案"),
        "{all}"
    );
    assert!(!all.contains("现场照片已调取"), "internal notes stay internal");
    assert!(!all.contains("内容不清楚"), "a denied proposal is not shown");
    assert_eq!(view["messages"][0]["body"], "请问仓库几点开门？");
    assert_eq!(view["status"], "closed");
    crate::helpers::assert_counts_match(&app).await;
}

#[tokio::test]
async fn a_transfer_moves_the_key_and_a_rejection_tells_the_reporter_why() {
    let app = spawn_app().await;
    let emergency = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let second = app.official("qian.head", "head", Some("emergency")).await;
    app.approve_pending(&emergency).await;
    let fire = app.official("wang.fang", "officer", Some("fire")).await;
    let receipt = app.file_tip("商场消防通道堵塞").await;
    let reference = receipt["reference"].as_str().unwrap();
    let emergency_bearer = app.bearer(&emergency, false).await;
    let fire_bearer = app.bearer(&fire, false).await;
    let client = client_from(None);
    let read = |bearer: String| {
        client.get(app.url(&format!("/api/v1/staff/tips/{reference}"))).header("authorization", bearer).send()
    };

    assert_eq!(read(fire_bearer.clone()).await.unwrap().status(), 403, "not granted to fire yet");
    assert_eq!(act(&app, &emergency_bearer, reference, json!({"action": "transfer", "to": "fire"})).await.0, 200);
    assert_eq!(read(emergency_bearer.clone()).await.unwrap().status(), 403, "the old department cannot decrypt it");
    let case: serde_json::Value = read(fire_bearer.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(case["department"], "fire");
    assert_eq!(case["report"]["title"], "商场消防通道堵塞");

    // Rejection in the new department needs a head there; fire has none, so the proposal waits.
    assert_eq!(
        act(&app, &fire_bearer, reference, json!({"action": "propose_rejection", "reason": "不属于安全生产问题"}))
            .await
            .0,
        200
    );
    assert_eq!(act(&app, &fire_bearer, reference, json!({"action": "approve"})).await.0, 403);
    let _ = second;

    // A duplicate links to the tip on the matter that was accepted first.
    let first = app.file_tip("同一事项的第一次举报").await;
    let second = app.file_tip("同一事项的第二次举报").await;
    let (first_ref, second_ref) = (first["reference"].as_str().unwrap(), second["reference"].as_str().unwrap());
    let (status, _) =
        act(&app, &emergency_bearer, second_ref, json!({"action": "link_duplicate", "of": first_ref})).await;
    assert_eq!(status, 422, "not to a tip nobody accepted");
    assert_eq!(act(&app, &emergency_bearer, first_ref, json!({"action": "accept"})).await.0, 200);
    let (status, _) =
        act(&app, &emergency_bearer, second_ref, json!({"action": "link_duplicate", "of": second_ref})).await;
    assert_eq!(status, 422, "not to itself");
    let (status, _) =
        act(&app, &emergency_bearer, first_ref, json!({"action": "link_duplicate", "of": second_ref})).await;
    assert_eq!(status, 422, "the linked tip must have been accepted first");
    let (status, _) =
        act(&app, &emergency_bearer, second_ref, json!({"action": "link_duplicate", "of": first_ref})).await;
    assert_eq!(status, 200);
    let view = reporter_view(&app, &second).await;
    assert_eq!(view["status"], "closed");
    assert!(view["events"].to_string().contains("只有最先受理的举报可获奖励"), "the duplicate's reporter is told why");
    crate::helpers::assert_counts_match(&app).await;
}

#[tokio::test]
async fn the_identity_is_disclosed_only_with_a_custodians_approval() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    app.approve_pending(&head).await;
    let custodian = app.official("guard.one", "custodian", None).await;
    let mut tip = crate::helpers::api_tip("举报人留有身份", "这是一段足够长的举报内容，用于测试。");
    tip["identity"] = json!({"name": "张三", "phone": "13800000000"});
    let client = client_from(None);
    let receipt: serde_json::Value =
        client.post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap().json().await.unwrap();
    let reference = receipt["reference"].as_str().unwrap();
    let head_bearer = app.bearer(&head, false).await;
    let officer_bearer = app.bearer(&officer, false).await;
    let custodian_bearer = app.bearer(&custodian, false).await;
    let identity = |bearer: &str| {
        client
            .get(app.url(&format!("/api/v1/staff/tips/{reference}/identity")))
            .header("authorization", bearer.to_owned())
            .send()
    };
    let request = |bearer: &str, reason: &str| {
        client
            .post(app.url(&format!("/api/v1/staff/tips/{reference}/disclosure")))
            .header("authorization", bearer.to_owned())
            .json(&json!({"reason": reason}))
            .send()
    };

    assert_eq!(identity(&head_bearer).await.unwrap().status(), 403, "nothing before a request");
    assert_eq!(request(&officer_bearer, "想知道").await.unwrap().status(), 403, "only a head asks");
    assert_eq!(request(&head_bearer, "需要联系举报人补充现场位置").await.unwrap().status(), 201);
    assert_eq!(identity(&head_bearer).await.unwrap().status(), 403, "nothing before a custodian decides");

    let open: serde_json::Value = client
        .get(app.url("/api/v1/staff/disclosures"))
        .header("authorization", &custodian_bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(open[0]["reason"], "需要联系举报人补充现场位置");
    assert!(open.to_string().find("举报人留有身份").is_none(), "the custodian sees no tip content");
    let id = open[0]["id"].as_str().unwrap();
    let decide = |bearer: &str, approve: bool| {
        client
            .post(app.url(&format!("/api/v1/staff/disclosures/{id}")))
            .header("authorization", bearer.to_owned())
            .json(&json!({"approve": approve}))
            .send()
    };
    assert_eq!(decide(&head_bearer, true).await.unwrap().status(), 403, "a head cannot approve their own request");
    assert_eq!(decide(&custodian_bearer, true).await.unwrap().status(), 204);
    assert_eq!(decide(&custodian_bearer, true).await.unwrap().status(), 409, "decided once");

    let disclosed: serde_json::Value = identity(&head_bearer).await.unwrap().json().await.unwrap();
    assert_eq!(disclosed["name"], "张三");
    assert_eq!(identity(&officer_bearer).await.unwrap().status(), 403, "disclosed to the requester alone");
    let view = reporter_view(&app, &receipt).await;
    let told = view["events"].to_string();
    assert!(
        told.contains("zhao.head") && told.contains("需要联系举报人补充现场位置"),
        "the reporter is told to whom and why: {told}"
    );
    // The identity line of the status page says it was disclosed, to whom and why.
    let page = crate::helpers::track_page(&app, &receipt).await;
    let start = page.find("身份信息</dt>").expect("the identity line");
    let line = &page[start..start + page[start..].find("</dd>").unwrap()];
    assert!(
        line.contains("已披露") && line.contains("zhao.head") && line.contains("需要联系举报人补充现场位置"),
        "{line}"
    );
    assert!(!line.contains("查看时会在这里告诉您"), "{line}");
}
