//! Officials' API sessions: `POST /api/v1/staff/session`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reporter::TokenBody;
use crate::auth::Password;
use crate::crypto::User;
use crate::service::{ServiceError, officials, sessions};
use crate::store::sessions::SessionKind;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::ApiError;

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
#[utoipa::path(
    post,
    path = "/api/v1/staff/session",
    tag = "staff",
    request_body = StaffSignIn,
    responses(
        (status = 200, description = "A session token", body = TokenBody),
        (status = 401, description = "Wrong username, password or code", body = crate::web::error::ErrorBody),
        (status = 429, description = "Too many attempts for this account; see Retry-After", body = crate::web::error::ErrorBody),
    )
)]
pub async fn session(state: web::Data<AppState>, request: web::Json<StaffSignIn>) -> Result<HttpResponse, ApiError> {
    let username = request.username.trim().to_ascii_lowercase();
    state.limiters.staff_login(&username)?;
    let password = Password::new(request.password.clone()).map_err(|_| ServiceError::BadCredentials)?;
    let official = officials::sign_in(&state.store, &username, password).await?;
    let now = unix_now();
    officials::check_second_factor(&state.store, &official, &request.totp, now).await?;
    let token =
        sessions::start::<User>(&state.store, SessionKind::Staff, &official.user_id, &official.key, now).await?;
    Ok(HttpResponse::Ok()
        .json(TokenBody { token: token.to_text().to_string(), expires_in: sessions::STAFF_IDLE_SECONDS }))
}
