//! One log line per request: method, route pattern, status, duration. Never the client's
//! address, user agent, query string, or the values in the path (a tip reference would be one).

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let method = req.method().clone();
    let route = req.match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
    let started = Instant::now();
    let result = next.call(req).await;
    let ms = started.elapsed().as_millis();
    match &result {
        Ok(res) => tracing::info!(target: "jubao::http", %method, route, status = res.status().as_u16(), ms, "request"),
        Err(e) => {
            tracing::info!(target: "jubao::http", %method, route, status = e.as_response_error().status_code().as_u16(), ms, "request")
        }
    }
    result
}
