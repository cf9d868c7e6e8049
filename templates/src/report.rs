//! The reporting form (GET /report, /q/{code}) and the receipt shown once after it.

use maud::{Markup, html};

use crate::form::{Choice, Errors, Text, error_summary, text_input, textarea};
use crate::{Frame, HOTLINE, Lang, layout};

/// Categories of one department, for a grouped list.
pub struct CategoryGroup {
    pub department: String,
    pub categories: Vec<Choice>,
}

/// What the reporter typed, to show again when something needs fixing.
#[derive(Debug, Default, Clone)]
pub struct Values {
    pub kind: String,
    pub category: String,
    pub district: String,
    pub title: String,
    pub description: String,
    pub location: String,
    pub company: String,
    pub occurred_on: String,
    pub supervisory_duty: bool,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub id_number: String,
    pub agree: bool,
}

pub struct ReportForm {
    pub kinds: Vec<Choice>,
    pub categories: Vec<CategoryGroup>,
    pub districts: Vec<Choice>,
    pub values: Values,
    pub errors: Errors,
    /// The QR poster the reporter came from: its code and label.
    pub poster: Option<(String, String)>,
    /// Whether an identity can be kept (a custodian exists).
    pub identity_available: bool,
    /// Whether any department can receive tips at all.
    pub open: bool,
    pub today: String,
}

fn notice(lang: Lang) -> Markup {
    html! {
        section.notice-box aria-labelledby="notice-title" {
            h2 id="notice-title" { (lang.tr("report-before-you-report")) }
            ul {
                li { (lang.tr("report-we-accept-major-accident-hazards")) }
                li { (lang.tr("report-you-may-stay-anonymous-after")) }
                li { (lang.tr("report-confidentiality-your-report-encrypted-only")) }
                li { (lang.tr("report-rewards-report-found-true-about")) }
                li { (lang.tr("report-report-truthfully-inventing-distorting-facts")) }
                li { (lang.tr("report-emergency-call-119-110-once")) (HOTLINE) "." }
            }
        }
    }
}

/// The kind, field and district of a report, as radio buttons and pick-lists: the public form
/// and the hotline desk ask them the same way.
pub(crate) fn pickers(
    lang: Lang,
    kinds: &[Choice],
    categories: &[CategoryGroup],
    districts: &[Choice],
    v: &Values,
    e: &Errors,
) -> Markup {
    html! {
        div.field.invalid[e.of("kind").is_some()] id="kind" {
            p.label { (lang.tr("report-kind-problem")) span.required aria-hidden="true" { " *" } }
            @if let Some(msg) = e.of("kind") { span.error id="kind-error" { "⚠ " (msg) } }
            @for k in kinds {
                label.choice {
                    input type="radio" name="kind" value=(k.code) checked[v.kind == k.code];
                    span { strong { (k.name) } @if let Some(h) = &k.hint { br; span.hint { (h) } } }
                }
            }
        }
        div.field.invalid[e.of("category").is_some()] {
            label for="category" { (lang.tr("report-field")) span.required aria-hidden="true" { " *" } }
            span.hint id="category-hint" { (lang.tr("report-decides-which-department-verifies-not")) }
            @if let Some(msg) = e.of("category") { span.error id="category-error" { "⚠ " (msg) } }
            select id="category" name="category" aria-describedby="category-hint" {
                option value="" { (lang.tr("report-choose")) }
                @for group in categories {
                    optgroup label=(group.department) {
                        @for c in &group.categories { option value=(c.code) selected[v.category == c.code] { (c.name) } }
                    }
                }
            }
        }
        div.field.invalid[e.of("district").is_some()] {
            label for="district" { (lang.tr("report-district")) span.required aria-hidden="true" { " *" } }
            @if let Some(msg) = e.of("district") { span.error id="district-error" { "⚠ " (msg) } }
            select id="district" name="district" {
                option value="" { (lang.tr("report-choose")) }
                @for d in districts { option value=(d.code) selected[v.district == d.code] { (d.name) } }
            }
        }
    }
}

