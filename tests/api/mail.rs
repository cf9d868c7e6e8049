//! Mail to officials through a real SMTP server on loopback (aiosmtpd, a Python package):
//! the new-tip and reminder mails arrive, with a link and the reference but no tip text.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jubao::service::{deadlines, mailer::Mailer};

use crate::helpers::{client_from, now, spawn_app_with};

struct SmtpServer(Child);

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CANARY: &str = "mail-canary-7e11";

#[tokio::test]
async fn new_tip_and_reminder_mails_arrive_without_content() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with the aiosmtpd package (pip install aiosmtpd)");
    let mut server = SmtpServer(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(serde_json::from_value(serde_json::json!(format!("smtp://127.0.0.1:{port}"))).unwrap());
    })
    .await;
    let officer = jubao::service::officials::create(
        &app.store,
        jubao::service::officials::NewOfficial {
            username: jubao::domain::Username::parse("li.wei").unwrap(),
            roles: jubao::domain::Roles::parse("officer").unwrap(),
            department: Some(jubao::domain::Code::parse("emergency").unwrap()),
            email: Some("li.wei@example.org".into()),
            password: jubao::auth::Password::new(crate::helpers::PASSWORD.into()).unwrap(),
        },
        now(),
    )
    .await
    .unwrap();
    let oversight = app.official("an.wei", "oversight", None).await;
    let _ = (officer, oversight);

    let tip = crate::helpers::api_tip(&format!("标题 {CANARY}"), &format!("内容 {CANARY} 足够长的描述"));
    let receipt: serde_json::Value =
        client_from(None).post(app.url("/api/v1/tips")).json(&tip).send().await.unwrap().json().await.unwrap();
    let reference = receipt["reference"].as_str().unwrap();
    let mailer = Mailer::new(&app.settings).unwrap();
    assert_eq!(mailer.run(&app.store, now()).await.unwrap(), 1, "the new-tip mail");

    // Six days on, the acknowledgement (due in seven) is two days off: a reminder.
    let later = now() + 6 * 86_400;
    let ran = deadlines::run(&app.store, &app.settings.public_url, later).await.unwrap();
    assert_eq!(ran.reminded, 1);
    assert_eq!(mailer.run(&app.store, later).await.unwrap(), 1, "the reminder");
    assert_eq!(deadlines::run(&app.store, &app.settings.public_url, later).await.unwrap().reminded, 0, "once");

    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = server.0.kill();
    let mut received = String::new();
    server.0.stdout.take().unwrap().read_to_string(&mut received).unwrap();
    let messages: Vec<&str> = received.split("---------- MESSAGE FOLLOWS ----------").skip(1).collect();
    assert_eq!(messages.len(), 2, "{received}");
    for message in &messages {
        assert!(message.contains("To: li.wei@example.org"));
        // The body is base64 of UTF-8 text: read it as the official's mail program would.
        let (_, body) = message.split_once("\n\n").unwrap();
        let encoded: String = body.lines().take_while(|l| !l.starts_with("------------")).collect();
        let text = String::from_utf8(data_encoding::BASE64.decode(encoded.trim().as_bytes()).unwrap()).unwrap();
        assert!(text.contains(&format!("Reference: {reference}")), "the reference is in the mail: {text}");
        assert!(text.contains(&format!("/staff/tips/{reference}")), "and a link: {text}");
        assert!(!text.contains(CANARY) && !text.contains("标题"), "no tip text: {text}");
    }
    assert!(!received.contains(CANARY), "no tip text anywhere in the exchange");
    let subjects: Vec<&str> = received.lines().filter(|l| l.starts_with("Subject:")).collect();
    assert_eq!(subjects.len(), 2);
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox_directory() {
    let app = spawn_app_with(|_| {}).await;
    jubao::service::officials::create(
        &app.store,
        jubao::service::officials::NewOfficial {
            username: jubao::domain::Username::parse("li.wei").unwrap(),
            roles: jubao::domain::Roles::parse("officer").unwrap(),
            department: Some(jubao::domain::Code::parse("emergency").unwrap()),
            email: Some("li.wei@example.org".into()),
            password: jubao::auth::Password::new(crate::helpers::PASSWORD.into()).unwrap(),
        },
        now(),
    )
    .await
    .unwrap();
    app.file_tip(&format!("标题 {CANARY}")).await;
    assert_eq!(Mailer::new(&app.settings).unwrap().run(&app.store, now()).await.unwrap(), 1);
    let files: Vec<_> = std::fs::read_dir(app.data_dir.join("outbox")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("li.wei@example.org") && !eml.contains(CANARY));

    // A mail reader sees MIME text in UTF-8: Python's `email` package reads it back.
    let read = r#"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
print(m['MIME-Version'])
print(m.get_content_type(), m.get_content_charset())
print(m['Content-Transfer-Encoding'])
print(str(m['Subject']))
print(m.get_content())
"#;
    let out = std::process::Command::new("python3").args(["-c", read]).arg(&files[0]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1.0", "{out}");
    assert_eq!(lines[1], "text/plain utf-8", "{out}");
    assert!(["base64", "quoted-printable", "8bit", "7bit"].contains(&lines[2]), "{out}");
    assert!(lines[3].chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "the subject reads in Chinese: {out}");
    let raw_subject = eml.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(raw_subject.is_ascii() && raw_subject.contains("=?utf-8?"), "RFC 2047: {raw_subject}");
    assert!(out.contains("Reference:") && out.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{out}");
}
