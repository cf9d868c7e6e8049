//! Messages and evidence lists of a tip, as the reporter or an official with its key sees
//! them.

use super::ServiceError;
use crate::crypto::{Envelope, Key, PublicKey, Tip};
use crate::domain::Id;
use crate::store::messages::{self, Author, NewMessage};
use crate::store::tips::TipRow;
use crate::store::{Store, attachments};

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

/// Seals a message to the tip's key and stores it.
pub async fn send(
    store: &Store,
    tip: &TipRow,
    from: Author,
    user_id: Option<&str>,
    body: &str,
    now: i64,
) -> Result<String, ServiceError> {
    let sealed = PublicKey::<Tip>::parse(&tip.public_key)?.seal(body.as_bytes())?;
    let id = Id::random().to_string();
    let mut conn = store.conn().await?;
    messages::insert(
        &mut conn,
        &NewMessage { id: &id, tip_id: &tip.id, author: from, user_id, body: &sealed, created_at: now },
    )
    .await?;
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
