//! The officials' API, `/api/v1/staff/…`: signing in and out (`session`), the queue, a case
//! and its attachments, actions on a tip, identity disclosure (requests, decisions, the
//! identity itself), and rewards (a case's reward and its steps, finance's queue, the
//! payments CSV).

use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Official, OfficialTip};
use super::reporter::{AttachmentBody, CreatedBody, TokenBody};
use crate::crypto::User;
use crate::domain::report::{Identity, Report};
use crate::domain::{Capability, china_time};
use crate::service::cases::{self, Conclusion};
use crate::service::queue::{self, Query};
use crate::service::related::Related;
use crate::service::{ServiceError, disclosure, rewards, sessions, staff_login};
use crate::store::sessions::SessionKind;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::{ApiError, ErrorBody};

/// Deliberately not `Debug`: it carries a password.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct StaffSignIn {
    pub username: String,
    pub password: String,
    /// The 6-digit code of the official's authenticator app.
    pub totp: String,
}

/// Sign in with password and second factor; the answer is a bearer token.
#[utoipa::path(post, path = "/api/v1/staff/session", tag = "staff", request_body = StaffSignIn,
    responses((status = 200, description = "A session token", body = TokenBody),
        (status = 401, description = "Wrong username, password or code", body = ErrorBody),
        (status = 429, description = "Too many attempts for this account; see Retry-After", body = ErrorBody)))]
pub async fn session(
    state: web::Data<AppState>,
    crate::web::client::Client(client): crate::web::client::Client,
    request: web::Json<StaffSignIn>,
) -> Result<HttpResponse, ApiError> {
    let username = request.username.trim().to_ascii_lowercase();
    let attempter = state.limiters.attempter(&username, client);
    state.limiters.staff_login(attempter)?;
    state.limiters.staff_client(client)?;
    let now = unix_now();
    let attempt =
        staff_login::Attempt { attempter, username: &username, password: &request.password, totp: &request.totp };
    let official =
        match staff_login::sign_in(&state.store, &state.lockouts, &state.settings.public_url, attempt, now).await {
            Ok(official) => official,
            Err(staff_login::LoginError::Refused) => return Err(ServiceError::BadCredentials.into()),
            Err(staff_login::LoginError::Locked(seconds)) => {
                return Err(ApiError(crate::web::staff::login::locked_problem(seconds)));
            }
            Err(staff_login::LoginError::Service(e)) => return Err(e.into()),
        };
    let token =
        sessions::start::<User>(&state.store, SessionKind::Staff, &official.user_id, &official.key, now).await?;
    Ok(HttpResponse::Ok()
        .json(TokenBody { token: token.to_text().to_string(), expires_in: sessions::STAFF_IDLE_SECONDS }))
}

/// End this session.
#[utoipa::path(delete, path = "/api/v1/staff/session", tag = "staff", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, description = "No session", body = ErrorBody)))]
pub async fn sign_out(state: web::Data<AppState>, Official(session): Official) -> Result<HttpResponse, ApiError> {
    sessions::end(&state.store, &session.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub reference: String,
    pub kind: String,
    pub category: String,
    pub district: String,
    pub channel: String,
    pub status: String,
    pub department: String,
    pub received_at: i64,
    pub due_at: Option<i64>,
    pub overdue: bool,
    pub escalated: bool,
    pub assignee: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueBody {
    pub total: i64,
    /// More than `total` tips match: a filter on channel, due date or assignee is not counted
    /// beyond 1 000.
    pub more: bool,
    pub page: i64,
    pub pages: i64,
    /// Tips matching the other filters, by status.
    pub counts: std::collections::BTreeMap<String, i64>,
    pub items: Vec<QueueItem>,
}

/// The tips this official may see: metadata only, filtered, paged (50 a page).
#[utoipa::path(get, path = "/api/v1/staff/tips", tag = "staff", params(Query), security(("bearer" = [])),
    responses((status = 200, description = "A page of the queue", body = QueueBody),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "This role has no queue", body = ErrorBody)))]
