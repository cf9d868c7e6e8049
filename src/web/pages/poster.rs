//! `GET /q/{code}/poster`: the printable A4 poster of a QR code.

use actix_web::{HttpResponse, web};
use jubao_templates::poster::PosterView;

use crate::service::posters;
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;

pub async fn show(
    state: web::Data<AppState>,
    PageLang(lang): PageLang,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page_error = |e: crate::service::ServiceError| PageError { problem: e.into(), lang };
    let poster = posters::by_code(&state.store, &code).await.map_err(page_error)?;
    let Some(poster) = poster else {
        return Err(PageError { problem: Problem::not_found(), lang });
    };
    let url = state.settings.public_url.join(&format!("/q/{}", poster.code));
    let view = PosterView { qr_svg: posters::qr_svg(&url).map_err(page_error)?, url, label: poster.label };
    let path = format!("/q/{}/poster", poster.code);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(jubao_templates::poster::page(lang, &view, &path).into_string()))
}
