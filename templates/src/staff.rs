//! The staff workspace: sign-in, queue, case, oversight, disclosures, keys, administration.
//! Every form that changes something carries the session's form token.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::Lang;
use crate::i18n::Arg;
use crate::told::{self, Told};

/// A link of the staff navigation.
pub struct Nav {
    pub href: &'static str,
    pub label: String,
}

pub struct Frame<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub path: &'a str,
    pub username: &'a str,
    pub nav: &'a [Nav],
    pub csrf: &'a str,
}

pub fn layout(f: &Frame<'_>, body: Markup) -> Markup {
    let lang = f.lang;
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (crate::head(f.title, lang.tr("staff-case-work")))
            body.staff {
                header.site {
                    a.brand href="/staff" { (lang.tr("staff-case-work-2")) }
                    nav {
                        @for item in f.nav { a href=(item.href) aria-current=[(item.href == f.path).then_some("page")] { (item.label) } }
                    }
                    span.who { (f.username) }
                    form.inline method="post" action="/staff/logout" {
                        input type="hidden" name="csrf" value=(f.csrf);
                        button.link type="submit" { (lang.tr("staff-sign-out")) }
                    }
                    a.lang href={ "/lang/" (other.code()) "?next=" (f.path) } lang=(other.html_lang()) { (other.tr("language-name")) }
                }
                main.wide { (body) }
            }
        }
    }
}

pub fn login(lang: Lang, username: &str, error: Option<&str>, csrf: &str) -> Markup {
    let frame = crate::Frame { lang, title: lang.tr("staff-staff-sign"), path: "/staff/login" };
    crate::layout(
        &frame,
        html! {
            h1 { (lang.tr("staff-staff-sign")) }
            @if let Some(e) = error { div.error-summary role="alert" { p { (e) } } }
            form method="post" action="/staff/login" {
                input type="hidden" name="csrf" value=(csrf);
                div.field { label for="username" { (lang.tr("staff-username")) } input id="username" name="username" type="text" value=(username) autocomplete="username" required; }
                div.field { label for="password" { (lang.tr("staff-password")) } input id="password" name="password" type="password" autocomplete="current-password" required; }
                div.field { label for="totp" { (lang.tr("staff-authenticator-code")) } input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required; }
                p.actions { button.button.primary type="submit" { (lang.tr("staff-sign")) } }
            }
        },
    )
}

/// A page with one message and a link on.
pub fn notice(f: &Frame<'_>, text: &str, link: Option<(&str, &str)>) -> Markup {
    layout(
        f,
        html! {
            h1 { (f.title) }
            p { (text) }
            @if let Some((href, label)) = link { p { a.button href=(href) { (label) } } }
        },
    )
}

/// Where a transfer ends: what happened, and the way on.
pub fn transferred(f: &Frame<'_>, text: &str, link: (&str, &str)) -> Markup {
    layout(
        f,
        html! {
            h1 { (f.title) }
            p.notice role="status" { (text) }
            p { a.button href=(link.0) { (link.1) } }
        },
    )
}

pub struct QueueRow {
    pub reference: String,
    pub kind: String,
    pub category: String,
    pub district: String,
    pub department: String,
    pub channel: String,
    pub status: String,
    pub received: String,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
    pub assignee: String,
    /// The viewer may open the case: the reference is a link, otherwise plain text.
    pub openable: bool,
}

pub struct QueueView {
    pub rows: Vec<QueueRow>,
    pub total: i64,
    /// More than `total` match: the filter is not counted further.
    pub more: bool,
    /// Status code, label, count.
    pub counts: Vec<(String, String, i64)>,
    pub filters: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    /// The channels to filter by: (code, name).
    pub channels: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub districts: Vec<(String, String)>,
    pub page: i64,
    pub pages: i64,
    /// Query string of the current filters, without the page.
    pub query: String,
}

fn filter(v: &QueueView, name: &str) -> String {
    v.filters.iter().find(|(k, _)| k == name).map(|(_, value)| value.clone()).unwrap_or_default()
}

fn select(name: &str, label: &str, options: &[(String, String)], current: &str, any: &str) -> Markup {
    html! {
        div.field.compact {
            label for=(name) { (label) }
            select id=(name) name=(name) {
                option value="" { (any) }
                @for (code, text) in options { option value=(code) selected[code == current] { (text) } }
            }
        }
    }
}

pub fn queue(f: &Frame<'_>, v: &QueueView) -> Markup {
    let lang = f.lang;
    let any = lang.tr("staff-all");
    layout(
        f,
        html! {
            h1 { (lang.tr("queue-queue")) " " span.muted { "(" (v.total) @if v.more { "+" } ")" } }
            @if v.more { p.hint { (lang.tr("staff-more-tips-match-than-they")) } }
            ul.counts {
                @for (code, label, count) in &v.counts {
                    li { a href={ "/staff?status=" (code) } { (label) " " strong { (count) } } }
                }
            }
            form.filters method="get" action="/staff" {
                (select("status", lang.tr("case-status"), &v.statuses, &filter(v, "status"), any))
                (select("kind", lang.tr("case-kind"), &v.kinds, &filter(v, "kind"), any))
                (select("category", lang.tr("case-field"), &v.categories, &filter(v, "category"), any))
                (select("district", lang.tr("case-district"), &v.districts, &filter(v, "district"), any))
                (select("channel", lang.tr("case-channel"),
                    &v.channels, &filter(v, "channel"), any))
                (select("due", lang.tr("staff-deadline"), &[("soon".into(), lang.tr("staff-due-soon").into()), ("overdue".into(), lang.tr("staff-overdue").into())], &filter(v, "due"), any))
                (select("assignee", lang.tr("case-assignee"), &[("me".into(), lang.tr("staff-me").into()), ("none".into(), lang.tr("staff-unassigned").into())], &filter(v, "assignee"), any))
                (select("sort", lang.tr("staff-sort"), &[("oldest".into(), lang.tr("staff-oldest-first").into()), ("due".into(), lang.tr("staff-due-first").into())], &filter(v, "sort"), lang.tr("staff-newest-first")))
                p.actions { button.button type="submit" { (lang.tr("staff-filter")) } }
            }
            table.queue {
                thead { tr {
                    th { (lang.tr("staff-reference")) } th { (lang.tr("case-kind")) } th { (lang.tr("case-field")) }
                    th { (lang.tr("case-district")) } th { (lang.tr("case-department")) } th { (lang.tr("case-channel")) }
                    th { (lang.tr("case-status")) } th { (lang.tr("case-received")) } th { (lang.tr("case-due")) } th { (lang.tr("staff-assignee")) }
                } }
                tbody {
                    @for r in &v.rows {
                        tr.overdue[r.overdue] {
                            td { @if r.openable { a.code href={ "/staff/tips/" (r.reference) } { (r.reference) } } @else { span.code title=(lang.tr("staff-you-may-not-open-tip")) { (r.reference) } } }
                            td { (r.kind) } td { (r.category) } td { (r.district) } td { (r.department) } td { (r.channel) }
                            td { (r.status) } td { (r.received) }
                            td { (r.due) @if r.overdue { " " strong.overdue-mark { (lang.tr("staff-overdue-2")) } } @if r.escalated { " " span.badge { (lang.tr("staff-escalated")) } } }
                            td { (r.assignee) }
                        }
                    }
                }
            }
            @if v.rows.is_empty() { p.muted { (lang.tr("staff-no-tips-match")) } }
            nav.pages {
                @if v.page > 1 { a href={ "/staff?" (v.query) "&page=" (v.page - 1) } { "← " (lang.tr("staff-previous")) } }
                span { (v.page) " / " (v.pages) }
                @if v.page < v.pages { a href={ "/staff?" (v.query) "&page=" (v.page + 1) } { (lang.tr("staff-next")) " →" } }
            }
        },
    )
}