pub async fn queue_page(
    state: web::Data<AppState>,
    query: web::Query<Query>,
    Official(session): Official,
) -> Result<HttpResponse, ApiError> {
    let now = unix_now();
    let page = queue::list(&state.store, &session.official, &query, now).await?;
    Ok(HttpResponse::Ok().json(QueueBody {
        total: page.total,
        more: page.more,
        page: page.page,
        pages: page.pages,
        counts: page.counts.into_iter().map(|(status, n)| (status.as_str().to_owned(), n)).collect(),
        items: page
            .rows
            .into_iter()
            .map(|r| QueueItem {
                overdue: r.due_at.is_some_and(|d| d < now),
                escalated: r.escalated_at.is_some(),
                reference: r.meta.reference,
                kind: r.meta.kind.as_str().to_owned(),
                category: r.meta.category_code,
                district: r.meta.district_code,
                channel: r.meta.channel.as_str().to_owned(),
                status: r.meta.status.as_str().to_owned(),
                department: r.meta.department_code,
                received_at: r.meta.received_at,
                due_at: r.due_at,
                assignee: r.assignee_id,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LineBody {
    pub author: String,
    pub text: String,
    pub at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CaseBody {
    pub reference: String,
    /// Where the tip stands: `received`, `accepted`, `verifying`, `concluded`, `under_review`,
    /// `closed` or `rejected`.
    pub status: String,
    /// Codes of `GET /api/v1/reference`: the kind, the field of work and the district.
    pub kind: String,
    pub category: String,
    pub district: String,
    /// How it came in: `web`, `qr`, `api`, `hotline`, `letter`, `visit` or `email`.
    pub channel: String,
    /// The code of the department that has it now.
    pub department: String,
    /// Unix seconds, as every time of this API.
    pub received_at: i64,
    /// When the next step is due: acknowledgement, then the verification's end.
    pub due_at: Option<i64>,
    pub assignee: Option<String>,
    pub outcome: Option<String>,
    pub fine_yuan: Option<i64>,
    pub report: Report,
    pub identity_given: bool,
    pub messages: Vec<LineBody>,
    pub notes: Vec<LineBody>,
    pub events: Vec<LineBody>,
    pub attachments: Vec<AttachmentBody>,
    /// The proposal waiting for a head: step, proposer and terms.
    pub proposal: Option<serde_json::Value>,
    /// Other tips on the same company, 统一社会信用代码, address or concealed accident, found
    /// by blind index; `null` when this official holds no matching key.
    pub related: Option<RelatedBody>,
}

/// Candidates, not proof: a shared index means the same value or a chance collision.
#[derive(Serialize, ToSchema)]
pub struct RelatedBody {
    /// The report names nothing to match on.
    pub nothing_to_match: bool,
    /// Tips of this official's queue.
    pub listed: Vec<RelatedTipBody>,
    /// Tips outside it: a count per department and status.
    pub elsewhere: Vec<ElsewhereBody>,
}

#[derive(Serialize, ToSchema)]
pub struct RelatedTipBody {
    pub reference: String,
    pub department: String,
    pub status: String,
    /// What it shares: `company`, `credit_code`, `address`, `accident`.
    pub shares: Vec<String>,
    /// This official may open it.
    pub openable: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ElsewhereBody {
    pub department: String,
    pub status: String,
    pub count: usize,
}

impl RelatedBody {
    fn of(related: Related) -> Option<RelatedBody> {
        let Related::Found { nothing_to_match, listed, elsewhere } = related else { return None };
        Some(RelatedBody {
            nothing_to_match,
            listed: listed
                .into_iter()
                .map(|t| RelatedTipBody {
                    reference: t.reference,
                    department: t.department_code,
                    status: t.status.as_str().to_owned(),
                    shares: t.fields.iter().map(|f| f.label().to_owned()).collect(),
                    openable: t.openable,
                })
                .collect(),
            elsewhere: elsewhere
                .into_iter()
                .map(|e| ElsewhereBody {
                    department: e.department_code,
                    status: e.status.as_str().to_owned(),
                    count: e.count,
                })
                .collect(),
        })
    }
}

/// One tip, decrypted with the official's keys; 403 when they hold none that opens it.
#[utoipa::path(get, path = "/api/v1/staff/tips/{reference}", tag = "staff", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference")),
    responses((status = 200, description = "The case", body = CaseBody),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "Not this official's to read", body = ErrorBody),
        (status = 404, description = "No such tip", body = ErrorBody)))]
pub async fn case(
    state: web::Data<AppState>,
    OfficialTip(session, reference): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    let data = state.reference.get().await?;
    let d = cases::dossier(&state.store, &session.official, &reference, &data.places, unix_now()).await?;
    let (tip, w) = (&d.case.opened.tip, &d.case.workflow);
    Ok(HttpResponse::Ok().json(CaseBody {
        reference: tip.reference.clone(),
        status: w.status.as_str().to_owned(),
        kind: tip.kind.as_str().to_owned(),
        category: tip.category_code.clone(),
        district: tip.district_code.clone(),
        channel: tip.channel.as_str().to_owned(),
        department: w.department_code.clone(),
        received_at: tip.received_at,
        due_at: w.due_at,
        assignee: w.assignee_id.clone(),
        outcome: w.outcome.map(|o| o.as_str().to_owned()),
        fine_yuan: w.fine_yuan,
        report: d.case.opened.report.clone(),
        identity_given: d.identity_given,
        messages: d
            .messages
            .into_iter()
            .map(|m| LineBody { author: m.author.as_str().to_owned(), text: m.body, at: m.at })
            .collect(),
        notes: d.notes.into_iter().map(|(who, text, at)| LineBody { author: who, text, at }).collect(),
        events: d
            .events
            .into_iter()
            .map(|e| LineBody {
                author: e.actor_id.unwrap_or_default(),
                text: match e.detail {
                    Some(d) => format!("{} {d}", e.kind.as_str()),
                    None => e.kind.as_str().to_owned(),
                },
                at: e.at,
            })
            .collect(),
        attachments: d.files.into_iter().map(AttachmentBody::from).collect(),
        proposal: d
            .proposal
            .map(|p| serde_json::json!({"step": p.step.as_str(), "proposed_by": p.proposed_by, "terms": p.terms})),
        related: RelatedBody::of(d.related),
    }))
}

/// An action on a tip. `action` is one of `accept`, `assign` (`to`, or none for oneself),
/// `start_verification`, `transfer` (`to`: a department code), `propose_rejection`
/// (`reason`), `propose_extension` (`days`, `reason`), `propose_conclusion` (`conclusion`),
/// `approve`, `deny` (`reason`), `link_duplicate` (`of`: a reference), `close`, `note`
/// (`body`), `reply` (`body`, to the reporter), `conclude_review` (`body`: the answer to the
/// reporter's objection; `conclusion`: revised terms, or none to uphold).
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActionRequest {
    pub action: String,
    pub body: String,
    pub reason: String,
    pub to: String,
    pub days: i64,
    pub conclusion: Option<Conclusion>,
    pub of: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatusBody {
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/staff/tips/{reference}/actions", tag = "staff", request_body = ActionRequest, security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference")),
    responses((status = 200, description = "Done; the tip's status now", body = StatusBody),
        (status = 403, description = "This official may not", body = ErrorBody),
        (status = 409, description = "Not possible in the tip's state", body = ErrorBody),
        (status = 422, description = "Missing or wrong terms", body = ErrorBody)))]
pub async fn act(
    state: web::Data<AppState>,
    request: web::Json<ActionRequest>,
    OfficialTip(session, reference): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    let r = request.into_inner();
    let action = crate::web::staff::case::action_of(&r.action, &r.body, &r.reason, &r.to, r.days, r.conclusion, &r.of)?;
    cases::act(&state.store, &state.settings.public_url, &session.official, &reference, action, unix_now()).await?;
    let status = cases::open(&state.store, &session.official, &reference)
        .await
        .map(|c| c.workflow.status.as_str().to_owned())
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(StatusBody { status }))
}

/// Streams one piece of evidence, decrypted.
#[utoipa::path(get, path = "/api/v1/staff/tips/{reference}/attachments/{id}", tag = "staff", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference"), ("id" = String, Path, description = "The attachment")),
    responses((status = 200, description = "The file, decrypted"), (status = 403, description = "Not this official's", body = ErrorBody)))]
