//! Evidence as a reporter sends it and an official opens it: every kind of file goes in
//! through the real portal, and what is stored, decrypted, is checked with the outside
//! instruments (exiftool, ffmpeg) rather than with our own parsers.

use fantoccini::Locator;

use crate::browser::{browser, sign_in, wait_for};
use crate::helpers::spawn_app;

const PHOTO: &[u8] = include_bytes!("../fixtures/photo-gps.jpg");

#[tokio::test]
async fn a_reporter_keeps_the_original_from_the_status_page_and_the_officer_sees_both_copies() {
    let app = spawn_app().await;
    let officer = app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("违规动火作业").await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("张三-现场.jpg");
    std::fs::write(&photo, PHOTO).unwrap();

    let (_driver, client) = browser().await;
    client.set_window_size(360, 2200).await.unwrap();
    client.goto(&app.url("/track")).await.unwrap();
    for (id, value) in [("reference", &receipt["reference"]), ("query_code", &receipt["query_code"])] {
        client.find(Locator::Id(id)).await.unwrap().send_keys(value.as_str().unwrap()).await.unwrap();
    }
    client.find(Locator::Css("form[action='/track'] button[type=submit]")).await.unwrap().click().await.unwrap();
    let form = wait_for(&client, "form[action='/track/attachments']").await;
    // What cleaning removes is explained beside the choice, per kind of file.
    let hint = client.find(Locator::Id("cleaning-hint")).await.unwrap().text().await.unwrap();
    assert!(hint.contains("照片") && hint.contains("视频") && hint.contains("录音"), "{hint}");
    form.find(Locator::Css("input[name=keep_original]")).await.unwrap().click().await.unwrap();
    form.find(Locator::Id("file")).await.unwrap().send_keys(&photo.to_string_lossy()).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();

    // Back on the status page: the cleaned copy and the original, both under neutral names.
    let files = wait_for(&client, "ul.files li").await;
    drop(files);
    let list = client.find(Locator::Css("ul.files")).await.unwrap().text().await.unwrap();
    assert!(list.contains("证据-01.jpg") && list.contains("证据-01-原件.jpg"), "{list}");
    assert!(list.contains("已清除元数据") && list.contains("原件，按举报人要求保留"), "{list}");
    assert!(!list.contains("张三"), "the reporter's own file name is not shown back: {list}");

    // The officer sees which copy is which, and the sender's name beside the original only.
    client.set_window_size(1280, 1500).await.unwrap();
    sign_in(&client, &app, &officer, false).await;
    wait_for(&client, "table.queue a.code").await;
    client.goto(&app.url(&format!("/staff/tips/{}", receipt["reference"].as_str().unwrap()))).await.unwrap();
    let page = client.source().await.unwrap();
    assert!(page.contains("证据-01.jpg") && page.contains("发送时的文件名：张三-现场.jpg"), "the case page lists both");
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_old_binary_word_file_is_refused_with_what_to_do_instead() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("违规动火作业").await;
    let bearer = crate::helpers::reporter_bearer(&app.address, &receipt).await;
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(4096, 0);
    let refused = crate::helpers::try_upload(&app.address, &bearer, "台账.doc", doc).await;
    assert_eq!(refused.status(), 415);
    let body: serde_json::Value = refused.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("DOCX") && message.contains("PDF"), "{message}");
}

/// The cap on documents read whole is the setting's: a PDF over `limits.max_document_mib` is
/// refused with a reason, and one under it is taken.
#[tokio::test]
async fn a_document_over_the_configured_cap_is_refused_and_one_under_it_is_taken() {
    let app =
        crate::helpers::spawn_app_with(|s| s.limits.max_document_mib = std::num::NonZeroU32::new(1).unwrap()).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("违规动火作业").await;
    let bearer = crate::helpers::reporter_bearer(&app.address, &receipt).await;
    let big = crate::helpers::pdf_of(3 << 19, "BIG-RECORD");
    let refused = crate::helpers::try_upload(&app.address, &bearer, "record.pdf", big).await;
    assert_eq!(refused.status(), 413);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "file_too_large", "{body}");
    let message = body["error"]["message_zh"].as_str().unwrap_or_default();
    assert!(
        message.contains("最多 1 MB") && message.contains("保留原件"),
        "the reporter is told the cap and a way: {body}"
    );
    let small = crate::helpers::pdf_of(1 << 19, "SMALL-RECORD");
    crate::helpers::upload_evidence(&app.address, &bearer, "record.pdf", small).await;
}

/// Files sent at once for one tip get a number each: the neutral names never repeat.
#[tokio::test]
async fn files_sent_at_once_are_numbered_one_after_another() {
    let app = spawn_app().await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("违规动火作业").await;
    let bearer = crate::helpers::reporter_bearer(&app.address, &receipt).await;
    let uploads = (0..6).map(|n| {
        crate::helpers::upload_evidence(
            &app.address,
            &bearer,
            "record.pdf",
            crate::helpers::pdf_of(2000, &format!("R{n}")),
        )
    });
    futures_util::future::join_all(uploads).await;
    let numbers: Vec<i64> =
        sqlx::query_scalar("SELECT number FROM attachments ORDER BY number").fetch_all(app.store.pool()).await.unwrap();
    assert_eq!(numbers, (1..=6).collect::<Vec<i64>>());
}

/// A file and the original its sender kept beside it are one file against the per-tip cap.
#[tokio::test]
async fn a_kept_original_does_not_count_as_another_file() {
    let app =
        crate::helpers::spawn_app_with(|s| s.limits.max_files_per_tip = std::num::NonZeroU32::new(2).unwrap()).await;
    app.official("li.wei", "officer", Some("emergency")).await;
    let receipt = app.file_tip("违规动火作业").await;
    let bearer = crate::helpers::reporter_bearer(&app.address, &receipt).await;
    let path = "/api/v1/reporter/attachments?keep_original=true";
    let kept = crate::helpers::try_upload_to(&app.address, path, &bearer, "现场.jpg", PHOTO.to_vec()).await;
    assert_eq!(kept.status(), 201);
    crate::helpers::upload_evidence(&app.address, &bearer, "record.pdf", crate::helpers::pdf_of(2000, "R2")).await;
    let third =
        crate::helpers::try_upload(&app.address, &bearer, "record.pdf", crate::helpers::pdf_of(2000, "R3")).await;
    assert_eq!(third.status(), 413, "the cap is two files");
    let body: serde_json::Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_files", "{body}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(rows, 3, "two files, one of them with its original");
}