pub struct Line {
    pub who: String,
    pub at: String,
    pub text: String,
}

pub struct FileLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: String,
    /// What was done to the file's metadata, in words.
    pub metadata: String,
    /// The sender's own name for it, kept with an original only.
    pub sent_as: Option<String>,
}

/// A proposal that waits for a head, in words: what is proposed, by whom, and its terms.
pub struct ProposalView {
    pub title: String,
    pub by: String,
    pub at: String,
    /// Label and value of each term (outcome, fine, feedback…).
    pub lines: Vec<(String, String)>,
}

/// A form the server refused: which one, what was typed, and why (next to `field`, or at the
/// top of the form when no one field is at fault).
pub struct Refused {
    pub action: String,
    pub field: Option<String>,
    pub message: String,
    pub values: Vec<(String, String)>,
}

impl Refused {
    fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A case as its page shows it. What the reporter told is borrowed from the opened report,
/// never copied.
pub struct CaseView<'a> {
    pub reference: String,
    pub facts: Vec<(String, String)>,
    pub told: Told<'a>,
    pub supervisory_duty: bool,
    pub identity: String,
    pub messages: Vec<Line>,
    pub notes: Vec<Line>,
    pub events: Vec<Line>,
    pub files: Vec<FileLine>,
    pub proposal: Option<ProposalView>,
    /// Actions this official may take now: (action, label).
    pub actions: Vec<(String, String)>,
    pub departments: Vec<(String, String)>,
    pub colleagues: Vec<(String, String)>,
    pub can_request_identity: bool,
    /// Where a disclosure of the identity stands (asked, approved), instead of the form.
    pub identity_state: Option<String>,
    pub notice: Option<String>,
    pub refused: Option<Refused>,
    pub reward: Option<RewardPanel>,
    pub related: RelatedView,
}

/// Other tips on the same company, code, address or accident, found by blind index.
pub struct RelatedView {
    /// The official holds the matching key: the tip was indexed and looked up.
    pub held: bool,
    pub nothing_to_match: bool,
    pub listed: Vec<RelatedLine>,
    /// Other departments' tips, one sentence per department and state.
    pub elsewhere: Vec<String>,
    /// This official may propose the case as a duplicate of a listed tip.
    pub propose_duplicate: bool,
}

pub struct RelatedLine {
    pub reference: String,
    pub openable: bool,
    /// Department, state and what it shares, in words.
    pub about: String,
}

/// The reward of a concluded case as its officials see it (never the payout details).
pub struct RewardPanel {
    /// Label and value: policy, basis, computed amount, eligibility, status, people, dates.
    pub lines: Vec<(String, String)>,
    /// The computed amount, when this official may propose the reward now.
    pub propose: Option<i64>,
    pub approve: bool,
    pub approve_extension: bool,
    /// Why this official sees no step, when a step waits for someone else.
    pub waiting: Option<String>,
}

/// What a case page's forms need to show a refused form again.
struct Typed<'a> {
    refused: Option<&'a Refused>,
    action: &'a str,
}

impl<'a> Typed<'a> {
    fn of(v: &'a CaseView<'a>, action: &'a str) -> Self {
        Self { refused: v.refused.as_ref().filter(|r| r.action == action), action }
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.refused.and_then(|r| r.value(name))
    }

