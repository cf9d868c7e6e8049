//! `/staff/admin`: officials and QR posters. Administrators never see tip content: these
//! pages show accounts, roles, key groups and posters only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::i18n::Arg;
use jubao_templates::i18n::Msg;
use jubao_templates::staff::{AdminView, DepartmentLine, NewUserDraft, RoleChoice, UserLine};
use serde::Deserialize;

use super::{Staff, need};
use super::{check_csrf, html, see_other};
use crate::auth::Password;
use crate::configuration::Settings;
use crate::domain::{Code, Role, Roles, Username};
use crate::service::officials::{self, Created, NewOfficial};
use crate::service::{ServiceError, posters};
use crate::store::posters as store_posters;
use crate::store::{Conn, keys, tips, unix_now, users};
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;
use crate::web::reference_cache::ReferenceData;

/// Each role with its one-line description, in the page's language.
fn role_choices(lang: Lang) -> Vec<RoleChoice> {
    Role::ALL
        .into_iter()
        .map(|role| {
            let (name, description) = role.words();
            RoleChoice {
                code: role.as_str().to_owned(),
                name: lang.tr(name).to_owned(),
                description: lang.tr(description).to_owned(),
            }
        })
        .collect()
}

/// The whole admin page: accounts, department keys, settings and posters.
async fn view(
    state: &AppState,
    lang: Lang,
    draft: NewUserDraft,
    field_errors: Vec<(String, String)>,
    notice: Option<String>,
) -> Result<AdminView, PageError> {
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let zh = lang == Lang::Zh;
    let mut conn = state.store.conn().await.map_err(PageError::store(lang))?;
    let lines = user_lines(&mut conn, &data, lang).await?;
    let posters = store_posters::current(&mut conn).await.map_err(PageError::store(lang))?;
    let department_keys = department_lines(&mut conn, &data, lang).await?;
    let settings = settings_lines(&state.settings, lang);
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
        roles: role_choices(lang),
        draft,
        field_errors,
        notice,
    })
}

/// One line per account: roles, department and key groups in the page's language.
async fn user_lines(conn: &mut Conn, data: &ReferenceData, lang: Lang) -> Result<Vec<UserLine>, PageError> {
    let zh = lang == Lang::Zh;
    let mut lines = Vec::new();
    for u in users::overview(&mut *conn).await.map_err(PageError::store(lang))? {
        let groups: Vec<String> = u
            .groups
            .into_iter()
            .filter_map(|(g, s)| {
                let label = super::keys::group_label(data, &crate::domain::KeyGroup::parse(&g)?, lang);
                Some(if s == "active" { label } else { format!("{label}（{}）", lang.tr("admin-pending")) })
            })
            .collect();
        lines.push(UserLine {
            id: u.id,
            username: u.username,
            roles: u.roles.iter().map(|r| lang.tr(r.words().0)).collect::<Vec<_>>().join(lang.tr("list-separator")),
            department: u.department_code.map(|d| data.department_name(&d, zh)).unwrap_or_default(),
            groups: groups.join(lang.tr("list-separator")),
            disabled: u.disabled_at.is_some(),
        });
    }
    Ok(lines)
}

/// One line per department: its key group, holders, heads and open tips.
async fn department_lines(conn: &mut Conn, data: &ReferenceData, lang: Lang) -> Result<Vec<DepartmentLine>, PageError> {
    let zh = lang == Lang::Zh;
    let mut department_keys = Vec::new();
    for d in data.reference.departments.iter() {
        let key_group = crate::domain::KeyGroup::Department(
            Code::parse(&d.code).map_err(|_| PageError { problem: crate::web::error::Problem::internal(), lang })?,
        );
        let group = key_group.name();
        let keys_view = super::keys::group_view(&mut *conn, data, &key_group, None, lang)
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?;
        let heads = keys::active_heads(&mut *conn, &group, &d.code).await.map_err(PageError::store(lang))?;
        let versions = keys::versions(&mut *conn, &group).await.map_err(PageError::store(lang))?.len();
        let holders = keys::holders(&mut *conn, &group).await.map_err(PageError::store(lang))?;
        let open_tips = tips::open_in_department(&mut *conn, &d.code).await.map_err(PageError::store(lang))?;
        let count =
            |f: &dyn Fn(&keys::HolderRow) -> bool| i64::try_from(holders.iter().filter(|h| f(h)).count()).unwrap_or(0);
        department_keys.push(DepartmentLine {
            name: if zh { d.name_zh.clone() } else { d.name_en.clone() },
            versions: i64::try_from(versions).unwrap_or(0),
            active: count(&|h| h.is_active() && h.user_id.is_some()),
            pending: count(&|h| !h.is_active()),
            recovery: count(&|h| h.recipient.is_some()),
            open_tips,
            heads,
            keys: keys_view,
        });
    }
    Ok(department_keys)
}