pub async fn attachment(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    OfficialTip(session, reference): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    crate::web::staff::case::download(&state, &session.official, &reference, &path.1, jubao_templates::Lang::En)
        .await
        .map_err(ApiError)
}

#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DisclosureRequest {
    pub reason: String,
}

/// A head asks a custodian for the reporter's identity.
#[utoipa::path(post, path = "/api/v1/staff/tips/{reference}/disclosure", tag = "staff", request_body = DisclosureRequest, security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference")),
    responses((status = 201, description = "Requested", body = CreatedBody),
        (status = 403, description = "Not a head of the tip's department", body = ErrorBody)))]
pub async fn request_identity(
    state: web::Data<AppState>,
    request: web::Json<DisclosureRequest>,
    OfficialTip(session, reference): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    let id = disclosure::request(
        &state.store,
        &state.settings.public_url,
        &session.official,
        &reference,
        &request.reason,
        unix_now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(CreatedBody { id }))
}

/// The reporter's identity, once a custodian approved its disclosure to this official.
#[utoipa::path(get, path = "/api/v1/staff/tips/{reference}/identity", tag = "staff", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference")),
    responses((status = 200, description = "The identity", body = Identity),
        (status = 403, description = "Not disclosed to this official", body = ErrorBody)))]
pub async fn identity(
    state: web::Data<AppState>,
    OfficialTip(who, tip): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    let identity: Identity = disclosure::read(&state.store, &who.official, &tip, unix_now()).await?;
    Ok(HttpResponse::Ok().json(identity))
}