    fn or(&self, name: &str, default: &'a str) -> &'a str {
        self.value(name).unwrap_or(default)
    }

    /// The error beside `field`.
    fn error(&self, field: &str) -> Markup {
        html! {
            @if let Some(r) = self.refused.filter(|r| r.field.as_deref() == Some(field)) {
                span.error id={ (self.action) "-" (field) "-error" } role="alert" { "⚠ " (r.message) }
            }
        }
    }

    /// The error of the form as a whole.
    fn form_error(&self) -> Markup {
        html! {
            @if let Some(r) = self.refused.filter(|r| r.field.is_none()) {
                span.error role="alert" { "⚠ " (r.message) }
            }
        }
    }
}

/// A required box that confirms an action that cannot be undone.
fn confirm_box(id: &str, text: &str, t: &Typed<'_>) -> Markup {
    html! {
        label.choice { input id=(id) type="checkbox" name="confirm" value="yes" required; span { (text) } }
        (t.error("confirm"))
    }
}

fn reward_form(f: &Frame<'_>, reference: &str, step: &str, label: &str, fields: Markup) -> Markup {
    html! {
        form.action method="post" action={ "/staff/tips/" (reference) "/reward" } {
            input type="hidden" name="csrf" value=(f.csrf);
            input type="hidden" name="step" value=(step);
            (fields)
            button.button type="submit" { (label) }
        }
    }
}

fn reward_panel(f: &Frame<'_>, v: &CaseView<'_>, r: &RewardPanel) -> Markup {
    let lang = f.lang;
    let reference = v.reference.as_str();
    let propose = Typed::of(v, "reward_propose");
    let approve = Typed::of(v, "reward_approve");
    html! {
        h2 { (lang.tr("staff-reward")) }
        dl.facts { @for (k, val) in &r.lines { dt { (k) } dd { (val) } } }
        @if let Some(w) = &r.waiting { p.hint { (w) } }
        @if let Some(computed) = r.propose {
            @let computed = computed.to_string();
            (reward_form(f, reference, "propose", lang.tr("staff-propose-reward-head-approve"), html! {
                (propose.form_error())
                div.field.compact { label for="amount" { (lang.tr("staff-amount-yuan")) } input id="amount" name="amount" type="number" min="1" value=(propose.or("amount", &computed)); (propose.error("amount")) }
                div.field.compact { label for="override" { (lang.tr("staff-reason-if-not-computed-amount")) } textarea id="override" name="reason" rows="2" maxlength="2000" { (propose.or("reason", "")) } (propose.error("reason")) }
            }))
        }
        @if r.approve {
            (reward_form(f, reference, "approve", lang.tr("staff-approve-reward-finance"), html! {
                (approve.form_error())
                (confirm_box("reward-confirm", lang.tr("staff-i-checked-amount-its-basis"), &approve))
            }))
        }
        @if r.approve_extension {
            (reward_form(f, reference, "approve_extension", lang.tr("staff-grant-more-time-claim"), html! { (Typed::of(v, "reward_approve_extension").form_error()) }))
        }
    }
}

/// The fields of a conclusion; `optional` adds a first choice that keeps the conclusion as it is.
fn conclusion_fields(lang: Lang, prefix: &str, optional: bool, t: &Typed<'_>) -> Markup {
    let id = |name: &str| format!("{prefix}-{name}");
    let outcome = t.or("outcome", "");
    let grade = t.or("accident_grade", "");
    let outcomes = [
        ("substantiated", lang.tr("events-substantiated")),
        ("partially_substantiated", lang.tr("events-partly-substantiated")),
        ("unsubstantiated", lang.tr("events-not-substantiated")),
    ];
    let grades = [
        ("general", lang.tr("staff-general")),
        ("larger", lang.tr("staff-larger")),
        ("major", lang.tr("staff-major")),
        ("especially_major", lang.tr("staff-especially-major")),
    ];
    html! {
        div.field.compact { label for=(id("outcome")) { (lang.tr("case-outcome")) }
            select id=(id("outcome")) name="outcome" {
                @if optional { option value="" { (lang.tr("staff-uphold-conclusion")) } }
                @for (code, text) in outcomes { option value=(code) selected[outcome == code] { (text) } }
            }
            (t.error("outcome")) }
        div.field.compact { label for=(id("fine")) { (lang.tr("staff-fine-yuan")) } input id=(id("fine")) name="fine_yuan" type="number" min="0" value=(t.or("fine_yuan", "0")); (t.error("fine_yuan")) }
        div.field.compact { label for=(id("grade")) { (lang.tr("staff-accident-grade-concealed-accidents")) }
            select id=(id("grade")) name="accident_grade" {
                option value="" { "—" }
                @for (code, text) in grades { option value=(code) selected[grade == code] { (text) } }
            }
            (t.error("accident_grade")) }
        div.field.compact { label for=(id("deaths")) { (lang.tr("staff-verified-concealed-deaths-concealed-accidents")) } input id=(id("deaths")) name="concealed_deaths" type="number" min="0" value=(t.or("concealed_deaths", "")); (t.error("concealed_deaths")) }
        label.choice { input type="checkbox" name="previously_known" value="true" checked[t.value("previously_known").is_some_and(|v| !v.is_empty())]; span { (lang.tr("staff-already-known-handled-before")) } }
    }
}

fn action_form(f: &Frame<'_>, reference: &str, action: &str, label: &str, fields: Markup) -> Markup {
    html! {
        form.action method="post" action={ "/staff/tips/" (reference) "/act" } {
            input type="hidden" name="csrf" value=(f.csrf);
            input type="hidden" name="action" value=(action);
            (fields)
            button.button type="submit" { (label) }
        }
    }
}

/// The related tips of a case: candidates to open and confirm, never proof.
fn related(f: &Frame<'_>, reference: &str, r: &RelatedView) -> Markup {
    let lang = f.lang;
    html! {
        section.related aria-labelledby="related-heading" {
            h2 id="related-heading" { (lang.tr("case-related")) }
            @if !r.held {
                p.muted { (lang.tr("case-related-no-key")) }
            } @else if r.nothing_to_match {
                p.muted { (lang.tr("case-related-nothing-to-match")) }
            } @else if r.listed.is_empty() && r.elsewhere.is_empty() {
                p.muted { (lang.tr("case-related-none")) }
            } @else {
                p.hint { (lang.tr("case-related-candidates")) }
                @if !r.listed.is_empty() {
                    ul.related-tips { @for t in &r.listed {
                        li {
                            @if t.openable { a.code href={ "/staff/tips/" (t.reference) } { (t.reference) } } @else { span.code { (t.reference) } }
                            " · " (t.about)
                            @if t.openable && r.propose_duplicate {
                                form.inline method="post" action={ "/staff/tips/" (reference) "/act" } {
                                    input type="hidden" name="csrf" value=(f.csrf);
                                    input type="hidden" name="action" value="propose_duplicate";
                                    input type="hidden" name="of" value=(t.reference);
                                    button.button type="submit" { (lang.tr("case-related-propose-duplicate")) }
                                }
                            }
                        }
                    } }
                }
                @if !r.elsewhere.is_empty() {
                    h3 { (lang.tr("case-related-other-departments")) }
                    ul { @for line in &r.elsewhere { li { (line) } } }
                }
            }
            @if r.held { p.hint { (lang.tr("case-related-not-indexed")) } }
        }
    }
}

pub fn case(f: &Frame<'_>, v: &CaseView<'_>) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.tr("staff-tip")) " " span.code { (v.reference) } }
            @if let Some(n) = &v.notice { p.notice role="status" { (n) } }
            @if let Some(r) = &v.refused { div.error-summary role="alert" { p { (lang.tr("staff-not-done-correct-shown-try")) (r.message) } } }
            div.case {
                section { (case_record(f, v)) }
                aside {
                    (case_steps(f, v))
                    (case_decisions(f, v))
                    (case_proposals(f, v))
                    (case_reward_and_identity(f, v))
                }
            }
        },
    )
}

