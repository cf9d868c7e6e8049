//! The reporting form (GET /report, /q/{code}) and the receipt shown once after it.

use maud::{Markup, html};

use crate::form::{Choice, Errors, Text, Typed, error_summary, text_input, textarea};
use crate::{Frame, HOTLINE, Lang, layout};

/// Categories of one department, for a grouped list.
pub struct CategoryGroup {
    pub department: String,
    pub categories: Vec<Choice>,
}

/// What both forms that file a tip show, the public form and the hotline desk: the lists to
/// choose from, what was typed, the mistakes, and whether a tip and an identity can be kept.
pub struct TipFields<'a> {
    pub kinds: Vec<Choice>,
    pub categories: Vec<CategoryGroup>,
    pub districts: Vec<Choice>,
    pub values: &'a dyn Typed,
    pub errors: Errors,
    /// Whether an identity can be kept (a custodian exists).
    pub identity_available: bool,
    /// Whether any department can receive tips at all.
    pub open: bool,
}

/// The words in which a form asks for a tip: the public form speaks to the reporter, the
/// desk to the official who takes the call.
pub(crate) struct Asking {
    pub what_legend: &'static str,
    pub title_hint: &'static str,
    pub description_hint: &'static str,
    pub duty: &'static str,
    pub identity_legend: &'static str,
    pub identity_hint: &'static str,
    pub anonymous_only: &'static str,
    /// Whether the browser may fill in the reporter's own name, phone and address.
    pub own_details: bool,
}

pub struct ReportForm<'a> {
    pub fields: TipFields<'a>,
    /// The QR poster the reporter came from: its code and label.
    pub poster: Option<(String, String)>,
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
    v: &dyn Typed,
    e: &Errors,
) -> Markup {
    html! {
        div.field.invalid[e.of("kind").is_some()] id="kind" {
            p.label { (lang.tr("report-kind-problem")) span.required aria-hidden="true" { " *" } }
            @if let Some(msg) = e.of("kind") { span.error id="kind-error" { "⚠ " (msg) } }
            @for k in kinds {
                label.choice {
                    input type="radio" name="kind" value=(k.code) checked[v.text("kind") == k.code];
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
                        @for c in &group.categories { option value=(c.code) selected[v.text("category") == c.code] { (c.name) } }
                    }
                }
            }
        }
        div.field.invalid[e.of("district").is_some()] {
            label for="district" { (lang.tr("report-district")) span.required aria-hidden="true" { " *" } }
            @if let Some(msg) = e.of("district") { span.error id="district-error" { "⚠ " (msg) } }
            select id="district" name="district" {
                option value="" { (lang.tr("report-choose")) }
                @for d in districts { option value=(d.code) selected[v.text("district") == d.code] { (d.name) } }
            }
        }
    }
}

