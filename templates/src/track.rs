//! Following a report: the receipt form (GET /track) and the status page.

use maud::{Markup, html};

use crate::form::{Errors, Text, error_summary, text_input, textarea};
use crate::told::{self, Told};
use crate::{Frame, Lang, layout};

pub fn form(lang: Lang, reference: &str, errors: &Errors, csrf: &str) -> Markup {
    let title = lang.tr("home-follow-report");
    let frame = Frame { lang, title, path: "/track" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            (error_summary(lang.tr("track-cannot-open"), errors))
            form method="post" action="/track" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                (text_input(&Text { field: "reference", label: lang.tr("desk-reference"), value: reference,
                    hint: Some(lang.tr("track-10-letters-digits")), required: true, max: 20, kind: "text", autocomplete: "off" }, errors))
                (text_input(&Text { field: "query_code", label: lang.tr("desk-query-code"), value: "",
                    hint: Some(lang.tr("track-20-digits-spaces-optional")), required: true, max: 40, kind: "text", autocomplete: "off" }, errors))
                p.actions { button.button.primary type="submit" { (lang.tr("track-open")) } }
            }
            p.muted { (lang.tr("track-lost-query-code-cannot-recovered")) }
        },
    )
}

pub struct MessageView {
    pub from_reporter: bool,
    pub body: String,
    pub at: String,
}

pub struct FileView {
    pub name: String,
    pub kind: String,
    pub size: String,
    /// What became of its metadata, in words.
    pub cleaning: String,
    pub at: String,
}

pub struct StatusView<'a> {
    pub reference: String,
    pub status: String,
    pub status_explained: String,
    pub kind: String,
    pub category: String,
    pub district: String,
    pub received: String,
    pub deadlines: Vec<(String, String)>,
    pub told: Told<'a>,
    /// What happened, in sentences, oldest first: (when, what).
    pub events: Vec<(String, String)>,
    pub messages: Vec<MessageView>,
    pub files: Vec<FileView>,
    pub identity_given: bool,
    /// Once a custodian approved a disclosure: to whom, when and why, in a sentence.
    pub identity_disclosed: Option<String>,
    /// Something that just happened ("message sent"), or a problem with the last action.
    pub notice: Option<String>,
    pub errors: Errors,
    pub message_draft: String,
    pub csrf: String,
    pub max_file_mb: u64,
    /// Once concluded: whether the tip qualifies for a reward, or why not.
    pub eligibility: Option<String>,
    pub reward: Option<RewardView>,
    /// The last day to object to the conclusion, while the reporter still may.
    pub objection_until: Option<String>,
    pub claim: ClaimDraft,
}

/// A reward as the reporter sees it, once finance has granted it.
pub struct RewardView {
    pub status: String,
    pub amount: i64,
    pub due: String,
    pub method: Option<String>,
    pub can_claim: bool,
    pub can_ask_more_time: bool,
    pub asked_more_time: bool,
}

/// What the reporter typed into the claim form, kept when it comes back with errors.
#[derive(Default)]
pub struct ClaimDraft {
    pub method: String,
    pub name: String,
    pub id_number: String,
    pub bank: String,
    pub account: String,
    pub reason: String,
}

pub fn status(lang: Lang, s: &StatusView<'_>) -> Markup {
    let title = lang.tr("track-progress-your-report");
    let frame = Frame { lang, title, path: "/track/status" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            @if let Some(n) = &s.notice { p.notice role="status" { (n) } }
            (error_summary(lang.tr("track-not-done"), &s.errors))
            (status_facts(lang, s))
            (status_outcome(lang, s))
            (status_conversation(lang, s))
            (status_evidence(lang, s))
            form method="post" action="/track/signout" {
                input type="hidden" name="csrf" value=(s.csrf);
                p.actions { button.button type="submit" { (lang.tr("staff-sign-out")) } }
            }
        },
    )
}