/// The tip itself: the report, evidence, messages, notes and timeline.
fn case_record(f: &Frame<'_>, v: &CaseView<'_>) -> Markup {
    let lang = f.lang;
    let t = |a: &'static str| Typed::of(v, a);
    html! {
        dl.facts { @for (k, val) in &v.facts { dt { (k) } dd { (val) } } }
        h2 { (v.told.title) }
        p.pre { (v.told.description) }
        (told::details(lang, &v.told))
        @if v.supervisory_duty { p.warning { (lang.tr("staff-reporter-declared-supervisory-duties-kinship")) } }
        p { strong { (lang.tr("staff-identity")) } (v.identity) }
        (related(f, &v.reference, &v.related))
        h2 { (lang.tr("staff-evidence")) }
        @if v.files.is_empty() { p.muted { (lang.tr("staff-none")) } }
        ul.files { @for file in &v.files {
            li { a href={ "/staff/tips/" (v.reference) "/attachments/" (file.id) } { (file.name) } " · " (file.kind) " · " (file.size) " · " (file.metadata)
                @if let Some(sent_as) = &file.sent_as { " · " (lang.tr_with("staff-file-sent-as", &[("name", sent_as.into())])) } }
        } }
        h2 { (lang.tr("staff-messages-reporter")) }
        ol.messages { @for m in &v.messages { li { p.meta { (m.who) " · " (m.at) } p.pre { (m.text) } } } }
        @let reply = t("reply");
        (action_form(f, &v.reference, "reply", lang.tr("staff-send-reporter"), html! {
            div.field { label for="reply-body" { (lang.tr("staff-reply-reporter-sees")) } textarea id="reply-body" name="body" rows="3" maxlength="5000" { (reply.or("body", "")) } (reply.error("body")) (reply.form_error()) }
        }))
        h2 { (lang.tr("staff-internal-notes")) }
        ol.messages { @for n in &v.notes { li { p.meta { (n.who) " · " (n.at) } p.pre { (n.text) } } } }
        @let note = t("note");
        (action_form(f, &v.reference, "note", lang.tr("staff-add-internal-note"), html! {
            div.field { label for="note-body" { (lang.tr("staff-note-officials-only")) } textarea id="note-body" name="body" rows="3" maxlength="10000" { (note.or("body", "")) } (note.error("body")) (note.form_error()) }
        }))
        h2 { (lang.tr("staff-timeline")) }
        ol.timeline { @for e in &v.events { li { span.meta { (e.at) " · " (e.who) } " " (e.text) } } }
    }
}

/// A waiting proposal and the steps that need no input.
fn case_steps(f: &Frame<'_>, v: &CaseView<'_>) -> Markup {
    let lang = f.lang;
    html! {
        h2 { (lang.tr("staff-actions")) }
        @if let Some(p) = &v.proposal {
            div.notice-box.proposal {
                h3 { (lang.tr("staff-waiting-approval")) (p.title) }
                p.meta { (lang.tr("staff-proposed")) (p.by) " · " (p.at) }
                dl.facts { @for (k, val) in &p.lines { dt { (k) } dd.pre { (val) } } }
            }
        }
        @for (code, text) in &v.actions {
            @if ["accept", "start_verification", "assign_me"].contains(&code.as_str()) {
                (action_form(f, &v.reference, code, text, html! { (Typed::of(v, code).form_error()) }))
            }
        }
    }
}

/// Approving, closing, assigning, turning down and transferring.
fn case_decisions(f: &Frame<'_>, v: &CaseView<'_>) -> Markup {
    let lang = f.lang;
    let has = |a: &str| v.actions.iter().any(|(code, _)| code == a);
    let label = |a: &str| v.actions.iter().find(|(code, _)| code == a).map(|(_, l)| l.clone()).unwrap_or_default();
    let t = |a: &'static str| Typed::of(v, a);
    html! {
        @if has("approve") {
            @let a = t("approve");
            (action_form(f, &v.reference, "approve", &label("approve"), html! {
                (a.form_error())
                (confirm_box("approve-confirm", lang.tr("staff-i-have-read-proposal-above"), &a))
            }))
        }
        @if has("close") {
            @let a = t("close");
            (action_form(f, &v.reference, "close", &label("close"), html! {
                (a.form_error())
                (confirm_box("close-confirm", lang.tr("staff-once-closed-tip-cannot-worked"), &a))
            }))
        }
        @if has("assign") {
            @let a = t("assign");
            (action_form(f, &v.reference, "assign", &label("assign"), html! {
                div.field.compact { label for="assignee" { (lang.tr("case-assignee")) }
                    select id="assignee" name="to" { @for (id, name) in &v.colleagues { option value=(id) selected[a.value("to") == Some(id.as_str())] { (name) } } }
                    (a.error("to")) (a.form_error()) }
            }))
        }
        @if has("deny") {
            @let a = t("deny");
            (action_form(f, &v.reference, "deny", &label("deny"), html! {
                div.field.compact { label for="deny-reason" { (lang.tr("staff-why-not-proposer-told")) } input id="deny-reason" name="reason" type="text" maxlength="2000" value=(a.or("reason", "")); (a.error("reason")) (a.form_error()) }
            }))
        }
        @if has("transfer") && v.departments.is_empty() {
            p.hint { (lang.tr("staff-no-other-department-can-receive")) }
        } @else if has("transfer") {
            @let a = t("transfer");
            (action_form(f, &v.reference, "transfer", &label("transfer"), html! {
                div.field.compact { label for="to" { (lang.tr("staff-transfer")) }
                    select id="to" name="to" required {
                        option value="" { (lang.tr("staff-choose-department")) }
                        @for (code, name) in &v.departments { option value=(code) selected[a.value("to") == Some(code.as_str())] { (name) } }
                    }
                    (a.error("to")) }
                (a.form_error())
                (confirm_box("transfer-confirm", lang.tr("staff-after-transfer-department-can-no"), &a))
            }))
        }
    }
}

/// The proposals an officer makes: rejection, extension, conclusion, review, duplicate.
fn case_proposals(f: &Frame<'_>, v: &CaseView<'_>) -> Markup {
    let lang = f.lang;
    let has = |a: &str| v.actions.iter().any(|(code, _)| code == a);
    let label = |a: &str| v.actions.iter().find(|(code, _)| code == a).map(|(_, l)| l.clone()).unwrap_or_default();
    let t = |a: &'static str| Typed::of(v, a);
    html! {
        @if has("propose_rejection") {
            @let a = t("propose_rejection");
            (action_form(f, &v.reference, "propose_rejection", &label("propose_rejection"), html! {
                div.field.compact { label for="reject-reason" { (lang.tr("staff-reason-reporter-sees")) } textarea id="reject-reason" name="reason" rows="2" maxlength="2000" { (a.or("reason", "")) } (a.error("reason")) (a.form_error()) }
            }))
        }
        @if has("propose_extension") {
            @let a = t("propose_extension");
            (action_form(f, &v.reference, "propose_extension", &label("propose_extension"), html! {
                div.field.compact { label for="days" { (lang.tr("case-days")) } input id="days" name="days" type="number" min="1" max="30" value=(a.or("days", "30")); (a.error("days")) }
                div.field.compact { label for="extend-reason" { (lang.tr("staff-reason-reporter-sees-2")) } textarea id="extend-reason" name="reason" rows="2" maxlength="2000" { (a.or("reason", "")) } (a.error("reason")) (a.form_error()) }
            }))
        }
        @if has("propose_conclusion") {
            @let a = t("propose_conclusion");
            (action_form(f, &v.reference, "propose_conclusion", &label("propose_conclusion"), html! {
                (a.form_error())
                (conclusion_fields(lang, "conclude", false, &a))
                div.field.compact { label for="feedback" { (lang.tr("staff-feedback-conclusion-short-account-decision")) } textarea id="feedback" name="feedback" rows="4" maxlength="5000" { (a.or("feedback", "")) } (a.error("feedback")) }
            }))
        }
        @if has("conclude_review") {
            @let a = t("conclude_review");
            (action_form(f, &v.reference, "conclude_review", &label("conclude_review"), html! {
                (a.form_error())
                div.field.compact { label for="review-account" { (lang.tr("staff-review-s-answer-reporter-sees")) } textarea id="review-account" name="body" rows="4" maxlength="5000" { (a.or("body", "")) } (a.error("body")) }
                (conclusion_fields(lang, "review", true, &a))
            }))
        }
        @if has("propose_duplicate") {
            @let a = t("propose_duplicate");
            (action_form(f, &v.reference, "propose_duplicate", &label("propose_duplicate"), html! {
                div.field.compact { label for="of" { (lang.tr("staff-duplicate-earlier-accepted-tip-s")) } input id="of" name="of" type="text" maxlength="20" value=(a.or("of", "")); (a.error("of")) (a.form_error()) }
            }))
        }
    }
}

