//! Every staff route, tried by every role and by an anonymous client, allowed and refused as
//! PRODUCT.md §1 says: anonymous pages send to sign-in and the API answers 401; a signed-in
//! official without the role gets 403 — including an officer of another department asking
//! for a tip, and an administrator asking for content.

use std::collections::HashMap;

use serde_json::json;

use crate::helpers::{Official, TestApp, client_from, now, spawn_app};

const ROLES: [&str; 9] =
    ["anonymous", "intake", "fire_officer", "officer", "head", "oversight", "custodian", "finance", "admin"];
const SIGNED_IN: [&str; 8] =
    ["intake", "fire_officer", "officer", "head", "oversight", "custodian", "finance", "admin"];

struct Actor {
    bearer: Option<String>,
    browser: Option<(reqwest::Client, String)>,
}

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

struct Route {
    method: &'static str,
    path: String,
    body: Body,
    allowed: &'static [&'static str],
    allowed_status: u16,
}

async fn actors(app: &TestApp, people: &HashMap<&'static str, Official>) -> HashMap<&'static str, Actor> {
    let mut actors = HashMap::new();
    actors.insert("anonymous", Actor { bearer: None, browser: Some((client_from(None), String::new())) });
    for (role, official) in people {
        let bearer = app.bearer(official, false).await;
        let browser = app.staff_browser(official, true).await;
        actors.insert(*role, Actor { bearer: Some(bearer), browser: Some(browser) });
    }
    actors
}

async fn call(app: &TestApp, actor: &Actor, route: &Route) -> u16 {
    let api = route.path.starts_with("/api/");
    let (client, csrf) = match (&actor.browser, api) {
        (Some((c, csrf)), false) => (c.clone(), csrf.clone()),
        _ => (client_from(None), String::new()),
    };
    let mut request = client.request(route.method.parse().unwrap(), app.url(&route.path));
    if api && let Some(bearer) = &actor.bearer {
        request = request.header("authorization", bearer);
    }
    request = match &route.body {
        Body::None => request,
        Body::Form(fields) => {
            let mut fields = fields.clone();
            fields.push(("csrf", csrf));
            request.form(&fields)
        }
        Body::Json(value) => request.json(value),
    };
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_staff_route_by_every_role() {
    let app = spawn_app().await;
    let mut people = HashMap::new();
    let head = app.official("zhao.head", "officer,head", Some("emergency")).await;
    people.insert("officer", app.official("li.wei", "officer", Some("emergency")).await);
    app.approve_pending(&head).await;
    people.insert("fire_officer", app.official("wang.fang", "officer", Some("fire")).await);
    people.insert("oversight", app.official("an.wei", "oversight", None).await);
    people.insert("custodian", app.official("guard.one", "custodian", None).await);
    people.insert("finance", app.official("cash.one", "finance", None).await);
    people.insert("admin", app.official("root.admin", "admin", None).await);
    people.insert("intake", app.official("desk.one", "intake", None).await);
    let newcomer = app.official("new.comer", "officer", Some("emergency")).await;
    let spare = app.official("spare.one", "officer", Some("fire")).await;

    // A tip with an identity and a piece of evidence; one disclosure approved for the head,
    // one waiting for a custodian.
    let mut tip = crate::helpers::api_tip("矩阵测试举报", "这是一段足够长的举报内容，用于测试。");
    tip["identity"] = json!({"name": "张三"});
    let client = client_from(None);
    let receipt: serde_json::Value =
        client.post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap().json().await.unwrap();
    let reference = receipt["reference"].as_str().unwrap().to_owned();
    let session: serde_json::Value = client
        .post(app.url("/api/v1/reporter/session"))
        .json(&json!({"reference": reference, "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let part = reqwest::multipart::Part::bytes(crate::helpers::pdf_of(1000, "evidence")).file_name("e.pdf");
    let uploaded: serde_json::Value = client
        .post(app.url("/api/v1/reporter/attachments"))
        .header("authorization", format!("Bearer {}", session["token"].as_str().unwrap()))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attachment = uploaded["attachments"][0].as_str().unwrap().to_owned();
    let tip_ref = jubao::domain::TipReference::parse(&reference).unwrap();
    let approved = jubao::service::disclosure::request(
        &app.store,
        &app.settings.public_url,
        &head.signed_in,
        &tip_ref,
        "需要联系",
        now(),
    )
    .await
    .unwrap();
    jubao::service::disclosure::decide(
        &app.store,
        &app.settings.public_url,
        &people["custodian"].signed_in,
        &approved,
        true,
        now(),
    )
    .await
    .unwrap();
    let waiting_html = jubao::service::disclosure::request(
        &app.store,
        &app.settings.public_url,
        &head.signed_in,
        &tip_ref,
        "再次需要",
        now(),
    )
    .await
    .unwrap();
    let waiting_api = jubao::service::disclosure::request(
        &app.store,
        &app.settings.public_url,
        &head.signed_in,
        &tip_ref,
        "第三次",
        now(),
    )
    .await
    .unwrap();
    // The newcomer waits for the department's key (and the matching key, which any holder admits).
    let pending_holder: String =
        sqlx::query_scalar("SELECT id FROM key_holders WHERE user_id = $1 AND key_group = 'department:emergency'")
            .bind(&newcomer.signed_in.user_id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    // Oversight is admitted to the matching key, to look at the repeats.
    let oversight_matching: String =
        sqlx::query_scalar("SELECT id FROM key_holders WHERE user_id = $1 AND key_group = 'matching'")
            .bind(&people["oversight"].signed_in.user_id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    jubao::service::groups::admit_pending(&app.store, &head.signed_in, &oversight_matching, now()).await.unwrap();
    people.insert("head", head);

    let tip_path = format!("/staff/tips/{reference}");
    let api_tip_path = format!("/api/v1/staff/tips/{reference}");
    let case_workers: &[&str] = &["officer", "head"];
    let queue_roles: &[&str] = &["fire_officer", "officer", "head", "oversight"];
    let note = || Body::Form(vec![("action", "note".into()), ("body", "矩阵测试".into())]);
    let routes = vec![
        Route { method: "GET", path: "/staff".into(), body: Body::None, allowed: queue_roles, allowed_status: 200 },
        Route { method: "GET", path: tip_path.clone(), body: Body::None, allowed: case_workers, allowed_status: 200 },
        Route {
            method: "POST",
            path: format!("{tip_path}/act"),
            body: note(),
            allowed: case_workers,
            allowed_status: 303,
        },
        Route {
            method: "GET",
            path: format!("{tip_path}/attachments/{attachment}"),
            body: Body::None,
            allowed: case_workers,
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("{tip_path}/disclosure"),
            body: Body::Form(vec![("reason", "矩阵".into())]),
            allowed: &["head"],
            allowed_status: 303,
        },
        Route {
            method: "GET",
            path: "/staff/oversight".into(),
            body: Body::None,
            allowed: &["oversight"],
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: "/staff/disclosures".into(),
            body: Body::None,
            allowed: &["custodian"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("/staff/disclosures/{waiting_html}"),
            body: Body::Form(vec![("decision", "deny".into())]),
            allowed: &["custodian"],
            allowed_status: 303,
        },
        Route {
            method: "GET",
            path: "/staff/intake".into(),
            body: Body::None,
            allowed: &["intake"],
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: "/staff/keys".into(),
            body: Body::None,
            allowed: &["fire_officer", "officer", "head", "oversight", "custodian", "finance"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("/staff/keys/{pending_holder}/approve"),
            body: Body::Form(vec![("confirm", "yes".into())]),
            allowed: &["head"],
            allowed_status: 303,
        },
        // Only active holders of the matching key: the fire officer still waits for it;
        // custodians and finance are not in its group.
        Route {
            method: "POST",
            path: "/staff/keys/reindex".into(),
            body: Body::Form(Vec::new()),
            allowed: &["officer", "head", "oversight"],
            allowed_status: 303,
        },
        Route {
            method: "GET",
            path: "/staff/admin".into(),
            body: Body::None,
            allowed: &["admin"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: "/staff/admin/users".into(),
            body: Body::Form(vec![
                ("username", "made.here".into()),
                ("roles", "finance".into()),
                ("department", "".into()),
                ("email", "".into()),
                ("password", "a long enough passphrase".into()),
            ]),
            allowed: &["admin"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("/staff/admin/users/{}/disable", spare.signed_in.user_id),
            body: Body::Form(vec![("confirm", "yes".into())]),
            allowed: &["admin"],
            allowed_status: 303,
        },
        Route {
            method: "POST",
            path: "/staff/admin/posters".into(),
            body: Body::Form(vec![("label", "矩阵测试海报".into()), ("district", "".into()), ("category", "".into())]),
            allowed: &["admin"],
            allowed_status: 303,
        },
        Route {
            method: "GET",
            path: "/api/v1/staff/tips".into(),
            body: Body::None,
            allowed: queue_roles,
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: api_tip_path.clone(),
            body: Body::None,
            allowed: case_workers,
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("{api_tip_path}/actions"),
            body: Body::Json(json!({"action": "note", "body": "矩阵"})),
            allowed: case_workers,
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: format!("{api_tip_path}/attachments/{attachment}"),
            body: Body::None,
            allowed: case_workers,
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("{api_tip_path}/disclosure"),
            body: Body::Json(json!({"reason": "矩阵"})),
            allowed: &["head"],
            allowed_status: 201,
        },
        Route {
            method: "GET",
            path: format!("{api_tip_path}/identity"),
            body: Body::None,
            allowed: &["head"],
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: "/api/v1/staff/disclosures".into(),
            body: Body::None,
            allowed: &["custodian"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("/api/v1/staff/disclosures/{waiting_api}"),
            body: Body::Json(json!({"approve": false})),
            allowed: &["custodian"],
            allowed_status: 204,
        },
        Route {
            method: "POST",
            path: "/api/v1/staff/tips".into(),
            body: Body::Json(crate::helpers::api_tip("电话举报", "这是一段足够长的举报内容，用于测试。")),
            allowed: &["intake"],
            allowed_status: 201,
        },
        // The reward track: the tip is not concluded, so a department's step is refused for
        // its state (409) — after the role has been let in. Finance finds no reward, and is
        // told so as for a reference that does not exist (403 `no_such_tip`).
        Route {
            method: "POST",
            path: format!("{tip_path}/reward"),
            body: Body::Form(vec![("step", "propose".into()), ("amount", "".into()), ("reason", "".into())]),
            allowed: case_workers,
            allowed_status: 409,
        },
        Route {
            method: "GET",
            path: "/staff/finance".into(),
            body: Body::None,
            allowed: &["finance"],
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: "/staff/finance/payments.csv".into(),
            body: Body::None,
            allowed: &["finance"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("/staff/finance/{reference}"),
            body: Body::Form(vec![("step", "authorise".into())]),
            allowed: &["finance"],
            allowed_status: 403,
        },
        Route {
            method: "GET",
            path: format!("{api_tip_path}/reward"),
            body: Body::None,
            allowed: case_workers,
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: format!("{api_tip_path}/reward"),
            body: Body::Json(json!({"step": "propose"})),
            allowed: case_workers,
            allowed_status: 409,
        },
        Route {
            method: "POST",
            path: format!("{api_tip_path}/reward"),
            body: Body::Json(json!({"step": "authorise"})),
            allowed: &["finance"],
            allowed_status: 403,
        },
        Route {
            method: "GET",
            path: "/api/v1/staff/related".into(),
            body: Body::None,
            allowed: &["oversight"],
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: "/api/v1/staff/rewards".into(),
            body: Body::None,
            allowed: &["finance"],
            allowed_status: 200,
        },
        Route {
            method: "GET",
            path: "/api/v1/staff/rewards/payments.csv".into(),
            body: Body::None,
            allowed: &["finance"],
            allowed_status: 200,
        },
        Route {
            method: "POST",
            path: "/staff/intake".into(),
            body: Body::Form({
                let mut fields = crate::helpers::form_fields("矩阵电话登记", "来电人称三号井通风机停了两天仍在生产。");
                fields.extend([("channel", "hotline".into()), ("nonce", "roles-matrix".into())]);
                fields
            }),
            allowed: &["intake"],
            allowed_status: 200,
        },
        // Last: these end the sessions the routes above used.
        Route {
            method: "POST",
            path: "/staff/logout-all".into(),
            body: Body::Form(vec![]),
            allowed: &SIGNED_IN,
            allowed_status: 303,
        },
        Route {
            method: "POST",
            path: "/staff/logout".into(),
            body: Body::Form(vec![]),
            allowed: &SIGNED_IN,
            allowed_status: 303,
        },
    ];

    let actors = actors(&app, &people).await;
    let mut failures = Vec::new();
    for route in &routes {
        let refused = ROLES.iter().filter(|r| !route.allowed.contains(r));
        let allowed = ROLES.iter().filter(|r| route.allowed.contains(r));
        for role in refused.chain(allowed) {
            let status = call(&app, &actors[role], route).await;
            let expected = if route.allowed.contains(role) {
                route.allowed_status
            } else if *role == "anonymous" {
                if route.path.starts_with("/api/") { 401 } else { 303 }
            } else {
                403
            };
            if status != expected {
                failures.push(format!("{role:>12} {} {}: {status}, expected {expected}", route.method, route.path));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
