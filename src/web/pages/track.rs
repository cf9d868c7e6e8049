//! Following a report: `GET/POST /track` (the receipt), `GET /track/status`, and from there
//! messages, evidence and sign-out. The session lives in a cookie for `/track` only; every
//! form carries a token derived from it.

use actix_multipart::Multipart;
use actix_web::FromRequest;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use jubao_templates::Lang;
use jubao_templates::form::Errors;
use jubao_templates::track::{ClaimDraft, FileView, MessageView, RewardView, StatusView};
use serde::Deserialize;

use crate::crypto::Reporter;
use crate::crypto::receipt::QueryCode;
use crate::domain::report::PayoutDetails;
use crate::domain::{DeadlineStep, EventKind, TipReference, china_time, validation};
use crate::service::rewards::{self, Claim};
use crate::service::{ServiceError, cases, conversation, reporter, sessions, tips};
use crate::store::messages::Author;
use crate::store::sessions::SessionKind;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::auth::{self, ReporterSession, csrf_matches, csrf_token, expired_reporter_cookie, reporter_cookie};
use crate::web::client::Client;
use crate::web::error::{PageError, Problem, limited_page, with_retry_after};
use crate::web::lang::PageLang;
use crate::web::upload::{self, Checks};

fn html(status: StatusCode, markup: maud::Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string())
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, to)).finish()
}

pub async fn form(state: web::Data<AppState>, req: HttpRequest, PageLang(lang): PageLang) -> HttpResponse {
    let token = auth::form_token(&req, state.settings.public_url.is_https());
    token.attach(html(StatusCode::OK, jubao_templates::track::form(lang, "", &Errors::default(), &token.csrf)))
}

/// Not `Debug`: it carries a query code.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    csrf: String,
    reference: String,
    query_code: String,
}

pub async fn open(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    Client(client): Client,
    form: web::Form<ReceiptForm>,
) -> Result<HttpResponse, PageError> {
    let token = auth::form_token(&req, state.settings.public_url.is_https());
    let page = |status, reference: &str, errors: Vec<(String, String)>| {
        token.attach(html(status, jubao_templates::track::form(lang, reference, &Errors(errors), &token.csrf)))
    };
    if !auth::form_token_matches(&req, &form.csrf) {
        let message = lang.tr("track-page-has-expired-enter-reference");
        return Ok(page(StatusCode::FORBIDDEN, &form.reference, vec![("reference".to_owned(), message.to_owned())]));
    }
    let mut errors = Vec::new();
    let reference = TipReference::parse(&form.reference);
    if reference.is_none() {
        errors.push(("reference".to_owned(), lang.tr("track-reference-has-10-letters-digits").to_owned()));
    }
    let code = QueryCode::parse(&form.query_code);
    if code.is_none() {
        errors.push(("query_code".to_owned(), lang.tr("track-query-code-has-20-digits").to_owned()));
    }
    let (Some(reference), Some(code)) = (reference, code) else {
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &form.reference, errors));
    };
    if let Err(limited) = state.limiters.receipt(client, reference.as_str()) {
        return Ok(limited_page(lang, limited));
    }
    let view = match tips::open_for_reporter(&state.store, &reference, code).await {
        Ok(view) => view,
        Err(ServiceError::BadCredentials) => {
            let message = lang.tr("reporter-reference-query-code-wrong");
            return Ok(page(
                StatusCode::UNAUTHORIZED,
                reference.as_str(),
                vec![("query_code".to_owned(), message.to_owned())],
            ));
        }
        Err(e @ ServiceError::Overloaded { .. }) => {
            let problem = Problem::from(e);
            let errors = vec![("reference".to_owned(), problem.message(lang).to_owned())];
            return Ok(with_retry_after(page(problem.status, reference.as_str(), errors), &problem));
        }
        Err(e) => return Err(PageError { problem: e.into(), lang }),
    };
    let token =
        sessions::start::<Reporter>(&state.store, SessionKind::Reporter, &view.tip.id, &view.reporter, unix_now())
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(HttpResponse::SeeOther()
        .cookie(reporter_cookie(&token, state.settings.public_url.is_https()))
        .insert_header((LOCATION, "/track/status"))
        .finish())
}

/// The reporter's session, or the answer that sends them to the receipt form.
/// The reporter signed in on the tracking pages. Without a session (or after it ended) the
/// browser goes back to `/track` to sign in with the receipt.
pub struct Reporting(pub ReporterSession);

