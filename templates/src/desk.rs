//! The hotline desk (`/staff/intake`): an intake official enters a tip taken by phone,
//! letter, visit or email on behalf of the caller, and reads the receipt out once. The desk
//! never shows the queue or any tip.

use maud::{Markup, html};

use crate::Lang;
use crate::form::error_summary;
use crate::report::{Asking, TipFields, tip_fieldsets};
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

pub struct DeskForm<'a> {
    /// What the clerk typed (the `agree` box is not on this form).
    pub fields: TipFields<'a>,
    /// The channel code chosen: `hotline`, `letter`, `visit` or `email`.
    pub channel: String,
    /// Marks this one filing: the same form sent twice files once.
    pub nonce: String,
}

/// `GET /staff/intake` and the form again with what needs fixing.
pub fn form(f: &Frame<'_>, form: &DeskForm<'_>) -> Markup {
    let lang = f.lang;
    let fields = &form.fields;
    let e = &fields.errors;
    let asking = Asking {
        what_legend: lang.tr("desk-what-reported"),
        title_hint: lang.tr("desk-one-line-summing-up-what"),
        description_hint: lang.tr("desk-what-since-when-how-many"),
        duty: lang.tr("desk-caller-holds-work-safety-supervision"),
        identity_legend: lang.tr("desk-caller-s-identity-optional"),
        identity_hint: lang.tr("desk-fill-only-if-caller-wants"),
        anonymous_only: lang.tr("desk-now-tips-can-only-anonymous"),
        own_details: false,
    };
    layout(
        f,
        html! {
            h1 { (f.title) }
            @if !fields.open {
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
                (tip_fieldsets(lang, fields, &asking))
                @if let Some(msg) = e.of("send") { p.error role="alert" id="send-error" { "⚠ " (msg) } }
                p.actions { button.button.primary id="send" type="submit" disabled[!fields.open] { (lang.tr("desk-file-tip")) } }
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
