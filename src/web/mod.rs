//! HTTP: routes, the public pages (`pages`), the JSON API (`api`), the staff workspace
//! (`staff`), and the HTTP layer's own guards (rate and request limits, security headers,
//! the request log, the client's address, the language). Handlers parse the request,
//! authorise the caller, call `service` (and `store` for a few reads), and render. The rules
//! are in `domain` and enforced in `service`; handlers consult them only to choose what to
//! show (the actions a case page offers, finance's buttons, the reporter's acknowledgement
//! date).

pub mod api;
pub mod assets;
pub mod auth;
pub mod client;
pub mod error;
pub mod health;
pub mod lang;
pub mod limits;
pub mod pages;
pub mod reference_cache;
pub mod request_limits;
pub mod request_log;
pub mod security_headers;
pub mod staff;
pub mod upload;

use std::sync::Arc;

use actix_web::web;

use crate::configuration::Settings;
use crate::store::Store;
use crate::store::blobs::BlobStore;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub limiters: limits::Limiters,
    /// Pauses after failed staff sign-ins, per account name and client.
    pub lockouts: crate::service::staff_login::Lockouts,
    /// Requests in progress per client.
    pub in_flight: Arc<request_limits::InFlight>,
    /// Room to store evidence.
    pub space: crate::service::storage::Space,
    /// Where uploads wait to be cleaned.
    pub spool: crate::service::evidence::SpoolDir,
    pub reference: reference_cache::ReferenceCache,
    pub blobs: BlobStore,
    /// The one-time marks of desk forms already filed (`/staff/intake`).
    pub desk_nonces: Arc<staff::intake::Nonces>,
    /// The re-indexing of related tips after a matching key rotation: one at a time.
    pub reindexing: Arc<staff::keys::Reindexing>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings, blobs: BlobStore, spool: crate::service::evidence::SpoolDir) -> Self {
        Self {
            limiters: limits::Limiters::new(&settings.limits),
            lockouts: Default::default(),
            in_flight: Default::default(),
            spool,
            space: crate::service::storage::Space::new(
                settings.data_dir.clone(),
                settings.limits.min_free_disk_mib,
                settings.limits.max_database_mib,
            ),
            reference: reference_cache::ReferenceCache::new(store.clone(), &settings.city_name),
            store,
            settings: Arc::new(settings),
            blobs,
            desk_nonces: Default::default(),
            reindexing: Default::default(),
        }
    }

    pub fn upload_limits(&self) -> crate::service::evidence::UploadLimits {
        let l = &self.settings.limits;
        crate::service::evidence::UploadLimits {
            max_file: l.max_upload_bytes.get(),
            max_tip: l.max_tip_bytes.get(),
            max_files: l.max_files_per_tip.get(),
            documents: crate::evidence::WholeFileCaps {
                bytes: u64::from(l.max_document_mib.get()) << 20,
                inflated_bytes: u64::from(l.max_document_inflated_mib.get()) << 20,
            },
        }
    }
}

