//! The hotline desk (`/staff/intake`): an intake official enters a tip taken by phone,
//! letter, visit or email on behalf of the caller, and reads the receipt out once. The desk
//! never shows the queue or any tip.

use maud::{Markup, html};

use crate::Lang;
use crate::form::{Choice, Errors, Text, error_summary, text_input, textarea};
use crate::report::{CategoryGroup, Values, pickers};
use crate::staff::{Frame, layout};

/// The channels the desk files under: code and name in words.
pub fn channels(lang: Lang) -> [(&'static str, &'static str); 4] {
    [
        ("hotline", lang.tr("desk-telephone")),
        ("letter", lang.tr("desk-letter")),
        ("visit", lang.tr("desk-visit")),
        ("email", lang.tr("desk-email")),
    ]
}

pub struct DeskForm {
    pub kinds: Vec<Choice>,
    pub categories: Vec<CategoryGroup>,
    pub districts: Vec<Choice>,
    /// What the clerk typed (the `agree` box is not on this form).
    pub values: Values,
    /// The channel code chosen: `hotline`, `letter`, `visit` or `email`.
    pub channel: String,
    pub errors: Errors,
    /// Whether the caller's identity can be kept (a custodian exists).
    pub identity_available: bool,
    /// Whether any department can receive tips at all.
    pub open: bool,
    /// Marks this one filing: the same form sent twice files once.
    pub nonce: String,
}

/// `GET /staff/intake` and the form again with what needs fixing.
pub fn form(f: &Frame<'_>, form: &DeskForm) -> Markup {
    let lang = f.lang;
    let v = &form.values;
    let e = &form.errors;
    layout(
        f,
        html! {
            h1 { (f.title) }
            @if !form.open {
                div.error-summary role="alert" {
                    p { (lang.tr("desk-no-department-can-receive-tips")) }
                }
            }
            (error_summary(lang.tr("desk-please-fix-following-send-again"), e))
            section.notice-box aria-labelledby="desk-notice" {
                h2 id="desk-notice" { (lang.tr("desk-before-filing-tell-caller")) }
                ul {
                    li { (lang.tr("desk-read-notice-caller-tips-anonymous")) }
                    li { (lang.tr("desk-after-filing-reference-query-code")) }
                    li { (lang.tr("desk-remind-caller-report-truthfully-inventing")) }
                }
            }
            form method="post" action="/staff/intake" novalidate {
                input type="hidden" name="csrf" value=(f.csrf);
                input type="hidden" name="nonce" value=(form.nonce);
                fieldset {
                    legend { (lang.tr("desk-received")) }
                    div.field.invalid[e.of("channel").is_some()] id="channel" {
                        @if let Some(msg) = e.of("channel") { span.error id="channel-error" { "⚠ " (msg) } }
                        @for (code, name) in channels(lang) {
                            label.choice {
                                input type="radio" name="channel" value=(code) checked[form.channel == code];
                                span { (name) }
                            }
                        }
                    }
                }
                fieldset {
                    legend { (lang.tr("desk-what-reported")) }
                    (pickers(lang, &form.kinds, &form.categories, &form.districts, v, e))
                    (text_input(&Text { field: "title", label: lang.tr("desk-title"), value: &v.title,
                        hint: Some(lang.tr("desk-one-line-summing-up-what")),
                        required: true, max: 100, kind: "text", autocomplete: "off" }, e))
                    (textarea(&Text { field: "description", label: lang.tr("desk-what-happened"), value: &v.description,
                        hint: Some(lang.tr("desk-what-since-when-how-many")),
                        required: true, max: 10000, kind: "", autocomplete: "off" }, e, 8))
                    (text_input(&Text { field: "location", label: lang.tr("desk-where"), value: &v.location,
                        hint: Some(lang.tr("desk-street-number-site-building")), required: true, max: 300, kind: "text", autocomplete: "off" }, e))
                    (text_input(&Text { field: "company", label: lang.tr("desk-company-involved-optional"), value: &v.company,
                        hint: None, required: false, max: 200, kind: "text", autocomplete: "off" }, e))
                    (text_input(&Text { field: "occurred_on", label: lang.tr("desk-when-happened-seen-optional"), value: &v.occurred_on,
                        hint: Some(lang.tr("desk-format-year-month-day")), required: false, max: 10, kind: "date", autocomplete: "off" }, e))
                    div.field {
                        label.choice {
                            input type="checkbox" name="supervisory_duty" value="true" checked[v.supervisory_duty];
                            span { (lang.tr("desk-caller-holds-work-safety-supervision")) }
                        }
                    }
                }
                fieldset {
                    legend { (lang.tr("desk-caller-s-identity-optional")) }
                    @if form.identity_available {
                        p.hint { (lang.tr("desk-fill-only-if-caller-wants")) }
                        (text_input(&Text { field: "name", label: lang.tr("desk-name"), value: &v.name, hint: None, required: false, max: 50, kind: "text", autocomplete: "off" }, e))
                        (text_input(&Text { field: "phone", label: lang.tr("desk-phone"), value: &v.phone, hint: None, required: false, max: 30, kind: "tel", autocomplete: "off" }, e))
                        (text_input(&Text { field: "email", label: lang.tr("desk-email-2"), value: &v.email, hint: None, required: false, max: 254, kind: "email", autocomplete: "off" }, e))
                        (text_input(&Text { field: "id_number", label: lang.tr("desk-identity-card-number"), value: &v.id_number, hint: None, required: false, max: 18, kind: "text", autocomplete: "off" }, e))
                    } @else {
                        p.hint { (lang.tr("desk-now-tips-can-only-anonymous")) }
                    }
                }
                @if let Some(msg) = e.of("send") { p.error role="alert" id="send-error" { "⚠ " (msg) } }
                p.actions { button.button.primary id="send" type="submit" disabled[!form.open] { (lang.tr("desk-file-tip")) } }
            }
        },
    )
}

/// Shown once, in the answer to the filing: what to read out to the caller.
pub struct DeskReceipt {
    pub reference: String,
    /// In groups of four, for reading out.
    pub query_code: String,
    pub acknowledge_by: String,
    /// The channel in words.
    pub channel: String,
}

pub fn receipt(f: &Frame<'_>, r: &DeskReceipt) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (f.title) }
            div.receipt {
                p.warning role="alert" { strong { (lang.tr("desk-read-these-out-caller-make")) } }
                dl {
                    dt { (lang.tr("desk-reference")) }
                    dd.code.big { (r.reference) }
                    dt { (lang.tr("desk-query-code")) }
                    dd.code.big { (r.query_code) }
                }
            }
            ul {
                li { (lang.tr("desk-received-2")) (r.channel) }
                li { (lang.tr("desk-responsible-department-decides-whether-accept")) strong { (r.acknowledge_by) } (lang.tr("desk-text")) }
                li { (lang.tr("desk-reference-query-code-caller-can")) }
            }
            p.actions { a.button.primary href="/staff/intake" { (lang.tr("desk-file-next-tip")) } }
        },
    )
}

/// The same form sent again (a refresh, a second click): nothing is filed twice.
pub fn already_filed(f: &Frame<'_>) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (f.title) }
            p.notice role="status" { (lang.tr("desk-tip-already-filed-not-filed")) }
            p.actions { a.button.primary href="/staff/intake" { (lang.tr("desk-file-next-tip")) } }
        },
    )
}
