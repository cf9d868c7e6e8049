//! HTTP: routes, extractors, middleware. Handlers parse, authorise, call the domain and the
//! store, and render; they hold no rules of their own.

pub mod api;
pub mod assets;
pub mod error;
pub mod health;
pub mod lang;
pub mod pages;
pub mod request_log;
pub mod security_headers;

use std::sync::Arc;

use actix_web::web;

use crate::configuration::Settings;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
}

/// All routes of the portal.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Resources, not bare routes: a known path asked with another method gets 405.
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/static/jubao.css").get(assets::stylesheet))
        .service(web::resource("/lang/{code}").get(lang::switch))
        .service(web::resource("/").get(pages::home::show))
        .service(
            web::scope("/api/v1")
                .app_data(api::json_config())
                .app_data(api::path_config())
                .app_data(api::query_config())
                .service(web::resource("/reference").get(api::reference::get_reference))
                .service(web::resource("/openapi.json").get(api::openapi::document)),
        )
        .default_service(web::to(error::not_found));
}
