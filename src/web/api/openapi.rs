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
    paths(crate::web::health::healthz, super::reference::get_reference),
    components(schemas(crate::web::error::ErrorBody, crate::web::error::ErrorDetail)),
    tags(
        (name = "health", description = "Is the portal up"),
        (name = "reference", description = "Codes and names of kinds, categories, districts, departments"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
