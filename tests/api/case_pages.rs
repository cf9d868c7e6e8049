//! The case, finance and disclosure pages driven as a browser drives them: every field of a
//! form sent, the empty ones included; redirects followed; the landing page read.

use serde_json::json;

use crate::helpers::{Official, TestApp, client_from, reporter_bearer, spawn_app};
use crate::rewards::{payout, reporter_post};

/// A signed-in page session: its cookie client and form token.
struct Browser {
    client: reqwest::Client,
    csrf: String,
}

/// What a form post ended on: the status, where the browser landed, and the page's text.
struct Landing {
    status: u16,
    url: String,
    page: String,
}

impl Browser {
    async fn of(app: &TestApp, official: &Official) -> Self {
        let (client, csrf) = app.staff_browser(official, false).await;
        Self { client, csrf }
    }

    async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let response = self.client.get(app.url(path)).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Posts the form and follows a redirect to the page it names.
    async fn submit(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Landing {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let response = self.client.post(app.url(path)).form(&form).send().await.unwrap();
        if response.status() == 303 {
            let to = response.headers()["location"].to_str().unwrap().to_owned();
            let (status, page) = self.get(app, &to).await;
            return Landing { status, url: to, page };
        }
        let status = response.status().as_u16();
        Landing { status, url: path.to_owned(), page: response.text().await.unwrap() }
    }
}

/// Every field of the case page's action form, as the browser sends them: `given` filled in,
/// the rest empty (an unticked box is not sent at all).
fn act_form<'a>(action: &'a str, given: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("action", action)];
    for name in
        ["body", "reason", "to", "days", "outcome", "fine_yuan", "accident_grade", "concealed_deaths", "feedback", "of"]
    {
        let value = given.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| *v);
        fields.push((name, value));
    }
    fields.extend(given.iter().filter(|(k, _)| ["confirm", "previously_known"].contains(k)).copied());
    fields
}

/// No raw codes, JSON or English on a Chinese page.
fn assert_readable(page: &str, what: &str) {
    for raw in ["{&quot;", "{\"", "fine=", "accident_grade", "removed", "kept", ">web<", ">qr<", "Done."] {
        assert!(!page.contains(raw), "{what}: `{raw}` shows on the page: {page}");
    }
}