/// All routes of the portal.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Resources, not bare routes: a known path asked with another method gets 405.
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/static/jubao.css").get(assets::stylesheet))
        .service(web::resource("/favicon.ico").get(assets::favicon))
        .service(web::resource("/lang/{code}").get(lang::switch))
        .service(web::resource("/").get(pages::home::show))
        .app_data(pages::report::form_config())
        .service(web::resource("/report").get(pages::report::show).post(pages::report::submit))
        .service(web::resource("/q/{code}").get(pages::report::from_poster))
        .service(web::resource(pages::report::RECEIPT_PATH).get(pages::report::receipt))
        .service(web::resource("/q/{code}/poster").get(pages::poster::show))
        .service(web::resource("/track").get(pages::track::form).post(pages::track::open))
        .service(web::resource("/track/status").get(pages::track::status))
        .service(web::resource("/track/messages").post(pages::track::message))
        .service(web::resource("/track/attachments").post(pages::track::attach))
        .service(web::resource("/track/signout").post(pages::track::sign_out))
        .service(web::resource("/track/reward").post(pages::track::reward))
        .service(web::resource("/track/objection").post(pages::track::objection))
        .service(web::resource("/staff/login").get(staff::login::form).post(staff::login::submit))
        .service(web::resource("/staff/logout").post(staff::login::logout))
        .service(web::resource("/staff/logout-all").post(staff::login::logout_everywhere))
        .service(web::resource("/staff").get(staff::queue::show))
        .service(web::resource("/staff/tips/{reference}").get(staff::case::show))
        .service(web::resource("/staff/tips/{reference}/act").post(staff::case::act))
        .service(web::resource("/staff/tips/{reference}/transferred").get(staff::case::transferred))
        .service(web::resource("/staff/tips/{reference}/attachments/{id}").get(staff::case::attachment))
        .service(web::resource("/staff/tips/{reference}/disclosure").post(staff::case::request_identity))
        .service(web::resource("/staff/tips/{reference}/reward").post(staff::case::reward))
        .service(web::resource("/staff/finance").get(staff::finance::show))
        .service(web::resource("/staff/finance/payments.csv").get(staff::finance::payments))
        .service(web::resource("/staff/finance/{reference}").post(staff::finance::act))
        .service(web::resource("/staff/oversight").get(staff::oversight::show))
        .service(web::resource("/staff/disclosures").get(staff::disclosures::show))
        .service(web::resource("/staff/disclosures/{id}").post(staff::disclosures::decide))
        .service(web::resource("/staff/intake").get(staff::intake::show).post(staff::intake::submit))
        .service(web::resource("/staff/keys").get(staff::keys::show))
        .service(web::resource("/staff/keys/reindex").post(staff::keys::reindex))
        .service(web::resource("/staff/keys/{holder}/approve").post(staff::keys::approve))
        .service(web::resource("/staff/admin").get(staff::admin::show))
        .service(web::resource("/staff/admin/users").post(staff::admin::create_user))
        .service(web::resource("/staff/admin/users/{id}/disable").post(staff::admin::disable_user))
        .service(web::resource("/staff/admin/posters").post(staff::admin::create_poster))
        .service(
            web::scope("/api/v1")
                .app_data(api::json_config())
                .app_data(api::path_config())
                .app_data(api::query_config())
                .service(web::resource("/reference").get(api::reference::get_reference))
                .service(web::resource("/openapi.json").get(api::openapi::document))
                .service(web::resource("/tips").post(api::tips::create))
                .service(web::resource("/reporter/session").post(api::reporter::session))
                .service(web::resource("/reporter/tip").get(api::reporter::tip))
                .service(web::resource("/reporter/messages").post(api::reporter::message))
                .service(web::resource("/reporter/attachments").post(api::reporter::attach))
                .service(web::resource("/reporter/reward/claim").post(api::reporter::claim))
                .service(web::resource("/reporter/reward/extension").post(api::reporter::extension))
                .service(web::resource("/reporter/objection").post(api::reporter::objection))
                .service(web::resource("/staff/session").post(api::staff::session).delete(api::staff::sign_out))
                .service(web::resource("/staff/tips").get(api::staff::queue_page).post(api::tips::intake))
                .service(web::resource("/staff/tips/{reference}").get(api::staff::case))
                .service(web::resource("/staff/tips/{reference}/actions").post(api::staff::act))
                .service(web::resource("/staff/tips/{reference}/attachments/{id}").get(api::staff::attachment))
                .service(web::resource("/staff/tips/{reference}/disclosure").post(api::staff::request_identity))
                .service(web::resource("/staff/tips/{reference}/identity").get(api::staff::identity))
                .service(
                    web::resource("/staff/tips/{reference}/reward")
                        .get(api::staff::case_reward)
                        .post(api::staff::reward_step),
                )
                .service(web::resource("/staff/related").get(api::staff::repeats))
                .service(web::resource("/staff/rewards").get(api::staff::rewards_queue))
                .service(web::resource("/staff/rewards/payments.csv").get(api::staff::payments_csv))
                .service(web::resource("/staff/disclosures").get(api::staff::disclosures))
                .service(web::resource("/staff/disclosures/{id}").post(api::staff::decide)),
        )
        .default_service(web::to(error::not_found));
}