#[derive(Serialize, ToSchema)]
pub struct DisclosureItem {
    pub id: String,
    pub reference: String,
    pub requested_by: String,
    pub reason: String,
    pub requested_at: String,
}

/// Open disclosure requests (custodians).
#[utoipa::path(get, path = "/api/v1/staff/disclosures", tag = "staff", security(("bearer" = [])),
    responses((status = 200, description = "Requests waiting", body = Vec<DisclosureItem>),
        (status = 403, description = "Not a custodian", body = ErrorBody)))]
pub async fn disclosures(state: web::Data<AppState>, Official(session): Official) -> Result<HttpResponse, ApiError> {
    let items: Vec<DisclosureItem> = disclosure::open_requests(&state.store, &session.official)
        .await?
        .into_iter()
        .map(|r| DisclosureItem {
            id: r.id,
            reference: r.reference,
            requested_by: r.requested_by,
            reason: r.reason,
            requested_at: china_time::minute_string(r.requested_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DecisionRequest {
    pub approve: bool,
}

/// A custodian decides a disclosure request.
#[utoipa::path(post, path = "/api/v1/staff/disclosures/{id}", tag = "staff", request_body = DecisionRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "The request")),
    responses((status = 204, description = "Decided"),
        (status = 403, description = "Not a custodian", body = ErrorBody),
        (status = 409, description = "Decided already", body = ErrorBody)))]
pub async fn decide(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: web::Json<DecisionRequest>,
    Official(session): Official,
) -> Result<HttpResponse, ApiError> {
    if !session.can(Capability::DecideDisclosures) {
        return Err(super::forbidden("staff-only-custodian-decides-disclosures").into());
    }
    disclosure::decide(&state.store, &state.settings.public_url, &session.official, &path, request.approve, unix_now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct QuoteBody {
    pub policy_version: i64,
    /// What the amount is computed from, e.g. `fine=100000` or `grade=larger deaths=4`.
    pub basis: String,
    pub computed_yuan: Option<i64>,
    /// Why nothing could be computed.
    pub computed_error: Option<String>,
    pub eligible: bool,
    pub ineligible_zh: Option<String>,
    pub ineligible_en: Option<String>,
}

/// A reward as the tip's officials see it: amounts, people, dates; never payout details.
#[derive(Serialize, ToSchema)]
pub struct RewardBody {
    pub status: String,
    pub computed_yuan: i64,
    pub amount_yuan: i64,
    pub proposed_by: String,
    /// Heads who must approve: 2 when the amount is above the computed one.
    pub approvals_required: u8,
    /// The first of two heads, while the reward waits for the second.
    pub first_approved_by: Option<String>,
    pub approved_by: Option<String>,
    pub authorised_by: Option<String>,
    pub claim_due_at: Option<i64>,
    pub claim_method: Option<String>,
    pub paid_at: Option<i64>,
    pub extension_requested: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CaseRewardBody {
    pub quote: QuoteBody,
    pub reward: Option<RewardBody>,
}

/// What the reward policy gives a concluded tip, whether it qualifies, and its reward so far.
#[utoipa::path(get, path = "/api/v1/staff/tips/{reference}/reward", tag = "staff", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference")),
    responses((status = 200, description = "The quote and the reward", body = CaseRewardBody),
        (status = 403, description = "Not an official of the tip's department, or no such tip (the same answer)", body = ErrorBody)))]
pub async fn case_reward(
    state: web::Data<AppState>,
    OfficialTip(session, reference): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    let case = rewards::open_case(&state.store, &session.official, &reference).await?;
    let quote = rewards::quote(&state.store, &case).await?;
    let reward = rewards::for_case(&state.store, &case.opened.tip.id).await?;
    Ok(HttpResponse::Ok().json(CaseRewardBody {
        quote: QuoteBody {
            policy_version: quote.policy_version,
            basis: quote.basis,
            computed_yuan: quote.computed.as_ref().ok().map(|y| y.0),
            computed_error: quote.computed.err(),
            eligible: quote.eligible.is_ok(),
            ineligible_zh: quote.eligible.err().map(|w| w.msg().render(Lang::Zh)),
            ineligible_en: quote.eligible.err().map(|w| w.msg().render(Lang::En)),
        },
        reward: reward.map(|r| RewardBody {
            extension_requested: r.extension_requested_at.is_some() && r.extension_decided_at.is_none(),
            status: r.status.as_str().to_owned(),
            computed_yuan: r.computed_yuan,
            amount_yuan: r.amount_yuan,
            proposed_by: r.proposed_by,
            approvals_required: crate::domain::reward::heads_needed(r.computed_yuan, r.amount_yuan),
            first_approved_by: r.first_approved_by,
            approved_by: r.approved_by,
            authorised_by: r.authorised_by,
            claim_due_at: r.claim_due_at,
            claim_method: r.claim_method,
            paid_at: r.paid_at,
        }),
    }))
}

/// A step of the reward track. `step` is `propose` (`amount_yuan`, or none for the computed
/// amount; `reason` when it differs; never above the policy's ceiling), `approve` or
/// `approve_extension` (a head of the tip's department; an amount above the computed one needs
/// two heads in turn), `authorise` or `pay` (`payment_reference`; `receipt_code` for a reward
/// collected in person) by finance. Each step is taken by someone who took none before it, and
/// who is an active holder of the key group behind it.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RewardStepRequest {
    pub step: String,
    pub amount_yuan: Option<i64>,
    pub reason: String,
    pub payment_reference: String,
    pub receipt_code: String,
}

#[utoipa::path(post, path = "/api/v1/staff/tips/{reference}/reward", tag = "staff", request_body = RewardStepRequest, security(("bearer" = [])),
    params(("reference" = String, Path, description = "The tip's reference")),
    responses((status = 204, description = "Done"),
        (status = 403, description = "This official may not (or is not yet admitted to the key group), took the step before, the amount is above the policy's ceiling, or no such tip", body = ErrorBody),
        (status = 409, description = "Not possible in the reward's state, or the tip does not qualify", body = ErrorBody),
        (status = 422, description = "Missing or wrong terms", body = ErrorBody)))]