/// The settings in force, as (name, value) pairs; the SMTP address shows in debug form only.
fn settings_lines(s: &Settings, lang: Lang) -> Vec<(String, String)> {
    let l = &s.limits;
    vec![
        ("public_url".to_owned(), s.public_url.join("/")),
        (
            "database".to_owned(),
            match s.database_url().backend() {
                Some(crate::configuration::Backend::Sqlite) => "SQLite".to_owned(),
                _ => "PostgreSQL".to_owned(),
            },
        ),
        (
            "smtp_url".to_owned(),
            s.smtp_url
                .as_ref()
                .map_or_else(|| lang.tr("admin-not-set-mails-written-files").to_owned(), |u| format!("{u:?}")),
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
        ("limits.max_document_mib".to_owned(), l.max_document_mib.to_string()),
        ("limits.max_document_inflated_mib".to_owned(), l.max_document_inflated_mib.to_string()),
        ("limits.header_timeout_seconds".to_owned(), l.header_timeout_seconds.to_string()),
        ("limits.request_timeout_seconds".to_owned(), l.request_timeout_seconds.to_string()),
        ("limits.min_body_bytes_per_second".to_owned(), l.min_body_bytes_per_second.to_string()),
        ("limits.max_connections".to_owned(), l.max_connections.to_string()),
        ("limits.connections_per_client".to_owned(), l.connections_per_client.to_string()),
        ("limits.messages_per_tip_per_day".to_owned(), l.messages_per_tip_per_day.to_string()),
        ("limits.evidence_mib_per_client_per_hour".to_owned(), l.evidence_mib_per_client_per_hour.to_string()),
        ("limits.min_free_disk_mib".to_owned(), l.min_free_disk_mib.to_string()),
        ("limits.max_database_mib".to_owned(), l.max_database_mib.to_string()),
    ]
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminQuery {
    done: String,
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::Administer>,
    PageLang(lang): PageLang,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = (query.done == "disabled").then(|| lang.tr("admin-disabled-they-can-no-longer").to_owned());
    let view = view(&state, lang, NewUserDraft::default(), Vec::new(), notice).await?;
    let title = lang.tr("admin-administration");
    Ok(html(StatusCode::OK, jubao_templates::staff::admin(&page.frame(title, "/staff/admin"), &view)))
}

/// The create-official form as sent: several `roles` boxes, so not a `web::Form`. Not
/// `Debug`: it carries a password.
#[derive(Default)]
struct NewUserForm {
    csrf: String,
    username: String,
    roles: Vec<String>,
    department: String,
    email: String,
    password: String,
}

impl NewUserForm {
    fn parse(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "csrf" => form.csrf = value,
                "username" => form.username = value,
                "roles" => form.roles.push(value),
                "department" => form.department = value,
                "email" => form.email = value,
                "password" => form.password = value,
                _ => {}
            }
        }
        form
    }

    fn draft(&self) -> NewUserDraft {
        NewUserDraft {
            username: self.username.clone(),
            roles: self.roles.clone(),
            department: self.department.clone(),
            email: self.email.clone(),
        }
    }
}

/// The form's fields as an official, or what is wrong next to which field.
fn parse_official(form: &NewUserForm, lang: Lang) -> Result<NewOfficial, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut refuse = |field: &str, key: &'static str| errors.push((field.to_owned(), lang.tr(key).to_owned()));
    let username = Username::parse(form.username.trim()).ok();
    if username.is_none() {
        refuse("username", "admin-username-3-32-characters-z");
    }
    let roles = match form.roles.iter().map(|r| Role::parse(r)).collect::<Option<Vec<_>>>() {
        None => {
            refuse("roles", "admin-choose-roles-from-list");
            None
        }
        Some(list) => match Roles::new(list) {
            Ok(roles) => Some(roles),
            Err(_) => {
                refuse("roles", "admin-choose-least-one-role");
                None
            }
        },
    };
    let department = match form.department.trim() {
        "" => None,
        d => {
            let code = Code::parse(d).ok();
            if code.is_none() {
                refuse("department", "admin-choose-department-from-list");
            }
            code
        }
    };
    if roles.as_ref().is_some_and(Roles::needs_department) && department.is_none() && form.department.trim().is_empty()
    {
        refuse("department", "admin-officers-heads-need-department");
    }
    let email = match form.email.trim() {
        "" => None,
        e if crate::domain::validation::valid_email(e) => Some(e.to_owned()),
        _ => {
            refuse("email", "admin-not-email-address");
            None
        }
    };
    let password = Password::new(form.password.clone()).ok();
    if password.is_none() {
        refuse("password", "admin-first-password-needs-least-12");
    }
    match (username, roles, password) {
        (Some(username), Some(roles), Some(password)) if errors.is_empty() => {
            Ok(NewOfficial { username, roles, department, email, password })
        }
        _ => Err(errors),
    }
}

