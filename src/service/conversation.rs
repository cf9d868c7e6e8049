//! Messages and evidence lists of a tip, as the reporter or an official with its key sees
//! them.

use super::ServiceError;
use crate::crypto::{Envelope, Key, PublicKey, Tip};
use crate::domain::Id;
use crate::domain::tip::Cleaning;
use crate::evidence::FileKind;
use crate::store::messages::{self, Author, NewMessage};
use crate::store::tips::TipRow;
use crate::store::{Store, attachments};
use jubao_templates::Lang;
use jubao_templates::i18n::Msg;

pub struct Message {
    pub author: Author,
    pub body: String,
    pub at: i64,
}

pub struct AttachmentInfo {
    pub id: String,
    /// Its number within the tip; none for files stored before numbering.
    pub number: Option<i64>,
    /// The sender's own name for the file: kept with an original only (and with files
    /// stored before numbering).
    pub sent_as: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub cleaning: Cleaning,
    pub author: Author,
    pub at: i64,
}

impl AttachmentInfo {
    /// The name it is shown and downloaded under: neutral, from its number
    /// (`证据-03.docx`, an original `证据-03-原件.docx`).
    pub fn name(&self, lang: Lang) -> String {
        let extension = FileKind::parse_content_type(&self.content_type).map_or("bin", FileKind::extension);
        match self.number {
            Some(number) => {
                let key = match self.cleaning {
                    Cleaning::Kept => "evidence-original-file-name",
                    Cleaning::Removed | Cleaning::Uncleaned => "evidence-file-name",
                };
                lang.tr_with(key, &[("number", format!("{number:02}").into()), ("ext", extension.into())])
            }
            None => self.sent_as.clone().unwrap_or_else(|| format!("evidence.{extension}")),
        }
    }
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
                sent_as: Some(text(key, a.name_envelope)?).filter(|name| !name.is_empty()),
                number: a.number,
                content_type: a.content_type,
                size: a.plain_size,
                cleaning: a.metadata,
                author: author(&a.author),
                at: a.created_at,
            })
        })
        .collect()
}