/// The two parts of a tip both forms ask alike: what is reported, and who reports it.
pub(crate) fn tip_fieldsets(lang: Lang, fields: &TipFields<'_>, asking: &Asking) -> Markup {
    let v = fields.values;
    let e = &fields.errors;
    let own = |what: &'static str| if asking.own_details { what } else { "off" };
    html! {
        fieldset {
            legend { (asking.what_legend) }
            (pickers(lang, &fields.kinds, &fields.categories, &fields.districts, v, e))
            (text_input(&Text { field: "title", label: lang.tr("desk-title"), value: v.text("title"),
                hint: Some(asking.title_hint), required: true, max: 100, kind: "text", autocomplete: "off" }, e))
            (textarea(&Text { field: "description", label: lang.tr("desk-what-happened"), value: v.text("description"),
                hint: Some(asking.description_hint), required: true, max: 10000, kind: "", autocomplete: "off" }, e, 8))
            (text_input(&Text { field: "location", label: lang.tr("desk-where"), value: v.text("location"),
                hint: Some(lang.tr("desk-street-number-site-building")), required: true, max: 300, kind: "text", autocomplete: "off" }, e))
            (text_input(&Text { field: "company", label: lang.tr("desk-company-involved-optional"), value: v.text("company"),
                hint: None, required: false, max: 200, kind: "text", autocomplete: "off" }, e))
            (text_input(&Text { field: "credit_code", label: lang.tr("desk-credit-code-optional"), value: v.text("credit_code"),
                hint: Some(lang.tr("desk-credit-code-hint")), required: false, max: 24, kind: "text", autocomplete: "off" }, e))
            (text_input(&Text { field: "occurred_on", label: lang.tr("desk-when-happened-seen-optional"), value: v.text("occurred_on"),
                hint: Some(lang.tr("desk-format-year-month-day")), required: false, max: 10, kind: "date", autocomplete: "off" }, e))
            div.field {
                label.choice {
                    input type="checkbox" name="supervisory_duty" value="true" checked[v.ticked("supervisory_duty")];
                    span { (asking.duty) }
                }
            }
        }
        fieldset {
            legend { (asking.identity_legend) }
            @if fields.identity_available {
                p.hint { (asking.identity_hint) }
                (text_input(&Text { field: "name", label: lang.tr("desk-name"), value: v.text("name"), hint: None, required: false, max: 50, kind: "text", autocomplete: own("name") }, e))
                (text_input(&Text { field: "phone", label: lang.tr("desk-phone"), value: v.text("phone"), hint: None, required: false, max: 30, kind: "tel", autocomplete: own("tel") }, e))
                (text_input(&Text { field: "email", label: lang.tr("desk-email-2"), value: v.text("email"), hint: None, required: false, max: 254, kind: "email", autocomplete: own("email") }, e))
                (text_input(&Text { field: "id_number", label: lang.tr("desk-identity-card-number"), value: v.text("id_number"), hint: None, required: false, max: 18, kind: "text", autocomplete: "off" }, e))
            } @else {
                p.hint { (asking.anonymous_only) }
            }
        }
    }
}

pub fn page(lang: Lang, form: &ReportForm<'_>, action: &str) -> Markup {
    let title = lang.tr("home-make-report");
    let frame = Frame { lang, title, path: action };
    let fields = &form.fields;
    let e = &fields.errors;
    let asking = Asking {
        what_legend: lang.tr("report-what-you-report"),
        title_hint: lang.tr("report-one-line-e-g-chemicals"),
        description_hint: lang.tr("report-what-since-when-how-many"),
        duty: lang.tr("report-i-hold-work-safety-supervision"),
        identity_legend: lang.tr("report-who-you-optional"),
        identity_hint: lang.tr("report-leaving-your-identity-helps-officials"),
        anonymous_only: lang.tr("report-now-reports-can-only-anonymous"),
        own_details: true,
    };
    layout(
        &frame,
        html! {
            h1 { (title) }
            @if let Some((_, label)) = &form.poster {
                p.muted { (lang.tr("report-from-qr-poster")) (label) }
            }
            @if !fields.open {
                div.error-summary role="alert" {
                    p { (lang.tr("report-portal-not-open-yet-cannot")) (HOTLINE) "。" }
                }
            }
            (error_summary(lang.tr("desk-please-fix-following-send-again"), e))
            (notice(lang))
            form method="post" action=(action) novalidate {
                @if let Some((code, _)) = &form.poster { input type="hidden" name="poster" value=(code); }
                (tip_fieldsets(lang, fields, &asking))
                p.muted { (lang.tr("report-photos-videos-other-evidence-can")) }
                div.field.invalid[e.of("agree").is_some()] id="agree" {
                    @if let Some(msg) = e.of("agree") { span.error id="agree-error" { "⚠ " (msg) } }
                    label.choice {
                        input type="checkbox" name="agree" value="true" checked[fields.values.ticked("agree")] required;
                        span { (lang.tr("report-i-have-read-notes-above")) }
                    }
                }
                p.actions { button.button.primary id="send" type="submit" disabled[!fields.open] { (lang.tr("report-send-report")) } }
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