/// The reward panel and the request for the identity.
fn case_reward_and_identity(f: &Frame<'_>, v: &CaseView<'_>) -> Markup {
    let lang = f.lang;
    let t = |a: &'static str| Typed::of(v, a);
    html! {
        @if let Some(r) = &v.reward { (reward_panel(f, v, r)) }
        @if let Some(state) = &v.identity_state { p.hint { strong { (lang.tr("staff-identity-2")) } (state) } }
        @if v.can_request_identity {
            @let a = t("identity");
            form.action method="post" action={ "/staff/tips/" (v.reference) "/disclosure" } {
                input type="hidden" name="csrf" value=(f.csrf);
                div.field.compact { label for="why" { (lang.tr("staff-why-reporter-s-identity-needed")) } textarea id="why" name="reason" rows="2" maxlength="2000" { (a.or("reason", "")) } (a.error("reason")) (a.form_error()) }
                button.button type="submit" { (lang.tr("staff-ask-custodian-identity")) }
            }
        }
    }
}

/// A horizontal bar chart as SVG: label, value, and a highlighted part of the value.
pub fn bar_chart(title: &str, rows: &[(String, i64, i64)], legend: (&str, &str)) -> Markup {
    let max = rows.iter().map(|(_, v, _)| *v).max().unwrap_or(1).max(1);
    let row_height = 26;
    let label_width = 190;
    let bar_width = 420;
    let height = 40 + row_height * i64::try_from(rows.len()).unwrap_or(0);
    let scale = |v: i64| v * bar_width / max;
    html! {
        figure.chart {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (label_width + bar_width + 60) " " (height) } role="img" aria-label=(title) {
                rect x=(label_width) y="4" width="12" height="12" fill="#8c959f" {}
                text x=(label_width + 18) y="15" font-size="13" { (legend.0) }
                @if !legend.1.is_empty() {
                    rect x=(label_width + 160) y="4" width="12" height="12" fill="#b42318" {}
                    text x=(label_width + 178) y="15" font-size="13" { (legend.1) }
                }
                @for (i, (label, total, part)) in rows.iter().enumerate() {
                    @let y = 30 + row_height * i64::try_from(i).unwrap_or(0);
                    text x=(label_width - 8) y=(y + 15) font-size="13" text-anchor="end" { (label) }
                    rect x=(label_width) y=(y) width=(scale(*total).max(1)) height="18" fill="#8c959f" {}
                    rect x=(label_width) y=(y) width=(scale(*part)) height="18" fill="#b42318" {}
                    text x=(label_width + scale(*total) + 6) y=(y + 14) font-size="12" { (total) @if *part > 0 { " (" (part) ")" } }
                }
            }
        }
    }
}

/// One line of the statistics: tips in all, open, overdue, concluded, average days to conclude.
pub struct StatRow {
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub concluded: i64,
    pub days: Option<i64>,
}

pub struct OversightView {
    pub departments: Vec<StatRow>,
    pub districts: Vec<StatRow>,
    /// Companies and places reported more than once in the last 90 days; `None` when the
    /// official does not hold the matching key.
    pub repeats: Option<Vec<RepeatView>>,
}

/// One value several tips share: opaque; a name only through a tip one can open.
pub struct RepeatView {
    /// The field and the opaque value, e.g. `企业名称 3F2A`.
    pub what: String,
    pub tips: Vec<RelatedLine>,
}

fn repeats_table(lang: Lang, repeats: Option<&[RepeatView]>) -> Markup {
    html! {
        h2 { (lang.tr("oversight-repeats")) }
        @match repeats {
            None => p.muted { (lang.tr("case-related-no-key")) },
            Some([]) => p.muted { (lang.tr("oversight-no-repeats")) },
            Some(rows) => {
                p.hint { (lang.tr("oversight-repeats-hint")) }
                table.queue {
                    thead { tr { th scope="col" { (lang.tr("oversight-repeat-value")) } th scope="col" { (lang.tr("oversight-repeat-tips")) } } }
                    tbody { @for r in rows {
                        tr { td { (r.what) " · " (r.tips.len()) } td { ul { @for t in &r.tips { li {
                            @if t.openable { a.code href={ "/staff/tips/" (t.reference) } { (t.reference) } } @else { span.code { (t.reference) } }
                            " · " (t.about)
                        } } } } }
                    } }
                }
            }
        }
    }
}

fn stats_table(lang: Lang, first: &str, rows: &[StatRow]) -> Markup {
    html! {
        table.queue {
            thead { tr { th { (first) } th { (lang.tr("staff-total")) } th { (lang.tr("staff-open")) } th { (lang.tr("staff-overdue-3")) } th { (lang.tr("staff-concluded")) } th { (lang.tr("staff-avg-days-conclude")) } } }
            tbody { @for r in rows {
                tr.overdue[r.overdue > 0] { td { (r.name) } td { (r.total) } td { (r.open) } td { (r.overdue) } td { (r.concluded) } td { @if let Some(d) = r.days { (d) } @else { "—" } } }
            } }
        }
    }
}

