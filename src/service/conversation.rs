//! Messages and evidence lists of a tip, as the reporter or an official with its key sees
//! them.

use super::ServiceError;
use crate::crypto::{Envelope, Key, PublicKey, Tip};
use crate::domain::Id;
use crate::store::messages::{self, Author, NewMessage};
use crate::store::tips::TipRow;
use crate::store::{Store, attachments};
use jubao_templates::i18n::Msg;

pub struct Message {
    pub author: Author,
    pub body: String,
    pub at: i64,
}

pub struct AttachmentInfo {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// `removed`, `kept` or `none` (a file type that carries none we know of).
    pub metadata: String,
    pub author: Author,
    pub at: i64,
}

fn author(text: &str) -> Author {
    if text == "official" { Author::Official } else { Author::Reporter }
}

fn text(key: &Key<Tip>, sealed: Vec<u8>) -> Result<String, ServiceError> {
    let plain = key.open(&Envelope::from_bytes(sealed))?;
    Ok(String::from_utf8_lossy(plain.as_bytes()).into_owned())
}

/// Seals a reporter's message to the tip's key and stores it, up to `per_day` messages of
/// theirs a day (China's calendar day): a session must not flood the case with text.
pub async fn send_from_reporter(
    store: &Store,
    tip: &TipRow,
    body: &str,
    per_day: u32,
    now: i64,
) -> Result<String, ServiceError> {
    let sealed = PublicKey::<Tip>::parse(&tip.public_key)?.seal(body.as_bytes())?;
    let id = Id::random().to_string();
    let message = NewMessage {
        id: &id,
        tip_id: &tip.id,
        author: Author::Reporter,
        user_id: None,
        body: &sealed,
        created_at: now,
    };
    let today = crate::domain::china_time::day_start(now);
    if !messages::insert_within(&mut *store.conn().await?, &message, today, i64::from(per_day)).await? {
        return Err(ServiceError::Quota {
            msg: Msg::new("conversation-you-have-sent-per-day").with("per_day", (per_day).to_string()),
            retry_after_secs: u64::try_from(today + crate::domain::china_time::DAY - now).unwrap_or(1),
        });
    }
    Ok(id)
}

pub async fn messages(store: &Store, tip_id: &str, key: &Key<Tip>) -> Result<Vec<Message>, ServiceError> {
    let mut conn = store.conn().await?;
    messages::of_tip(&mut conn, tip_id)
        .await?
        .into_iter()
        .map(|m| Ok(Message { author: author(&m.author), body: text(key, m.body)?, at: m.created_at }))
        .collect()
}

pub async fn attachments(store: &Store, tip_id: &str, key: &Key<Tip>) -> Result<Vec<AttachmentInfo>, ServiceError> {
    let mut conn = store.conn().await?;
    attachments::of_tip(&mut conn, tip_id)
        .await?
        .into_iter()
        .map(|a| {
            Ok(AttachmentInfo {
                id: a.id,
                name: text(key, a.name_envelope)?,
                content_type: a.content_type,
                size: a.plain_size,
                metadata: a.metadata,
                author: author(&a.author),
                at: a.created_at,
            })
        })
        .collect()
}
