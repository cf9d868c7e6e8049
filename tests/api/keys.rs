//! The key hierarchy, proven on the stored data: who can open what, and who cannot.

use jubao::crypto::receipt::QueryCode;
use jubao::crypto::session::SessionToken;
use jubao::crypto::{Department, Envelope, Finance, Key, Tip, User, Wrapped};
use jubao::domain::report::PayoutDetails;
use jubao::domain::{Code, KeyGroup, TipReference};
use jubao::service::groups::{self, Joined};
use jubao::service::{ServiceError, officials, sessions, tips};
use jubao::store::sessions::SessionKind;
use sqlx::Row;

use crate::helpers::{PASSWORD, TestApp, now, spawn_app, tip_about};

fn department(code: &str) -> KeyGroup {
    KeyGroup::Department(Code::parse(code).unwrap())
}

/// One stored blob, read straight from the database.
async fn blob(app: &TestApp, sql: &'static str, id: &str) -> Vec<u8> {
    sqlx::query(sql).bind(id).fetch_one(app.store.pool()).await.unwrap().get::<Vec<u8>, _>(0)
}

async fn tip_id(app: &TestApp, reference: &TipReference) -> String {
    sqlx::query_scalar("SELECT id FROM tips WHERE reference = $1")
        .bind(reference.as_str())
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn round_trip_through_every_holder() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer,head", Some("emergency")).await;
    assert_eq!(
        officer.created.groups,
        [(department("emergency"), Joined::NewVersion(1)), (KeyGroup::Matching, Joined::NewVersion(1))]
    );
    app.official("guard.one", "custodian", None).await;

    let receipt = tips::file(&app.store, tip_about("mine", "rt-1", true), now()).await.unwrap();
    assert_eq!(receipt.department, "emergency");

    let opened = tips::open_for_official(&app.store, &officer.signed_in, &receipt.reference).await.unwrap();
    assert_eq!(opened.report.title, "Blocked exits rt-1");
    assert_eq!(opened.tip.status, "received");

    let reporter = tips::open_for_reporter(&app.store, &receipt.reference, receipt.query_code).await.unwrap();
    assert_eq!(reporter.report.description, opened.report.description);
    assert_eq!(tips::identity_for_reporter(&app.store, &reporter).await.unwrap().name, "Zhang San rt-1");
}

#[tokio::test]
async fn a_department_never_granted_a_tip_cannot_open_it() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let fire = app.official("wang.fang", "officer", Some("fire")).await;
    let receipt = tips::file(&app.store, tip_about("mine", "ng-1", false), now()).await.unwrap();

    let refused = tips::open_for_official(&app.store, &fire.signed_in, &receipt.reference).await;
    assert!(matches!(refused, Err(ServiceError::NoSuchTip)), "{:?}", refused.err());

    // Not just refused by the server: the fire department's key does not open the grant.
    let id = tip_id(&app, &receipt.reference).await;
    let grant = blob(&app, "SELECT envelope FROM tip_grants WHERE tip_id = $1", &id).await;
    let mut conn = app.store.conn().await.unwrap();
    let fire_key_id: String = sqlx::query_scalar("SELECT id FROM group_keys WHERE key_group = 'department:fire'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let fire_key =
        groups::open_version::<Department>(&mut conn, &fire_key_id, &fire.signed_in.user_id, &fire.signed_in.key)
            .await
            .unwrap();
    assert!(Wrapped::<Tip>::from_bytes(grant).open(&fire_key).is_err());
}

#[tokio::test]
async fn after_a_transfer_the_old_department_cannot_open_the_tip() {
    let app = spawn_app().await;
    let emergency = app.official("li.wei", "officer,head", Some("emergency")).await;
    let fire = app.official("wang.fang", "officer", Some("fire")).await;
    let custodian = app.official("guard.one", "custodian", None).await;
    let receipt = tips::file(&app.store, tip_about("mine", "tr-1", true), now()).await.unwrap();
    let id = tip_id(&app, &receipt.reference).await;

    let fire_code = Code::parse("fire").unwrap();
    tips::transfer(&app.store, &emergency.signed_in, &receipt.reference, &fire_code, now()).await.unwrap();

    let refused = tips::open_for_official(&app.store, &emergency.signed_in, &receipt.reference).await;
    assert!(matches!(refused, Err(ServiceError::NoSuchTip)));
    let opened = tips::open_for_official(&app.store, &fire.signed_in, &receipt.reference).await.unwrap();
    assert_eq!(opened.tip.department_code, "fire");
    let grants: Vec<String> = sqlx::query_scalar(
        "SELECT k.key_group FROM tip_grants g JOIN group_keys k ON k.id = g.group_key_id WHERE g.tip_id = $1",
    )
    .bind(&id)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(grants, ["department:fire"], "the old grant is gone");

    // The identity stayed where it was: sealed for the custodians, not the new department.
    assert_eq!(
        tips::identity_for_custodian(&app.store, &custodian.signed_in, &id).await.unwrap().name,
        "Zhang San tr-1"
    );
    let identity = Envelope::from_bytes(blob(&app, "SELECT envelope FROM tip_identities WHERE tip_id = $1", &id).await);
    assert!(fire.signed_in.key.open(&identity).is_err());
}