pub fn oversight(f: &Frame<'_>, v: &OversightView) -> Markup {
    let lang = f.lang;
    let chart = |rows: &[StatRow]| -> Vec<(String, i64, i64)> {
        rows.iter().map(|r| (r.name.clone(), r.open, r.overdue)).collect()
    };
    let legend = (lang.tr("staff-open"), lang.tr("staff-which-overdue"));
    let closure: Vec<(String, i64, i64)> =
        v.departments.iter().filter_map(|r| r.days.map(|d| (r.name.clone(), d, 0))).collect();
    layout(
        f,
        html! {
            h1 { (lang.tr("staff-oversight")) }
            div.charts {
                (bar_chart(lang.tr("staff-open-overdue-tips-department"), &chart(&v.departments), legend))
                (bar_chart(lang.tr("staff-open-overdue-tips-district"), &chart(&v.districts), legend))
                @if closure.is_empty() {
                    figure.chart { figcaption { (lang.tr("staff-average-days-conclude-department")) } p.muted { (lang.tr("staff-nothing-has-been-concluded-yet")) } }
                } @else {
                    (bar_chart(lang.tr("staff-average-days-conclude-department"), &closure, (lang.tr("staff-days"), "")))
                }
            }
            h2 { (lang.tr("staff-department")) }
            (stats_table(lang, lang.tr("case-department"), &v.departments))
            h2 { (lang.tr("staff-district")) }
            (stats_table(lang, lang.tr("case-district"), &v.districts))
            (repeats_table(lang, v.repeats.as_deref()))
        },
    )
}

pub struct DisclosureView {
    pub id: String,
    pub reference: String,
    pub requester: String,
    pub reason: String,
    pub at: String,
}

/// The custodian's page: the requests that wait, a notice of the last decision, and the
/// error of a refused decision (`(request id, message)`).
pub fn disclosures(
    f: &Frame<'_>,
    items: &[DisclosureView],
    notice: Option<&str>,
    refused: Option<(&str, &str)>,
) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.tr("disclosures-disclosure-requests")) }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            p.hint { (lang.tr("staff-approval-identity-sealed-requester-alone")) }
            @if items.is_empty() { p.muted { (lang.tr("staff-nothing-waits-decision")) } }
            @for d in items {
                section.notice-box {
                    p { strong { (d.reference) } " · " (d.requester) " · " (d.at) }
                    p.pre { (d.reason) }
                    @if let Some((_, why)) = refused.filter(|(id, _)| *id == d.id) { span.error role="alert" { "⚠ " (why) } }
                    form.action method="post" action={ "/staff/disclosures/" (d.id) } {
                        input type="hidden" name="csrf" value=(f.csrf);
                        input type="hidden" name="decision" value="approve";
                        label.choice { input id={ "confirm-" (d.id) } type="checkbox" name="confirm" value="yes" required; span { (lang.tr("staff-i-have-weighed-reason-agree")) } }
                        button.button.primary type="submit" { (lang.tr("staff-approve-disclosure")) }
                    }
                    form.action method="post" action={ "/staff/disclosures/" (d.id) } {
                        input type="hidden" name="csrf" value=(f.csrf);
                        input type="hidden" name="decision" value="deny";
                        button.button type="submit" { (lang.tr("staff-turn-request-down")) }
                    }
                }
            }
        },
    )
}

pub struct HolderView {
    pub id: String,
    pub who: String,
    pub pending: bool,
    /// The row of the official who is looking.
    pub own: bool,
    /// The official who is looking may approve this pending member.
    pub may_approve: bool,
    /// Who may approve this pending member (empty: nobody yet).
    pub approvers: Vec<String>,
}

/// One version of a group key: active officials and recovery recipients who hold it, and the
/// tips sealed to it.
pub struct VersionLine {
    pub version: i64,
    pub officials: i64,
    pub recovery: i64,
    pub tips: i64,
}

pub struct GroupView {
    /// The department's name in the page's language, or 保密专员 / 财务.
    pub label: String,
    pub versions: Vec<VersionLine>,
    pub holders: Vec<HolderView>,
}

/// "等待 X 或 Y 批准", or what must happen first when nobody may approve.
fn waiting_for(lang: Lang, approvers: &[String]) -> String {
    if approvers.is_empty() {
        lang.tr("staff-nobody-may-approve-yet-group").to_owned()
    } else {
        lang.tr_with("staff-waiting-for", &[("names", approvers.join(lang.tr("list-or")).into())])
    }
}

/// The versions no active official holds, what they seal, and what can still be done.
pub fn unheld_versions(lang: Lang, g: &GroupView) -> Markup {
    let unheld: Vec<&VersionLine> = g.versions.iter().filter(|v| v.officials == 0).collect();
    html! {
        @if !unheld.is_empty() {
            div.warning role="status" {
                p { strong { (g.label) } " · " (lang.tr("staff-no-active-member-holds-these")) }
                ul { @for v in &unheld {
                    li {
                        (lang.tr_with("staff-version-seals", &[("version", v.version.into()), ("tips", v.tips.into())])) " "
                        @if v.recovery > 0 {
                            (lang.tr("staff-recovery-identity-holds-its-holder")) " "
                            code { "jubao department admit --identity FILE --user USERNAME" }
                        } @else {
                            (lang.tr("staff-no-recovery-identity-holds-these"))
                        }
                    }
                } }
            }
        }
    }
}

/// How far the tips are indexed under the newest matching key, and the re-indexing.
pub struct ReindexView {
    /// Tips not shredded, and of them those indexed under the newest matching key.
    pub tips: i64,
    pub indexed: i64,
    /// The run going on now, or the last one since the portal started.
    pub run: Option<RunLine>,
    /// The viewer holds the newest matching key, and tips are left to index.
    pub may_start: bool,
}

#[derive(Debug, Clone)]
pub struct RunLine {
    pub by: String,
    pub done: i64,
    pub total: i64,
    pub unreadable: i64,
    pub state: RunState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    Finished,
    /// The session that began it ended.
    Stopped,
    /// A fault of the store; logged.
    Failed,
}

fn reindexing(f: &Frame<'_>, v: &ReindexView) -> Markup {
    let lang = f.lang;
    html! { section.reindex aria-labelledby="reindex-heading" {
        h2 #reindex-heading { (lang.tr("keys-reindex-heading")) }
        p { (lang.tr_with("keys-reindex-coverage", &[("indexed", v.indexed.into()), ("tips", v.tips.into())])) }
        @if let Some(run) = &v.run {
            @let args = [("by", Arg::from(&run.by)), ("done", run.done.into()), ("total", run.total.into())];
            @let key = match run.state {
                RunState::Running => "keys-reindex-running",
                RunState::Finished => "keys-reindex-finished",
                RunState::Stopped => "keys-reindex-stopped",
                RunState::Failed => "keys-reindex-failed",
            };
            p role="status" {
                progress max=(run.total.max(1)) value=(run.done) { (run.done) " / " (run.total) } " "
                (lang.tr_with(key, &args))
                @if run.unreadable > 0 { " " (lang.tr_with("keys-reindex-unreadable", &[("count", run.unreadable.into())])) }
            }
        }
        @if v.may_start {
            p.hint { (lang.tr("keys-reindex-why")) }
            form method="post" action="/staff/keys/reindex" {
                input type="hidden" name="csrf" value=(f.csrf);
                button.button type="submit" { (lang.tr("keys-reindex-start")) }
            }
        }
    } }
}

