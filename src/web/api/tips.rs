//! `POST /api/v1/tips` (the public, e.g. a WeChat mini-program) and `POST /api/v1/staff/tips`
//! (the hotline desk, on behalf of a caller).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::i18n::Msg;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::validation::{Choices, FieldError, TipInput};
use crate::domain::{Channel, Role, china_time};
use crate::service::posters;
use crate::service::tips::{self, NewTip};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::auth;
use crate::web::client::Client;
use crate::web::error::{ApiError, Problem};

#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct IdentityRequest {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub id_number: Option<String>,
}

/// A new tip (CONTRACT.md). Codes of `kind`, `category` and `district` are those of
/// `GET /api/v1/reference`.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TipRequest {
    pub kind: String,
    pub category: String,
    pub district: String,
    pub title: String,
    pub description: String,
    pub location: String,
    pub company: Option<String>,
    /// `YYYY-MM-DD`.
    pub occurred_on: Option<String>,
    pub supervisory_duty: bool,
    /// Optional; sealed for the custodians and the reporter only.
    pub identity: Option<IdentityRequest>,
    /// The code of a QR poster the reporter came from.
    pub poster: Option<String>,
}

impl TipRequest {
    pub fn input(&self) -> TipInput {
        let identity = self.identity.as_ref();
        TipInput {
            kind: self.kind.clone(),
            category: self.category.clone(),
            district: self.district.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            location: self.location.clone(),
            company: self.company.clone().unwrap_or_default(),
            occurred_on: self.occurred_on.clone().unwrap_or_default(),
            supervisory_duty: self.supervisory_duty,
            name: identity.map(|i| i.name.clone()).unwrap_or_default(),
            phone: identity.and_then(|i| i.phone.clone()).unwrap_or_default(),
            email: identity.and_then(|i| i.email.clone()).unwrap_or_default(),
            id_number: identity.and_then(|i| i.id_number.clone()).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptBody {
    pub reference: String,
    /// 20 digits; shown once, never stored.
    pub query_code: String,
    /// The same in five groups of four, for reading out or printing.
    pub query_code_grouped: String,
    /// The date by which the department decides whether to accept it (China time).
    pub acknowledge_by: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
    pub message_zh: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvalidFieldsDetail {
    /// `invalid_fields`.
    pub code: &'static str,
    pub message: &'static str,
    pub message_zh: &'static str,
    pub fields: Vec<FieldProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct InvalidFieldsBody {
    pub error: InvalidFieldsDetail,
}

fn invalid_fields(errors: Vec<FieldError>) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(InvalidFieldsBody {
        error: InvalidFieldsDetail {
            code: "invalid_fields",
            message: Lang::En.tr("tips-some-fields-not-valid"),
            message_zh: Lang::Zh.tr("tips-some-fields-not-valid"),
            fields: errors
                .into_iter()
                .map(|e| FieldProblem {
                    field: e.field.to_owned(),
                    message: e.msg.render(Lang::En),
                    message_zh: e.msg.render(Lang::Zh),
                })
                .collect(),
        },
    })
}

async fn file(state: &AppState, request: &TipRequest, channel: Channel) -> Result<HttpResponse, ApiError> {
    let data = state.reference.get().await?;
    let now = unix_now();
    let choices = Choices { categories: &data.categories, districts: &data.districts };
    let valid = match request.input().validate(&choices, china_time::date(now)) {
        Ok(valid) => valid,
        Err(errors) => return Ok(invalid_fields(errors)),
    };
    let poster = match request.poster.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(posters::by_code(&state.store, code).await?.ok_or_else(|| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_poster", "tips-there-no-such-qr-poster")
        })?),
        None => None,
    };
    let channel = if poster.is_some() && channel == Channel::Api { Channel::Qr } else { channel };
    let new = NewTip::from_valid(valid, channel, poster.map(|p| p.id));
    // The public channels count against the whole system's hourly cap; the hotline desk's
    // tips (taken by an official from a caller) do not.
    let cap = matches!(channel, Channel::Api | Channel::Qr).then(|| state.settings.limits.tips_per_hour.get());
    let receipt = tips::file_within(&state.store, new, now, cap, Some(&state.settings.public_url)).await?;
    Ok(HttpResponse::Created().json(ReceiptBody {
        reference: receipt.reference.to_string(),
        query_code: receipt.query_code.expose().to_owned(),
        query_code_grouped: receipt.query_code.grouped().to_string(),
        acknowledge_by: china_time::date_string(data.acknowledge_by(receipt.received_at)),
    }))
}

/// File a tip. Anonymous; the answer is the receipt, shown once.
#[utoipa::path(
    post,
    path = "/api/v1/tips",
    tag = "public",
    request_body = TipRequest,
    responses(
        (status = 201, description = "Filed; the receipt", body = ReceiptBody),
        (status = 400, description = "The body is not JSON", body = crate::web::error::ErrorBody),
        (status = 422, description = "Fields to correct", body = InvalidFieldsBody),
        (status = 429, description = "Too many tips from this client or in all; see Retry-After", body = crate::web::error::ErrorBody),
        (status = 503, description = "No department can receive tips yet", body = crate::web::error::ErrorBody),
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    Client(client): Client,
    request: web::Json<TipRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limiters.tip(client)?;
    file(&state, &request, Channel::Api).await
}

/// A tip taken by the hotline desk, a letter, a visit or an email.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct IntakeRequest {
    /// `hotline` (default), `letter`, `visit` or `email`.
    pub channel: Option<String>,
    #[serde(flatten)]
    pub tip: TipRequest,
}

/// File a tip on behalf of a caller (role `intake`); the receipt is read out to them.
#[utoipa::path(
    post,
    path = "/api/v1/staff/tips",
    tag = "staff",
    request_body = IntakeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed; the receipt to hand over", body = ReceiptBody),
        (status = 401, description = "No session", body = crate::web::error::ErrorBody),
        (status = 403, description = "Not an intake official", body = crate::web::error::ErrorBody),
        (status = 422, description = "Fields to correct", body = InvalidFieldsBody),
    )
)]
pub async fn intake(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: web::Json<IntakeRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = auth::staff(&state, auth::bearer(&req)).await?.ok_or_else(super::unauthorised)?;
    if !staff.has(Role::Intake) {
        return Err(super::forbidden("tips-only-intake-role-files-tips").into());
    }
    let channel = match request.channel.as_deref().unwrap_or("hotline") {
        "hotline" => Channel::Hotline,
        "letter" => Channel::Letter,
        "visit" => Channel::Visit,
        "email" => Channel::Email,
        _ => {
            return Ok(invalid_fields(vec![FieldError {
                field: "channel",
                msg: Msg::new("tips-channel-hotline-letter-visit-email"),
            }]));
        }
    };
    file(&state, &request.tip, channel).await
}
