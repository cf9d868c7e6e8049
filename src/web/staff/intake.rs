//! `GET/POST /staff/intake`: the hotline desk. An intake official enters a tip received by
//! phone, letter, visit or email on behalf of the caller, validated as the public form is
//! and filed through the same service as `POST /api/v1/staff/tips`; the receipt is shown
//! once, in the answer to the post, to be read out. Every form carries a one-time mark: the
//! same form sent again (a refresh) files nothing and says it was filed. The desk never
//! shows the queue or any tip.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::desk::{DeskForm, DeskReceipt};
use jubao_templates::form::Errors;
use serde::Deserialize;

use super::{Page, check_csrf, html};
use super::{Staff, need};
use crate::domain::china_time;
use crate::domain::validation::{Choices, TipInput};
use crate::service::ServiceError;
use crate::service::intake::{self, Filed, Intake, NotFiled, Rules, Source};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;
use crate::web::pages::report::{errors_in, tip_fields};
use crate::web::reference_cache::ReferenceData;

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

/// The desk form as posted: the tip's fields plus the channel, the form token and the
/// one-time mark. Not `Debug`: it carries what the caller said.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DeskBody {
    csrf: String,
    nonce: String,
    channel: String,
    #[serde(flatten)]
    tip: TipInput,
}

fn title(lang: Lang) -> &'static str {
    lang.tr("intake-file-tip")
}

/// The answer of the desk: never cached.
fn desk_page(markup: maud::Markup) -> HttpResponse {
    let mut answer = html(StatusCode::OK, markup);
    answer.headers_mut().insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    answer
}

async fn form_page(
    state: &AppState,
    page: &Page,
    draft: &DeskBody,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    let form = DeskForm {
        fields: tip_fields(state, lang, &draft.tip, errors).await?,
        channel: draft.channel.clone(),
        nonce: draft.nonce.trim().to_owned(),
    };
    let mut answer = desk_page(jubao_templates::desk::form(&page.frame(title(lang), "/staff/intake"), &form));
    *answer.status_mut() = status;
    Ok(answer)
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::FileForCallers>,
) -> Result<HttpResponse, PageError> {
    let draft = DeskBody { channel: "hotline".to_owned(), nonce: new_nonce(), ..DeskBody::default() };
    form_page(&state, &page, &draft, Errors::default(), StatusCode::OK).await
}

pub async fn submit(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::FileForCallers>,
    PageLang(lang): PageLang,
    form: web::Form<DeskBody>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let nonce = form.nonce.trim();
    if nonce.is_empty() || nonce.len() > 64 {
        return Err(super::bad_token(lang));
    }
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let now = unix_now();
    let key = format!("{}:{nonce}", page.session.official.user_id);
    let rules = Rules {
        choices: Choices { categories: &data.categories, districts: &data.districts },
        per_hour: state.settings.limits.tips_per_hour.get(),
        tell: &state.settings.public_url,
        places: &data.places,
    };
    // One filing per mark: a refresh of a filed form files nothing and says it was filed. A
    // form that is not filed gives its mark back, to be corrected and sent again.
    if !state.desk_nonces.claim(&key, now) {
        return Ok(desk_page(jubao_templates::desk::already_filed(&page.frame(title(lang), "/staff/intake"))));
    }
    let source = Source::Desk { channel: &form.channel, by: &page.session.official };
    let intake = Intake { input: form.tip.clone(), source, also: Vec::new(), admit: &|| Ok(()) };
    let filed = intake::file_tip(&state.store, &rules, intake, now).await;
    if filed.is_err() {
        state.desk_nonces.release(&key);
    }
    let filed = match filed {
        Ok(filed) => filed,
        Err(NotFiled::Fields(errors)) => {
            return form_page(&state, &page, &form, errors_in(lang, &errors), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(NotFiled::Refused(e)) => return refused(&state, &page, &form, e).await,
    };
    receipt(&page, &data, &filed)
}

/// The form again when the portal could not take the tip: why, and when to try again.
async fn refused(state: &AppState, page: &Page, form: &DeskBody, e: ServiceError) -> Result<HttpResponse, PageError> {
    let (status, errors) = match e {
        ServiceError::NotSetUp => (StatusCode::SERVICE_UNAVAILABLE, Errors::default()),
        e @ (ServiceError::Busy { .. } | ServiceError::Overloaded { .. }) => {
            let problem = Problem::from(e);
            (problem.status, Errors(vec![("send".to_owned(), problem.message(page.lang).to_owned())]))
        }
        e => return Err(PageError { problem: e.into(), lang: page.lang }),
    };
    form_page(state, page, form, errors, status).await
}

/// The receipt, shown once in the answer to the filing, to be read out to the caller.
fn receipt(page: &Page, data: &ReferenceData, filed: &Filed) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    let channel = filed.channel.as_str();
    let channel_name = jubao_templates::desk::channels(lang)
        .into_iter()
        .find(|(code, _)| *code == channel)
        .map(|(_, name)| name.to_owned())
        .unwrap_or_default();
    let view = DeskReceipt {
        reference: filed.receipt.reference.to_string(),
        query_code: filed.receipt.query_code.grouped().to_string(),
        acknowledge_by: china_time::date_string(data.acknowledge_by(filed.receipt.received_at)),
        channel: channel_name,
    };
    let frame = page.frame(lang.tr("intake-tip-filed"), "/staff/intake");
    Ok(desk_page(jubao_templates::desk::receipt(&frame, &view)))
}
