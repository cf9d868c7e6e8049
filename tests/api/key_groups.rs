//! Every state of the key-group lifecycle (KEYS.md, "The lifecycle of a key group"), driven
//! where a person would: the keys page's approve button, the admin page, and the command line
//! for a recovery admission. Each test checks what the pages say and that the way forward works.

use jubao::domain::{Code, KeyGroup};
use jubao::service::groups::Joined;
use jubao::service::tips;

use crate::helpers::{Official, PASSWORD, TestApp, now, run, spawn_app, tip_about};

fn department(code: &str) -> KeyGroup {
    KeyGroup::Department(Code::parse(code).unwrap())
}

/// The holder ids of the approve buttons on a keys page.
fn approve_buttons(page: &str) -> Vec<String> {
    page.split("action=\"/staff/keys/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/approve\"").map(|(id, _)| id.to_owned()))
        .collect()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// The state of an official's place in a group: `active`, `pending`, or `None`.
async fn state(app: &TestApp, user_id: &str, group: &KeyGroup) -> Option<String> {
    sqlx::query_scalar("SELECT state FROM key_holders WHERE user_id = $1 AND key_group = $2")
        .bind(user_id)
        .bind(group.name())
        .fetch_optional(app.store.pool())
        .await
        .unwrap()
}

/// Presses the only approve button on `approver`'s keys page, ticking the confirmation box;
/// returns the page it lands on.
async fn approve_the_one_pending(app: &TestApp, approver: &Official, later: bool) -> String {
    let (client, csrf) = app.staff_browser(approver, later).await;
    let keys = page(&client, app, "/staff/keys").await;
    let buttons = approve_buttons(&keys);
    assert_eq!(buttons.len(), 1, "{} sees one approve button: {keys}", approver.signed_in.username);
    let path = format!("/staff/keys/{}/approve", buttons[0]);
    let unticked = client.post(app.url(&path)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(unticked.status(), 400, "approval without the confirmation box is refused");
    assert!(unticked.text().await.unwrap().contains("请勾选确认框"));
    let response =
        client.post(app.url(&path)).form(&[("csrf", csrf.as_str()), ("confirm", "yes")]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/staff/keys?done=approved");
    let landed = page(&client, app, "/staff/keys?done=approved").await;
    assert!(landed.contains("已批准"), "{landed}");
    landed
}

async fn can_read(app: &TestApp, username: &str, reference: &jubao::domain::TipReference) -> bool {
    let official = app.sign_in(username).await;
    tips::open_for_official(&app.store, &official, reference).await.is_ok()
}

/// An admin signed in on the pages.
async fn admin_browser(app: &TestApp) -> (reqwest::Client, String) {
    let admin = app.official("root.admin", "admin", None).await;
    app.staff_browser(&admin, false).await
}

async fn disable_on_page(app: &TestApp, client: &reqwest::Client, csrf: &str, user_id: &str) {
    let path = format!("/staff/admin/users/{user_id}/disable");
    let unticked = client.post(app.url(&path)).form(&[("csrf", csrf)]).send().await.unwrap();
    assert_eq!(unticked.status(), 400, "disabling without the confirmation box is refused");
    let response = client.post(app.url(&path)).form(&[("csrf", csrf), ("confirm", "yes")]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/staff/admin?done=disabled");
    let landed = page(client, app, "/staff/admin?done=disabled").await;
    assert!(landed.contains("已停用：此人不能再登录"), "{landed}");
}

/// Creates an official on the admin page; returns the page that answers.
async fn create_on_page(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    username: &str,
    roles: &[&str],
    department: &str,
) -> (u16, String) {
    let mut form = vec![("csrf", csrf), ("username", username), ("department", department), ("password", PASSWORD)];
    form.extend(roles.iter().map(|r| ("roles", *r)));
    let response = client.post(app.url("/staff/admin/users")).form(&form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn head_first_the_head_admits_an_officer_who_has_no_button_on_their_own_row() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    assert_eq!(
        head.created.groups,
        [(department("emergency"), Joined::NewVersion(1)), (KeyGroup::Matching, Joined::NewVersion(1))]
    );
    let receipt = tips::file(&app.store, tip_about("mine", "hf-1", false), now()).await.unwrap();
    let officer = app.official("li.wei", "officer", Some("emergency")).await;

    let (client, csrf) = app.staff_browser(&officer, false).await;
    let own = page(&client, &app, "/staff/keys").await;
    assert!(approve_buttons(&own).is_empty(), "the pending officer has no approve button: {own}");
    assert!(own.contains("应急管理局"), "the group is named by its department: {own}");
    assert!(!own.contains("department:emergency"), "{own}");
    assert!(own.contains("等待 zhao.head 批准"), "{own}");
    // Pressing a button the page does not show is refused in words, never a bare 403.
    let holder: String = sqlx::query_scalar("SELECT id FROM key_holders WHERE user_id = $1")
        .bind(&officer.signed_in.user_id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let refused = client
        .post(app.url(&format!("/staff/keys/{holder}/approve")))
        .form(&[("csrf", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("只有 zhao.head 可以批准此成员"));

    approve_the_one_pending(&app, &head, false).await;
    assert_eq!(state(&app, &officer.signed_in.user_id, &department("emergency")).await.as_deref(), Some("active"));
    assert!(can_read(&app, "li.wei", &receipt.reference).await);
}

#[tokio::test]
async fn officer_first_the_officer_admits_a_head_who_then_admits_the_next_officer() {
    let app = spawn_app().await;
    let (admin, csrf) = admin_browser(&app).await;
    let (status, created) = create_on_page(&app, &admin, &csrf, "li.wei", &["officer"], "emergency").await;
    assert_eq!(status, 200);
    assert!(created.contains("应急管理局：第一位成员，新密钥版本 1"), "{created}");
    assert!(created.contains("注意：市应急管理局还没有在职负责人"), "an officer first is warned about: {created}");
    let receipt = tips::file(&app.store, tip_about("mine", "of-1", false), now()).await.unwrap();

    // A second officer: nobody may admit them yet, and the pages say what to do.
    let (_, second) = create_on_page(&app, &admin, &csrf, "qian.wei", &["officer"], "emergency").await;
    assert!(second.contains("暂时没有人可以批准：请先创建本部门的负责人"), "{second}");
    let overview = page(&admin, &app, "/staff/admin").await;
    assert!(overview.contains("没有在职负责人：新的办理人员无法获准"), "{overview}");

    let (_, head_page) = create_on_page(&app, &admin, &csrf, "zhao.head", &["officer", "head"], "emergency").await;
    assert!(head_page.contains("等待 li.wei 批准"), "{head_page}");

    let officer = from_created_page(&app, "li.wei", &created).await;
    let landed = approve_the_one_pending(&app, &officer, false).await;
    assert!(landed.contains("等待 zhao.head 批准"), "the second officer now waits for the head: {landed}");
    assert!(can_read(&app, "zhao.head", &receipt.reference).await);

    let head = from_created_page(&app, "zhao.head", &head_page).await;
    approve_the_one_pending(&app, &head, false).await;
    assert!(can_read(&app, "qian.wei", &receipt.reference).await);
}

/// An official created on the admin page, from the page that answered (it shows the TOTP
/// secret once), so that they can sign in on the pages.
async fn from_created_page(app: &TestApp, username: &str, created: &str) -> Official {
    let marker = "密钥（手动输入）：<code>";
    let start = created.find(marker).expect("the page shows the secret") + marker.len();
    let secret = &created[start..start + created[start..].find('<').unwrap()];
    let signed_in = app.sign_in(username).await;
    Official {
        created: jubao::service::officials::Created {
            user_id: jubao::domain::Id::parse(&signed_in.user_id).unwrap(),
            enrolment: jubao::auth::totp::Enrolment {
                secret_base32: zeroize::Zeroizing::new(secret.to_owned()),
                uri: zeroize::Zeroizing::new(String::new()),
            },
            groups: Vec::new(),
        },
        signed_in,
    }
}

#[tokio::test]
async fn custodians_and_finance_first_member_makes_the_key_and_any_member_admits() {
    let app = spawn_app().await;
    for (role, group, first, second) in [
        ("custodian", KeyGroup::Custodians, "guard.one", "guard.two"),
        ("finance", KeyGroup::Finance, "cash.one", "cash.two"),
    ] {
        let one = app.official(first, role, None).await;
        assert_eq!(one.created.groups, [(group.clone(), Joined::NewVersion(1))]);
        let two = app.official(second, role, None).await;
        assert!(matches!(two.created.groups[0].1, Joined::Pending { .. }));
        let landed = approve_the_one_pending(&app, &one, false).await;
        assert!(landed.contains(if role == "finance" { "财务" } else { "保密专员" }), "{landed}");
        assert_eq!(state(&app, &two.signed_in.user_id, &group).await.as_deref(), Some("active"));
    }
}

#[tokio::test]
async fn the_safety_offices_oversight_officials_admit_each_other_and_the_english_page_says_who() {
    let app = spawn_app().await;
    let first = app.official("an.wei", "oversight", None).await;
    assert_eq!(
        first.created.groups,
        [(department("safety-office"), Joined::NewVersion(1)), (KeyGroup::Matching, Joined::NewVersion(1))]
    );
    let second = app.official("an.er", "oversight", None).await;
    let (client, _) = app.staff_browser(&second, false).await;
    client.get(app.url("/lang/en?next=/staff/keys")).send().await.unwrap();
    let english = page(&client, &app, "/staff/keys").await;
    assert!(english.contains("Waiting for an.wei to approve"), "{english}");
    assert!(english.contains("Safety"), "the group is the office's English name: {english}");
    approve_the_one_pending(&app, &first, false).await;
    assert_eq!(state(&app, &second.signed_in.user_id, &department("safety-office")).await.as_deref(), Some("active"));
}

#[tokio::test]
async fn the_last_member_leaves_and_a_recovery_identity_admits_the_next() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let dir = tempfile::tempdir().unwrap();
    let keygen = |args: &[&str]| {
        let out = std::process::Command::new("age-keygen").args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    keygen(&["-o", "recovery.txt"]);
    let recipient = keygen(&["-y", "recovery.txt"]).trim().to_owned();
    let (ok, out, err) = run(app.cli().current_dir(dir.path()).args([
        "department",
        "recovery",
        "--department",
        "emergency",
        "--recipient",
        &recipient,
    ]));
    assert!(ok, "{out}{err}");
    approve_the_one_pending(&app, &head, false).await;
    let before = tips::file(&app.store, tip_about("mine", "lm-1", false), now()).await.unwrap();

    let (admin, csrf) = admin_browser(&app).await;
    disable_on_page(&app, &admin, &csrf, &head.signed_in.user_id).await;
    let (_, created) = create_on_page(&app, &admin, &csrf, "qian.head", &["officer", "head"], "emergency").await;
    assert!(created.contains("新密钥版本 3"), "the recovery identity held version 2 alone: {created}");
    assert!(!can_read(&app, "qian.head", &before.reference).await);

    let overview = page(&admin, &app, "/staff/admin").await;
    assert!(overview.contains("版本 1：封存 1 件举报。"), "{overview}");
    assert!(overview.contains("jubao department admit"), "{overview}");

    keygen(&["-o", "stranger.txt"]);
    let (ok, _, err) = run(app.cli().current_dir(dir.path()).args([
        "department",
        "admit",
        "--identity",
        "stranger.txt",
        "--user",
        "qian.head",
    ]));
    assert!(!ok);
    assert!(err.contains("此恢复密钥没有登记在该密钥组") && err.contains("not registered"), "{err}");

    let (ok, out, err) = run(app.cli().current_dir(dir.path()).args([
        "department",
        "admit",
        "--identity",
        "recovery.txt",
        "--user",
        "qian.head",
    ]));
    assert!(ok, "{out}{err}");
    assert!(out.contains("database"), "says which database it used: {out}");
    assert!(out.contains("versions sealed now: 1, 2"), "{out}");
    assert!(can_read(&app, "qian.head", &before.reference).await);
    let overview = page(&admin, &app, "/staff/admin").await;
    assert!(!overview.contains("封存 1 件举报"), "every version is held again: {overview}");
}

#[tokio::test]
async fn a_department_emptied_without_recovery_admits_again_and_says_what_is_lost() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let lost = tips::file(&app.store, tip_about("mine", "lost-1", false), now()).await.unwrap();
    let (admin, csrf) = admin_browser(&app).await;
    disable_on_page(&app, &admin, &csrf, &head.signed_in.user_id).await;

    let new_head = app.official("qian.head", "officer,head", Some("emergency")).await;
    assert_eq!(
        new_head.created.groups,
        [(department("emergency"), Joined::NewVersion(2)), (KeyGroup::Matching, Joined::NewVersion(2))]
    );
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    // The approval that used to fail with a bare 403: the head passes on what they hold.
    let landed = approve_the_one_pending(&app, &new_head, false).await;
    assert!(landed.contains("版本 1：封存 1 件举报。"), "{landed}");
    assert!(landed.contains("没有恢复密钥持有此版本"), "{landed}");
    assert_eq!(state(&app, &officer.signed_in.user_id, &department("emergency")).await.as_deref(), Some("active"));
    let after = tips::file(&app.store, tip_about("mine", "new-1", false), now()).await.unwrap();
    assert!(can_read(&app, "li.wei", &after.reference).await);
    assert!(!can_read(&app, "li.wei", &lost.reference).await);
}

#[tokio::test]
async fn a_head_who_forgot_their_password_is_replaced_and_reads_everything_again() {
    let app = spawn_app().await;
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    approve_the_one_pending(&app, &head, false).await;
    let before = tips::file(&app.store, tip_about("mine", "fp-1", false), now()).await.unwrap();

    // Disable first: then the group has no active head, and the officer admits the new one.
    let (admin, csrf) = admin_browser(&app).await;
    disable_on_page(&app, &admin, &csrf, &head.signed_in.user_id).await;
    let (_, created) = create_on_page(&app, &admin, &csrf, "zhao.head2", &["officer", "head"], "emergency").await;
    assert!(created.contains("等待 li.wei 批准"), "{created}");
    approve_the_one_pending(&app, &officer, false).await;
    assert!(can_read(&app, "zhao.head2", &before.reference).await);
}

#[tokio::test]
async fn the_admin_form_picks_roles_and_keeps_what_was_typed_when_refused() {
    let app = spawn_app().await;
    let (admin, csrf) = admin_browser(&app).await;
    let form = page(&admin, &app, "/staff/admin").await;
    assert!(form.contains("name=\"roles\" value=\"intake\""), "{form}");
    assert!(form.contains("登记电话、来信、来访收到的举报"), "{form}");

    let (status, refused) = create_on_page(&app, &admin, &csrf, "li.wei", &["officer", "finance"], "").await;
    assert_eq!(status, 422);
    assert!(refused.contains("办理人员和负责人须选择部门。"), "{refused}");
    assert!(refused.contains("value=\"li.wei\""), "the username is kept: {refused}");
    assert!(refused.contains("value=\"officer\" checked"), "the roles are kept: {refused}");
    assert!(refused.contains("value=\"finance\" checked"), "{refused}");

    let (status, unknown) = create_on_page(&app, &admin, &csrf, "li.wei", &["root"], "emergency").await;
    assert_eq!(status, 422);
    assert!(unknown.contains("请从列表中选择角色。"), "{unknown}");
    assert!(!unknown.contains("unknown role"), "{unknown}");

    let (status, _) = create_on_page(&app, &admin, &csrf, "li.wei", &["officer"], "emergency").await;
    assert_eq!(status, 200);
    let (status, taken) = create_on_page(&app, &admin, &csrf, "li.wei", &["officer"], "emergency").await;
    assert_eq!(status, 422);
    assert!(taken.contains("此用户名已被使用"), "{taken}");
    let overview = page(&admin, &app, "/staff/admin").await;
    assert!(overview.contains("办理人员"), "roles are shown by name: {overview}");
    assert!(!overview.contains("department:"), "{overview}");
}
