//! `GET /staff/keys` and `POST /staff/keys/{holder}/approve`: who holds the keys of the
//! official's groups, and approving newcomers (for a department, by a head).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::staff::HolderView;
use serde::Deserialize;

use super::{check_csrf, html, see_other};
use crate::domain::{KeyGroup, Role};
use crate::service::groups::approve as grant_to_holder;
use crate::service::officials::SignedIn;
use crate::service::{ServiceError, per_group};
use crate::store::{keys, unix_now};
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;

const KEY_ROLES: &[Role] = &[Role::Officer, Role::Head, Role::Oversight, Role::Custodian, Role::Finance];

/// The groups an official belongs to, and whether they may approve newcomers in each.
fn groups_of(official: &SignedIn) -> Vec<(KeyGroup, bool)> {
    let roles = crate::domain::Roles::new(official.roles.iter().copied()).ok();
    let department = official.department.as_deref().and_then(|d| crate::domain::Code::parse(d).ok());
    let list = roles.map(|r| KeyGroup::for_official(&r, department.as_ref())).unwrap_or_default();
    list.into_iter()
        .map(|g| {
            let may = match g {
                KeyGroup::Department(_) => official.has(Role::Head),
                _ => true,
            };
            (g, may)
        })
        .collect()
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, KEY_ROLES);
    let mut conn = state.store.conn().await.map_err(PageError::store(lang))?;
    let mut holders = Vec::new();
    for (group, may_approve) in groups_of(&page.session.official) {
        for h in keys::holders(&mut conn, &group.name()).await.map_err(PageError::store(lang))? {
            let who = match (&h.user_id, &h.recipient) {
                (Some(id), _) => crate::store::users::by_id(&mut conn, id)
                    .await
                    .map_err(PageError::store(lang))?
                    .map_or_else(|| id.clone(), |u| u.username),
                (None, Some(r)) => {
                    format!("{} {}…", lang.t("恢复密钥", "Recovery recipient"), r.get(..16).unwrap_or(r))
                }
                _ => String::new(),
            };
            holders.push(HolderView {
                id: h.id.clone(),
                group: group.name(),
                who,
                pending: !h.is_active(),
                may_approve,
            });
        }
    }
    let title = lang.t("密钥与成员", "Keys and members");
    Ok(html(StatusCode::OK, jubao_templates::staff::keys(&page.frame(title, "/staff/keys"), &holders)))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
}

pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    holder: web::Path<String>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, KEY_ROLES);
    check_csrf(&page.session, &form.csrf, lang)?;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    let mut tx = state.store.begin().await.map_err(PageError::store(lang))?;
    let row = keys::holder(&mut tx, &holder)
        .await
        .map_err(PageError::store(lang))?
        .ok_or_else(|| err(crate::service::not_found("找不到这名密钥组成员。", "The holder was not found.")))?;
    let group_name: String = sqlx::query_scalar("SELECT key_group FROM key_holders WHERE id = $1")
        .bind(&row.id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| PageError::store(lang)(e.into()))?;
    let Some((group, may)) = groups_of(official).into_iter().find(|(g, _)| g.name() == group_name) else {
        return Err(super::forbidden(lang));
    };
    if !may {
        return Err(super::forbidden(lang));
    }
    let now = unix_now();
    per_group!(&group, grant_to_holder(&mut tx, &group, &official.user_id, &official.key, &row.id, now))
        .map_err(err)?;
    crate::store::audit::append(
        &mut tx,
        &crate::store::audit::Entry {
            actor_id: Some(&official.user_id),
            action: "key.grant",
            tip_id: None,
            detail: &format!("group={group_name} holder={}", row.id),
            at: now,
        },
    )
    .await
    .map_err(PageError::store(lang))?;
    tx.commit().await.map_err(|e| PageError::store(lang)(e.into()))?;
    Ok(see_other("/staff/keys"))
}
