//! `GET/POST /staff/login`, `POST /staff/logout`, `POST /staff/logout-all`.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::i18n::Msg;
use serde::Deserialize;

use super::{check_csrf, cookie, expired_cookie, html, session};
use crate::crypto::User;
use crate::service::sessions;
use crate::service::staff_login::{self, Attempt, LoginError};
use crate::store::sessions::SessionKind;
use crate::store::unix_now;
use crate::web::client::Client;
use crate::web::error::{PageError, Problem, limited_page, with_retry_after};
use crate::web::lang::PageLang;
use crate::web::{AppState, auth};

pub async fn form(state: web::Data<AppState>, req: HttpRequest, PageLang(lang): PageLang) -> HttpResponse {
    let token = auth::form_token(&req, state.settings.public_url.is_https());
    token.attach(html(StatusCode::OK, jubao_templates::staff::login(lang, "", None, &token.csrf)))
}

/// Not `Debug`: it carries a password.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    totp: String,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    Client(client): Client,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let username = form.username.trim().to_ascii_lowercase();
    let token = auth::form_token(&req, state.settings.public_url.is_https());
    let page = |status, message: &str| {
        token.attach(html(status, jubao_templates::staff::login(lang, &username, Some(message), &token.csrf)))
    };
    if !auth::form_token_matches(&req, &form.csrf) {
        let message = lang.tr("login-page-has-expired-sign-again");
        return Ok(page(StatusCode::FORBIDDEN, message));
    }
    let attempter = state.limiters.attempter(&username, client);
    if let Err(limited) = state.limiters.staff_login(attempter).and_then(|()| state.limiters.staff_client(client)) {
        return Ok(limited_page(lang, limited));
    }
    let now = unix_now();
    let attempt = Attempt { attempter, username: &username, password: &form.password, totp: &form.totp };
    let official =
        match staff_login::sign_in(&state.store, &state.lockouts, &state.settings.public_url, attempt, now).await {
            Ok(official) => official,
            Err(LoginError::Refused) => {
                let message = lang.tr("error-wrong-username-password-code");
                return Ok(page(StatusCode::UNAUTHORIZED, message));
            }
            // Paused or busy: the form comes back with what was typed (never the password) and
            // when to try again.
            Err(LoginError::Locked(seconds)) => return Ok(retry_page(&page, &locked_problem(seconds), lang)),
            Err(LoginError::Service(e @ crate::service::ServiceError::Overloaded { .. })) => {
                return Ok(retry_page(&page, &Problem::from(e), lang));
            }
            Err(LoginError::Service(e)) => return Err(PageError { problem: e.into(), lang }),
        };
    let token = sessions::start::<User>(&state.store, SessionKind::Staff, &official.user_id, &official.key, now)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(&token, state.settings.public_url.is_https()))
        .insert_header((LOCATION, super::landing(&official.roles)))
        .finish())
}

fn retry_page(page: &impl Fn(StatusCode, &str) -> HttpResponse, problem: &Problem, lang: Lang) -> HttpResponse {
    with_retry_after(page(problem.status, &problem.message(lang)), problem)
}

/// Why this device waits before trying the name again (a pause per device, not a lock of
/// the account: the official's own device is not held up). 429 with Retry-After.
pub fn locked_problem(seconds: i64) -> Problem {
    let seconds = u64::try_from(seconds).unwrap_or(0).max(1);
    Problem::retry_later(
        "locked",
        Msg::new("login-too-many-failed-attempts-try").with("seconds", (seconds).to_string()),
        seconds,
    )
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    sign_out(&state, &req, lang, &form.csrf, false).await
}

/// Ends every session of the official, on every device.
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    sign_out(&state, &req, lang, &form.csrf, true).await
}

/// Ends this session, or (`everywhere`) every session of the official, and goes to sign in.
async fn sign_out(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    csrf: &str,
    everywhere: bool,
) -> Result<HttpResponse, PageError> {
    if let Ok(s) = session(state, req, lang).await? {
        check_csrf(&s, csrf, lang)?;
        let ended = match everywhere {
            true => sessions::end_all(&state.store, SessionKind::Staff, &s.official.user_id).await.map(drop),
            false => sessions::end(&state.store, &s.token).await.map(drop),
        };
        ended.map_err(|e| PageError { problem: e.into(), lang })?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(expired_cookie(state.settings.public_url.is_https()))
        .insert_header((LOCATION, "/staff/login"))
        .finish())
}
