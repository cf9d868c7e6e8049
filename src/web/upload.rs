//! Evidence from a `multipart/form-data` body, streamed field by field into
//! `service::evidence::Upload`. Text fields (`csrf`, `keep_original`) must come before the
//! files, as forms send them in document order.

use actix_multipart::{Field, Multipart};
use futures_util::StreamExt;
use jubao_templates::i18n::Msg;

use super::AppState;
use super::error::Problem;
use crate::evidence::FileKind;
use crate::service::evidence::{Arriving, Upload};
use crate::store::messages::Author;
use crate::store::tips::TipRow;
use crate::store::unix_now;

/// Largest text field accepted beside the files.
const MAX_TEXT_FIELD: usize = 1024;
/// Parts of one body at most: a few text fields and the files a tip may hold.
const MAX_PARTS: usize = 64;
const MIB: u64 = 1024 * 1024;
/// How much of a refused file is still read before the answer.
const DRAIN_BYTES: usize = 16 * 1024 * 1024;

pub struct Received {
    pub attachment_ids: Vec<String>,
}

/// What a text field in the form may be checked against before any file is stored.
pub struct Checks<'a> {
    /// The form token the request must carry (pages), or none (API, bearer token).
    pub csrf: Option<&'a dyn Fn(&str) -> bool>,
    /// Keep the original too (`keep_original`, or `keep_metadata`, its earlier name).
    pub keep_original: bool,
    /// Who sends it, for the hourly evidence allowance.
    pub client: Option<std::net::IpAddr>,
}

fn bad(code: &'static str, msg: impl Into<Msg>) -> Problem {
    Problem::bad_request(code, msg)
}

async fn text_field(field: &mut Field) -> Result<String, Problem> {
    let mut value = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| bad("invalid_body", "upload-upload-interrupted"))?;
        value.extend_from_slice(&chunk);
        if value.len() > MAX_TEXT_FIELD {
            return Err(bad("invalid_body", "upload-form-field-too-long"));
        }
    }
    String::from_utf8(value).map_err(|_| bad("invalid_body", "upload-form-field-cannot-read"))
}

/// Stores every `file` field as evidence of `tip`. A file that is refused leaves nothing
/// behind; files before it in the same request are kept.
pub async fn receive(
    state: &AppState,
    tip: &TipRow,
    mut multipart: Multipart,
    author: Author,
    mut checks: Checks<'_>,
) -> Result<Received, Problem> {
    let mut ids = Vec::new();
    let mut csrf_seen = checks.csrf.is_none();
    let mut parts = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| bad("invalid_body", "upload-upload-not-valid-multipart-data"))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad("invalid_body", "upload-upload-has-too-many-parts"));
        }
        match field.name().unwrap_or_default() {
            "csrf" => {
                let given = text_field(&mut field).await?;
                if let Some(check) = checks.csrf {
                    if !check(&given) {
                        return Err(Problem::new(
                            actix_web::http::StatusCode::FORBIDDEN,
                            "bad_form_token",
                            "track-page-has-expired-go-back",
                        ));
                    }
                    csrf_seen = true;
                }
            }
            "keep_original" | "keep_metadata" => checks.keep_original = text_field(&mut field).await?.trim() == "true",
            "file" => {
                if !csrf_seen {
                    return Err(Problem::new(
                        actix_web::http::StatusCode::FORBIDDEN,
                        "bad_form_token",
                        "track-page-has-expired-go-back",
                    ));
                }
                let name = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default().to_owned();
                let sender = Sender { author, client: checks.client };
                if let Some(id) = one_file(state, tip, &mut field, &name, checks.keep_original, sender).await? {
                    ids.push(id);
                }
            }
            _ => {
                text_field(&mut field).await?;
            }
        }
    }
    if ids.is_empty() {
        return Err(Problem::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "no_file",
            "upload-choose-file-upload",
        ));
    }
    Ok(Received { attachment_ids: ids })
}

#[derive(Clone, Copy)]
struct Sender {
    author: Author,
    client: Option<std::net::IpAddr>,
}

/// Whether a client may send another MiB: its hourly allowance.
fn allowance(state: &AppState, client: Option<std::net::IpAddr>) -> Result<(), Problem> {
    state.limiters.evidence_mib(client).map_err(|limited| crate::web::error::ApiError::from(limited).0)
}

/// Why a body stopped: too slow (the request's deadline, 408) or cut off.
fn interrupted_by(error: &actix_multipart::MultipartError) -> Problem {
    use actix_web::error::PayloadError;
    let timed_out = matches!(
        error,
        actix_multipart::MultipartError::Payload(PayloadError::Io(io)) if io.kind() == std::io::ErrorKind::TimedOut
    );
    if timed_out {
        Problem::new(
            actix_web::http::StatusCode::REQUEST_TIMEOUT,
            "too_slow",
            "request-limits-what-sent-came-too-slowly",
        )
    } else {
        bad("invalid_body", "upload-upload-interrupted")
    }
}

/// One file: `None` for an empty file input (a form sent without a file chosen).
async fn one_file(
    state: &AppState,
    tip: &TipRow,
    field: &mut Field,
    name: &str,
    keep_original: bool,
    sender: Sender,
) -> Result<Option<String>, Problem> {
    let interrupted = || bad("invalid_body", "upload-upload-interrupted");
    let mut head = Vec::with_capacity(FileKind::SNIFF_BYTES);
    let mut rest = None;
    // A field must not be read again once it has ended: files shorter than the sniffing
    // window end here.
    let mut ended = false;
    while head.len() < FileKind::SNIFF_BYTES {
        match field.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|_| interrupted())?;
                let take = (FileKind::SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if take < chunk.len() {
                    rest = Some(chunk.slice(take..));
                }
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    if head.is_empty() && name.is_empty() {
        return Ok(None);
    }
    state.space.check(&state.store).await?;
    allowance(state, sender.client)?;
    let file = Arriving { name, keep_original, head: &head };
    let mut upload = Upload::begin(&state.store, &state.spool, tip, file, state.upload_limits()).await?;
    let mut received = head.len() as u64;
    let mut result: Result<(), Problem> = match rest {
        Some(chunk) => {
            received += chunk.len() as u64;
            upload.write(&chunk).await.map_err(Problem::from)
        }
        None => Ok(()),
    };
    while result.is_ok() && !ended {
        match field.next().await {
            Some(Ok(chunk)) => {
                // Each MiB begun counts against the hour's allowance; the disk is looked at
                // again as a large file comes in.
                let before = received / MIB;
                received += chunk.len() as u64;
                result = if received / MIB > before {
                    match allowance(state, sender.client) {
                        Ok(()) => state.space.check(&state.store).await.map_err(Problem::from),
                        Err(e) => Err(e),
                    }
                } else {
                    Ok(())
                };
                if result.is_ok() {
                    result = upload.write(&chunk).await.map_err(Problem::from);
                }
            }
            Some(Err(e)) => {
                ended = true;
                result = Err(interrupted_by(&e));
            }
            None => ended = true,
        }
    }
    if let Err(e) = result {
        upload.abort().await;
        // Read on a little so a browser still sending sees the answer rather than a reset;
        // past that, the connection is closed.
        let mut drained = 0usize;
        while !ended && let Some(Ok(chunk)) = field.next().await {
            drained += chunk.len();
            if drained > DRAIN_BYTES {
                break;
            }
        }
        return Err(e);
    }
    Ok(Some(upload.finish(&state.store, &state.blobs, sender.author, unix_now()).await?))
}