pub fn keys(f: &Frame<'_>, groups: &[GroupView], reindex: Option<&ReindexView>, notice: Option<&str>) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.tr("keys-keys-members")) }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            form method="post" action="/staff/logout-all" {
                input type="hidden" name="csrf" value=(f.csrf);
                p { (lang.tr("staff-signed-elsewhere-forgot")) " "
                    button.button type="submit" { (lang.tr("staff-sign-out-everywhere")) } }
            }
            p.hint { (lang.tr("staff-new-member-reads-earlier-tips")) }
            @for g in groups {
                h2 { (g.label) }
                (unheld_versions(lang, g))
                table.queue {
                    thead { tr { th { (lang.tr("staff-member")) } th { (lang.tr("staff-state")) } th {} } }
                    tbody { @for h in &g.holders {
                        tr { td { (h.who) @if h.own { " " span.muted { (lang.tr("staff-you")) } } }
                            td { @if h.pending { strong { (lang.tr("staff-pending")) } } @else { (lang.tr("staff-active")) } }
                            td { @if h.pending && h.may_approve {
                                form.inline method="post" action={ "/staff/keys/" (h.id) "/approve" } {
                                    input type="hidden" name="csrf" value=(f.csrf);
                                    label { input type="checkbox" name="confirm" value="yes" required; " "
                                        (lang.tr("staff-i-confirm-colleague-group-i")) }
                                    " "
                                    button.button type="submit" { (lang.tr("staff-approve")) (h.who) }
                                }
                            } @else if h.pending {
                                span.hint { (waiting_for(lang, &h.approvers)) }
                            } } }
                    } }
                }
            }
            @if let Some(v) = reindex { (reindexing(f, v)) }
        },
    )
}

pub struct UserLine {
    pub id: String,
    pub username: String,
    pub roles: String,
    pub department: String,
    pub groups: String,
    pub disabled: bool,
}

/// A department as administrators see it: key versions and holders, no content.
pub struct DepartmentLine {
    pub name: String,
    pub versions: i64,
    pub active: i64,
    pub pending: i64,
    pub recovery: i64,
    pub open_tips: i64,
    /// Active heads of the department who hold its key.
    pub heads: i64,
    pub keys: GroupView,
}

/// A role to pick, with what it does.
pub struct RoleChoice {
    pub code: String,
    pub name: String,
    pub description: String,
}

/// What was typed into the create-official form (never the password).
#[derive(Default)]
pub struct NewUserDraft {
    pub username: String,
    pub roles: Vec<String>,
    pub department: String,
    pub email: String,
}

pub struct AdminView {
    pub users: Vec<UserLine>,
    pub department_keys: Vec<DepartmentLine>,
    /// Settings in force, read-only: (name, value).
    pub settings: Vec<(String, String)>,
    pub posters: Vec<(String, String, String)>,
    pub departments: Vec<(String, String)>,
    pub districts: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub roles: Vec<RoleChoice>,
    pub draft: NewUserDraft,
    /// (field, why) for a refused create-official form.
    pub field_errors: Vec<(String, String)>,
    pub notice: Option<String>,
}

fn field_error(v: &AdminView, field: &str) -> Markup {
    html! { @for (f, why) in &v.field_errors { @if f == field { p.error id={ "error-" (field) } { (why) } } } }
}

pub fn admin(f: &Frame<'_>, v: &AdminView) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.tr("admin-administration")) }
            p.hint { (lang.tr("staff-administrators-manage-accounts-posters-they")) }
            @if let Some(n) = &v.notice { p.notice role="status" { (n) } }
            @if !v.field_errors.is_empty() { div.error-summary role="alert" { p { (lang.tr("staff-not-created-correct-fields-said")) } } }
            h2 { (lang.tr("staff-officials")) }
            table.queue {
                thead { tr { th { (lang.tr("staff-username")) } th { (lang.tr("staff-roles")) } th { (lang.tr("case-department")) } th { (lang.tr("staff-key-groups")) } th {} } }
                tbody { @for u in &v.users {
                    tr { td { (u.username) } td { (u.roles) } td { (u.department) } td { (u.groups) }
                        td { @if u.disabled { (lang.tr("staff-disabled")) } @else {
                            form.inline method="post" action={ "/staff/admin/users/" (u.id) "/disable" } {
                                input type="hidden" name="csrf" value=(f.csrf);
                                label { input type="checkbox" name="confirm" value="yes" required; " " (lang.tr("staff-confirm-cannot-undone")) }
                                " "
                                button.button type="submit" { (lang.tr("staff-disable")) (u.username) }
                            } } } }
                } }
            }
            h3 id="new-official" { (lang.tr("staff-new-official")) }
            p.hint { (lang.tr("staff-each-department-create-head-first")) }
            form method="post" action="/staff/admin/users" {
                input type="hidden" name="csrf" value=(f.csrf);
                div.field.compact { label for="new-username" { (lang.tr("staff-username")) } input id="new-username" name="username" type="text" maxlength="32" value=(v.draft.username) required; (field_error(v, "username")) }
                fieldset.field.compact {
                    legend { (lang.tr("staff-roles-one-more")) }
                    @for r in &v.roles {
                        div { label { input type="checkbox" name="roles" value=(r.code) checked[v.draft.roles.contains(&r.code)]; " " strong { (r.name) } " — " (r.description) } }
                    }
                    (field_error(v, "roles"))
                }
                div.field.compact { label for="new-department" { (lang.tr("staff-department-officers-heads")) }
                    select id="new-department" name="department" { option value="" { "—" } @for (code, name) in &v.departments { option value=(code) selected[*code == v.draft.department] { (name) } } }
                    (field_error(v, "department")) }
                div.field.compact { label for="new-email" { (lang.tr("desk-email-2")) } input id="new-email" name="email" type="email" value=(v.draft.email); (field_error(v, "email")) }
                div.field.compact { label for="new-password" { (lang.tr("staff-first-password-12-characters")) } input id="new-password" name="password" type="password" autocomplete="new-password" required; (field_error(v, "password")) }
                p.actions { button.button.primary type="submit" { (lang.tr("staff-create")) } }
            }
            h2 { (lang.tr("staff-departments-keys")) }
            table.queue {
                thead { tr { th { (lang.tr("case-department")) } th { (lang.tr("staff-key-versions")) } th { (lang.tr("staff-members")) } th { (lang.tr("staff-heads")) } th { (lang.tr("staff-pending")) } th { (lang.tr("staff-recovery")) } th { (lang.tr("staff-open-tips")) } } }
                tbody { @for d in &v.department_keys {
                    tr.overdue[d.versions == 0] { td { (d.name) } td { (d.versions) } td { (d.active) } td { (d.heads) } td { (d.pending) } td { (d.recovery) } td { (d.open_tips) } }
                } }
            }
            @for d in &v.department_keys {
                @if d.active > 0 && d.heads == 0 {
                    p.warning role="status" { strong { (d.name) } " · " (lang.tr("staff-no-active-head-new-officers")) }
                }
                (unheld_versions(lang, &d.keys))
            }
            p.hint { (lang.tr("staff-department-without-key-cannot-receive"))
                code { "jubao department recovery" }
                (lang.tr("staff-when-no-active-member-holds"))
                code { "jubao department admit" }
                (lang.tr("staff-text")) }
            h2 { (lang.tr("staff-settings-read-only")) }
            dl.facts { @for (k, val) in &v.settings { dt { code { (k) } } dd { (val) } } }
            h2 { (lang.tr("staff-qr-posters")) }
            ul { @for (code, label, url) in &v.posters { li { (label) " · " a href={ "/q/" (code) "/poster" } { (url) } } } }
            form method="post" action="/staff/admin/posters" {
                input type="hidden" name="csrf" value=(f.csrf);
                div.field.compact { label for="poster-label" { (lang.tr("staff-where-hangs")) } input id="poster-label" name="label" type="text" maxlength="100" required; }
                div.field.compact { label for="poster-district" { (lang.tr("staff-preset-district")) }
                    select id="poster-district" name="district" { option value="" { "—" } @for (code, name) in &v.districts { option value=(code) { (name) } } } }
                div.field.compact { label for="poster-category" { (lang.tr("staff-preset-field")) }
                    select id="poster-category" name="category" { option value="" { "—" } @for (code, name) in &v.categories { option value=(code) { (name) } } } }
                p.actions { button.button type="submit" { (lang.tr("staff-create-poster")) } }
            }
        },
    )
}

