//! Server-rendered pages of jubao. Views receive plain view-models and never query anything;
//! every text is given in Chinese and English and the page language picks one.

use maud::{DOCTYPE, Markup, html};

pub mod desk;
pub mod events;
pub mod form;
pub mod home;
pub mod limited;
pub mod poster;
pub mod report;
pub mod staff;
pub mod track;

/// The stylesheet, served from `/static/jubao.css`.
pub const STYLESHEET: &str = include_str!("../static/jubao.css");

/// The site icon (a 32 px PNG in an ICO), served from `/favicon.ico`.
pub const FAVICON: &[u8] = include_bytes!("../static/favicon.ico");

/// Page language: Chinese by default, English when the visitor chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

    /// Picks the text of this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
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

pub fn layout(frame: &Frame<'_>, body: Markup) -> Markup {
    let lang = frame.lang;
    let other = lang.other();
    let site = lang.t("安全生产举报", "Work-safety reporting");
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (frame.title) " · " (site) }
                link rel="stylesheet" href="/static/jubao.css";
                link rel="icon" href="/favicon.ico" sizes="32x32";
            }
            body {
                header.site {
                    a.brand href="/" { (site) }
                    a.lang href={ "/lang/" (other.code()) "?next=" (frame.path) } lang=(other.html_lang()) {
                        (other.t("中文", "English"))
                    }
                }
                main { (body) }
                footer.site {
                    p {
                        (lang.t("举报电话", "Hotline")) " " strong { (HOTLINE) }
                        " · "
                        (lang.t("本网站不记录您的IP地址，不使用第三方资源。", "This site keeps no record of your IP address and loads nothing from third parties."))
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
                p.muted { (lang.t("错误代码", "Error code")) " " (status) }
                p { a.button href="/" { (lang.t("返回首页", "Back to the home page")) } }
            }
        },
    )
}
