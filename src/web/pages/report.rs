//! `GET /report`, `GET /q/{code}`, `POST /report`: the form; and `GET /track/receipt`, the
//! receipt shown once (Post/Redirect/Get: a refresh never files again).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::form::{Choice, Errors, Typed, Untyped};
use jubao_templates::i18n::Msg;
use jubao_templates::report::{CategoryGroup, ReceiptView, ReportForm, TipFields};
use serde::Deserialize;

use crate::crypto::Reporter;
use crate::domain::validation::{Choices, FieldError, TipInput};
use crate::domain::{Channel, KeyGroup, china_time};
use crate::service::intake::{self, Intake, NotFiled, Rules, Source};
use crate::service::{ServiceError, posters, sessions};
use crate::store::sessions::SessionKind;
use crate::store::{keys, unix_now};
use crate::web::AppState;
use crate::web::auth::reporter_cookie;
use crate::web::client::Client;
use crate::web::error::{PageError, Problem, with_retry_after};
use crate::web::lang::PageLang;
use crate::web::reference_cache::ReferenceData;

/// The form as posted: the tip's fields as typed, the agreement tick and the poster's code.
/// Not `Debug`: it carries what the reporter wrote.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct FormBody {
    #[serde(flatten)]
    pub(crate) tip: TipInput,
    agree: Option<String>,
    poster: String,
}

impl FormBody {
    /// The tip's fields as typed.
    pub fn tip_input(&self) -> TipInput {
        self.tip.clone()
    }
}

/// The tip's fields by the names the forms give them.
impl Typed for TipInput {
    fn text(&self, field: &str) -> &str {
        match field {
            "kind" => &self.kind,
            "category" => &self.category,
            "district" => &self.district,
            "title" => &self.title,
            "description" => &self.description,
            "location" => &self.location,
            "company" => &self.company,
            "credit_code" => &self.credit_code,
            "occurred_on" => &self.occurred_on,
            "name" => &self.name,
            "phone" => &self.phone,
            "email" => &self.email,
            "id_number" => &self.id_number,
            _ => "",
        }
    }

    fn ticked(&self, field: &str) -> bool {
        field == "supervisory_duty" && self.supervisory_duty
    }
}

impl Typed for FormBody {
    fn text(&self, field: &str) -> &str {
        self.tip.text(field)
    }

    fn ticked(&self, field: &str) -> bool {
        if field == "agree" { self.agree.is_some() } else { self.tip.ticked(field) }
    }
}

pub(crate) fn errors_in(lang: Lang, errors: &[FieldError]) -> Errors {
    Errors(errors.iter().map(|e| (e.field.to_owned(), e.msg.render(lang))).collect())
}

/// The lists of the form, in the page language.
pub(crate) fn choices(lang: Lang, data: &ReferenceData) -> (Vec<Choice>, Vec<CategoryGroup>, Vec<Choice>) {
    let zh = lang == Lang::Zh;
    let kinds = data
        .reference
        .kinds
        .iter()
        .map(|k| Choice {
            code: k.code.clone(),
            name: lang.name(&k.name_zh, &k.name_en).to_owned(),
            hint: Some(lang.name(&k.hint_zh, &k.hint_en).to_owned()),
        })
        .collect();
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for c in &data.reference.categories {
        let department = data.department_name(&c.department_code, zh);
        let choice = Choice { code: c.code.clone(), name: lang.name(&c.name_zh, &c.name_en).to_owned(), hint: None };
        match groups.iter_mut().find(|g| g.department == department) {
            Some(group) => group.categories.push(choice),
            None => groups.push(CategoryGroup { department, categories: vec![choice] }),
        }
    }
    let districts = data
        .reference
        .districts
        .iter()
        .map(|d| Choice { code: d.code.clone(), name: lang.name(&d.name_zh, &d.name_en).to_owned(), hint: None })
        .collect();
    (kinds, groups, districts)
}

/// Whether any department, and the custodians, can receive sealed data yet.
pub(crate) async fn readiness(state: &AppState) -> Result<(bool, bool), ServiceError> {
    let keyed = keys::groups_with_keys(&mut *state.store.conn().await?).await?;
    let open = keyed.iter().any(|g| g.starts_with("department:"));
    let identity = keyed.contains(&KeyGroup::Custodians.name());
    Ok((open, identity))
}