pub fn page(lang: Lang, form: &ReportForm, action: &str) -> Markup {
    let title = lang.tr("home-make-report");
    let frame = Frame { lang, title, path: action };
    let v = &form.values;
    let e = &form.errors;
    layout(
        &frame,
        html! {
            h1 { (title) }
            @if let Some((_, label)) = &form.poster {
                p.muted { (lang.tr("report-from-qr-poster")) (label) }
            }
            @if !form.open {
                div.error-summary role="alert" {
                    p { (lang.tr("report-portal-not-open-yet-cannot")) (HOTLINE) "。" }
                }
            }
            (error_summary(lang.tr("desk-please-fix-following-send-again"), e))
            (notice(lang))
            form method="post" action=(action) novalidate {
                @if let Some((code, _)) = &form.poster { input type="hidden" name="poster" value=(code); }
                fieldset {
                    legend { (lang.tr("report-what-you-report")) }
                    (pickers(lang, &form.kinds, &form.categories, &form.districts, v, e))
                    (text_input(&Text { field: "title", label: lang.tr("desk-title"), value: &v.title,
                        hint: Some(lang.tr("report-one-line-e-g-chemicals")),
                        required: true, max: 100, kind: "text", autocomplete: "off" }, e))
                    (textarea(&Text { field: "description", label: lang.tr("desk-what-happened"), value: &v.description,
                        hint: Some(lang.tr("report-what-since-when-how-many")),
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
                            span { (lang.tr("report-i-hold-work-safety-supervision")) }
                        }
                    }
                }
                fieldset {
                    legend { (lang.tr("report-who-you-optional")) }
                    @if form.identity_available {
                        p.hint { (lang.tr("report-leaving-your-identity-helps-officials")) }
                        (text_input(&Text { field: "name", label: lang.tr("desk-name"), value: &v.name, hint: None, required: false, max: 50, kind: "text", autocomplete: "name" }, e))
                        (text_input(&Text { field: "phone", label: lang.tr("desk-phone"), value: &v.phone, hint: None, required: false, max: 30, kind: "tel", autocomplete: "tel" }, e))
                        (text_input(&Text { field: "email", label: lang.tr("desk-email-2"), value: &v.email, hint: None, required: false, max: 254, kind: "email", autocomplete: "email" }, e))
                        (text_input(&Text { field: "id_number", label: lang.tr("desk-identity-card-number"), value: &v.id_number, hint: None, required: false, max: 18, kind: "text", autocomplete: "off" }, e))
                    } @else {
                        p.hint { (lang.tr("report-now-reports-can-only-anonymous")) }
                    }
                }
                p.muted { (lang.tr("report-photos-videos-other-evidence-can")) }
                div.field.invalid[e.of("agree").is_some()] id="agree" {
                    @if let Some(msg) = e.of("agree") { span.error id="agree-error" { "⚠ " (msg) } }
                    label.choice {
                        input type="checkbox" name="agree" value="true" checked[v.agree] required;
                        span { (lang.tr("report-i-have-read-notes-above")) }
                    }
                }
                p.actions { button.button.primary id="send" type="submit" disabled[!form.open] { (lang.tr("report-send-report")) } }
            }
        },
    )
}

/// Shown once, right after sending: the receipt.
pub struct ReceiptView {
    pub reference: String,
    pub query_code: String,
    pub acknowledge_by: String,
}

pub fn receipt(lang: Lang, r: &ReceiptView) -> Markup {
    let title = lang.tr("report-your-report-has-been-sent");
    let frame = Frame { lang, title, path: "/report" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            div.receipt {
                p.warning role="alert" { strong { (lang.tr("report-write-down-photograph-two-lines")) } }
                dl {
                    dt { (lang.tr("desk-reference")) }
                    dd.code { (r.reference) }
                    dt { (lang.tr("desk-query-code")) }
                    dd.code.big { (r.query_code) }
                }
            }
            h2 { (lang.tr("report-what-happens-next")) }
            ul {
                li { (lang.tr("desk-responsible-department-decides-whether-accept")) strong { (r.acknowledge_by) } (lang.tr("desk-text")) }
                li { (lang.tr("report-reference-query-code-you-can")) }
                li { (lang.tr("report-print-use-your-browser-s")) }
            }
            p.actions {
                a.button.primary href="/track/status" { (lang.tr("report-add-photos-other-evidence-now")) }
                a.button href="/" { (lang.tr("report-done")) }
            }
        },
    )
}

/// `GET /track/receipt` once the receipt was shown (or never reached this browser): what to
/// do now. Nothing is filed again.
pub fn receipt_shown(lang: Lang) -> Markup {
    let title = lang.tr("report-receipt-shown-only-once");
    let frame = Frame { lang, title, path: "/report" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            section.notice {
                p { (lang.tr("report-protect-your-query-code-receipt")) }
                p { (lang.tr("report-if-you-wrote-down-reference")) }
                p.muted { (lang.tr_with("report-if-you-never-saw-receipt", &[("hotline", HOTLINE.into())])) }
            }
            p.actions {
                a.button.primary href="/track" { (lang.tr("home-follow-report")) }
                a.button href="/" { (lang.tr("lib-back-home-page")) }
            }
        },
    )
}