impl FromRequest for Reporting {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let lang = crate::web::lang::lang_of(&req);
            let state =
                req.app_data::<web::Data<AppState>>().ok_or(PageError { problem: Problem::internal(), lang })?;
            match auth::reporter(state, auth::reporter_cookie_token(&req)).await {
                Ok(Some(session)) => Ok(Reporting(session)),
                Ok(None) => {
                    let expired = expired_reporter_cookie(state.settings.public_url.is_https());
                    Err(auth::SignInFirst { to: "/track", expired }.into())
                }
                Err(e) => Err(PageError { problem: e.into(), lang }.into()),
            }
        })
    }
}

/// The form came with the token of this session, or the page has expired.
fn fresh(session: &ReporterSession, given: &str, lang: Lang) -> Result<(), PageError> {
    if csrf_matches(&session.token, given) { Ok(()) } else { Err(expired(lang)) }
}

#[derive(Default)]
struct Extra {
    notice: Option<String>,
    errors: Errors,
    draft: String,
    claim: ClaimDraft,
}

/// The dates ahead, named in the page language.
fn deadline_lines(ahead: Vec<(reporter::Ahead, i64)>, lang: Lang) -> Vec<(String, String)> {
    ahead
        .into_iter()
        .map(|(what, on)| {
            let what = match what {
                reporter::Ahead::Acknowledge => lang.tr("track-accepted"),
                reporter::Ahead::Destroy => lang.tr("track-destroyed"),
            };
            (what.to_owned(), china_time::date_string(on))
        })
        .collect()
}

/// The reward as the reporter reads it.
fn reward_view(r: rewards::ReporterReward, lang: Lang) -> RewardView {
    RewardView {
        status: lang.tr(r.status.key()).to_owned(),
        amount: r.amount_yuan,
        due: r.claim_due_at.map(china_time::date_string).unwrap_or_default(),
        method: r
            .method
            .map(|m| if m == "bank" { lang.tr("track-bank-transfer") } else { lang.tr("track-person") }.to_owned()),
        can_claim: r.can_claim,
        can_ask_more_time: r.can_ask_more_time,
        asked_more_time: r.extension_requested,
    }
}

fn message_view(m: conversation::Message) -> MessageView {
    MessageView { from_reporter: m.author == Author::Reporter, body: m.body, at: china_time::minute_string(m.at) }
}

fn file_view(f: conversation::AttachmentInfo, lang: Lang) -> FileView {
    FileView {
        name: f.name(lang),
        cleaning: lang.tr(f.cleaning.key()).to_owned(),
        kind: f.content_type,
        size: jubao_templates::size_text(f.size),
        at: china_time::minute_string(f.at),
    }
}