/// What both tip forms show besides what was typed: the lists, and whether a tip and an
/// identity can be kept.
pub(crate) async fn tip_fields<'a>(
    state: &AppState,
    lang: Lang,
    values: &'a dyn Typed,
    errors: Errors,
) -> Result<TipFields<'a>, PageError> {
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let (open, identity_available) = readiness(state).await.map_err(|e| PageError { problem: e.into(), lang })?;
    let (kinds, categories, districts) = choices(lang, &data);
    Ok(TipFields { kinds, categories, districts, values, errors, identity_available, open })
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    values: &dyn Typed,
    errors: Errors,
    poster: Option<(String, String)>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let form = ReportForm { fields: tip_fields(state, lang, values, errors).await?, poster };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(jubao_templates::report::page(lang, &form, "/report").into_string()))
}

pub async fn show(state: web::Data<AppState>, PageLang(lang): PageLang) -> Result<HttpResponse, PageError> {
    form_page(&state, lang, &Untyped, Errors::default(), None, StatusCode::OK).await
}

/// `GET /q/{code}`: the form as a QR poster opens it.
pub async fn from_poster(
    state: web::Data<AppState>,
    PageLang(lang): PageLang,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let poster = posters::by_code(&state.store, &code).await.map_err(|e| PageError { problem: e.into(), lang })?;
    let Some(poster) = poster else {
        return Err(PageError { problem: Problem::not_found(), lang });
    };
    let values = TipInput {
        district: poster.district_code.clone().unwrap_or_default(),
        category: poster.category_code.clone().unwrap_or_default(),
        ..TipInput::default()
    };
    form_page(&state, lang, &values, Errors::default(), Some((poster.code, poster.label)), StatusCode::OK).await
}

/// The form again after `file_tip` refused it: with the mistakes beside their fields, or with
/// why and when to send it again. A poster no longer in use is left off.
async fn refused(state: &AppState, lang: Lang, form: &FormBody, why: NotFiled) -> Result<HttpResponse, PageError> {
    let poster = match form.poster.trim() {
        "" => None,
        code => posters::by_code(&state.store, code)
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?
            .map(|p| (p.code, p.label)),
    };
    let (status, errors, retry) = match why {
        NotFiled::Fields(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors_in(lang, &errors), None),
        NotFiled::Refused(ServiceError::NotSetUp) => (StatusCode::SERVICE_UNAVAILABLE, Errors::default(), None),
        NotFiled::Refused(
            e @ (ServiceError::Busy { .. } | ServiceError::TooMany { .. } | ServiceError::Overloaded { .. }),
        ) => {
            let problem = Problem::from(e);
            let errors = Errors(vec![("send".to_owned(), problem.message(lang).to_owned())]);
            (problem.status, errors, Some(problem))
        }
        NotFiled::Refused(e) => return Err(PageError { problem: e.into(), lang }),
    };
    let page = form_page(state, lang, form, errors, poster, status).await?;
    Ok(match retry {
        Some(problem) => with_retry_after(page, &problem),
        None => page,
    })
}

pub async fn submit(
    state: web::Data<AppState>,
    PageLang(lang): PageLang,
    Client(client): Client,
    form: web::Form<FormBody>,
) -> Result<HttpResponse, PageError> {
    let page_error = |e: ServiceError| PageError { problem: e.into(), lang };
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let now = unix_now();
    let rules = Rules {
        choices: Choices { categories: &data.categories, districts: &data.districts },
        per_hour: state.settings.limits.tips_per_hour.get(),
        tell: &state.settings.public_url,
        places: &data.places,
    };
    let agree = FieldError { field: "agree", msg: Msg::new("report-please-read-notes-tick-confirm") };
    let intake = Intake {
        input: form.tip_input(),
        source: Source::Public { via: Channel::Web, poster: Some(&form.poster) },
        also: form.agree.is_none().then_some(agree).into_iter().collect(),
        admit: &|| state.limiters.tip(client).map_err(ServiceError::from),
    };
    let receipt = match intake::file_tip(&state.store, &rules, intake, now).await {
        Ok(filed) => filed.receipt,
        Err(why) => return refused(&state, lang, &form, why).await,
    };
    let token =
        sessions::start::<Reporter>(&state.store, SessionKind::Reporter, &receipt.tip_id, &receipt.reporter, now)
            .await
            .map_err(page_error)?;
    let handoff = Handoff {
        reference: receipt.reference.to_string(),
        query_code: receipt.query_code.grouped().to_string(),
        acknowledge_by: china_time::date_string(data.acknowledge_by(receipt.received_at)),
        session: token.lookup_id(),
        issued_at: now,
    };
    let sealed = handoff.seal(&receipt.reporter).map_err(page_error)?;
    let secure = state.settings.public_url.is_https();
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, RECEIPT_PATH))
        .cookie(reporter_cookie(&token, secure))
        .cookie(receipt_cookie(sealed, secure))
        .finish())
}

