//! Sends the outbox: over SMTP when `smtp_url` is set (each send bounded by a timeout, a
//! failure retried later with a growing delay), as `.eml` files in `<data_dir>/outbox/`
//! otherwise.

use jubao_templates::i18n::Msg;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::ServiceError;
use crate::configuration::Settings;
use crate::store::Store;
use crate::store::outbox::{self, Mail};

const SEND_TIMEOUT: Duration = Duration::from_secs(20);
const BATCH: i64 = 50;
/// How long a mail taken for sending is left to the instance that took it.
const CLAIM_SECONDS: i64 = 300;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &Settings) -> Result<Self, ServiceError> {
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| {
                        super::invalid(Msg::new("mailer-smtp-url-not-understood").with("detail", e.to_string()))
                    })?
                    .timeout(Some(SEND_TIMEOUT))
                    .build(),
            ),
            None => {
                let dir = settings.data_dir.join("outbox");
                crate::startup::create_private_dir(&dir).map_err(|e| {
                    let detail = format!("{}: {e}", dir.display());
                    super::invalid(Msg::new("mailer-outbox-cannot-be-made").with("detail", detail))
                })?;
                Transport::Files(AsyncFileTransport::new(dir))
            }
        };
        let host = settings.public_url.host().unwrap_or_else(|| "localhost".to_owned());
        let from = format!("{} <noreply@{host}>", jubao_templates::Lang::Zh.tr("mailer-sender-name"))
            .parse()
            .or_else(|_| "noreply@localhost".parse())
            .map_err(|e: lettre::address::AddressError| {
                super::invalid(Msg::new("mailer-sender-address-invalid").with("detail", e.to_string()))
            })?;
        Ok(Self { transport, from })
    }

    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail.to_address.parse().map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            // lettre encodes a non-ASCII subject per RFC 2047; the single part says
            // `MIME-Version: 1.0`, `Content-Type: text/plain; charset=utf-8` and its
            // transfer encoding, so mail readers show the Chinese as written.
            .subject(&mail.subject)
            .singlepart(lettre::message::SinglePart::plain(mail.body.clone()))
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(smtp) => tokio::time::timeout(SEND_TIMEOUT, smtp.send(message))
                .await
                .map_err(|_| "timed out".to_owned())?
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Files(files) => files.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// Sends what is due; returns how many went out.
    pub async fn run(&self, store: &Store, now: i64) -> Result<usize, ServiceError> {
        let due = outbox::due(&mut *store.conn().await?, now, BATCH).await?;
        let mut sent = 0;
        for mail in due {
            // Another instance may be sending the same outbox.
            if !outbox::claim(&mut *store.conn().await?, &mail.id, now, now + CLAIM_SECONDS).await? {
                continue;
            }
            match self.send(&mail).await {
                Ok(()) => {
                    outbox::sent(&mut *store.conn().await?, &mail.id, now).await?;
                    sent += 1;
                }
                Err(error) => {
                    let delay = 60 * 2i64.pow(u32::try_from(mail.attempts.clamp(0, 10)).unwrap_or(10));
                    tracing::warn!(%error, attempts = mail.attempts + 1, "mail not sent; will retry");
                    outbox::failed(&mut *store.conn().await?, &mail.id, &error, now + delay.min(24 * 3600)).await?;
                }
            }
        }
        Ok(sent)
    }
}
