//! Server-rendered pages of jubao. Views receive plain view-models and never query anything;
//! every text comes from the message catalogue (`i18n`) in the page language.

use maud::{DOCTYPE, Markup, html};

pub mod desk;
pub mod events;
pub mod form;
pub mod home;
pub mod i18n;
pub mod limited;
pub mod poster;
pub mod report;
pub mod staff;
pub mod told;
pub mod track;

pub use told::Told;

/// The stylesheet, served from `/static/jubao.css`.
pub const STYLESHEET: &str = include_str!("../static/jubao.css");

/// The site icon (a 32 px PNG in an ICO), served from `/favicon.ico`.
pub const FAVICON: &[u8] = include_bytes!("../static/favicon.ico");

/// Page language: Chinese by default, English when the visitor chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The value of the `lang` attribute of `<html>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The language's identifier, for the catalogue's plural and number rules.
    pub fn identifier(self) -> unic_langid::LanguageIdentifier {
        let tag = self.html_lang();
        tag.parse().unwrap_or_default()
    }
}

/// What every page needs besides its body.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The document title, already in the page language.
    pub title: &'a str,
    /// The path of this page, to come back to after switching language.
    pub path: &'a str,
}

/// A file size for people: `812 B`, `14 KB`, `2.3 MB`.
pub fn size_text(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
}

/// The national work-safety reporting hotline.
pub const HOTLINE: &str = "12350";

/// The `head` of every page, public and staff: `title · site`.
pub(crate) fn head(title: &str, site: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            title { (title) " · " (site) }
            link rel="stylesheet" href="/static/jubao.css";
            link rel="icon" href="/favicon.ico" sizes="32x32";
        }
    }
}

pub fn layout(frame: &Frame<'_>, body: Markup) -> Markup {
    let lang = frame.lang;
    let other = lang.other();
    let site = lang.tr("home-work-safety-reporting");
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (head(frame.title, site))
            body {
                header.site {
                    a.brand href="/" { (site) }
                    a.lang href={ "/lang/" (other.code()) "?next=" (frame.path) } lang=(other.html_lang()) {
                        (other.tr("language-name"))
                    }
                }
                main { (body) }
                footer.site {
                    p {
                        (lang.tr("lib-hotline")) " " strong { (HOTLINE) }
                        " · "
                        (lang.tr("lib-site-keeps-no-record-your"))
                    }
                }
            }
        }
    }
}

/// A page for an error the visitor can act on (or not): status, both languages' messages.
pub fn error_page(frame: &Frame<'_>, status: u16, message: &str) -> Markup {
    let lang = frame.lang;
    layout(
        frame,
        html! {
            section.notice {
                h1 { (frame.title) }
                p { (message) }
                p.muted { (lang.tr("lib-error-code")) " " (status) }
                p { a.button href="/" { (lang.tr("lib-back-home-page")) } }
            }
        },
    )
}