#[tokio::test]
async fn a_case_officers_keys_cannot_open_the_identity_and_finance_cannot_open_the_tip() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let custodian = app.official("guard.one", "custodian", None).await;
    let finance = app.official("cash.one", "finance", None).await;
    let receipt = tips::file(&app.store, tip_about("mine", "sep-1", true), now()).await.unwrap();
    let id = tip_id(&app, &receipt.reference).await;

    let opened = tips::open_for_official(&app.store, &officer.signed_in, &receipt.reference).await.unwrap();
    let identity = Envelope::from_bytes(blob(&app, "SELECT envelope FROM tip_identities WHERE tip_id = $1", &id).await);
    assert!(officer.signed_in.key.open(&identity).is_err(), "the officer's own key");
    assert!(opened.key.open(&identity).is_err(), "the tip key");
    let mut conn = app.store.conn().await.unwrap();
    let department_key_id: String = sqlx::query_scalar("SELECT group_key_id FROM tip_grants WHERE tip_id = $1")
        .bind(&id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let department_key = groups::open_version::<Department>(
        &mut conn,
        &department_key_id,
        &officer.signed_in.user_id,
        &officer.signed_in.key,
    )
    .await
    .unwrap();
    assert!(department_key.open(&identity).is_err(), "the department key");
    assert_eq!(
        tips::identity_for_custodian(&app.store, &custodian.signed_in, &id).await.unwrap().name,
        "Zhang San sep-1"
    );

    // The reporter claims a reward: payout details go to finance and the reporter only.
    let reporter = tips::open_for_reporter(&app.store, &receipt.reference, receipt.query_code).await.unwrap();
    let details = PayoutDetails {
        name: "Zhang San".into(),
        id_number: "500103199001011234".into(),
        bank: "Bank".into(),
        account: "6222000000000000".into(),
    };
    tips::store_payout(&app.store, &id, &reporter.reporter.public(), &details, now()).await.unwrap();
    assert_eq!(tips::payout_for_finance(&app.store, &finance.signed_in, &id).await.unwrap().account, details.account);
    let payout = Envelope::from_bytes(blob(&app, "SELECT envelope FROM tip_payouts WHERE tip_id = $1", &id).await);
    assert!(officer.signed_in.key.open(&payout).is_err());
    assert!(opened.key.open(&payout).is_err());
    assert!(department_key.open(&payout).is_err());

    // Finance holds neither a grant of the tip nor anything that opens its body.
    let refused = tips::open_for_official(&app.store, &finance.signed_in, &receipt.reference).await;
    assert!(matches!(refused, Err(ServiceError::NoSuchTip)));
    let body = Envelope::from_bytes(blob(&app, "SELECT body FROM tips WHERE id = $1", &id).await);
    let finance_key_id: String = sqlx::query_scalar("SELECT id FROM group_keys WHERE key_group = 'finance'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let finance_key =
        groups::open_version::<Finance>(&mut conn, &finance_key_id, &finance.signed_in.user_id, &finance.signed_in.key)
            .await
            .unwrap();
    assert!(finance_key.open(&body).is_err());
    assert!(finance.signed_in.key.open(&body).is_err());
}

#[tokio::test]
async fn a_wrong_query_code_fails_and_the_right_one_works() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = tips::file(&app.store, tip_about("mine", "qc-1", false), now()).await.unwrap();
    let wrong = tips::open_for_reporter(&app.store, &receipt.reference, QueryCode::generate()).await;
    assert!(matches!(wrong, Err(ServiceError::BadCredentials)));
    let unknown = tips::open_for_reporter(&app.store, &TipReference::generate(), QueryCode::generate()).await;
    assert!(matches!(unknown, Err(ServiceError::BadCredentials)), "an unknown reference looks the same");
    let typed = QueryCode::parse(&receipt.query_code.grouped()).unwrap();
    assert!(tips::open_for_reporter(&app.store, &receipt.reference, typed).await.is_ok());
}