/// Creates an official from the form and shows their enrolment secret, or the form again with errors.
pub async fn create_user(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::Administer>,
    PageLang(lang): PageLang,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form = NewUserForm::parse(&body);
    check_csrf(&page.session, &form.csrf, lang)?;
    let title = lang.tr("admin-administration");
    let refuse = |errors: Vec<(String, String)>| async {
        let view = view(&state, lang, form.draft(), errors, None).await?;
        Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            jubao_templates::staff::admin(&page.frame(title, "/staff/admin"), &view),
        ))
    };
    let new = match parse_official(&form, lang) {
        Ok(new) => new,
        Err(errors) => return refuse(errors).await,
    };
    let username = new.username.to_string();
    let now = unix_now();
    let created = match create_official(&state, new, now, lang).await? {
        Ok(created) => created,
        Err(errors) => return refuse(errors).await,
    };
    let mut tx = state.store.begin().await.map_err(PageError::store(lang))?;
    officials::record_creation(&mut tx, &page.session.official.user_id, &created, now)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let mut groups = joined_messages(&mut tx, &data, &created, lang).await?;
    groups.extend(headless_warnings(&mut tx, &data, &created, lang).await?);
    tx.commit().await.map_err(PageError::store(lang))?;
    let qr = posters::qr_svg(&created.enrolment.uri).map_err(|e| PageError { problem: e.into(), lang })?;
    let frame = page.frame(title, "/staff/admin");
    Ok(html(
        StatusCode::OK,
        jubao_templates::staff::user_created(&frame, &username, &created.enrolment.secret_base32, &qr, &groups),
    ))
}

/// Creates the official; a bad department or a taken username comes back as a field error.
async fn create_official(
    state: &AppState,
    new: NewOfficial,
    now: i64,
    lang: Lang,
) -> Result<Result<Created, Vec<(String, String)>>, PageError> {
    match officials::create(&state.store, new, now).await {
        Ok(created) => Ok(Ok(created)),
        Err(ServiceError::Field { field, msg }) => Ok(Err(vec![(field.to_owned(), msg.render(lang))])),
        Err(ServiceError::Store(crate::store::StoreError::Conflict(_))) => {
            let why = lang.tr("admin-username-taken-choose-another");
            Ok(Err(vec![("username".to_owned(), why.to_owned())]))
        }
        Err(e) => Err(PageError { problem: e.into(), lang }),
    }
}

/// What joining each key group did, in the order joined.
async fn joined_messages(
    tx: &mut Conn,
    data: &ReferenceData,
    created: &Created,
    lang: Lang,
) -> Result<Vec<String>, PageError> {
    let mut groups = Vec::new();
    for (g, joined) in &created.groups {
        let label = super::keys::group_label(data, g, lang);
        groups.push(match joined {
            crate::service::groups::Joined::NewVersion(v) => lang.tr_with(
                "admin-joined-first",
                &[("label", Arg::from(label.as_str())), ("version", Arg::from(v.to_string()))],
            ),
            crate::service::groups::Joined::Pending { holder_id } => {
                pending_message(&mut *tx, g, holder_id, &label, lang).await?
            }
        });
    }
    Ok(groups)
}

/// Who may approve a pending membership, or that nobody can yet.
async fn pending_message(
    tx: &mut Conn,
    g: &crate::domain::KeyGroup,
    holder_id: &str,
    label: &str,
    lang: Lang,
) -> Result<String, PageError> {
    let holder = keys::holder(&mut *tx, holder_id).await.map_err(PageError::store(lang))?;
    let approvers = match holder {
        Some(h) => crate::service::groups::approvers(&mut *tx, g, &h)
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?,
        None => Vec::new(),
    };
    let names: Vec<String> = approvers.into_iter().map(|a| a.username).collect();
    Ok(if names.is_empty() {
        lang.tr_with("admin-joined-pending-nobody", &[("label", Arg::from(label))])
    } else {
        let names = names.join(lang.tr("list-or"));
        lang.tr_with("admin-joined-pending", &[("label", Arg::from(label)), ("names", Arg::from(names))])
    })
}

/// A warning for each department group joined that has no active head.
async fn headless_warnings(
    tx: &mut Conn,
    data: &ReferenceData,
    created: &Created,
    lang: Lang,
) -> Result<Vec<String>, PageError> {
    let mut warnings = Vec::new();
    for (g, _) in &created.groups {
        if let crate::domain::KeyGroup::Department(code) = g
            && keys::active_heads(&mut *tx, &g.name(), code.as_str()).await.map_err(PageError::store(lang))? == 0
        {
            let label = super::keys::group_label(data, g, lang);
            warnings.push(lang.tr_with("admin-no-active-head", &[("label", Arg::from(label.as_str()))]));
        }
    }
    Ok(warnings)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DisableForm {
    csrf: String,
    /// The required checkbox: disabling cannot be undone.
    confirm: String,
}

pub async fn disable_user(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::Administer>,
    PageLang(lang): PageLang,
    id: web::Path<String>,
    form: web::Form<DisableForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    if form.confirm.is_empty() {
        return Err(PageError {
            problem: ServiceError::BadInput(Msg::new("admin-tick-confirmation-box-disable-cannot")).into(),
            lang,
        });
    }
    officials::disable(&state.store, &page.session.official, &id, unix_now())
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(see_other("/staff/admin?done=disabled"))
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
    Staff(page, _): Staff<need::Administer>,
    PageLang(lang): PageLang,
    form: web::Form<PosterForm>,
) -> Result<HttpResponse, PageError> {
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