pub async fn reward_step(
    state: web::Data<AppState>,
    request: web::Json<RewardStepRequest>,
    OfficialTip(session, reference): OfficialTip,
) -> Result<HttpResponse, ApiError> {
    let r = request.into_inner();
    match r.step.as_str() {
        "authorise" | "pay" => {
            crate::web::staff::finance::finance_step(
                &state,
                &session.official,
                &reference,
                &r.step,
                &r.payment_reference,
                &r.receipt_code,
            )
            .await?;
        }
        _ => {
            crate::web::staff::case::reward_step(
                &state,
                &session.official,
                &reference,
                &r.step,
                r.amount_yuan,
                &r.reason,
            )
            .await?
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct FinanceItemBody {
    pub reference: String,
    pub status: String,
    pub amount_yuan: i64,
    pub claim_due_at: Option<i64>,
    pub claim_method: Option<String>,
    /// Only for a reward claimed to a bank account; only finance receives it.
    pub payout: Option<crate::domain::report::PayoutDetails>,
    pub payment_reference: Option<String>,
    pub paid_at: Option<i64>,
}

/// Finance's rewards: reference, amount, deadline and — for claimed rewards — the payout
/// details. No tip content.
#[utoipa::path(get, path = "/api/v1/staff/rewards", tag = "staff", security(("bearer" = [])),
    responses((status = 200, description = "The rewards finance handles", body = Vec<FinanceItemBody>),
        (status = 403, description = "Not finance", body = ErrorBody)))]
pub async fn rewards_queue(state: web::Data<AppState>, Official(session): Official) -> Result<HttpResponse, ApiError> {
    let items: Vec<FinanceItemBody> = rewards::finance_queue(&state.store, &session.official, unix_now())
        .await?
        .into_iter()
        .map(|i| FinanceItemBody {
            reference: i.reference,
            status: i.status.as_str().to_owned(),
            amount_yuan: i.amount,
            claim_due_at: i.claim_due_at,
            claim_method: i.method,
            payout: i.payout,
            payment_reference: i.payment_reference,
            paid_at: i.paid_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Payments as CSV: reference, amount, date, payment reference — no identity fields.
#[utoipa::path(get, path = "/api/v1/staff/rewards/payments.csv", tag = "staff", security(("bearer" = [])),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
        (status = 403, description = "Not finance", body = ErrorBody)))]
pub async fn payments_csv(state: web::Data<AppState>, Official(session): Official) -> Result<HttpResponse, ApiError> {
    let csv = rewards::payments_csv(&state.store, &session.official).await?;
    Ok(crate::web::staff::finance::csv_response(csv))
}

/// How far back the repeats look.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct RepeatsQuery {
    /// Days before now, 1 to 3650 (default 90).
    pub days: Option<u32>,
}

