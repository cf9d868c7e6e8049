//! The staff workspace under `/staff/`. The session lives in a strict, HTTP-only cookie for
//! `/staff` alone; every form that changes something carries a token derived from it; every
//! route checks the official's roles on the server, and what they read is opened with their
//! own keys.

pub mod admin;
pub mod case;
pub mod disclosures;
pub mod finance;
pub mod intake;
pub mod keys;
pub mod login;
pub mod oversight;
pub mod queue;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use jubao_templates::Lang;
use jubao_templates::staff::{Frame, Nav};
use std::marker::PhantomData;

use super::AppState;
use super::auth::{self, StaffSession, csrf_matches, csrf_token};
use super::error::{PageError, Problem};
use crate::crypto::session::SessionToken;
use crate::domain::{Capability, Role};
use crate::web::lang::lang_of;

pub const COOKIE: &str = "jubao_staff";

pub fn cookie(token: &SessionToken, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_text().to_string())
        .path("/staff")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

pub fn expired_cookie(secure: bool) -> Cookie<'static> {
    let mut c = cookie(&SessionToken::generate(), secure);
    c.make_removal();
    c
}

pub fn html(status: actix_web::http::StatusCode, markup: maud::Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string())
}

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, to)).finish()
}

/// The signed-in official, or the answer that sends them to sign in.
pub async fn session(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
) -> Result<Result<StaffSession, HttpResponse>, PageError> {
    let token = req.cookie(COOKIE).and_then(|c| SessionToken::parse(c.value()));
    match auth::staff(state, token).await {
        Ok(Some(s)) => Ok(Ok(s)),
        Ok(None) => Ok(Err(HttpResponse::SeeOther()
            .cookie(expired_cookie(state.settings.public_url.is_https()))
            .insert_header((LOCATION, "/staff/login"))
            .finish())),
        Err(e) => Err(PageError { problem: e.into(), lang }),
    }
}

/// Refused: the role does not allow this page.
pub fn forbidden(lang: Lang) -> PageError {
    PageError {
        problem: Problem::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden", "staff-your-role-may-not-open"),
        lang,
    }
}

/// Refused: the form token is missing or wrong.
pub fn bad_token(lang: Lang) -> PageError {
    PageError {
        problem: Problem::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "bad_form_token",
            "staff-page-has-expired-go-back",
        ),
        lang,
    }
}

pub fn check_csrf(session: &StaffSession, given: &str, lang: Lang) -> Result<(), PageError> {
    if csrf_matches(&session.token, given) { Ok(()) } else { Err(bad_token(lang)) }
}

/// The pages of the workspace in the order the navigation lists them, with the kind of work
/// each needs.
const PAGES: [(&str, &str, Capability); 7] = [
    ("/staff/intake", "intake-file-tip", Capability::FileForCallers),
    ("/staff", "staff-queue", Capability::ReadTips),
    ("/staff/oversight", "staff-oversight", Capability::Oversee),
    ("/staff/finance", "finance-rewards", Capability::PayRewards),
    ("/staff/disclosures", "staff-disclosures", Capability::DecideDisclosures),
    ("/staff/keys", "staff-keys", Capability::HoldKeys),
    ("/staff/admin", "admin-administration", Capability::Administer),
];

/// The navigation an official's roles call for: the pages they may open.
pub fn nav(session: &StaffSession, lang: Lang) -> Vec<Nav> {
    PAGES
        .iter()
        .filter(|(_, _, need)| session.can(*need))
        .map(|(href, label, _)| Nav { href, label: lang.tr(label).to_owned() })
        .collect()
}

/// Where an official lands after signing in: the first page of theirs in the order of their
/// daily work (the queue, then disclosures, finance, administration, the desk), or their keys.
pub fn landing(roles: &[Role]) -> &'static str {
    const ORDER: [Capability; 5] = [
        Capability::ReadTips,
        Capability::DecideDisclosures,
        Capability::PayRewards,
        Capability::Administer,
        Capability::FileForCallers,
    ];
    let first = ORDER.into_iter().find(|need| need.held_by(roles));
    PAGES.iter().find(|(_, _, need)| Some(*need) == first).map_or("/staff/keys", |(href, _, _)| href)
}

/// `?done=STEP&reference=R`, where a page sends the browser after a step succeeded
/// (Post/Redirect/Get), to say what was done.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
    reference: String,
}

impl Done {
    /// The notice for the step done, from `steps` (step, message taking the `reference`).
    pub fn notice(&self, lang: Lang, steps: &[(&str, &'static str)]) -> Option<String> {
        let reference = crate::domain::TipReference::parse(&self.reference).map(|r| r.to_string()).unwrap_or_default();
        let (_, key) = steps.iter().find(|(step, _)| *step == self.done)?;
        Some(lang.tr_with(key, &[("reference", jubao_templates::i18n::Arg::from(reference.as_str()))]))
    }
}

/// Everything a staff page needs besides its body.
pub struct Page {
    pub session: StaffSession,
    pub nav: Vec<Nav>,
    pub csrf: String,
    pub lang: Lang,
}

impl Page {
    pub fn new(session: StaffSession, lang: Lang) -> Self {
        let nav = nav(&session, lang);
        let csrf = csrf_token(&session.token);
        Self { session, nav, csrf, lang }
    }

    pub fn frame<'a>(&'a self, title: &'a str, path: &'a str) -> Frame<'a> {
        Frame {
            lang: self.lang,
            title,
            path,
            username: &self.session.official.username,
            nav: &self.nav,
            csrf: &self.csrf,
        }
    }
}

/// The kind of work a staff page needs, as a type (`need::…`).
pub trait Need {
    const CAPABILITY: Capability;
}

/// One type per capability, to name in `Staff<…>`.
pub mod need {
    use super::{Capability, Need};

    macro_rules! needs {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("Needs `Capability::", stringify!($name), "`.")]
            pub struct $name;
            impl Need for $name {
                const CAPABILITY: Capability = Capability::$name;
            }
        )*};
    }

    needs!(FileForCallers, ReadTips, WorkCases, Approve, Oversee, DecideDisclosures, PayRewards, HoldKeys, Administer);
}

/// A staff page opened for a signed-in official whose roles give the work `N` needs. An
/// official not signed in is sent to sign in; one without the capability is refused (403).
pub struct Staff<N: Need>(pub Page, PhantomData<N>);

impl<N: Need + 'static> FromRequest for Staff<N> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let lang = lang_of(&req);
            let state = req
                .app_data::<actix_web::web::Data<AppState>>()
                .ok_or(PageError { problem: Problem::internal(), lang })?;
            let token = req.cookie(COOKIE).and_then(|c| SessionToken::parse(c.value()));
            let session = auth::staff(state, token).await.map_err(|e| PageError { problem: e.into(), lang })?;
            let Some(session) = session else {
                let expired = expired_cookie(state.settings.public_url.is_https());
                return Err(auth::SignInFirst { to: "/staff/login", expired }.into());
            };
            if !session.can(N::CAPABILITY) {
                return Err(forbidden(lang).into());
            }
            Ok(Staff(Page::new(session, lang), PhantomData))
        })
    }
}
