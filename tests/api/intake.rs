//! Public intake: the HTML form without a script, the JSON API, the receipt, following a
//! report, messages and evidence — proven on what is stored.

use std::io::Read;

use jubao::crypto::Tip;
use jubao::evidence::{FileKind, strip_metadata};
use jubao::service::{conversation, tips};
use jubao::store::blobs::BlobStore;
use jubao::store::messages::Author;

use crate::helpers::{
    TestApp, api_tip, client_from, csrf_of, form_fields, now, reporter_bearer, reporter_tip, spawn_app, spawn_app_with,
    text_of_class, tip_about, track_page, try_upload,
};

const PHOTO: &[u8] = include_bytes!("../fixtures/photo-gps.jpg");
const GPS_CANARY: &str = "GPS-CANARY-7f3a";

/// The evidence of a tip as stored, decrypted with the tip key an official opens.
async fn stored_evidence(
    app: &TestApp,
    reference: &str,
    officer: &jubao::service::officials::SignedIn,
) -> Vec<(String, Vec<u8>)> {
    let reference = jubao::domain::TipReference::parse(reference).unwrap();
    let opened = tips::open_for_official(&app.store, officer, &reference).await.unwrap();
    let blobs = BlobStore::open(&app.store, &app.data_dir).unwrap();
    let mut out = Vec::new();
    for info in conversation::attachments(&app.store, &opened.tip.id, &opened.key).await.unwrap() {
        let blob_id: String = sqlx::query_scalar("SELECT blob_id FROM attachments WHERE id = $1")
            .bind(&info.id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        let mut sealed = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut blobs.read(&blob_id).await.unwrap(), &mut sealed).await.unwrap();
        let mut plain = Vec::new();
        opened.key.open_stream(sealed.as_slice()).unwrap().read_to_end(&mut plain).unwrap();
        out.push((info.name(jubao_templates::Lang::Zh), plain));
    }
    out
}

async fn tip_key(
    app: &TestApp,
    reference: &str,
    officer: &jubao::service::officials::SignedIn,
) -> jubao::crypto::Key<Tip> {
    let reference = jubao::domain::TipReference::parse(reference).unwrap();
    tips::open_for_official(&app.store, officer, &reference).await.unwrap().key
}

#[tokio::test]
async fn a_tip_through_the_html_form_is_followed_answered_and_given_clean_evidence() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer,head", Some("emergency")).await;
    let browser = client_from(None);

    // The form, posted form-encoded as a browser without scripts does.
    let form = browser.get(app.url("/report")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let response = browser
        .post(app.url("/report"))
        .form(&form_fields("井下通风不足", "三号井下通风机已经停了一周，仍在生产。"))
        .send()
        .await
        .unwrap();
    // Post/Redirect/Get: the receipt is a page of its own.
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/track/receipt");
    let response = browser.get(app.url("/track/receipt")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let receipt = response.text().await.unwrap();
    let reference = text_of_class(&receipt, "code").unwrap();
    let code = text_of_class(&receipt, "code big").unwrap();
    assert_eq!(reference.len(), 10);
    assert_eq!(code.split(' ').count(), 5, "{code}");
    assert!(receipt.contains("查询码只显示这一次"));

    // Another device opens it with the receipt.
    let phone = client_from(None);
    let (reference_typed, code_typed) = (reference.to_lowercase(), code.replace(' ', "-"));
    let opened = crate::helpers::post_page_form(
        &phone,
        &app,
        "/track",
        &[("reference", reference_typed.as_str()), ("query_code", code_typed.as_str())],
    )
    .await;
    assert_eq!(opened.status(), 303);
    let cookie = opened.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/track"),
        "{cookie}"
    );
    let status = phone.get(app.url("/track/status")).send().await.unwrap().text().await.unwrap();
    assert!(status.contains("井下通风不足") && status.contains("已收到，等待受理"));

    // A message and a photo whose EXIF holds a GPS position.
    let csrf = csrf_of(&status);
    let sent = phone
        .post(app.url("/track/messages"))
        .form(&[("csrf", csrf.as_str()), ("body", "补充：夜班也在生产。")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    let photo =
        reqwest::multipart::Part::bytes(PHOTO.to_vec()).file_name("IMG_0042.JPG").mime_str("image/jpeg").unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", csrf.clone()).part("file", photo);
    let uploaded = phone.post(app.url("/track/attachments")).multipart(form).send().await.unwrap();
    assert_eq!(uploaded.status(), 303);
    let status = phone.get(app.url("/track/status?done=files")).send().await.unwrap().text().await.unwrap();
    // Shown under a neutral name: the device's name for the file is not kept.
    assert!(status.contains("证据-01.jpg") && status.contains("补充：夜班也在生产。"));
    assert!(!status.contains("IMG_0042"));

    // What is stored, decrypted: the message, and the photo without its metadata but whole.
    let key = tip_key(&app, &reference, &officer.signed_in).await;
    let tip_id: String = sqlx::query_scalar("SELECT id FROM tips WHERE reference = $1")
        .bind(&reference)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let messages = conversation::messages(&app.store, &tip_id, &key).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].author, Author::Reporter);
    let evidence = stored_evidence(&app, &reference, &officer.signed_in).await;
    assert_eq!(evidence.len(), 1);
    let (name, image) = &evidence[0];
    assert_eq!(name, "证据-01.jpg");
    assert!(!image.windows(GPS_CANARY.len()).any(|w| w == GPS_CANARY.as_bytes()), "the GPS canary is gone");
    assert_eq!(image, &strip_metadata(FileKind::Jpeg, PHOTO).unwrap(), "the picture is stored whole");
    assert_eq!(FileKind::sniff(image), Some(FileKind::Jpeg));
}