async fn status_of(app: &TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT status FROM tips WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_case_is_concluded_and_its_reward_paid_through_the_pages() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    app.approve_pending(&head).await;
    let cash = app.official("cash.one", "finance", None).await;
    let pay = app.official("cash.two", "finance", None).await;
    let receipt = app.file_tip("仓库违规存放危险化学品").await;
    let reference = receipt["reference"].as_str().unwrap();
    let case = format!("/staff/tips/{reference}");
    let act = format!("{case}/act");
    let officer_page = Browser::of(&app, &officer).await;
    let head_page = Browser::of(&app, &head).await;

    let (_, page) = officer_page.get(&app, &case).await;
    assert!(page.contains("受理此举报") && page.contains("<dd>接口</dd>"), "the channel in words: {page}");
    assert_readable(&page, "the new case");
    let accepted = officer_page.submit(&app, &act, &act_form("accept", &[])).await;
    assert_eq!(accepted.url, format!("{case}?done=accept"));
    assert!(accepted.page.contains("已受理此举报。"), "{}", accepted.page);
    let started = officer_page.submit(&app, &act, &act_form("start_verification", &[])).await;
    assert!(started.page.contains("已开始核查。"), "{}", started.page);

    // A deaths field that does not read: refused beside it, with everything typed kept.
    let feedback = "经核查属实，已责令整改并处罚款二十万元。符合奖励条件。";
    let typed =
        [("outcome", "substantiated"), ("fine_yuan", "200000"), ("concealed_deaths", "两人"), ("feedback", feedback)];
    let refused = officer_page.submit(&app, &act, &act_form("propose_conclusion", &typed)).await;
    assert_eq!(refused.status, 400, "{}", refused.page);
    assert!(refused.page.contains("死亡人数请填写整数"), "{}", refused.page);
    assert!(refused.page.contains(feedback) && refused.page.contains("value=\"200000\""), "kept: {}", refused.page);
    assert!(refused.page.contains("propose_conclusion-concealed_deaths-error"), "beside the field");

    // The defaults with the deaths field empty: proposed.
    let typed = [("outcome", "substantiated"), ("fine_yuan", "200000"), ("feedback", feedback)];
    let proposed = officer_page.submit(&app, &act, &act_form("propose_conclusion", &typed)).await;
    assert_eq!((proposed.status, proposed.url.as_str()), (200, format!("{case}?done=propose_conclusion").as_str()));
    assert!(proposed.page.contains("办结提议已提交"), "{}", proposed.page);

    // The head reads the proposal as labelled fields, and approves it after ticking the box.
    let (_, page) = head_page.get(&app, &case).await;
    assert!(page.contains("待批准：办结") && page.contains("属实") && page.contains("200000 元"), "{page}");
    assert!(page.contains(feedback) && page.contains("li.wei"), "{page}");
    assert_readable(&page, "the proposal");
    // In English, the same proposal reads in English.
    let (client, csrf) = app.staff_browser(&head, true).await;
    let english = Browser { client, csrf };
    english.get(&app, &format!("/lang/en?next={case}")).await;
    let (_, page) = english.get(&app, &case).await;
    assert!(page.contains("Waiting for approval: Conclusion") && page.contains("Substantiated"), "{page}");
    assert!(page.contains("200000 yuan") && !page.contains("<dd>属实</dd>"), "{page}");
    let unticked = head_page.submit(&app, &act, &act_form("approve", &[])).await;
    assert_eq!(unticked.status, 400);
    assert!(unticked.page.contains("请勾选确认框"), "{}", unticked.page);
    assert_eq!(status_of(&app, reference).await, "verifying");
    let approved = head_page.submit(&app, &act, &act_form("approve", &[("confirm", "yes")])).await;
    assert!(approved.page.contains("已批准提议。"), "{}", approved.page);
    assert_eq!(status_of(&app, reference).await, "concluded");
    assert!(approved.page.contains("罚款 200000 元 × 比例"), "the basis in words: {}", approved.page);
    assert_readable(&approved.page, "the concluded case");

    // The reward: proposed by the officer, approved by the head, on the case page.
    let reward = format!("{case}/reward");
    let proposed =
        officer_page.submit(&app, &reward, &[("step", "propose"), ("amount", "30000"), ("reason", "")]).await;
    assert!(proposed.page.contains("奖励已提议"), "{}", proposed.page);
    let approved = head_page.submit(&app, &reward, &[("step", "approve"), ("confirm", "yes")]).await;
    assert!(approved.page.contains("已批准奖励。"), "{}", approved.page);
    assert!(approved.page.contains("负责人已批准奖励"), "the approval is on the timeline: {}", approved.page);

    // Finance authorises, the reporter claims, another finance official pays.
    app.approve_pending(&cash).await;
    let cash_page = Browser::of(&app, &cash).await;
    let (_, page) = cash_page.get(&app, "/staff/finance").await;
    assert!(page.contains("核准并通知举报人") && !page.contains("您的财务密钥尚待"), "{page}");
    let finance = format!("/staff/finance/{reference}");
    let unticked = cash_page.submit(&app, &finance, &[("step", "authorise")]).await;
    assert_eq!(unticked.status, 400, "{}", unticked.page);
    let authorised = cash_page.submit(&app, &finance, &[("step", "authorise"), ("confirm", "yes")]).await;
    assert!(authorised.page.contains(&format!("已核准举报 {reference} 的奖励")), "{}", authorised.page);
    let reporter = reporter_bearer(&app.url(""), &receipt).await;
    assert_eq!(reporter_post(&app, &reporter, "/api/v1/reporter/reward/claim", payout()).await.0, 204);
    let pay_page = Browser::of(&app, &pay).await;
    let fields = [("step", "pay"), ("payment_reference", "CQ-2026-000123"), ("receipt_code", ""), ("confirm", "yes")];
    let paid = pay_page.submit(&app, &finance, &fields).await;
    assert!(paid.page.contains(&format!("已登记举报 {reference} 的奖励发放。")), "{}", paid.page);
    let (_, page) = head_page.get(&app, &case).await;
    assert!(page.contains("奖励已发放"), "{page}");
    assert_readable(&page, "the paid case");
}

#[tokio::test]
async fn a_finance_official_waiting_for_the_key_reads_why_and_gets_no_buttons() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let cash = app.official("cash.one", "finance", None).await;
    let late = app.official("cash.late", "finance", None).await;
    let _ = (head, cash);
    let (_, page) = Browser::of(&app, &late).await.get(&app, "/staff/finance").await;
    assert!(page.contains("您的财务密钥尚待") && page.contains("密钥与成员"), "{page}");
}