/// Where the report stands: reference, status, deadlines, choices and the identity.
fn status_facts(lang: Lang, s: &StatusView<'_>) -> Markup {
    html! {
        dl.facts {
            dt { (lang.tr("desk-reference")) } dd.code { (s.reference) }
            dt { (lang.tr("track-status")) } dd { strong { (s.status) } br; span.hint { (s.status_explained) } }
            dt { (lang.tr("track-received")) } dd { (s.received) }
            @for (what, when) in &s.deadlines { dt { (what) } dd { (when) } }
            dt { (lang.tr("case-kind")) } dd { (s.kind) }
            dt { (lang.tr("report-field")) } dd { (s.category) }
            dt { (lang.tr("case-district")) } dd { (s.district) }
            dt { (lang.tr("track-identity")) }
            dd { @if let Some(disclosed) = &s.identity_disclosed { strong { (lang.tr("track-disclosed")) } br; (disclosed) br; span.hint { (lang.tr("track-nobody-else-can-open-your")) } }
                 @else if s.identity_given { (lang.tr("track-kept-encrypted-its-own-only")) }
                 @else { (lang.tr("case-anonymous")) } }
        }
    }
}

/// What happened so far, the reward, and the objection form.
fn status_outcome(lang: Lang, s: &StatusView<'_>) -> Markup {
    html! {
        @if !s.events.is_empty() {
            h2 { (lang.tr("track-what-has-happened")) }
            ol.timeline { @for (at, what) in &s.events { li { span.meta { (at) } " " span.pre { (what) } } } }
        }
        @if let Some(e) = &s.eligibility {
            h2 id="reward" { (lang.tr("staff-reward")) }
            p { (e) }
        }
        @if let Some(r) = &s.reward { (reward(lang, s, r)) }
        @if let Some(until) = &s.objection_until {
            h2 id="objection" { (lang.tr("track-do-you-disagree-outcome")) }
            form method="post" action="/track/objection" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                (textarea(&Text { field: "objection", label: lang.tr("track-why-you-disagree"), value: "",
                    hint: Some(&lang.tr_with("track-you-may-object-until", &[("until", until.into())])),
                    required: true, max: 5000, kind: "", autocomplete: "off" }, &s.errors, 3))
                p.actions { button.button type="submit" { (lang.tr("track-object")) } }
            }
        }
    }
}

/// The report as sent, and the messages with the officer.
fn status_conversation(lang: Lang, s: &StatusView<'_>) -> Markup {
    html! {
        h2 { (lang.tr("track-your-report")) }
        div.report {
            h3 { (s.told.title) }
            p.pre { (s.told.description) }
            (told::details(lang, &s.told))
        }
        h2 { (lang.tr("track-messages")) }
        @if s.messages.is_empty() { p.muted { (lang.tr("track-no-messages-yet")) } }
        ol.messages {
            @for m in &s.messages {
                li.from-reporter[m.from_reporter] {
                    p.meta { (if m.from_reporter { lang.tr("track-you") } else { lang.tr("track-officer") }) " · " (m.at) }
                    p.pre { (m.body) }
                }
            }
        }
        form method="post" action="/track/messages" novalidate {
            input type="hidden" name="csrf" value=(s.csrf);
            (textarea(&Text { field: "body", label: lang.tr("track-message-officer"), value: &s.message_draft,
                hint: Some(lang.tr("track-add-facts-answer-questions-please")), required: true, max: 5000, kind: "", autocomplete: "off" }, &s.errors, 4))
            p.actions { button.button type="submit" { (lang.tr("track-send-message")) } }
        }
    }
}

/// What cleaning removes, per kind of file, as the upload form explains it.
const CLEANING_BY_KIND: [&str; 5] = [
    "track-cleaning-photos",
    "track-cleaning-videos",
    "track-cleaning-recordings",
    "track-cleaning-pdf",
    "track-cleaning-documents",
];