/// Shown once after creating an official: the second factor to hand over.
pub fn user_created(f: &Frame<'_>, username: &str, secret: &str, uri_qr_svg: &str, groups: &[String]) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.tr("staff-created")) (username) }
            p.warning { (lang.tr("staff-hand-official-person-scan-shown")) }
            div.qr { (PreEscaped(uri_qr_svg)) }
            p { (lang.tr("staff-secret-type")) code { (secret) } }
            ul { @for g in groups { li { (g) } } }
            p { a.button href="/staff/admin" { (lang.tr("staff-back")) } }
        },
    )
}

/// One reward in finance's queue: never any tip content.
pub struct FinanceLine {
    pub reference: String,
    pub status: String,
    pub amount: i64,
    pub due: String,
    pub method: String,
    /// Label and value of the payout details, for a reward claimed to a bank account.
    pub payout: Vec<(String, String)>,
    pub payment: String,
    pub can_authorise: bool,
    pub can_pay: bool,
    /// This official authorised the reward, so a colleague records the payment.
    pub pays_a_colleague: bool,
    /// Collected in person: the payer checks the query code of the reporter's receipt.
    pub needs_receipt: bool,
}

pub struct FinanceView {
    pub lines: Vec<FinanceLine>,
    pub notice: Option<String>,
    /// Why this finance official may take no step yet (membership waiting for approval).
    pub blocked: Option<String>,
    /// A refused step: the reward's reference, the field at fault, and why.
    pub refused: Option<(String, Option<String>, String)>,
}

pub fn finance(f: &Frame<'_>, v: &FinanceView) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.tr("finance-rewards")) }
            @if let Some(n) = &v.notice { p.notice role="status" { (n) } }
            @if let Some(b) = &v.blocked { p.warning role="status" { (b) } }
            @if let Some((reference, _, why)) = &v.refused { div.error-summary role="alert" { p { span.code { (reference) } "：" (why) } } }
            p { a href="/staff/finance/payments.csv" download="payments.csv" { (lang.tr("staff-export-payments-csv-no-identity")) } }
            @if v.lines.is_empty() { p.muted { (lang.tr("staff-no-rewards-handle")) } }
            @for l in &v.lines {
                section.reward-line {
                    h2 { span.code { (l.reference) } " · " (l.amount) " " (lang.tr("case-yuan")) " · " (l.status) }
                    dl.facts {
                        dt { (lang.tr("case-claim")) } dd { (l.due) }
                        dt { (lang.tr("staff-how")) } dd { (l.method) }
                        @for (k, val) in &l.payout { dt { (k) } dd { (val) } }
                        @if !l.payment.is_empty() { dt { (lang.tr("staff-payment-reference")) } dd { (l.payment) } }
                    }
                    @let refused = v.refused.as_ref().filter(|(r, _, _)| *r == l.reference);
                    @let error_at = |field: Option<&str>| html! {
                        @if let Some((_, _, why)) = refused.filter(|(_, at, _)| at.as_deref() == field) { span.error role="alert" { "⚠ " (why) } }
                    };
                    @if l.can_authorise && v.blocked.is_none() {
                        form.action method="post" action={ "/staff/finance/" (l.reference) } {
                            input type="hidden" name="csrf" value=(f.csrf);
                            input type="hidden" name="step" value="authorise";
                            label.choice { input id={ "authorise-confirm-" (l.reference) } type="checkbox" name="confirm" value="yes" required; span { (lang.tr("staff-i-checked-amount-once-authorised")) } }
                            (error_at(Some("confirm")))
                            button.button type="submit" { (lang.tr("staff-authorise-notify-reporter")) }
                        }
                    }
                    @if l.pays_a_colleague {
                        p.hint { (lang.tr("staff-you-authorised-reward-another-finance")) }
                    }
                    @if l.can_pay && v.blocked.is_none() {
                        form.action method="post" action={ "/staff/finance/" (l.reference) } {
                            input type="hidden" name="csrf" value=(f.csrf);
                            input type="hidden" name="step" value="pay";
                            div.field.compact { label for={ "pay-" (l.reference) } { (lang.tr("staff-payment-reference")) } input id={ "pay-" (l.reference) } name="payment_reference" type="text" maxlength="64" required; (error_at(Some("payment_reference"))) }
                            @if l.needs_receipt {
                                div.field.compact { label for={ "code-" (l.reference) } { (lang.tr("staff-query-code-reporter-s-receipt")) } input id={ "code-" (l.reference) } name="receipt_code" type="text" maxlength="40" autocomplete="off" required; (error_at(Some("receipt_code"))) }
                            }
                            label.choice { input id={ "pay-confirm-" (l.reference) } type="checkbox" name="confirm" value="yes" required; span { (lang.tr("staff-money-has-actually-been-paid")) } }
                            (error_at(Some("confirm")))
                            button.button type="submit" { (lang.tr("staff-record-payment")) }
                        }
                    }
                }
            }
        },
    )
}