#[tokio::test]
async fn a_tip_through_the_api_is_followed_answered_and_keeps_the_original_when_asked() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let client = client_from(None);
    let created = client
        .post(app.url("/api/v1/tips"))
        .json(&api_tip("违规动火作业", "车间内未办理动火证进行电焊作业。"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let receipt: serde_json::Value = created.json().await.unwrap();
    let reference = receipt["reference"].as_str().unwrap().to_owned();
    assert_eq!(receipt["query_code"].as_str().unwrap().len(), 20);

    let session: serde_json::Value = client
        .post(app.url("/api/v1/reporter/session"))
        .json(&serde_json::json!({"reference": reference, "query_code": receipt["query_code_grouped"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", session["token"].as_str().unwrap());
    let sent = client
        .post(app.url("/api/v1/reporter/messages"))
        .header("authorization", &bearer)
        .json(&serde_json::json!({"body": "照片见附件"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let path = "/api/v1/reporter/attachments?keep_original=true";
    let uploaded = crate::helpers::try_upload_to(&app.address, path, &bearer, "张三-现场.jpg", PHOTO.to_vec()).await;
    assert_eq!(uploaded.status(), 201);

    let tip: serde_json::Value = client
        .get(app.url("/api/v1/reporter/tip"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tip["report"]["title"], "违规动火作业");
    assert_eq!(tip["status"], "received");
    assert_eq!(tip["messages"][0]["body"], "照片见附件");
    // The cleaned copy under a neutral name, and beside it the original with its own name.
    let files = &tip["attachments"];
    assert_eq!((files[0]["metadata"].as_str(), files[0]["name"].as_str()), (Some("removed"), Some("evidence-01.jpg")));
    assert_eq!(files[0]["sent_as"], serde_json::Value::Null);
    assert_eq!(
        (files[1]["metadata"].as_str(), files[1]["name"].as_str()),
        (Some("kept"), Some("evidence-01-original.jpg"))
    );
    assert_eq!(files[1]["sent_as"], "张三-现场.jpg");
    assert_eq!((&files[0]["number"], &files[1]["number"]), (&serde_json::json!(1), &serde_json::json!(1)));
    assert_eq!(tip["deadlines"][0]["step"], "acknowledge");
    let evidence = stored_evidence(&app, &reference, &officer.signed_in).await;
    assert_eq!(evidence[0].1, strip_metadata(FileKind::Jpeg, PHOTO).unwrap(), "the cleaned copy");
    assert_eq!(evidence[1].1, PHOTO, "the original kept as sent, on request");

    let refused = client.get(app.url("/api/v1/reporter/tip")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn every_invalid_field_is_answered_beside_the_field_and_the_rest_is_kept() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    app.official("guard.one", "custodian", None).await;
    let client = client_from(None);
    let cases: [(&str, &str, &str); 9] = [
        ("kind", "gossip", "请选择举报类型"),
        ("category", "bakery", "请选择所属行业领域"),
        ("district", "110101", "请选择发生地所在区县"),
        ("title", "", "请填写标题"),
        ("description", "太短", "具体情况至少需要"),
        ("location", "", "请填写具体地点"),
        ("occurred_on", "2099-01-01", "日期不能晚于今天"),
        ("id_number", "500103199001011235", "身份证号码不正确"),
        ("agree", "", "请阅读举报须知并勾选确认"),
    ];
    for (field, value, message) in cases {
        let mut fields = form_fields("宿舍违规使用电暖器", "员工宿舍大量使用大功率电器，线路老化冒烟。");
        fields.retain(|(f, _)| *f != field);
        if !value.is_empty() {
            fields.push((field, value.into()));
        }
        let response = client.post(app.url("/report")).form(&fields).send().await.unwrap();
        assert_eq!(response.status(), 422, "{field}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{field}: no message");
        assert!(
            html.contains(&format!("id=\"{field}-error\"")) || field == "kind" || field == "agree",
            "{field}: not beside the field"
        );
        if field != "description" {
            assert!(html.contains("员工宿舍大量使用大功率电器，线路老化冒烟。"), "{field}: the description was lost");
        }
        if field != "title" {
            assert!(html.contains("value=\"宿舍违规使用电暖器\""), "{field}: the title was lost");
        }
    }
    // The same rules on the API, field by field.
    let mut bad = api_tip("", "太短");
    bad["district"] = serde_json::json!("nowhere");
    let response = client.post(app.url("/api/v1/tips")).json(&bad).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_fields");
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["district", "title", "description"]);
    let response = client
        .post(app.url("/api/v1/tips"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn the_n_plus_first_tip_from_one_client_is_refused_while_another_client_goes_on() {
    let app = spawn_app_with(|s| s.limits.tips_per_client_per_hour = std::num::NonZeroU32::new(2).unwrap()).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let first = client_from(Some("127.0.0.77".parse().unwrap()));
    for _ in 0..2 {
        let ok = first
            .post(app.url("/api/v1/tips"))
            .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 201);
    }
    let refused = first
        .post(app.url("/api/v1/tips"))
        .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");

    // A forged X-Forwarded-For does not make another client: no proxy is trusted.
    let forged = first
        .post(app.url("/api/v1/tips"))
        .header("x-forwarded-for", "198.51.100.23")
        .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 429);
    // The HTML form says when to come back.
    let page = first
        .post(app.url("/report"))
        .form(&form_fields("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.text().await.unwrap().contains("分钟后再试"));

    let second = client_from(Some("127.0.0.88".parse().unwrap()));
    let ok = second
        .post(app.url("/api/v1/tips"))
        .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
}

#[tokio::test]
async fn a_listed_proxy_is_believed_for_the_rightmost_hop_only() {
    let app = spawn_app_with(|s| {
        s.limits.tips_per_client_per_hour = std::num::NonZeroU32::new(1).unwrap();
        s.trusted_proxies = jubao::configuration::TrustedProxies(vec!["127.0.0.77/32".parse().unwrap()]);
    })
    .await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let proxy = client_from(Some("127.0.0.77".parse().unwrap()));
    let send = |xff: &'static str| {
        proxy
            .post(app.url("/api/v1/tips"))
            .header("x-forwarded-for", xff)
            .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
            .send()
    };
    assert_eq!(send("198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(send("198.51.100.2").await.unwrap().status(), 201, "another client behind the proxy");
    assert_eq!(
        send("203.0.113.5, 198.51.100.1").await.unwrap().status(),
        429,
        "the leftmost hop is the client's to forge"
    );
}

#[tokio::test]
async fn a_query_code_cannot_be_guessed_online() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let client = client_from(None);
    let receipt: serde_json::Value = client
        .post(app.url("/api/v1/tips"))
        .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let guess = |n: u32| serde_json::json!({"reference": receipt["reference"], "query_code": format!("{n:020}")});
    let mut refused = 0;
    for n in 0..21 {
        let status =
            client.post(app.url("/api/v1/reporter/session")).json(&guess(n)).send().await.unwrap().status().as_u16();
        assert!(status == 401 || status == 429, "{status}");
        refused += u32::from(status == 429);
    }
    assert!(refused >= 1, "guesses at one reference are limited");
    let other = client_from(Some("127.0.0.99".parse().unwrap()));
    let status = other.post(app.url("/api/v1/reporter/session")).json(&guess(7)).send().await.unwrap().status();
    assert_eq!(status, 429, "the limit is the reference's, whoever guesses");
}

#[tokio::test]
async fn an_upload_over_the_cap_is_refused_and_leaves_nothing() {
    let app = spawn_app_with(|s| s.limits.max_upload_bytes = std::num::NonZeroU64::new(4096).unwrap()).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let client = client_from(None);
    let receipt: serde_json::Value = client
        .post(app.url("/api/v1/tips"))
        .json(&api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session: serde_json::Value = client
        .post(app.url("/api/v1/reporter/session"))
        .json(&serde_json::json!({"reference": receipt["reference"], "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", session["token"].as_str().unwrap());
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(50_000, b' ');
    for (body, status) in [(big, 413u16), (b"MZ this is a program".to_vec(), 415)] {
        let part = reqwest::multipart::Part::bytes(body).file_name("x.pdf");
        let response = client
            .post(app.url("/api/v1/reporter/attachments"))
            .header("authorization", &bearer)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(rows, 0);
    let blobs = BlobStore::open(&app.store, &app.data_dir).unwrap();
    assert_eq!(blobs.list().await.unwrap(), [], "no blob, finished or partial, is left");
}

#[tokio::test]
async fn the_hotline_desk_files_for_a_caller_and_only_the_intake_role_may() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let desk = app.official("desk.one", "intake", None).await;
    let client = client_from(None);
    let sign_in = |username: &str, secret: &str| {
        let code = jubao::auth::totp::code_at(secret, u64::try_from(jubao::store::unix_now()).unwrap()).unwrap();
        client
            .post(app.url("/api/v1/staff/session"))
            .json(&serde_json::json!({"username": username, "password": crate::helpers::PASSWORD, "totp": code}))
            .send()
    };
    let session: serde_json::Value =
        sign_in("desk.one", &desk.created.enrolment.secret_base32).await.unwrap().json().await.unwrap();
    let bearer = format!("Bearer {}", session["token"].as_str().unwrap());
    let mut tip = api_tip("电话举报：矿井超员", "来电人称三号井每班下井超过定员。");
    tip["channel"] = serde_json::json!("hotline");
    let created =
        client.post(app.url("/api/v1/staff/tips")).header("authorization", &bearer).json(&tip).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let receipt: serde_json::Value = created.json().await.unwrap();
    let channel: String = sqlx::query_scalar("SELECT channel FROM tips WHERE reference = $1")
        .bind(receipt["reference"].as_str().unwrap())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(channel, "hotline");

    let no_session = client.post(app.url("/api/v1/staff/tips")).json(&tip).send().await.unwrap();
    assert_eq!(no_session.status(), 401);
    let officer = app.official("zhao.lei", "officer", Some("fire")).await;
    let session: serde_json::Value =
        sign_in("zhao.lei", &officer.created.enrolment.secret_base32).await.unwrap().json().await.unwrap();
    let officer_bearer = format!("Bearer {}", session["token"].as_str().unwrap());
    let refused = client
        .post(app.url("/api/v1/staff/tips"))
        .header("authorization", &officer_bearer)
        .json(&tip)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "an officer is not the hotline desk");
    let reporter_style = client
        .post(app.url("/api/v1/staff/tips"))
        .header("authorization", "Bearer nonsense")
        .json(&tip)
        .send()
        .await
        .unwrap();
    assert_eq!(reporter_style.status(), 401);
}

#[tokio::test]
async fn a_qr_poster_presets_the_form_and_records_the_channel_only() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("housing")).await;
    let district = jubao::domain::Code::parse("500105").unwrap();
    let category = jubao::domain::Code::parse("construction-site").unwrap();
    let poster = jubao::service::posters::create(
        &app.store,
        "观音桥工地 2 号门",
        Some(&district),
        Some(&category),
        crate::helpers::now(),
    )
    .await
    .unwrap();
    let client = client_from(None);
    let form = client.get(app.url(&format!("/q/{}", poster.code))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("观音桥工地 2 号门"));
    assert!(form.contains("<option value=\"500105\" selected>"), "the district is preset");
    assert!(form.contains("<option value=\"construction-site\" selected>"), "the category is preset");
    let printable = client.get(app.url(&format!("/q/{}/poster", poster.code))).send().await.unwrap();
    assert_eq!(printable.status(), 200);
    let printable = printable.text().await.unwrap();
    assert!(printable.contains("<svg") && printable.contains("12350"));
    assert!(printable.contains(&format!("/q/{}", poster.code)));

    let mut fields = form_fields("脚手架无防护网", "工地脚手架外侧没有安全网，高处坠物。");
    fields.retain(|(f, _)| *f != "category" && *f != "district");
    fields.extend([
        ("category", "construction-site".into()),
        ("district", "500105".into()),
        ("poster", poster.code.clone()),
    ]);
    let response = client.post(app.url("/report")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 303, "filed; the receipt follows");
    let (channel, poster_id): (String, Option<String>) =
        sqlx::query_as("SELECT channel, poster_id FROM tips").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(channel, "qr");
    assert_eq!(poster_id.as_deref(), Some(poster.id.as_str()));
    assert_eq!(client.get(app.url("/q/nosuchqr")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_poster_no_longer_in_use_is_the_same_mistake_on_the_form_and_the_api_and_nothing_typed_is_lost() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let client = client_from(None);
    let mut fields = form_fields("通道堵塞", "消防通道被货物堵塞，无法通行。");
    fields.push(("poster", "ZZZZZZZZ".into()));
    let response = client.post(app.url("/report")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 422, "not filed under a poster that does not exist");
    let page = response.text().await.unwrap();
    assert!(page.contains("这张二维码已停用"), "the page says why");
    assert!(page.contains("消防通道被货物堵塞，无法通行。"), "what was typed comes back");
    assert!(!page.contains("name=\"poster\""), "the poster is left off the form");
    let filed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tips").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(filed, 0);

    // Sent again as it came back (without the poster), the tip is filed, as from the web.
    fields.retain(|(f, _)| *f != "poster");
    let response = client.post(app.url("/report")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let channel: String = sqlx::query_scalar("SELECT channel FROM tips").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(channel, "web");

    let mut tip = api_tip("通道堵塞", "消防通道被货物堵塞，无法通行。");
    tip["poster"] = "ZZZZZZZZ".into();
    let response = client.post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_fields");
    assert_eq!(body["error"]["fields"][0]["field"], "poster");
    assert!(body["error"]["fields"][0]["message_zh"].as_str().unwrap().contains("二维码已停用"));
}

#[tokio::test]
async fn a_tip_that_cannot_be_stored_fails_alone_and_the_rest_of_its_group_is_filed_and_told() {
    use jubao::service::ServiceError;
    use jubao::store::{StoreError, intake};
    let app = spawn_app().await;
    app.official("li.wei", "officer,head", Some("emergency")).await;
    sqlx::query("UPDATE users SET email = 'li.wei@example.org'").execute(app.store.pool()).await.unwrap();
    let url = app.settings.public_url.clone();
    let file = |canary: String, poster: Option<&str>, per_hour: Option<u32>| {
        let (store, url) = (app.store.clone(), url.clone());
        let mut tip = tip_about("mine", &canary, false);
        tip.poster_id = poster.map(str::to_owned);
        tokio::spawn(async move { tips::file_within(&store, tip, now(), per_hour, Some(&url)).await })
    };
    // Holding the writers back, so that the first tip waits in its commit while the rest queue
    // up behind it and are written as one group: on SQLite by holding the writer's turn, on
    // PostgreSQL the hour's count.
    let mut held = app.store.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO intake_hours (hour, tips) VALUES ($1, 0) ON CONFLICT (hour) DO UPDATE SET tips = intake_hours.tips",
    )
    .bind(now().div_euclid(3600))
    .execute(&mut *held)
    .await
    .unwrap();
    let first = file("group-first".to_owned(), None, Some(1_000));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // One of them names a poster that does not exist, so its row breaks a foreign key; one
    // comes from the hotline desk, which the hour's cap does not count.
    let rest: Vec<_> = (0..8)
        .map(|i| file(format!("group-{i}"), (i == 4).then_some("no-such-poster"), (i != 6).then_some(1_000)))
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    held.commit().await.unwrap();

    let mut references = vec![first.await.unwrap().unwrap().reference];
    for (i, filed) in rest.into_iter().enumerate() {
        match filed.await.unwrap() {
            Ok(receipt) => references.push(receipt.reference),
            Err(e) => {
                assert!(i == 4 && matches!(e, ServiceError::Store(StoreError::GroupFailed)), "tip {i} was refused: {e}")
            }
        }
    }
    assert_eq!(references.len(), 8);
    let tips_stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tips").fetch_one(app.store.pool()).await.unwrap();
    let counted: i64 = intake::filed(&mut app.store.conn().await.unwrap(), now().div_euclid(3600)).await.unwrap();
    assert_eq!((tips_stored, counted), (8, 7), "the refused tip is neither stored nor counted, the desk's not counted");
    for reference in &references {
        let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_address = $1 AND body LIKE $2")
            .bind("li.wei@example.org")
            .bind(format!("%{}%", reference.as_str()))
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert_eq!(told, 1, "the department is told of {reference} in the tip's own transaction");
    }
}

#[tokio::test]
async fn a_file_that_cannot_be_cleaned_is_refused_unless_its_original_is_kept_and_then_it_says_so() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("违规动火作业").await;
    let bearer = reporter_bearer(&app.address, &receipt).await;
    let broken = PHOTO[..PHOTO.len() / 2].to_vec();

    // By default nothing unclean is stored: the reporter is told why, in their language.
    let refused = try_upload(&app.address, &bearer, "现场.jpg", broken.clone()).await;
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{body}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(rows, 0);

    // Asked to keep the original, the file is kept as sent, with its name, and says it was not cleaned.
    let part = reqwest::multipart::Part::bytes(broken.clone()).file_name("现场.jpg");
    let form = reqwest::multipart::Form::new().text("keep_original", "true").part("file", part);
    let kept = client_from(None)
        .post(app.url("/api/v1/reporter/attachments"))
        .header("authorization", &bearer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 201);
    let tip = reporter_tip(&app.address, &bearer).await;
    let files = tip["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{tip}");
    assert_eq!((files[0]["metadata"].as_str(), files[0]["sent_as"].as_str()), (Some("none"), Some("现场.jpg")));
    let status = track_page(&app, &receipt).await;
    assert!(status.contains("证据-01.jpg") && status.contains("未能清除元数据"), "{status}");
    let blobs = BlobStore::open(&app.store, &app.data_dir).unwrap();
    assert_eq!(blobs.list().await.unwrap().len(), 1, "no blob of the refused copy is left");
}
