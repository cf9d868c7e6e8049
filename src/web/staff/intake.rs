//! `GET/POST /staff/intake`: the hotline desk. An intake official enters a tip received by
//! phone, letter, visit or email on behalf of the caller, validated as the public form is
//! and filed through the same service as `POST /api/v1/staff/tips`; the receipt is shown
//! once, in the answer to the post, to be read out. Every form carries a one-time mark: the
//! same form sent again (a refresh) files nothing and says it was filed. The desk never
//! shows the queue or any tip.

use jubao_templates::i18n::Msg;
use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::desk::{DeskForm, DeskReceipt};
use jubao_templates::form::Errors;
use jubao_templates::report::Values;
use serde::Deserialize;

use super::{Page, check_csrf, html};
use crate::domain::validation::Choices;
use crate::domain::{Channel, Role, china_time};
use crate::service::ServiceError;
use crate::service::tips::{self, NewTip};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;
use crate::web::pages::report::{FormBody, choices, errors_in, readiness};

/// How long a used mark is remembered: longer than any refresh of a receipt page.
const REMEMBER_SECONDS: i64 = 24 * 60 * 60;

/// The marks of forms already filed, with when. In memory, each instance its own: a refresh
/// goes back to the instance that answered the post.
#[derive(Default)]
pub struct Nonces(Mutex<HashMap<String, i64>>);

impl Nonces {
    /// Takes the mark for one filing: `false` when it was taken already.
    pub fn claim(&self, key: &str, now: i64) -> bool {
        let mut used = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        used.retain(|_, at| now - *at < REMEMBER_SECONDS);
        if used.contains_key(key) {
            return false;
        }
        used.insert(key.to_owned(), now);
        true
    }

    /// Gives the mark back when nothing was filed with it.
    pub fn release(&self, key: &str) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }
}

/// A fresh mark for a form: 16 random bytes.
fn new_nonce() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

/// The desk form as posted: the public form's fields plus the channel, the form token and
/// the one-time mark. Not `Debug`: it carries what the caller said.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DeskBody {
    csrf: String,
    nonce: String,
    channel: String,
    #[serde(flatten)]
    tip: FormBody,
}

fn channel_of(code: &str) -> Option<Channel> {
    match code {
        "hotline" => Some(Channel::Hotline),
        "letter" => Some(Channel::Letter),
        "visit" => Some(Channel::Visit),
        "email" => Some(Channel::Email),
        _ => None,
    }
}

fn title(lang: Lang) -> &'static str {
    lang.tr("intake-file-tip")
}

struct Draft {
    values: Values,
    channel: String,
    nonce: String,
}

async fn form_page(
    state: &AppState,
    page: &Page,
    draft: Draft,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let (open, identity_available) = readiness(state).await.map_err(|e| PageError { problem: e.into(), lang })?;
    let (kinds, categories, districts) = choices(lang, &data);
    let form = DeskForm {
        kinds,
        categories,
        districts,
        values: draft.values,
        channel: draft.channel,
        errors,
        identity_available,
        open,
        nonce: draft.nonce,
    };
    let markup = jubao_templates::desk::form(&page.frame(title(lang), "/staff/intake"), &form);
    let mut answer = html(status, markup);
    answer.headers_mut().insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    Ok(answer)
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Intake]);
    let draft = Draft { values: Values::default(), channel: "hotline".to_owned(), nonce: new_nonce() };
    form_page(&state, &page, draft, Errors::default(), StatusCode::OK).await
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<DeskBody>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Intake]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let nonce = form.nonce.trim();
    if nonce.is_empty() || nonce.len() > 64 {
        return Err(super::bad_token(lang));
    }
    let draft = || Draft { values: form.tip.values(), channel: form.channel.clone(), nonce: nonce.to_owned() };
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let now = unix_now();
    let choices = Choices { categories: &data.categories, districts: &data.districts };
    let channel = channel_of(&form.channel);
    let mut validated = form.tip.tip_input().validate(&choices, china_time::date(now));
    if channel.is_none() {
        let error = crate::domain::validation::FieldError {
            field: "channel",
            msg: Msg::new("intake-choose-how-received-telephone-letter"),
        };
        validated = Err(std::iter::once(error).chain(validated.err().unwrap_or_default()).collect());
    }
    let (valid, channel) = match (validated, channel) {
        (Ok(valid), Some(channel)) => (valid, channel),
        (Err(errors), _) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&state, &page, draft(), errors_in(lang, &errors), status).await;
        }
        (Ok(_), None) => return Err(PageError { problem: Problem::internal(), lang }),
    };
    let frame_title = title(lang);
    let key = format!("{}:{nonce}", page.session.official.user_id);
    if !state.desk_nonces.claim(&key, now) {
        let markup = jubao_templates::desk::already_filed(&page.frame(frame_title, "/staff/intake"));
        let mut answer = html(StatusCode::OK, markup);
        answer.headers_mut().insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
        return Ok(answer);
    }
    let had_identity = valid.identity.is_some();
    let new = NewTip::from_valid(valid, channel, None);
    // As `POST /api/v1/staff/tips`: the desk's tips do not count against the hourly cap of
    // the public channels.
    let filed = tips::file_within(&state.store, new, now, None, Some(&state.settings.public_url)).await;
    let receipt = match filed {
        Ok(receipt) => receipt,
        Err(e) => {
            state.desk_nonces.release(&key);
            let (status, errors) = match e {
                ServiceError::NotSetUp => (StatusCode::SERVICE_UNAVAILABLE, Errors::default()),
                ServiceError::Invalid { .. } if had_identity => {
                    let message = lang.tr("intake-identity-cannot-kept-now-remove");
                    (StatusCode::UNPROCESSABLE_ENTITY, Errors(vec![("name".into(), message.to_owned())]))
                }
                e @ (ServiceError::Busy { .. } | ServiceError::Overloaded { .. }) => {
                    let problem = Problem::from(e);
                    (problem.status, Errors(vec![("send".to_owned(), problem.message(lang).to_owned())]))
                }
                e => return Err(PageError { problem: e.into(), lang }),
            };
            return form_page(&state, &page, draft(), errors, status).await;
        }
    };
    let channel_name = jubao_templates::desk::channels(lang)
        .into_iter()
        .find(|(code, _)| *code == form.channel)
        .map(|(_, name)| name.to_owned())
        .unwrap_or_default();
    let view = DeskReceipt {
        reference: receipt.reference.to_string(),
        query_code: receipt.query_code.grouped().to_string(),
        acknowledge_by: china_time::date_string(data.acknowledge_by(receipt.received_at)),
        channel: channel_name,
    };
    let receipt_title = lang.tr("intake-tip-filed");
    let markup = jubao_templates::desk::receipt(&page.frame(receipt_title, "/staff/intake"), &view);
    let mut answer = html(StatusCode::OK, markup);
    answer.headers_mut().insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    Ok(answer)
}
