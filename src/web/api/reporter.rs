//! The reporter's side of the API: a session from the receipt, the tip, messages, evidence.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::events::{Reader, sentence};
use jubao_templates::i18n::Msg;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Reporter;
use crate::crypto::receipt::QueryCode;
use crate::domain::report::Report;
use crate::domain::{DeadlineStep, TipReference, china_time, validation};
use crate::service::conversation::{self, AttachmentInfo};
use crate::service::rewards::{self, Claim};
use crate::service::{sessions, tips};
use crate::store::messages::Author;
use crate::store::sessions::SessionKind;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::client::Client;
use crate::web::error::{ApiError, ErrorBody, Problem};
use crate::web::upload::{self, Checks};

/// Deliberately not `Debug`: it carries a query code.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReceiptRequest {
    pub reference: String,
    /// 20 digits; spaces and dashes are ignored.
    pub query_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    /// Send as `Authorization: Bearer …`.
    pub token: String,
    /// Seconds of inactivity after which the session ends.
    pub expires_in: i64,
}

fn bad_receipt() -> Problem {
    Problem::new(actix_web::http::StatusCode::UNAUTHORIZED, "bad_receipt", "reporter-reference-query-code-wrong")
}

/// Open a session with the receipt.
#[utoipa::path(post, path = "/api/v1/reporter/session", tag = "reporter", request_body = ReceiptRequest,
    responses((status = 200, description = "A session token", body = TokenBody),
        (status = 401, description = "Wrong reference or query code", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody)))]
