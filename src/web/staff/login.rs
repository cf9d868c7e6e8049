//! `GET/POST /staff/login`, `POST /staff/logout`, `POST /staff/logout-all`.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{COOKIE, check_csrf, cookie, expired_cookie, html, session};
use crate::crypto::User;
use crate::crypto::session::SessionToken;
use crate::domain::Role;
use crate::service::sessions;
use crate::service::staff_login::{self, LoginError};
use crate::store::sessions::SessionKind;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::client::Client;
use crate::web::error::{PageError, limited_page};
use crate::web::lang::PageLang;

pub async fn form(PageLang(lang): PageLang) -> HttpResponse {
    html(StatusCode::OK, jubao_templates::staff::login(lang, "", None))
}

/// Not `Debug`: it carries a password.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    totp: String,
}

/// Where an official lands after signing in.
pub fn landing(roles: &[Role]) -> &'static str {
    if roles.iter().any(|r| matches!(r, Role::Officer | Role::Head | Role::Oversight)) {
        "/staff"
    } else if roles.contains(&Role::Custodian) {
        "/staff/disclosures"
    } else if roles.contains(&Role::Admin) {
        "/staff/admin"
    } else {
        "/staff/keys"
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    PageLang(lang): PageLang,
    Client(client): Client,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let username = form.username.trim().to_ascii_lowercase();
    if let Err(limited) = state.limiters.staff_login(&username).and_then(|()| state.limiters.staff_client(client)) {
        return Ok(limited_page(lang, limited));
    }
    let now = unix_now();
    let refused = |message: String| {
        Ok(html(StatusCode::UNAUTHORIZED, jubao_templates::staff::login(lang, &username, Some(&message))))
    };
    let official = match staff_login::sign_in(&state.store, &username, &form.password, &form.totp, now).await {
        Ok(official) => official,
        Err(LoginError::Refused) => {
            return refused(lang.t("用户名、密码或验证码不正确。", "Wrong username, password or code.").to_owned());
        }
        Err(LoginError::Locked(seconds)) => {
            return refused(format!(
                "{}{seconds}{}",
                lang.t(
                    "尝试失败次数过多，账号已临时锁定，请在 ",
                    "Too many failed attempts: the account is locked for "
                ),
                lang.t(" 秒后再试。", " seconds.")
            ));
        }
        Err(LoginError::Service(e)) => return Err(PageError { problem: e.into(), lang }),
    };
    let token = sessions::start::<User>(&state.store, SessionKind::Staff, &official.user_id, &official.key, now)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(&token, state.settings.public_url.is_https()))
        .insert_header((LOCATION, landing(&official.roles)))
        .finish())
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
    if let Ok(s) = session(&state, &req, lang).await? {
        check_csrf(&s, &form.csrf, lang)?;
        sessions::end(&state.store, &s.token).await.map_err(|e| PageError { problem: e.into(), lang })?;
    }
    let _ = req.cookie(COOKIE).and_then(|c| SessionToken::parse(c.value()));
    Ok(HttpResponse::SeeOther()
        .cookie(expired_cookie(state.settings.public_url.is_https()))
        .insert_header((LOCATION, "/staff/login"))
        .finish())
}

/// Ends every session of the official, on every device.
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    if let Ok(s) = session(&state, &req, lang).await? {
        check_csrf(&s, &form.csrf, lang)?;
        sessions::end_all(&state.store, SessionKind::Staff, &s.official.user_id)
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(expired_cookie(state.settings.public_url.is_https()))
        .insert_header((LOCATION, "/staff/login"))
        .finish())
}
