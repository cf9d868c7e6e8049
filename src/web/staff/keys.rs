//! `GET /staff/keys` and `POST /staff/keys/{holder}/approve`: who holds the keys of the
//! official's groups, who may admit each newcomer, which versions no session can pass on,
//! and approving newcomers (the rule is `groups::approvers`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::i18n::Msg;
use jubao_templates::staff::{GroupView, HolderView, VersionLine};
use serde::Deserialize;

use super::{Staff, need};
use super::{check_csrf, html, see_other};
use crate::domain::KeyGroup;
use crate::service::ServiceError;
use crate::service::groups;
use crate::store::{Conn, keys, unix_now};
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;
use crate::web::reference_cache::ReferenceData;

/// A key group as a person reads it: the department's name in the page's language.
pub fn group_label(data: &ReferenceData, group: &KeyGroup, lang: Lang) -> String {
    match group {
        KeyGroup::Department(code) => data.department_name(code.as_str(), lang == Lang::Zh),
        KeyGroup::Custodians => lang.tr("keys-custodians").to_owned(),
        KeyGroup::Finance => lang.tr("admin-finance").to_owned(),
        KeyGroup::Matching => lang.tr("keys-matching").to_owned(),
    }
}

/// Everything the keys and admin pages say about one group.
pub async fn group_view(
    conn: &mut Conn,
    data: &ReferenceData,
    group: &KeyGroup,
    viewer: Option<&str>,
    lang: Lang,
) -> Result<GroupView, ServiceError> {
    let mut holders = Vec::new();
    for h in keys::holders(conn, &group.name()).await? {
        // One waiting for their department too is admitted to the matching key with it.
        if *group == KeyGroup::Matching
            && !h.is_active()
            && let Some(user) = &h.user_id
            && keys::pending_elsewhere(conn, user, &group.name()).await?
        {
            continue;
        }
        let who = match (&h.user_id, &h.recipient) {
            (Some(id), _) => crate::store::users::by_id(conn, id).await?.map_or_else(|| id.clone(), |u| u.username),
            (None, Some(r)) => format!("{} {}…", lang.tr("keys-recovery-recipient"), r.get(..16).unwrap_or(r)),
            _ => String::new(),
        };
        let (approvers, may_approve) = if h.is_active() {
            (Vec::new(), false)
        } else {
            let approvers = groups::approvers(conn, group, &h).await?;
            let may = viewer.is_some_and(|v| approvers.iter().any(|a| a.user_id == v));
            (approvers.into_iter().map(|a| a.username).collect(), may)
        };
        holders.push(HolderView {
            id: h.id.clone(),
            who,
            pending: !h.is_active(),
            own: viewer.is_some() && h.user_id.as_deref() == viewer,
            may_approve,
            approvers,
        });
    }
    let versions = groups::version_states(conn, group)
        .await?
        .into_iter()
        .map(|v| VersionLine { version: v.version, officials: v.officials, recovery: v.recovery, tips: v.tips })
        .collect();
    Ok(GroupView { label: group_label(data, group, lang), versions, holders })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct KeysQuery {
    done: String,
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::HoldKeys>,
    PageLang(lang): PageLang,
    query: web::Query<KeysQuery>,
) -> Result<HttpResponse, PageError> {
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let mut conn = state.store.conn().await.map_err(PageError::store(lang))?;
    let official = &page.session.official;
    let mut views = Vec::new();
    for group in official.key_groups() {
        let view = group_view(&mut conn, &data, &group, Some(&official.user_id), lang)
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?;
        views.push(view);
    }
    let notice = (query.done == "approved").then(|| lang.tr("keys-approved-new-member-now-holds"));
    let title = lang.tr("keys-keys-members");
    Ok(html(StatusCode::OK, jubao_templates::staff::keys(&page.frame(title, "/staff/keys"), &views, notice)))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ApproveForm {
    csrf: String,
    /// The required checkbox: the approver vouches that this is the colleague they know.
    confirm: String,
}

pub async fn approve(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::HoldKeys>,
    PageLang(lang): PageLang,
    holder: web::Path<String>,
    form: web::Form<ApproveForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    if form.confirm.is_empty() {
        return Err(err(ServiceError::BadInput(Msg::new("keys-tick-confirmation-box-confirm-colleague").to_owned())));
    }
    groups::admit_pending(&state.store, official, holder.as_str(), unix_now()).await.map_err(err)?;
    Ok(see_other("/staff/keys?done=approved"))
}
