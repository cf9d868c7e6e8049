//! `/staff/admin`: officials and QR posters. Administrators never see tip content: these
//! pages show accounts, roles, key groups and posters only.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::staff::{AdminView, DepartmentLine, UserLine};
use serde::Deserialize;

use super::{check_csrf, html, see_other};
use crate::auth::Password;
use crate::domain::{Code, Role, Roles, Username};
use crate::service::officials::{self, NewOfficial};
use crate::service::{ServiceError, posters};
use crate::store::{keys, unix_now, users};
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;

async fn view(state: &AppState, lang: Lang, error: Option<String>) -> Result<AdminView, PageError> {
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let zh = lang == Lang::Zh;
    let mut conn = state.store.conn().await.map_err(PageError::store(lang))?;
    let mut lines = Vec::new();
    for u in users::list(&mut conn).await.map_err(PageError::store(lang))? {
        let roles = users::roles(&mut conn, &u.id).await.map_err(PageError::store(lang))?;
        let groups: Vec<(String, String)> =
            sqlx::query_as("SELECT key_group, state FROM key_holders WHERE user_id = $1 ORDER BY key_group")
                .bind(&u.id)
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| PageError::store(lang)(e.into()))?;
        lines.push(UserLine {
            id: u.id,
            username: u.username,
            roles: roles.join(", "),
            department: u.department_code.map(|d| data.department_name(&d, zh)).unwrap_or_default(),
            groups: groups.into_iter().map(|(g, s)| format!("{g} ({s})")).collect::<Vec<_>>().join(", "),
            disabled: u.disabled_at.is_some(),
        });
    }
    let posters: Vec<(String, String)> =
        sqlx::query_as("SELECT code, label FROM posters WHERE retired_at IS NULL ORDER BY created_at DESC")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| PageError::store(lang)(e.into()))?;
    let mut department_keys = Vec::new();
    for d in data.reference.departments.iter() {
        let group = crate::domain::KeyGroup::Department(
            Code::parse(&d.code).map_err(|_| PageError { problem: crate::web::error::Problem::internal(), lang })?,
        )
        .name();
        let versions = keys::versions(&mut conn, &group).await.map_err(PageError::store(lang))?.len();
        let holders = keys::holders(&mut conn, &group).await.map_err(PageError::store(lang))?;
        let open_tips: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tips WHERE department_code = $1 AND status IN ('received', 'accepted', 'verifying', 'under_review')",
        )
        .bind(&d.code)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| PageError::store(lang)(e.into()))?;
        let count =
            |f: &dyn Fn(&keys::HolderRow) -> bool| i64::try_from(holders.iter().filter(|h| f(h)).count()).unwrap_or(0);
        department_keys.push(DepartmentLine {
            name: if zh { d.name_zh.clone() } else { d.name_en.clone() },
            versions: i64::try_from(versions).unwrap_or(0),
            active: count(&|h| h.is_active() && h.user_id.is_some()),
            pending: count(&|h| !h.is_active()),
            recovery: count(&|h| h.recipient.is_some()),
            open_tips,
        });
    }
    let s = &state.settings;
    let l = &s.limits;
    let settings = vec![
        ("public_url".to_owned(), s.public_url.join("/")),
        (
            "database".to_owned(),
            match s.database_url().backend() {
                Some(crate::configuration::Backend::Sqlite) => "sqlite".to_owned(),
                _ => "postgres".to_owned(),
            },
        ),
        (
            "smtp_url".to_owned(),
            s.smtp_url.as_ref().map_or_else(|| "— (.eml files in data_dir/outbox)".to_owned(), |u| format!("{u:?}")),
        ),
        (
            "trusted_proxies".to_owned(),
            s.trusted_proxies.0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        ),
        ("limits.tips_per_client_per_hour".to_owned(), l.tips_per_client_per_hour.to_string()),
        ("limits.tips_per_hour".to_owned(), l.tips_per_hour.to_string()),
        (
            "limits.reporter_logins_per_client_per_minute".to_owned(),
            l.reporter_logins_per_client_per_minute.to_string(),
        ),
        ("limits.staff_logins_per_user_per_minute".to_owned(), l.staff_logins_per_user_per_minute.to_string()),
        ("limits.max_upload_bytes".to_owned(), l.max_upload_bytes.to_string()),
        ("limits.max_tip_bytes".to_owned(), l.max_tip_bytes.to_string()),
        ("limits.max_files_per_tip".to_owned(), l.max_files_per_tip.to_string()),
        ("limits.header_timeout_seconds".to_owned(), l.header_timeout_seconds.to_string()),
        ("limits.request_timeout_seconds".to_owned(), l.request_timeout_seconds.to_string()),
        ("limits.min_body_bytes_per_second".to_owned(), l.min_body_bytes_per_second.to_string()),
        ("limits.max_connections".to_owned(), l.max_connections.to_string()),
        ("limits.connections_per_client".to_owned(), l.connections_per_client.to_string()),
        ("limits.messages_per_tip_per_day".to_owned(), l.messages_per_tip_per_day.to_string()),
        ("limits.evidence_mib_per_client_per_hour".to_owned(), l.evidence_mib_per_client_per_hour.to_string()),
        ("limits.min_free_disk_mib".to_owned(), l.min_free_disk_mib.to_string()),
        ("limits.max_database_mib".to_owned(), l.max_database_mib.to_string()),
    ];
    let r = &data.reference;
    let pick = |z: &str, e: &str| if zh { z.to_owned() } else { e.to_owned() };
    Ok(AdminView {
        users: lines,
        department_keys,
        settings,
        posters: posters
            .into_iter()
            .map(|(code, label)| {
                let url = state.settings.public_url.join(&format!("/q/{code}"));
                (code, label, url)
            })
            .collect(),
        departments: r.departments.iter().map(|d| (d.code.clone(), pick(&d.name_zh, &d.name_en))).collect(),
        districts: r.districts.iter().map(|d| (d.code.clone(), pick(&d.name_zh, &d.name_en))).collect(),
        categories: r.categories.iter().map(|d| (d.code.clone(), pick(&d.name_zh, &d.name_en))).collect(),
        error,
    })
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Admin]);
    let view = view(&state, lang, None).await?;
    let title = lang.t("管理", "Administration");
    Ok(html(StatusCode::OK, jubao_templates::staff::admin(&page.frame(title, "/staff/admin"), &view)))
}

