//! What the reporter told, as both the reporter's status page and the official's case page show
//! it: one view borrowed from the opened report, never copied.

use maud::{Markup, html};

use crate::Lang;

pub struct Told<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub company: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    pub occurred_on: Option<&'a str>,
}

/// The lines under the title and description: where, the company, its code and the date.
pub fn details(lang: Lang, t: &Told<'_>) -> Markup {
    html! {
        p { strong { (lang.tr("staff-where")) } (t.location) }
        @if let Some(c) = t.company { p { strong { (lang.tr("staff-company")) } (c) } }
        @if let Some(c) = t.credit_code { p { strong { (lang.tr("staff-credit-code")) } (c) } }
        @if let Some(d) = t.occurred_on { p { strong { (lang.tr("staff-date")) } (d) } }
    }
}
