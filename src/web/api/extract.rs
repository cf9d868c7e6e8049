//! Extractors of the JSON API: who asks (`Official`, `Reporter`: the bearer session, 401 when
//! there is none) and which tip the path names (`TipPath`), so handlers take them as arguments.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::domain::TipReference;
use crate::service::ServiceError;
use crate::web::AppState;
use crate::web::auth::{self, ReporterSession, StaffSession};
use crate::web::error::{ApiError, Problem};

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError(Problem::internal()))
}

/// The official signed in with the request's bearer token.
pub struct Official(pub StaffSession);

impl Official {
    async fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let token = auth::bearer(req).ok_or_else(super::unauthorised)?;
        let state = state_of(req)?;
        let session = auth::staff(&state, Some(token)).await?.ok_or_else(super::unauthorised)?;
        Ok(Self(session))
    }
}

impl FromRequest for Official {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::of(&req).await })
    }
}

/// The reporter's session of the request's bearer token.
pub struct Reporter(pub ReporterSession);

impl FromRequest for Reporter {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = auth::bearer(&req).ok_or_else(super::unauthorised)?;
            let state = state_of(&req)?;
            let session = auth::reporter(&state, Some(token)).await?.ok_or_else(super::unauthorised)?;
            Ok(Self(session))
        })
    }
}

/// The tip named by the path's `{reference}`: a reference that does not read is answered as
/// a tip the client may not open (403 `no_such_tip`), a route without one as not found.
pub struct TipPath(pub TipReference);

impl TipPath {
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let text = req.match_info().get("reference").ok_or_else(|| ApiError(Problem::not_found()))?;
        TipReference::parse(text).map(Self).ok_or_else(|| ApiError::from(ServiceError::NoSuchTip))
    }
}

impl FromRequest for TipPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::of(req))
    }
}

/// An official and the tip the path names, checked in that order: without a session the answer
/// is 401 whatever the path says, as when a handler checks the session first.
pub struct OfficialTip(pub StaffSession, pub TipReference);

impl FromRequest for OfficialTip {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Official(session) = Official::of(&req).await?;
            let TipPath(tip) = TipPath::of(&req)?;
            Ok(Self(session, tip))
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::test::TestRequest;

    use super::*;

    fn status<T>(answer: Result<T, ApiError>) -> Option<(StatusCode, &'static str)> {
        answer.err().map(|e| (e.0.status, e.0.code))
    }

    #[actix_web::test]
    async fn a_reference_that_does_not_read_is_a_tip_the_client_may_not_open() {
        let req = TestRequest::default().param("reference", "not-a-reference").to_http_request();
        assert_eq!(status(TipPath::extract(&req).await), Some((StatusCode::FORBIDDEN, "no_such_tip")));
        let req = TestRequest::default().to_http_request();
        assert_eq!(status(TipPath::extract(&req).await), Some((StatusCode::NOT_FOUND, "not_found")));
    }

    #[actix_web::test]
    async fn without_a_session_the_answer_is_401_whatever_the_path_says() {
        let req = TestRequest::default().param("reference", "not-a-reference").to_http_request();
        assert_eq!(status(OfficialTip::extract(&req).await), Some((StatusCode::UNAUTHORIZED, "unauthorised")));
        let req = TestRequest::default().insert_header(("authorization", "Basic x")).to_http_request();
        assert_eq!(status(Reporter::extract(&req).await), Some((StatusCode::UNAUTHORIZED, "unauthorised")));
    }
}