/// The evidence sent and the form to add more.
fn status_evidence(lang: Lang, s: &StatusView<'_>) -> Markup {
    html! {
        h2 { (lang.tr("staff-evidence")) }
        @if s.files.is_empty() { p.muted { (lang.tr("track-no-evidence-yet")) } }
        ul.files {
            @for f in &s.files {
                li { (f.name) " · " (f.kind) " · " (f.size) " · " (f.at) " · " span.hint { (f.cleaning) } }
            }
        }
        form method="post" action="/track/attachments" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(s.csrf);
            div.field {
                label.choice {
                    input type="checkbox" name="keep_original" value="true" aria-describedby="cleaning-hint";
                    span { (lang.tr("track-keep-original-as-evidence")) }
                }
                div.hint id="cleaning-hint" {
                    p { (lang.tr("track-what-cleaning-removes")) }
                    ul {
                        @for key in CLEANING_BY_KIND { li { (lang.tr(key)) } }
                    }
                    p { (lang.tr("track-what-keeping-the-original-means")) }
                }
            }
            div.field.invalid[s.errors.of("file").is_some()] {
                label for="file" { (lang.tr("track-choose-files")) }
                span.hint id="file-hint" { (lang.tr("track-photos-jpeg-png-webp-heic")) (s.max_file_mb) " MB" }
                @if let Some(msg) = s.errors.of("file") { span.error id="file-error" { "⚠ " (msg) } }
                input id="file" name="file" type="file" multiple aria-describedby="file-hint";
            }
            p.actions { button.button type="submit" { (lang.tr("track-upload")) } }
        }
    }
}

fn reward(lang: Lang, s: &StatusView, r: &RewardView) -> Markup {
    let c = &s.claim;
    let field = |field: &'static str, label: &'static str, value: &str, max: usize, autocomplete: &'static str| {
        text_input(
            &Text { field, label, value, hint: None, required: false, max, kind: "text", autocomplete },
            &s.errors,
        )
    };
    html! {
        dl.facts {
            dt { (lang.tr("case-amount")) } dd { strong { (r.amount) " " (lang.tr("case-yuan")) } }
            dt { (lang.tr("track-status-2")) } dd { (r.status) }
            @if !r.due.is_empty() { dt { (lang.tr("case-claim")) } dd { (r.due) } }
            @if let Some(m) = &r.method { dt { (lang.tr("staff-how")) } dd { (m) } }
        }
        @if r.can_claim {
            h3 { (lang.tr("track-claim-reward")) }
            form method="post" action="/track/reward" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                input type="hidden" name="action" value="claim";
                fieldset.field.invalid[s.errors.of("method").is_some()] {
                    legend { (lang.tr("track-how-receive")) }
                    @if let Some(msg) = s.errors.of("method") { span.error { "⚠ " (msg) } }
                    label.choice { input type="radio" name="method" value="bank" checked[c.method != "in_person"]; span { (lang.tr("track-transfer-bank-account")) } }
                    label.choice { input type="radio" name="method" value="in_person" checked[c.method == "in_person"]; span { (lang.tr("track-collect-person-department-reference-query")) } }
                }
                p.hint { (lang.tr("track-details-below-encrypted-finance-you")) }
                (field("name", lang.tr("track-payee-s-name"), &c.name, 50, "name"))
                (field("id_number", lang.tr("desk-identity-card-number"), &c.id_number, 18, "off"))
                (field("bank", lang.tr("track-bank"), &c.bank, 100, "off"))
                (field("account", lang.tr("track-account-number"), &c.account, 40, "off"))
                p.actions { button.button type="submit" { (lang.tr("track-claim")) } }
            }
        }
        @if r.asked_more_time { p.notice { (lang.tr("track-you-asked-more-time-head")) } }
        @if r.can_ask_more_time {
            h3 { (lang.tr("track-ask-more-time-claim")) }
            form method="post" action="/track/reward" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                input type="hidden" name="action" value="extension";
                (textarea(&Text { field: "reason", label: lang.tr("track-why"), value: &c.reason, hint: None, required: true, max: 2000, kind: "", autocomplete: "off" }, &s.errors, 2))
                p.actions { button.button type="submit" { (lang.tr("track-ask-more-time")) } }
            }
        }
    }
}