pub async fn session(
    state: web::Data<AppState>,
    Client(client): Client,
    request: web::Json<ReceiptRequest>,
) -> Result<HttpResponse, ApiError> {
    let (Some(reference), Some(code)) =
        (TipReference::parse(&request.reference), QueryCode::parse(&request.query_code))
    else {
        return Err(bad_receipt().into());
    };
    state.limiters.receipt(client, reference.as_str())?;
    let view = match tips::open_for_reporter(&state.store, &reference, code).await {
        Ok(view) => view,
        Err(crate::service::ServiceError::BadCredentials) => return Err(bad_receipt().into()),
        Err(e) => return Err(e.into()),
    };
    let token = sessions::start::<crate::crypto::Reporter>(
        &state.store,
        SessionKind::Reporter,
        &view.tip.id,
        &view.reporter,
        unix_now(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .json(TokenBody { token: token.to_text().to_string(), expires_in: sessions::REPORTER_IDLE_SECONDS }))
}

#[derive(Serialize, ToSchema)]
pub struct MessageBody {
    /// `reporter` or `official`.
    pub author: &'static str,
    pub body: String,
    /// Unix seconds.
    pub at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentBody {
    pub id: String,
    /// The neutral name it is stored under, e.g. `evidence-03.mp4`.
    pub name: String,
    /// Its number within the tip (the original kept beside a cleaned copy has the same one).
    pub number: Option<i64>,
    /// The sender's own name for it: kept with an original only.
    pub sent_as: Option<String>,
    pub content_type: String,
    pub size: i64,
    /// `removed` (rebuilt without its metadata), `kept` (the original, kept on request) or
    /// `none` (stored as sent: an original that could not be cleaned).
    pub metadata: String,
    pub at: i64,
}

impl From<AttachmentInfo> for AttachmentBody {
    fn from(a: AttachmentInfo) -> Self {
        Self {
            name: a.name(jubao_templates::Lang::En),
            metadata: a.cleaning.as_str().to_owned(),
            id: a.id,
            number: a.number,
            sent_as: a.sent_as,
            content_type: a.content_type,
            size: a.size,
            at: a.at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineBody {
    /// `acknowledge`; `destroy`: when a closed tip will be shredded under the retention rule.
    pub step: &'static str,
    /// `YYYY-MM-DD`, China time.
    pub due: String,
}

#[derive(Serialize, ToSchema)]
pub struct EventBody {
    /// `accepted`, `extended`, `concluded`, `rejected`, `identity_disclosed`, …
    pub kind: String,
    pub at: i64,
    pub text_zh: String,
    pub text_en: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReporterTipBody {
    pub reference: String,
    pub status: String,
    pub status_zh: String,
    pub status_en: String,
    pub kind: String,
    pub category: String,
    pub district: String,
    pub received_at: i64,
    pub deadlines: Vec<DeadlineBody>,
    /// What has happened, oldest first, in Chinese and English.
    pub events: Vec<EventBody>,
    pub report: Report,
    pub identity_given: bool,
    pub messages: Vec<MessageBody>,
    pub attachments: Vec<AttachmentBody>,
    /// Once concluded: whether the tip meets the reward conditions, and why not.
    pub eligibility: Option<EligibilityBody>,
    /// Once finance has granted it: the amount, the claim deadline, what may be done.
    pub reward: Option<crate::service::rewards::ReporterReward>,
    /// While the reporter may still object to the conclusion: the last moment (Unix seconds).
    pub objection_until: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EligibilityBody {
    pub eligible: bool,
    pub reason_zh: Option<String>,
    pub reason_en: Option<String>,
}

/// The reporter's own tip, decrypted with the key their session holds.
#[utoipa::path(get, path = "/api/v1/reporter/tip", tag = "reporter", security(("bearer" = [])),
    responses((status = 200, description = "The tip", body = ReporterTipBody),
        (status = 401, description = "No session", body = ErrorBody)))]
pub async fn tip(state: web::Data<AppState>, Reporter(session): Reporter) -> Result<HttpResponse, ApiError> {
    let data = state.reference.get().await?;
    let view = &session.view;
    let days = state.settings.retention.days_after_closure;
    let acknowledge_days = data.days(DeadlineStep::Acknowledge);
    let shown = crate::service::reporter::status(&state.store, view, acknowledge_days, days, unix_now()).await?;
    let crate::service::reporter::Status { messages, files: attachments, identity_given, events, deadlines, after } =
        shown;
    let status_key = view.tip.status.words().0;
    let (status_zh, status_en) = (jubao_templates::Lang::Zh.tr(status_key), jubao_templates::Lang::En.tr(status_key));
    let deadlines = deadlines
        .into_iter()
        .map(|(step, due)| DeadlineBody { step: step.as_str(), due: china_time::date_string(due) })
        .collect();
    let events = events
        .into_iter()
        .map(|e| {
            let at = china_time::minute_string(e.at);
            let say = |lang| {
                sentence(e.kind.words(), Reader::Reporter, e.detail.as_deref(), &at, lang, &|c| {
                    data.department_name(c, lang == Lang::Zh)
                })
            };
            EventBody {
                text_zh: say(jubao_templates::Lang::Zh),
                text_en: say(jubao_templates::Lang::En),
                kind: e.kind.as_str().to_owned(),
                at: e.at,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(ReporterTipBody {
        reference: view.tip.reference.clone(),
        status: view.tip.status.as_str().to_owned(),
        status_zh: status_zh.to_owned(),
        status_en: status_en.to_owned(),
        kind: view.tip.kind.as_str().to_owned(),
        category: view.tip.category_code.clone(),
        district: view.tip.district_code.clone(),
        received_at: view.tip.received_at,
        deadlines,
        events,
        report: view.report.clone(),
        identity_given,
        messages: messages
            .into_iter()
            .map(|m| MessageBody { author: m.author.as_str(), body: m.body, at: m.at })
            .collect(),
        attachments: attachments.into_iter().map(AttachmentBody::from).collect(),
        eligibility: after.eligible.map(|e| EligibilityBody {
            eligible: e.is_ok(),
            reason_zh: e.err().map(|w| w.msg().render(Lang::Zh)),
            reason_en: e.err().map(|w| w.msg().render(Lang::En)),
        }),
        reward: after.reward,
        objection_until: after.objection_until,
    }))
}

#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewMessageRequest {
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedBody {
    pub id: String,
}

/// Send a message to the officials working the tip.
#[utoipa::path(post, path = "/api/v1/reporter/messages", tag = "reporter", request_body = NewMessageRequest,
    security(("bearer" = [])), responses((status = 201, description = "Sent", body = CreatedBody),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody)))]
pub async fn message(
    state: web::Data<AppState>,
    request: web::Json<NewMessageRequest>,
    Reporter(session): Reporter,
) -> Result<HttpResponse, ApiError> {
    let body = validation::validate_message(&request.body)
        .map_err(|e| Problem::new(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_message", e.msg))?;
    let per_day = state.settings.limits.messages_per_tip_per_day.get();
    let id = conversation::send_from_reporter(&state.store, &session.view.tip, &body, per_day, unix_now()).await?;
    Ok(HttpResponse::Created().json(CreatedBody { id }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttachQuery {
    keep_original: bool,
    /// The earlier name of `keep_original`.
    keep_metadata: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentsCreated {
    pub attachments: Vec<String>,
}

/// Add evidence: `multipart/form-data`, field `file` (repeatable). Each file is rebuilt from
/// what is needed to show or play it, so that its metadata (place, device, author, software,
/// times) is gone, and stored under a neutral numbered name. With `keep_original=true`
/// (query or a field before the files; `keep_metadata` is the earlier name) the original is
/// kept too, sealed, with its own name.
#[utoipa::path(post, path = "/api/v1/reporter/attachments", tag = "reporter", security(("bearer" = [])),
    params(("keep_original" = Option<bool>, Query, description = "Keep the original too, metadata and all, as evidence"),
        ("keep_metadata" = Option<bool>, Query, description = "The earlier name of keep_original")),
    request_body(content_type = "multipart/form-data", description = "Field `file`, repeatable"),
    responses((status = 201, description = "Stored, sealed to the tip key", body = AttachmentsCreated),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 413, description = "Over the per-file or per-tip limit; nothing stored", body = ErrorBody),
        (status = 415, description = "Not an accepted kind of file", body = ErrorBody),
        (status = 422, description = "No file, or a file that cannot be read to be cleaned", body = ErrorBody)))]
pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AttachQuery>,
    Reporter(session): Reporter,
    multipart: Multipart,
) -> Result<HttpResponse, ApiError> {
    let client = crate::web::client::of_request(&req, &state.settings.trusted_proxies);
    let checks = Checks { csrf: None, keep_original: query.keep_original || query.keep_metadata, client };
    let received = upload::receive(&state, &session.view.tip, multipart, Author::Reporter, checks).await?;
    Ok(HttpResponse::Created().json(AttachmentsCreated { attachments: received.attachment_ids }))
}

/// Claim the reward: to a bank account (the details are sealed for finance and the reporter
/// only) or in person with the receipt.
#[utoipa::path(post, path = "/api/v1/reporter/reward/claim", tag = "reporter", request_body = Claim,
    security(("bearer" = [])), responses((status = 204, description = "Claimed"),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 404, description = "No reward", body = ErrorBody),
        (status = 409, description = "Not claimable now (e.g. the window passed)", body = ErrorBody),
        (status = 422, description = "Bad payout details", body = ErrorBody)))]
pub async fn claim(
    state: web::Data<AppState>,
    request: web::Json<Claim>,
    Reporter(session): Reporter,
) -> Result<HttpResponse, ApiError> {
    let claim = match request.into_inner() {
        Claim::Bank(details) => {
            let details = validation::validate_payout(&details).map_err(|errors| {
                let msg = Msg::all(errors.into_iter().map(|e| e.msg)).unwrap_or(Msg::new("rewards-payout-not-valid"));
                Problem::new(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_payout", msg)
            })?;
            Claim::Bank(details)
        }
        other => other,
    };
    rewards::claim(&state.store, &state.settings.public_url, &session.view, claim, unix_now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReasonRequest {
    pub reason: String,
}

fn reason_of(request: &ReasonRequest) -> Result<String, Problem> {
    validation::validate_message(&request.reason)
        .map_err(|e| Problem::new(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_reason", e.msg))
}

/// Ask for more time to claim the reward (also after it lapsed); a head decides.
#[utoipa::path(post, path = "/api/v1/reporter/reward/extension", tag = "reporter", request_body = ReasonRequest,
    security(("bearer" = [])), responses((status = 204, description = "Asked"),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 409, description = "Nothing to extend, or asked already", body = ErrorBody),
        (status = 422, description = "No reason", body = ErrorBody)))]
pub async fn extension(
    state: web::Data<AppState>,
    request: web::Json<ReasonRequest>,
    Reporter(session): Reporter,
) -> Result<HttpResponse, ApiError> {
    let reason = reason_of(&request)?;
    rewards::request_extension(&state.store, &state.settings.public_url, &session.view, &reason, unix_now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Object to the conclusion, within the objection window; a head who did not conclude the
/// tip reviews it.
#[utoipa::path(post, path = "/api/v1/reporter/objection", tag = "reporter", request_body = ReasonRequest,
    security(("bearer" = [])), responses((status = 204, description = "Objected"),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 409, description = "Not concluded, window passed, or objected already", body = ErrorBody),
        (status = 422, description = "No reason", body = ErrorBody)))]
pub async fn objection(
    state: web::Data<AppState>,
    request: web::Json<ReasonRequest>,
    Reporter(session): Reporter,
) -> Result<HttpResponse, ApiError> {
    let reason = reason_of(&request)?;
    crate::service::cases::object(&state.store, &state.settings.public_url, &session.view, &reason, unix_now()).await?;
    Ok(HttpResponse::NoContent().finish())
}
