//! `GET /api/v1/openapi.json`: the OpenAPI 3 document, generated from the handlers and types.

use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jubao API",
        version = "1",
        description = "Anonymous work-safety reporting (安全生产举报): public intake, reporter follow-up, staff work.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::web::health::healthz,
        super::reference::get_reference,
        super::tips::create,
        super::reporter::session,
        super::reporter::tip,
        super::reporter::message,
        super::reporter::attach,
        super::reporter::claim,
        super::reporter::extension,
        super::reporter::objection,
        super::staff::session,
        super::staff::sign_out,
        super::tips::intake,
        super::staff::queue_page,
        super::staff::case,
        super::staff::act,
        super::staff::attachment,
        super::staff::request_identity,
        super::staff::identity,
        super::staff::disclosures,
        super::staff::decide,
        super::staff::case_reward,
        super::staff::reward_step,
        super::staff::rewards_queue,
        super::staff::payments_csv,
        super::staff::repeats,
    ),
    components(schemas(crate::web::error::ErrorBody, crate::web::error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Is the portal up"),
        (name = "reference", description = "Codes and names of kinds, categories, districts, departments"),
        (name = "public", description = "Filing a tip, anonymously"),
        (name = "reporter", description = "The reporter's own tip, with the receipt"),
        (name = "staff", description = "Officials"),
    )
)]
pub struct ApiDoc;

/// The `bearer` scheme: tokens from `/api/v1/reporter/session` or `/api/v1/staff/session`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