#[tokio::test]
async fn a_transfer_ends_on_a_page_that_names_the_tip_and_the_department() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let _fire = app.official("wang.fang", "officer", Some("fire")).await;
    let receipt = app.file_tip("商场消防通道堵塞").await;
    let reference = receipt["reference"].as_str().unwrap();
    let case = format!("/staff/tips/{reference}");
    let browser = Browser::of(&app, &head).await;

    // Only departments that can receive tips, and not the tip's own.
    let (_, page) = browser.get(&app, &case).await;
    assert!(page.contains("<option value=\"fire\""), "{page}");
    assert!(!page.contains("<option value=\"emergency\""), "not its own department: {page}");
    assert!(!page.contains("<option value=\"housing\""), "not one without a key: {page}");

    let unticked = browser.submit(&app, &format!("{case}/act"), &act_form("transfer", &[("to", "fire")])).await;
    assert_eq!(unticked.status, 400);
    assert!(unticked.page.contains("请勾选确认框"), "{}", unticked.page);
    let moved = browser
        .submit(&app, &format!("{case}/act"), &act_form("transfer", &[("to", "fire"), ("confirm", "yes")]))
        .await;
    assert_eq!((moved.status, moved.url.as_str()), (200, format!("{case}/transferred").as_str()), "{}", moved.page);
    assert!(
        moved.page.contains(reference) && moved.page.contains("已转交至") && moved.page.contains("消防"),
        "{}",
        moved.page
    );

    // The page says nothing to anyone who did not make the transfer.
    let other = app.official("qian.head", "head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let (status, _) = Browser::of(&app, &other).await.get(&app, &format!("{case}/transferred")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_duplicate_is_proposed_and_closes_the_tip_only_when_a_head_approves() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    app.approve_pending(&head).await;
    let first = app.file_tip("同一事项的第一次举报").await;
    let second = app.file_tip("同一事项的第二次举报").await;
    let (first_ref, second_ref) = (first["reference"].as_str().unwrap(), second["reference"].as_str().unwrap());
    let officer_page = Browser::of(&app, &officer).await;
    for r in [first_ref, second_ref] {
        officer_page.submit(&app, &format!("/staff/tips/{r}/act"), &act_form("accept", &[])).await;
    }
    let act = format!("/staff/tips/{second_ref}/act");
    let proposed = officer_page.submit(&app, &act, &act_form("propose_duplicate", &[("of", first_ref)])).await;
    assert!(proposed.page.contains("重复举报的提议已提交"), "{}", proposed.page);
    assert_eq!(status_of(&app, second_ref).await, "accepted", "nothing closes before a head decides");

    let head_page = Browser::of(&app, &head).await;
    let (_, page) = head_page.get(&app, &format!("/staff/tips/{second_ref}")).await;
    assert!(page.contains("标记为重复举报并结案") && page.contains(first_ref), "{page}");
    assert_readable(&page, "the duplicate proposal");
    let approved = head_page.submit(&app, &act, &act_form("approve", &[("confirm", "yes")])).await;
    assert!(approved.page.contains("已批准提议。"), "{}", approved.page);
    assert_eq!(status_of(&app, second_ref).await, "closed");
}

#[tokio::test]
async fn an_identity_request_goes_to_the_custodian_and_the_case_page_shows_where_it_stands() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    app.approve_pending(&head).await;
    let custodian = app.official("guard.one", "custodian", None).await;
    let mut tip = crate::helpers::api_tip("举报人留有身份", "这是一段足够长的举报内容，用于测试。");
    tip["identity"] = json!({"name": "张三", "phone": "13800000000"});
    let receipt: serde_json::Value =
        client_from(None).post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap().json().await.unwrap();
    let reference = receipt["reference"].as_str().unwrap();
    let case = format!("/staff/tips/{reference}");
    let head_page = Browser::of(&app, &head).await;

    let empty = head_page.submit(&app, &format!("{case}/disclosure"), &[("reason", "")]).await;
    assert_eq!(empty.status, 400);
    assert!(empty.page.contains("请填写申请查看身份的理由"), "{}", empty.page);
    let asked =
        head_page.submit(&app, &format!("{case}/disclosure"), &[("reason", "需要联系举报人补充现场位置")]).await;
    assert!(asked.page.contains("等待保密专员决定"), "{}", asked.page);
    assert!(!asked.page.contains("向保密专员申请查看身份"), "no second request while one waits");

    let custodian_page = Browser::of(&app, &custodian).await;
    let (_, page) = custodian_page.get(&app, "/staff/disclosures").await;
    assert!(page.contains("需要联系举报人补充现场位置") && page.contains("批准披露身份"), "{page}");
    let id: String = sqlx::query_scalar("SELECT id FROM disclosures").fetch_one(app.store.pool()).await.unwrap();
    let path = format!("/staff/disclosures/{id}");
    let unticked = custodian_page.submit(&app, &path, &[("decision", "approve")]).await;
    assert_eq!(unticked.status, 400);
    assert!(unticked.page.contains("请勾选确认框"), "{}", unticked.page);
    let approved = custodian_page.submit(&app, &path, &[("decision", "approve"), ("confirm", "yes")]).await;
    assert!(approved.page.contains("已批准") && approved.page.contains(reference), "{}", approved.page);

    let (_, page) = head_page.get(&app, &case).await;
    assert!(page.contains("张三") && page.contains("批准向您披露"), "{page}");
    assert!(!page.contains("向保密专员申请查看身份"), "no request form after the approval: {page}");
    assert!(page.contains("举报人身份于") && !page.contains("您的身份信息"), "a staff sentence: {page}");
}
