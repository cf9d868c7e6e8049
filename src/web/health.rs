//! `GET /healthz`: 200 when the database answers, saying whether evidence is taken.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::service::storage::Room;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` in a 200 answer.
    pub status: &'static str,
    /// Whether evidence files are taken now: `accepted`, or `refused` while free space under
    /// the data directory is below its floor or the database above its cap (tips without
    /// files are still taken).
    pub uploads: &'static str,
    /// Why uploads are refused: `disk_low` or `database_full`; absent while they are taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Liveness, database reachability, and whether there is room for evidence.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "The portal and its database answer", body = Health),
        (status = 503, description = "The database does not answer", body = crate::web::error::ErrorBody),
    )
)]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await?;
    let (uploads, reason) = match state.space.room(&state.store).await {
        Room::Enough => ("accepted", None),
        Room::DiskLow => ("refused", Some("disk_low")),
        Room::DatabaseFull => ("refused", Some("database_full")),
    };
    Ok(HttpResponse::Ok().json(Health { status: "ok", uploads, reason }))
}
