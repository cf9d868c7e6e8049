//! `POST /api/v1/tips` (the public, e.g. a WeChat mini-program) and `POST /api/v1/staff/tips`
//! (the hotline desk, on behalf of a caller).

use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Capability;
use crate::domain::report::Report;
use crate::domain::validation::{Choices, FieldError, TipInput};
use crate::domain::{Channel, china_time};
use crate::service::ServiceError;
use crate::service::intake::{self, Intake, NotFiled, Rules, Source};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::auth;
use crate::web::client::Client;
use crate::web::error::ApiError;

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
    /// What is reported: a code of `kinds`.
    pub kind: String,
    /// The field of work, a code of `categories`: it decides the department.
    pub category: String,
    /// Where, a code of `districts`.
    pub district: String,
    /// What the reporter tells: title (one line, at most 100 characters), description (at
    /// most 10 000), location (at most 300), company, date and the supervisory-duty declaration.
    #[serde(flatten)]
    pub report: Report,
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
            title: self.report.title.clone(),
            description: self.report.description.clone(),
            location: self.report.location.clone(),
            company: self.report.company.clone().unwrap_or_default(),
            credit_code: self.report.credit_code.clone().unwrap_or_default(),
            occurred_on: self.report.occurred_on.clone().unwrap_or_default(),
            supervisory_duty: self.report.supervisory_duty,
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

async fn file(
    state: &AppState,
    input: TipInput,
    source: Source<'_>,
    admit: Admit<'_>,
) -> Result<HttpResponse, ApiError> {
    let data = state.reference.get().await?;
    let rules = Rules {
        choices: Choices { categories: &data.categories, districts: &data.districts },
        per_hour: state.settings.limits.tips_per_hour.get(),
        tell: &state.settings.public_url,
        places: &data.places,
    };
    let intake = Intake { input, source, also: Vec::new(), admit };
    let receipt = match intake::file_tip(&state.store, &rules, intake, unix_now()).await {
        Ok(filed) => filed.receipt,
        Err(NotFiled::Fields(errors)) => return Ok(invalid_fields(errors)),
        Err(NotFiled::Refused(e)) => return Err(e.into()),
    };
    Ok(HttpResponse::Created().json(ReceiptBody {
        reference: receipt.reference.to_string(),
        query_code: receipt.query_code.expose().to_owned(),
        query_code_grouped: receipt.query_code.grouped().to_string(),
        acknowledge_by: china_time::date_string(data.acknowledge_by(receipt.received_at)),
    }))
}

type Admit<'a> = &'a (dyn Fn() -> Result<(), ServiceError> + Sync);

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
    let source = Source::Public { via: Channel::Api, poster: request.poster.as_deref() };
    file(&state, request.input(), source, &|| state.limiters.tip(client).map_err(ServiceError::from)).await
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
    if !staff.can(Capability::FileForCallers) {
        return Err(super::forbidden("tips-only-intake-role-files-tips").into());
    }
    let source = Source::Desk { channel: request.channel.as_deref().unwrap_or("hotline"), by: &staff.official };
    file(&state, request.tip.input(), source, &|| Ok(())).await
}