/// A value shared by several tips: opaque (`field` and four hexadecimal digits); a name is
/// learnt only by opening one of its tips.
#[derive(Serialize, ToSchema)]
pub struct RepeatBody {
    /// `company`, `credit_code`, `address` or `accident`.
    pub field: String,
    pub value: String,
    pub tips: Vec<RelatedTipBody>,
}

/// The companies, codes, addresses and accidents reported most often (oversight, holding the
/// matching key); the lookup is audited.
#[utoipa::path(get, path = "/api/v1/staff/related", tag = "staff", params(RepeatsQuery), security(("bearer" = [])),
    responses((status = 200, description = "Values shared by two or more tips, most first", body = [RepeatBody]),
        (status = 400, description = "Days out of range", body = ErrorBody),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "Not oversight, or not holding the matching key", body = ErrorBody)))]
pub async fn repeats(
    state: web::Data<AppState>,
    query: web::Query<RepeatsQuery>,
    Official(session): Official,
) -> Result<HttpResponse, ApiError> {
    let days = i64::from(query.days.unwrap_or(90));
    if !(1..=3650).contains(&days) {
        return Err(crate::service::bad_input("related-days-range").into());
    }
    let now = unix_now();
    let since = now - days * crate::domain::china_time::DAY;
    let found = crate::service::related::repeats(&state.store, &session.official, since, now).await?;
    let body: Vec<RepeatBody> = found
        .into_iter()
        .map(|r| RepeatBody {
            field: r.field.label().to_owned(),
            value: format!("{:04X}", r.value),
            tips: r
                .tips
                .into_iter()
                .map(|t| RelatedTipBody {
                    openable: session.official.works_in(&t.department_code),
                    reference: t.reference,
                    department: t.department_code,
                    status: t.status.as_str().to_owned(),
                    shares: vec![r.field.label().to_owned()],
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
