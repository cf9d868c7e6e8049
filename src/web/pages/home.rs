//! `GET /`: the home page.

use actix_web::{HttpResponse, web};
use jubao_templates::home::{HomeView, KindView};

use crate::store::reference;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;

pub async fn show(state: web::Data<AppState>, PageLang(lang): PageLang) -> Result<HttpResponse, PageError> {
    let r = reference::load(&state.store).await.map_err(PageError::store(lang))?;
    let kinds = r
        .kinds
        .into_iter()
        .map(|k| KindView {
            name: lang.name(&k.name_zh, &k.name_en).to_owned(),
            hint: lang.name(&k.hint_zh, &k.hint_en).to_owned(),
        })
        .collect();
    let page = jubao_templates::home::page(lang, &HomeView { kinds });
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page.into_string()))
}