/// Where the answer to `POST /report` sends the browser (Post/Redirect/Get): under `/track`,
/// so the reporter's session cookie goes along.
pub const RECEIPT_PATH: &str = "/track/receipt";
/// The receipt on its way from `POST /report` to `GET /track/receipt`.
pub const RECEIPT_COOKIE: &str = "jubao_receipt";
/// How long the browser has to follow the redirect.
const RECEIPT_SECONDS: i64 = 10 * 60;

/// The receipt between the post and the page that shows it. It travels in a cookie sealed to
/// the reporter's key, which only the session (its row in the database and the browser's
/// token together) opens, and names that session: showing it replaces the session, so the
/// same cookies never show it again, on any instance. Not `Debug`: it holds the query code.
#[derive(serde::Serialize, serde::Deserialize)]
struct Handoff {
    reference: String,
    query_code: String,
    acknowledge_by: String,
    /// The lookup id of the session the receipt was made with.
    session: String,
    issued_at: i64,
}

impl Handoff {
    fn seal(&self, reporter: &crate::crypto::Key<Reporter>) -> Result<String, ServiceError> {
        let json = zeroize::Zeroizing::new(serde_json::to_vec(self).map_err(crate::service::unprocessable)?);
        let envelope = reporter.public().seal(&json)?;
        Ok(data_encoding::BASE64URL_NOPAD.encode(envelope.as_bytes()))
    }

    fn open(sealed: &str, reporter: &crate::crypto::Key<Reporter>) -> Option<Self> {
        let bytes = data_encoding::BASE64URL_NOPAD.decode(sealed.as_bytes()).ok()?;
        let plain = reporter.open(&crate::crypto::Envelope::from_bytes(bytes)).ok()?;
        serde_json::from_slice(plain.as_bytes()).ok()
    }
}

fn receipt_cookie(sealed: String, secure: bool) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(RECEIPT_COOKIE, sealed)
        .path(RECEIPT_PATH)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(RECEIPT_SECONDS))
        .finish()
}

/// `GET /track/receipt`: the receipt, once, to the browser that filed the tip; a refresh or a
/// second open says it was shown and how to follow the tip, and never files anything.
pub async fn receipt(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let page_error = |e: ServiceError| PageError { problem: e.into(), lang };
    let secure = state.settings.public_url.is_https();
    let mut gone_cookie = receipt_cookie(String::new(), secure);
    gone_cookie.make_removal();
    let now = unix_now();
    let token = crate::web::auth::reporter_cookie_token(&req);
    let sealed = req.cookie(RECEIPT_COOKIE).map(|c| c.value().to_owned());
    let shown = match (token, sealed) {
        (Some(token), Some(sealed)) => {
            match sessions::resume::<Reporter>(&state.store, SessionKind::Reporter, &token, now)
                .await
                .map_err(page_error)?
            {
                Some((tip_id, key)) => Handoff::open(&sealed, &key)
                    .filter(|h| h.session == token.lookup_id() && now - h.issued_at <= RECEIPT_SECONDS)
                    .map(|h| (h, tip_id, key, token)),
                None => None,
            }
        }
        _ => None,
    };
    let Some((handoff, tip_id, key, old)) = shown else {
        return Ok(HttpResponse::Ok()
            .cookie(gone_cookie)
            .content_type("text/html; charset=utf-8")
            .body(jubao_templates::report::receipt_shown(lang).into_string()));
    };
    // A fresh session for the status page; the one the receipt names ends here.
    let fresh = sessions::start::<Reporter>(&state.store, SessionKind::Reporter, &tip_id, &key, now)
        .await
        .map_err(page_error)?;
    sessions::end(&state.store, &old).await.map_err(page_error)?;
    let view = ReceiptView {
        reference: handoff.reference.clone(),
        query_code: handoff.query_code.clone(),
        acknowledge_by: handoff.acknowledge_by.clone(),
    };
    Ok(HttpResponse::Ok()
        .cookie(reporter_cookie(&fresh, secure))
        .cookie(gone_cookie)
        .content_type("text/html; charset=utf-8")
        .body(jubao_templates::report::receipt(lang, &view).into_string()))
}

/// Form bodies of the public pages: room for a long description, errors as a page.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(256 * 1024).error_handler(|_, req| {
        PageError {
            problem: Problem::bad_request("invalid_form", "report-form-could-not-read-go"),
            lang: crate::web::lang::lang_of(req),
        }
        .into()
    })
}