/// Not `Debug`: it carries a password.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    csrf: String,
    username: String,
    roles: String,
    department: String,
    email: String,
    password: String,
}

/// A refusal in the page's language: the Chinese given, or the error's English.
fn said(lang: Lang, zh: &str, en: impl std::fmt::Display) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_string(),
    }
}

pub async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Admin]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let title = lang.t("管理", "Administration");
    let parsed = (|| -> Result<NewOfficial, String> {
        Ok(NewOfficial {
            username: Username::parse(form.username.trim())
                .map_err(|e| said(lang, "用户名须为 3 至 32 个字符，只用小写字母、数字和 . _ -，并以字母开头。", e))?,
            roles: Roles::parse(&form.roles).map_err(|e| {
                said(
                    lang,
                    "请填写有效的角色：intake、officer、head、oversight、custodian、finance、admin（多个用逗号分隔）。",
                    e,
                )
            })?,
            department: match form.department.trim() {
                "" => None,
                d => Some(Code::parse(d).map_err(|e| said(lang, "部门代码无效。", e))?),
            },
            email: match form.email.trim() {
                "" => None,
                e if crate::domain::validation::valid_email(e) => Some(e.to_owned()),
                _ => return Err(lang.t("电子邮件地址无效。", "not an email address").to_owned()),
            },
            password: Password::new(form.password.clone())
                .map_err(|e| said(lang, "密码长度不符合要求：至少 12 个字符，最多 1024 字节。", e))?,
        })
    })();
    let refuse = |message: String| async {
        let view = view(&state, lang, Some(message)).await?;
        Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            jubao_templates::staff::admin(&page.frame(title, "/staff/admin"), &view),
        ))
    };
    let new = match parsed {
        Ok(new) => new,
        Err(message) => return refuse(message).await,
    };
    let username = new.username.to_string();
    let now = unix_now();
    let created = match officials::create(&state.store, new, now).await {
        Ok(created) => created,
        Err(ServiceError::Invalid { zh, en }) => return refuse(lang.t(&zh, &en).to_owned()).await,
        Err(ServiceError::Store(crate::store::StoreError::Conflict(m))) => {
            return refuse(lang.t("这个用户名已被使用，请换一个。", &m).to_owned()).await;
        }
        Err(e) => return Err(PageError { problem: e.into(), lang }),
    };
    let mut tx = state.store.begin().await.map_err(PageError::store(lang))?;
    crate::store::audit::append(
        &mut tx,
        &crate::store::audit::Entry {
            actor_id: Some(&page.session.official.user_id),
            action: "user.create",
            tip_id: None,
            detail: &format!("user={}", created.user_id),
            at: now,
        },
    )
    .await
    .map_err(PageError::store(lang))?;
    tx.commit().await.map_err(|e| PageError::store(lang)(e.into()))?;
    let qr = posters::qr_svg(&created.enrolment.uri).map_err(|e| PageError { problem: e.into(), lang })?;
    let groups: Vec<String> = created
        .groups
        .iter()
        .map(|(g, joined)| match joined {
            crate::service::groups::Joined::NewVersion(v) => {
                format!("{g}: {} {v}", lang.t("新密钥版本", "new key version"))
            }
            crate::service::groups::Joined::Pending { .. } => {
                format!("{g}: {}", lang.t("待本组成员批准", "pending a member's approval"))
            }
        })
        .collect();
    let frame = page.frame(title, "/staff/admin");
    Ok(html(
        StatusCode::OK,
        jubao_templates::staff::user_created(&frame, &username, &created.enrolment.secret_base32, &qr, &groups),
    ))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
}

pub async fn disable_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    id: web::Path<String>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Admin]);
    check_csrf(&page.session, &form.csrf, lang)?;
    officials::disable(&state.store, &page.session.official, &id, unix_now())
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(see_other("/staff/admin"))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PosterForm {
    csrf: String,
    label: String,
    district: String,
    category: String,
}

pub async fn create_poster(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    form: web::Form<PosterForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Admin]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let code = |s: &str| Code::parse(s.trim()).ok();
    let poster = posters::create(
        &state.store,
        &form.label,
        code(&form.district).as_ref(),
        code(&form.category).as_ref(),
        unix_now(),
    )
    .await
    .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(see_other(&format!("/q/{}/poster", poster.code)))
}