#[tokio::test]
async fn tampered_ciphertext_fails_loudly() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = tips::file(&app.store, tip_about("mine", "tamper-1", false), now()).await.unwrap();
    let id = tip_id(&app, &receipt.reference).await;
    let mut body = blob(&app, "SELECT body FROM tips WHERE id = $1", &id).await;
    let last = body.len() - 3;
    body[last] ^= 0x40;
    sqlx::query("UPDATE tips SET body = $1 WHERE id = $2")
        .bind(body)
        .bind(&id)
        .execute(app.store.pool())
        .await
        .unwrap();
    let result = tips::open_for_official(&app.store, &officer.signed_in, &receipt.reference).await;
    assert!(matches!(result, Err(ServiceError::Crypto(jubao::crypto::CryptoError::Decrypt))), "{:?}", result.err());
}

#[tokio::test]
async fn a_newcomer_opens_older_tips_only_after_a_heads_approval_and_a_leaver_cannot_open_newer_ones() {
    let app = spawn_app().await;
    let head = app.official("li.wei", "officer,head", Some("emergency")).await;
    let before = tips::file(&app.store, tip_about("mine", "old-1", false), now()).await.unwrap();

    let newcomer = app.official("zhao.lei", "officer", Some("emergency")).await;
    let department_join = newcomer.created.groups.iter().find(|(g, _)| matches!(g, KeyGroup::Department(_)));
    let Some((_, Joined::Pending { holder_id })) = department_join else {
        panic!("a second member waits for approval: {:?}", newcomer.created.groups);
    };
    let refused = tips::open_for_official(&app.store, &newcomer.signed_in, &before.reference).await;
    assert!(matches!(refused, Err(ServiceError::NoSuchTip)));

    let group = department("emergency");
    let mut tx = app.store.begin().await.unwrap();
    groups::approve::<Department>(&mut tx, &group, &head.signed_in.user_id, &head.signed_in.key, holder_id, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let opened = tips::open_for_official(&app.store, &newcomer.signed_in, &before.reference).await.unwrap();
    assert_eq!(opened.report.title, "Blocked exits old-1");

    // The newcomer keeps a copy of version 1, then leaves: version 2 is made without them.
    let mut conn = app.store.conn().await.unwrap();
    let v1_id: String =
        sqlx::query_scalar("SELECT id FROM group_keys WHERE key_group = 'department:emergency' AND version = 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let kept: Key<Department> =
        groups::open_version(&mut conn, &v1_id, &newcomer.signed_in.user_id, &newcomer.signed_in.key).await.unwrap();
    drop(conn);
    let mut tx = app.store.begin().await.unwrap();
    let version = groups::leave::<Department>(&mut tx, &group, &newcomer.signed_in.user_id, now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(version, Some(2));

    let after = tips::file(&app.store, tip_about("mine", "new-1", false), now()).await.unwrap();
    let refused = tips::open_for_official(&app.store, &newcomer.signed_in, &after.reference).await;
    assert!(matches!(refused, Err(ServiceError::NoSuchTip)));
    let grant =
        blob(&app, "SELECT envelope FROM tip_grants WHERE tip_id = $1", &tip_id(&app, &after.reference).await).await;
    assert!(Wrapped::<Tip>::from_bytes(grant).open(&kept).is_err(), "the kept version 1 does not open the new tip");
    // The head, who stayed, reads both.
    assert!(tips::open_for_official(&app.store, &head.signed_in, &after.reference).await.is_ok());
    assert!(tips::open_for_official(&app.store, &head.signed_in, &before.reference).await.is_ok());
}

#[tokio::test]
async fn tips_for_a_department_without_a_key_go_to_the_safety_office_and_nobody_means_not_set_up() {
    let app = spawn_app().await;
    let nobody = tips::file(&app.store, tip_about("mine", "none-1", false), now()).await;
    assert!(matches!(nobody, Err(ServiceError::NotSetUp)));
    let oversight = app.official("an.wei", "oversight", None).await;
    let receipt = tips::file(&app.store, tip_about("mine", "so-1", false), now()).await.unwrap();
    assert_eq!(receipt.department, "safety-office");
    assert!(tips::open_for_official(&app.store, &oversight.signed_in, &receipt.reference).await.is_ok());
    let identity = tips::file(&app.store, tip_about("mine", "so-2", true), now()).await;
    assert!(matches!(identity, Err(ServiceError::Invalid { .. })), "no custodian: an identity cannot be kept");
}

#[tokio::test]
async fn sessions_hold_the_key_sealed_to_the_clients_token_only() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let token =
        sessions::start(&app.store, SessionKind::Staff, &officer.signed_in.user_id, &officer.signed_in.key, now())
            .await
            .unwrap();
    let text = token.to_text();

    let resumed = SessionToken::parse(&text).unwrap();
    let (subject, key): (String, Key<User>) =
        sessions::resume(&app.store, SessionKind::Staff, &resumed, now()).await.unwrap().unwrap();
    assert_eq!(subject, officer.signed_in.user_id);
    assert_eq!(key.public(), officer.signed_in.key.public());

    // The stored row alone opens nothing; a reporter token is not a staff token.
    let sealed = blob(&app, "SELECT sealed_key FROM sessions WHERE lookup_id = $1", &token.lookup_id()).await;
    assert!(Wrapped::<User>::from_bytes(sealed).open(&SessionToken::generate().key().unwrap()).is_err());
    assert!(sessions::resume::<User>(&app.store, SessionKind::Reporter, &resumed, now()).await.unwrap().is_none());
    // Idle expiry, then sign-out, destroy it.
    let later = now() + sessions::STAFF_IDLE_SECONDS + 1;
    assert!(sessions::resume::<User>(&app.store, SessionKind::Staff, &resumed, later).await.unwrap().is_none());
    assert_eq!(sessions::sweep(&app.store, later).await.unwrap(), 1);
    let again =
        sessions::start(&app.store, SessionKind::Staff, &officer.signed_in.user_id, &officer.signed_in.key, now())
            .await
            .unwrap();
    sessions::end(&app.store, &again).await.unwrap();
    assert!(sessions::resume::<User>(&app.store, SessionKind::Staff, &again, now()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_password_change_reseals_the_same_key() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = tips::file(&app.store, tip_about("mine", "pw-1", false), now()).await.unwrap();
    let new_password = "a different long passphrase";
    officials::change_password(
        &app.store,
        "li.wei",
        jubao::auth::Password::new(PASSWORD.into()).unwrap(),
        jubao::auth::Password::new(new_password.into()).unwrap(),
    )
    .await
    .unwrap();
    let old = officials::sign_in(&app.store, "li.wei", jubao::auth::Password::new(PASSWORD.into()).unwrap()).await;
    assert!(matches!(old, Err(ServiceError::BadCredentials)));
    let signed_in = officials::sign_in(&app.store, "li.wei", jubao::auth::Password::new(new_password.into()).unwrap())
        .await
        .unwrap();
    assert_eq!(signed_in.key.public(), officer.signed_in.key.public());
    assert!(tips::open_for_official(&app.store, &signed_in, &receipt.reference).await.is_ok());
}

#[tokio::test]
async fn the_second_factor_is_checked_and_never_accepted_twice() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let unknown =
        officials::sign_in(&app.store, "nobody.here", jubao::auth::Password::new(PASSWORD.into()).unwrap()).await;
    assert!(matches!(unknown, Err(ServiceError::BadCredentials)));
    let at = now();
    let code =
        jubao::auth::totp::code_at(&officer.created.enrolment.secret_base32, u64::try_from(at).unwrap()).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        officials::check_second_factor(&app.store, &officer.signed_in, wrong, at).await,
        Err(ServiceError::BadCredentials)
    ));
    officials::check_second_factor(&app.store, &officer.signed_in, &code, at).await.unwrap();
    assert!(
        matches!(
            officials::check_second_factor(&app.store, &officer.signed_in, &code, at).await,
            Err(ServiceError::BadCredentials)
        ),
        "a code is good once"
    );
    // The secret is stored sealed to the official's key, not in the clear.
    let secret = officer.created.enrolment.secret_base32.to_string();
    assert!(!crate::helpers::contains(&app.everything_stored().await, &secret));
}