async fn status_page(
    state: &AppState,
    lang: Lang,
    s: &ReporterSession,
    extra: Extra,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let page_error = |e: ServiceError| PageError { problem: e.into(), lang };
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let zh = lang == Lang::Zh;
    let tip = &s.view.tip;
    let report = &s.view.report;
    let acknowledge_days = data.days(DeadlineStep::Acknowledge);
    let days = state.settings.retention.days_after_closure;
    let shown =
        reporter::status(&state.store, &s.view, acknowledge_days, days, unix_now()).await.map_err(page_error)?;
    let reporter::Status { messages, files, identity_given, events, deadlines: ahead, after } = shown;
    let (status_word, explained) = tip.status.words();
    let deadlines = deadline_lines(ahead, lang);
    let eligibility = after.eligible.map(|e| match e {
        Ok(()) => lang.tr("track-your-report-meets-conditions-reward").to_owned(),
        Err(why) => format!("{}{}", lang.tr("track-no-reward"), why.msg().render(lang)),
    });
    let reward = after.reward.map(|r| reward_view(r, lang));
    let sentence = |e: &crate::service::cases::Event| {
        let at = china_time::minute_string(e.at);
        let what = jubao_templates::events::sentence(
            e.kind.words(),
            jubao_templates::events::Reader::Reporter,
            e.detail.as_deref(),
            &at,
            lang,
            &|c| data.department_name(c, zh),
        );
        (at, what)
    };
    // After a disclosure the identity line says so: to whom, when and why.
    let identity_disclosed =
        events.iter().rev().find(|e| e.kind == EventKind::IdentityDisclosed).map(|e| sentence(e).1);
    let view = StatusView {
        reference: tip.reference.clone(),
        status: lang.tr(status_word).to_owned(),
        status_explained: lang.tr(explained).to_owned(),
        kind: data.kind_name(tip.kind.as_str(), zh),
        category: data.category_name(&tip.category_code, zh),
        district: data.district_name(&tip.district_code, zh),
        received: china_time::minute_string(tip.received_at),
        deadlines,
        events: events.iter().map(sentence).collect(),
        told: report.told(),
        messages: messages.into_iter().map(message_view).collect(),
        files: files.into_iter().map(|f| file_view(f, lang)).collect(),
        identity_given,
        identity_disclosed,
        notice: extra.notice,
        errors: extra.errors,
        message_draft: extra.draft,
        csrf: csrf_token(&s.token),
        max_file_mb: state.settings.limits.max_upload_bytes.get().div_ceil(1024 * 1024),
        eligibility,
        reward,
        objection_until: after.objection_until.map(china_time::date_string),
        claim: extra.claim,
    };
    Ok(html(status, jubao_templates::track::status(lang, &view)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusQuery {
    done: String,
}

pub async fn status(
    state: web::Data<AppState>,
    Reporting(session): Reporting,
    PageLang(lang): PageLang,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_str() {
        "message" => Some(lang.tr("track-your-message-has-been-sent").to_owned()),
        "files" => Some(lang.tr("track-your-evidence-has-been-uploaded").to_owned()),
        "claim" => Some(lang.tr("track-your-claim-finance-will-pay").to_owned()),
        "extension" => Some(lang.tr("track-you-have-asked-more-time").to_owned()),
        "objection" => Some(lang.tr("track-your-objection-will-reviewed-within").to_owned()),
        _ => None,
    };
    status_page(&state, lang, &session, Extra { notice, ..Extra::default() }, StatusCode::OK).await
}

/// Not `Debug`: it carries the reporter's words.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    csrf: String,
    body: String,
}

fn expired(lang: Lang) -> PageError {
    PageError { problem: Problem::new(StatusCode::FORBIDDEN, "bad_form_token", "track-page-has-expired-go-back"), lang }
}

pub async fn message(
    state: web::Data<AppState>,
    Reporting(session): Reporting,
    PageLang(lang): PageLang,
    form: web::Form<MessageForm>,
) -> Result<HttpResponse, PageError> {
    fresh(&session, &form.csrf, lang)?;
    let body = match validation::validate_message(&form.body) {
        Ok(body) => body,
        Err(e) => {
            let extra = Extra {
                notice: None,
                errors: Errors(vec![(e.field.to_owned(), e.msg.render(lang))]),
                draft: form.body.clone(),
                ..Extra::default()
            };
            return status_page(&state, lang, &session, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let per_day = state.settings.limits.messages_per_tip_per_day.get();
    match conversation::send_from_reporter(&state.store, &session.view.tip, &body, per_day, unix_now()).await {
        Ok(_) => Ok(see_other("/track/status?done=message")),
        // The message comes back, with when it can be sent.
        Err(e @ ServiceError::Quota { .. }) => {
            let problem = Problem::from(e);
            let extra = Extra {
                notice: None,
                errors: Errors(vec![("body".to_owned(), problem.message(lang).to_owned())]),
                draft: form.body.clone(),
                ..Extra::default()
            };
            let page = status_page(&state, lang, &session, extra, problem.status).await?;
            Ok(with_retry_after(page, &problem))
        }
        Err(e) => Err(PageError { problem: e.into(), lang }),
    }
}

pub async fn attach(
    state: web::Data<AppState>,
    Reporting(session): Reporting,
    req: HttpRequest,
    PageLang(lang): PageLang,
    multipart: Multipart,
) -> Result<HttpResponse, PageError> {
    let check = |given: &str| csrf_matches(&session.token, given);
    let client = crate::web::client::of_request(&req, &state.settings.trusted_proxies);
    let checks = Checks { csrf: Some(&check), keep_original: false, client };
    match upload::receive(&state, &session.view.tip, multipart, Author::Reporter, checks).await {
        Ok(_) => Ok(see_other("/track/status?done=files")),
        Err(problem) if problem.code == "bad_form_token" => Err(expired(lang)),
        Err(problem) => {
            let extra = Extra {
                notice: None,
                errors: Errors(vec![("file".to_owned(), problem.message(lang).to_owned())]),
                ..Extra::default()
            };
            status_page(&state, lang, &session, extra, problem.status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignOutForm {
    csrf: String,
}

pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<SignOutForm>,
) -> Result<HttpResponse, PageError> {
    if let Some(token) = auth::reporter_cookie_token(&req) {
        if !csrf_matches(&token, &form.csrf) {
            return Err(expired(lang));
        }
        sessions::end(&state.store, &token).await.map_err(|e| PageError { problem: e.into(), lang })?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(expired_reporter_cookie(state.settings.public_url.is_https()))
        .insert_header((LOCATION, "/"))
        .finish())
}

/// Not `Debug`: it carries payout details.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RewardForm {
    csrf: String,
    action: String,
    method: String,
    name: String,
    id_number: String,
    bank: String,
    account: String,
    reason: String,
}

/// A service refusal shown on the status page, next to the form it concerns.
fn refusal(e: ServiceError, field: &str, lang: Lang) -> Result<Errors, PageError> {
    match e {
        e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_)) => {
            let problem: Problem = e.into();
            Ok(Errors(vec![(field.to_owned(), problem.message(lang).to_owned())]))
        }
        other => Err(PageError { problem: other.into(), lang }),
    }
}

/// `POST /track/reward`: claim the reward (to a bank account or in person), or ask for more time.
pub async fn reward(
    state: web::Data<AppState>,
    Reporting(session): Reporting,
    PageLang(lang): PageLang,
    form: web::Form<RewardForm>,
) -> Result<HttpResponse, PageError> {
    fresh(&session, &form.csrf, lang)?;
    let form = form.into_inner();
    let draft = ClaimDraft {
        method: form.method.clone(),
        name: form.name.clone(),
        id_number: form.id_number.clone(),
        bank: form.bank.clone(),
        account: form.account.clone(),
        reason: form.reason.clone(),
    };
    let again = |errors: Errors, claim: ClaimDraft| Extra { errors, claim, ..Extra::default() };
    let (result, done, field) = match form.action.as_str() {
        "claim" => {
            let claim = match form.method.as_str() {
                "in_person" => Claim::InPerson,
                "bank" => {
                    let details = PayoutDetails {
                        name: form.name,
                        id_number: form.id_number,
                        bank: form.bank,
                        account: form.account,
                    };
                    match validation::validate_payout(&details) {
                        Ok(details) => Claim::Bank(details),
                        Err(errors) => {
                            let errors = errors.into_iter().map(|e| (e.field.to_owned(), e.msg.render(lang)));
                            let extra = again(Errors(errors.collect()), draft);
                            return status_page(&state, lang, &session, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
                        }
                    }
                }
                _ => {
                    let message = lang.tr("track-choose-how-receive-reward").to_owned();
                    let extra = again(Errors(vec![("method".to_owned(), message)]), draft);
                    return status_page(&state, lang, &session, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            };
            let result =
                rewards::claim(&state.store, &state.settings.public_url, &session.view, claim, unix_now()).await;
            (result, "claim", "method")
        }
        "extension" => {
            if let Err(e) = validation::validate_message(&form.reason) {
                let extra = again(Errors(vec![("reason".to_owned(), e.msg.render(lang))]), draft);
                return status_page(&state, lang, &session, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            let result = rewards::request_extension(
                &state.store,
                &state.settings.public_url,
                &session.view,
                &form.reason,
                unix_now(),
            )
            .await;
            (result, "extension", "reason")
        }
        _ => {
            return Err(PageError { problem: Problem::bad_request("unknown_action", "track-unknown-action"), lang });
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/track/status?done={done}"))),
        Err(e) => {
            let errors = refusal(e, field, lang)?;
            status_page(&state, lang, &session, again(errors, draft), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ObjectionForm {
    csrf: String,
    objection: String,
}

/// `POST /track/objection`: the reporter disagrees with the conclusion.
pub async fn objection(
    state: web::Data<AppState>,
    Reporting(session): Reporting,
    PageLang(lang): PageLang,
    form: web::Form<ObjectionForm>,
) -> Result<HttpResponse, PageError> {
    fresh(&session, &form.csrf, lang)?;
    if let Err(e) = validation::validate_message(&form.objection) {
        let extra = Extra { errors: Errors(vec![("objection".to_owned(), e.msg.render(lang))]), ..Extra::default() };
        return status_page(&state, lang, &session, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match cases::object(&state.store, &state.settings.public_url, &session.view, &form.objection, unix_now()).await {
        Ok(()) => Ok(see_other("/track/status?done=objection")),
        Err(e) => {
            let extra = Extra { errors: refusal(e, "objection", lang)?, ..Extra::default() };
            status_page(&state, lang, &session, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
