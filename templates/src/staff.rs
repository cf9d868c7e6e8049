//! The staff workspace: sign-in, queue, case, oversight, disclosures, keys, administration.
//! Every form that changes something carries the session's form token.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::Lang;

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
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (f.title) " · " (lang.t("举报办理", "Case work")) }
                link rel="stylesheet" href="/static/jubao.css";
            }
            body.staff {
                header.site {
                    a.brand href="/staff" { (lang.t("举报办理平台", "Case work")) }
                    nav {
                        @for item in f.nav { a href=(item.href) aria-current=[(item.href == f.path).then_some("page")] { (item.label) } }
                    }
                    span.who { (f.username) }
                    form.inline method="post" action="/staff/logout" {
                        input type="hidden" name="csrf" value=(f.csrf);
                        button.link type="submit" { (lang.t("退出", "Sign out")) }
                    }
                    a.lang href={ "/lang/" (other.code()) "?next=" (f.path) } lang=(other.html_lang()) { (other.t("中文", "English")) }
                }
                main.wide { (body) }
            }
        }
    }
}

pub fn login(lang: Lang, username: &str, error: Option<&str>, csrf: &str) -> Markup {
    let frame = crate::Frame { lang, title: lang.t("工作人员登录", "Staff sign-in"), path: "/staff/login" };
    crate::layout(
        &frame,
        html! {
            h1 { (lang.t("工作人员登录", "Staff sign-in")) }
            @if let Some(e) = error { div.error-summary role="alert" { p { (e) } } }
            form method="post" action="/staff/login" {
                input type="hidden" name="csrf" value=(csrf);
                div.field { label for="username" { (lang.t("用户名", "Username")) } input id="username" name="username" type="text" value=(username) autocomplete="username" required; }
                div.field { label for="password" { (lang.t("密码", "Password")) } input id="password" name="password" type="password" autocomplete="current-password" required; }
                div.field { label for="totp" { (lang.t("动态验证码", "Authenticator code")) } input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required; }
                p.actions { button.button.primary type="submit" { (lang.t("登录", "Sign in")) } }
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

/// How a tip came in, in words.
pub fn channel_label(code: &str, lang: Lang) -> &str {
    match code {
        "web" => lang.t("网页", "Web"),
        "qr" => lang.t("二维码", "QR"),
        "api" => lang.t("接口", "API"),
        "hotline" => lang.t("电话", "Hotline"),
        "letter" => lang.t("来信", "Letter"),
        "visit" => lang.t("来访", "Visit"),
        "email" => lang.t("邮件", "Email"),
        other => other,
    }
}

const CHANNELS: [&str; 7] = ["web", "qr", "api", "hotline", "letter", "visit", "email"];

pub struct QueueView {
    pub rows: Vec<QueueRow>,
    pub total: i64,
    /// More than `total` match: the filter is not counted further.
    pub more: bool,
    /// Status code, label, count.
    pub counts: Vec<(String, String, i64)>,
    pub filters: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
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
    let any = lang.t("全部", "All");
    layout(
        f,
        html! {
            h1 { (lang.t("举报队列", "Queue")) " " span.muted { "(" (v.total) @if v.more { "+" } ")" } }
            @if v.more { p.hint { (lang.t("符合条件的举报超过此数，未再计数；请增加筛选条件。", "More tips match than this; they were not counted further. Narrow the filter.")) } }
            ul.counts {
                @for (code, label, count) in &v.counts {
                    li { a href={ "/staff?status=" (code) } { (label) " " strong { (count) } } }
                }
            }
            form.filters method="get" action="/staff" {
                (select("status", lang.t("状态", "Status"), &v.statuses, &filter(v, "status"), any))
                (select("kind", lang.t("类型", "Kind"), &v.kinds, &filter(v, "kind"), any))
                (select("category", lang.t("领域", "Field"), &v.categories, &filter(v, "category"), any))
                (select("district", lang.t("区县", "District"), &v.districts, &filter(v, "district"), any))
                (select("channel", lang.t("渠道", "Channel"),
                    &CHANNELS.map(|c| (c.to_owned(), channel_label(c, lang).to_owned())), &filter(v, "channel"), any))
                (select("due", lang.t("期限", "Deadline"), &[("soon".into(), lang.t("即将到期", "Due soon").into()), ("overdue".into(), lang.t("已超期", "Overdue").into())], &filter(v, "due"), any))
                (select("assignee", lang.t("承办人", "Assignee"), &[("me".into(), lang.t("我", "Me").into()), ("none".into(), lang.t("未分配", "Unassigned").into())], &filter(v, "assignee"), any))
                (select("sort", lang.t("排序", "Sort"), &[("oldest".into(), lang.t("最早收到", "Oldest first").into()), ("due".into(), lang.t("最先到期", "Due first").into())], &filter(v, "sort"), lang.t("最新收到", "Newest first")))
                p.actions { button.button type="submit" { (lang.t("筛选", "Filter")) } }
            }
            table.queue {
                thead { tr {
                    th { (lang.t("编号", "Reference")) } th { (lang.t("类型", "Kind")) } th { (lang.t("领域", "Field")) }
                    th { (lang.t("区县", "District")) } th { (lang.t("部门", "Department")) } th { (lang.t("渠道", "Channel")) }
                    th { (lang.t("状态", "Status")) } th { (lang.t("收到", "Received")) } th { (lang.t("期限", "Due")) } th { (lang.t("承办", "Assignee")) }
                } }
                tbody {
                    @for r in &v.rows {
                        tr.overdue[r.overdue] {
                            td { @if r.openable { a.code href={ "/staff/tips/" (r.reference) } { (r.reference) } } @else { span.code title=(lang.t("您无权打开这条举报", "You may not open this tip")) { (r.reference) } } }
                            td { (r.kind) } td { (r.category) } td { (r.district) } td { (r.department) } td { (r.channel) }
                            td { (r.status) } td { (r.received) }
                            td { (r.due) @if r.overdue { " " strong.overdue-mark { (lang.t("超期", "overdue")) } } @if r.escalated { " " span.badge { (lang.t("督办", "escalated")) } } }
                            td { (r.assignee) }
                        }
                    }
                }
            }
            @if v.rows.is_empty() { p.muted { (lang.t("没有符合条件的举报。", "No tips match.")) } }
            nav.pages {
                @if v.page > 1 { a href={ "/staff?" (v.query) "&page=" (v.page - 1) } { "← " (lang.t("上一页", "Previous")) } }
                span { (v.page) " / " (v.pages) }
                @if v.page < v.pages { a href={ "/staff?" (v.query) "&page=" (v.page + 1) } { (lang.t("下一页", "Next")) " →" } }
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

pub struct CaseView {
    pub reference: String,
    pub facts: Vec<(String, String)>,
    pub title: String,
    pub description: String,
    pub location: String,
    pub company: Option<String>,
    pub occurred_on: Option<String>,
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
    fn of(v: &'a CaseView, action: &'a str) -> Self {
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

fn reward_panel(f: &Frame<'_>, v: &CaseView, r: &RewardPanel) -> Markup {
    let lang = f.lang;
    let reference = v.reference.as_str();
    let propose = Typed::of(v, "reward_propose");
    let approve = Typed::of(v, "reward_approve");
    html! {
        h2 { (lang.t("奖励", "Reward")) }
        dl.facts { @for (k, val) in &r.lines { dt { (k) } dd { (val) } } }
        @if let Some(w) = &r.waiting { p.hint { (w) } }
        @if let Some(computed) = r.propose {
            @let computed = computed.to_string();
            (reward_form(f, reference, "propose", lang.t("提议奖励（报负责人批准）", "Propose the reward (for a head to approve)"), html! {
                (propose.form_error())
                div.field.compact { label for="amount" { (lang.t("金额（元）", "Amount (yuan)")) } input id="amount" name="amount" type="number" min="1" value=(propose.or("amount", &computed)); (propose.error("amount")) }
                div.field.compact { label for="override" { (lang.t("与计算金额不同时须说明理由；高于计算金额的，须两位负责人批准", "Reason, if not the computed amount; an amount above it needs two heads' approval")) } textarea id="override" name="reason" rows="2" maxlength="2000" { (propose.or("reason", "")) } (propose.error("reason")) }
            }))
        }
        @if r.approve {
            (reward_form(f, reference, "approve", lang.t("批准奖励（交财务核准）", "Approve the reward (on to finance)"), html! {
                (approve.form_error())
                (confirm_box("reward-confirm", lang.t("我已核对金额与计算依据，批准这笔奖励", "I checked the amount and its basis and approve this reward"), &approve))
            }))
        }
        @if r.approve_extension {
            (reward_form(f, reference, "approve_extension", lang.t("批准延期领取", "Grant more time to claim"), html! { (Typed::of(v, "reward_approve_extension").form_error()) }))
        }
    }
}

/// The fields of a conclusion; `optional` adds a first choice that keeps the conclusion as it is.
fn conclusion_fields(lang: Lang, prefix: &str, optional: bool, t: &Typed<'_>) -> Markup {
    let id = |name: &str| format!("{prefix}-{name}");
    let outcome = t.or("outcome", "");
    let grade = t.or("accident_grade", "");
    let outcomes = [
        ("substantiated", lang.t("属实", "Substantiated")),
        ("partially_substantiated", lang.t("部分属实", "Partly substantiated")),
        ("unsubstantiated", lang.t("不属实", "Not substantiated")),
    ];
    let grades = [
        ("general", lang.t("一般", "General")),
        ("larger", lang.t("较大", "Larger")),
        ("major", lang.t("重大", "Major")),
        ("especially_major", lang.t("特别重大", "Especially major")),
    ];
    html! {
        div.field.compact { label for=(id("outcome")) { (lang.t("核查结论", "Outcome")) }
            select id=(id("outcome")) name="outcome" {
                @if optional { option value="" { (lang.t("维持原结论", "Uphold the conclusion")) } }
                @for (code, text) in outcomes { option value=(code) selected[outcome == code] { (text) } }
            }
            (t.error("outcome")) }
        div.field.compact { label for=(id("fine")) { (lang.t("罚款（元）", "Fine (yuan)")) } input id=(id("fine")) name="fine_yuan" type="number" min="0" value=(t.or("fine_yuan", "0")); (t.error("fine_yuan")) }
        div.field.compact { label for=(id("grade")) { (lang.t("事故等级（瞒报事故）", "Accident grade (concealed accidents)")) }
            select id=(id("grade")) name="accident_grade" {
                option value="" { "—" }
                @for (code, text) in grades { option value=(code) selected[grade == code] { (text) } }
            }
            (t.error("accident_grade")) }
        div.field.compact { label for=(id("deaths")) { (lang.t("核实瞒报死亡人数（仅瞒报事故填写）", "Verified concealed deaths (concealed accidents only)")) } input id=(id("deaths")) name="concealed_deaths" type="number" min="0" value=(t.or("concealed_deaths", "")); (t.error("concealed_deaths")) }
        label.choice { input type="checkbox" name="previously_known" value="true" checked[t.value("previously_known").is_some_and(|v| !v.is_empty())]; span { (lang.t("此前已掌握并依法处理", "Already known and handled before")) } }
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

pub fn case(f: &Frame<'_>, v: &CaseView) -> Markup {
    let lang = f.lang;
    let has = |a: &str| v.actions.iter().any(|(code, _)| code == a);
    let label = |a: &str| v.actions.iter().find(|(code, _)| code == a).map(|(_, l)| l.clone()).unwrap_or_default();
    let t = |a: &'static str| Typed::of(v, a);
    layout(
        f,
        html! {
            h1 { (lang.t("举报", "Tip")) " " span.code { (v.reference) } }
            @if let Some(n) = &v.notice { p.notice role="status" { (n) } }
            @if let Some(r) = &v.refused { div.error-summary role="alert" { p { (lang.t("未能完成，请按提示修改后重试：", "Not done; correct it as shown and try again: ")) (r.message) } } }
            div.case {
                section {
                    dl.facts { @for (k, val) in &v.facts { dt { (k) } dd { (val) } } }
                    h2 { (v.title) }
                    p.pre { (v.description) }
                    p { strong { (lang.t("地点：", "Where: ")) } (v.location) }
                    @if let Some(c) = &v.company { p { strong { (lang.t("单位：", "Company: ")) } (c) } }
                    @if let Some(d) = &v.occurred_on { p { strong { (lang.t("日期：", "Date: ")) } (d) } }
                    @if v.supervisory_duty { p.warning { (lang.t("举报人声明负有监管职责或为其近亲属：不予奖励。", "The reporter declared supervisory duties or kinship: no reward.")) } }
                    p { strong { (lang.t("身份：", "Identity: ")) } (v.identity) }
                    h2 { (lang.t("证据", "Evidence")) }
                    @if v.files.is_empty() { p.muted { (lang.t("无", "None")) } }
                    ul.files { @for file in &v.files {
                        li { a href={ "/staff/tips/" (v.reference) "/attachments/" (file.id) } { (file.name) } " · " (file.kind) " · " (file.size) " · " (file.metadata) }
                    } }
                    h2 { (lang.t("与举报人的留言", "Messages with the reporter")) }
                    ol.messages { @for m in &v.messages { li { p.meta { (m.who) " · " (m.at) } p.pre { (m.text) } } } }
                    @let reply = t("reply");
                    (action_form(f, &v.reference, "reply", lang.t("发送给举报人", "Send to the reporter"), html! {
                        div.field { label for="reply-body" { (lang.t("回复内容（举报人可见）", "Reply (the reporter sees it)")) } textarea id="reply-body" name="body" rows="3" maxlength="5000" { (reply.or("body", "")) } (reply.error("body")) (reply.form_error()) }
                    }))
                    h2 { (lang.t("内部备注", "Internal notes")) }
                    ol.messages { @for n in &v.notes { li { p.meta { (n.who) " · " (n.at) } p.pre { (n.text) } } } }
                    @let note = t("note");
                    (action_form(f, &v.reference, "note", lang.t("添加内部备注", "Add the internal note"), html! {
                        div.field { label for="note-body" { (lang.t("备注（仅工作人员可见）", "Note (officials only)")) } textarea id="note-body" name="body" rows="3" maxlength="10000" { (note.or("body", "")) } (note.error("body")) (note.form_error()) }
                    }))
                    h2 { (lang.t("办理记录", "Timeline")) }
                    ol.timeline { @for e in &v.events { li { span.meta { (e.at) " · " (e.who) } " " (e.text) } } }
                }
                aside {
                    h2 { (lang.t("办理", "Actions")) }
                    @if let Some(p) = &v.proposal {
                        div.notice-box.proposal {
                            h3 { (lang.t("待批准：", "Waiting for approval: ")) (p.title) }
                            p.meta { (lang.t("提议人：", "Proposed by: ")) (p.by) " · " (p.at) }
                            dl.facts { @for (k, val) in &p.lines { dt { (k) } dd.pre { (val) } } }
                        }
                    }
                    @for (code, text) in &v.actions {
                        @if ["accept", "start_verification", "assign_me"].contains(&code.as_str()) {
                            (action_form(f, &v.reference, code, text, html! { (Typed::of(v, code).form_error()) }))
                        }
                    }
                    @if has("approve") {
                        @let a = t("approve");
                        (action_form(f, &v.reference, "approve", &label("approve"), html! {
                            (a.form_error())
                            (confirm_box("approve-confirm", lang.t("我已审阅上述提议，批准后不可撤回", "I have read the proposal above; approval cannot be undone"), &a))
                        }))
                    }
                    @if has("close") {
                        @let a = t("close");
                        (action_form(f, &v.reference, "close", &label("close"), html! {
                            (a.form_error())
                            (confirm_box("close-confirm", lang.t("结案后不能再办理此举报", "Once closed, the tip cannot be worked any more"), &a))
                        }))
                    }
                    @if has("assign") {
                        @let a = t("assign");
                        (action_form(f, &v.reference, "assign", &label("assign"), html! {
                            div.field.compact { label for="assignee" { (lang.t("承办人", "Assignee")) }
                                select id="assignee" name="to" { @for (id, name) in &v.colleagues { option value=(id) selected[a.value("to") == Some(id.as_str())] { (name) } } }
                                (a.error("to")) (a.form_error()) }
                        }))
                    }
                    @if has("deny") {
                        @let a = t("deny");
                        (action_form(f, &v.reference, "deny", &label("deny"), html! {
                            div.field.compact { label for="deny-reason" { (lang.t("不批准的理由（告知提议人）", "Why not (the proposer is told)")) } input id="deny-reason" name="reason" type="text" maxlength="2000" value=(a.or("reason", "")); (a.error("reason")) (a.form_error()) }
                        }))
                    }
                    @if has("transfer") && v.departments.is_empty() {
                        p.hint { (lang.t("目前没有其他可以接收举报的部门，无法转交。", "No other department can receive tips yet, so there is nowhere to transfer to.")) }
                    } @else if has("transfer") {
                        @let a = t("transfer");
                        (action_form(f, &v.reference, "transfer", &label("transfer"), html! {
                            div.field.compact { label for="to" { (lang.t("转交至", "Transfer to")) }
                                select id="to" name="to" required {
                                    option value="" { (lang.t("请选择部门", "Choose a department")) }
                                    @for (code, name) in &v.departments { option value=(code) selected[a.value("to") == Some(code.as_str())] { (name) } }
                                }
                                (a.error("to")) }
                            (a.form_error())
                            (confirm_box("transfer-confirm", lang.t("转交后本部门不能再查看此举报", "After the transfer this department can no longer open the tip"), &a))
                        }))
                    }
                    @if has("propose_rejection") {
                        @let a = t("propose_rejection");
                        (action_form(f, &v.reference, "propose_rejection", &label("propose_rejection"), html! {
                            div.field.compact { label for="reject-reason" { (lang.t("不予受理的理由（举报人可见）", "Reason (the reporter sees it)")) } textarea id="reject-reason" name="reason" rows="2" maxlength="2000" { (a.or("reason", "")) } (a.error("reason")) (a.form_error()) }
                        }))
                    }
                    @if has("propose_extension") {
                        @let a = t("propose_extension");
                        (action_form(f, &v.reference, "propose_extension", &label("propose_extension"), html! {
                            div.field.compact { label for="days" { (lang.t("延长天数", "Days")) } input id="days" name="days" type="number" min="1" max="30" value=(a.or("days", "30")); (a.error("days")) }
                            div.field.compact { label for="extend-reason" { (lang.t("理由（举报人可见）", "Reason (the reporter sees it)")) } textarea id="extend-reason" name="reason" rows="2" maxlength="2000" { (a.or("reason", "")) } (a.error("reason")) (a.form_error()) }
                        }))
                    }
                    @if has("propose_conclusion") {
                        @let a = t("propose_conclusion");
                        (action_form(f, &v.reference, "propose_conclusion", &label("propose_conclusion"), html! {
                            (a.form_error())
                            (conclusion_fields(lang, "conclude", false, &a))
                            div.field.compact { label for="feedback" { (lang.t("反馈举报人：核查结论、简要情况、处理决定、是否符合奖励条件", "Feedback: conclusion, short account, decision, whether reward conditions are met")) } textarea id="feedback" name="feedback" rows="4" maxlength="5000" { (a.or("feedback", "")) } (a.error("feedback")) }
                        }))
                    }
                    @if has("conclude_review") {
                        @let a = t("conclude_review");
                        (action_form(f, &v.reference, "conclude_review", &label("conclude_review"), html! {
                            (a.form_error())
                            div.field.compact { label for="review-account" { (lang.t("复核答复（举报人可见）", "The review's answer (the reporter sees it)")) } textarea id="review-account" name="body" rows="4" maxlength="5000" { (a.or("body", "")) } (a.error("body")) }
                            (conclusion_fields(lang, "review", true, &a))
                        }))
                    }
                    @if has("propose_duplicate") {
                        @let a = t("propose_duplicate");
                        (action_form(f, &v.reference, "propose_duplicate", &label("propose_duplicate"), html! {
                            div.field.compact { label for="of" { (lang.t("重复于（更早受理的举报编号）", "Duplicate of (the earlier accepted tip's reference)")) } input id="of" name="of" type="text" maxlength="20" value=(a.or("of", "")); (a.error("of")) (a.form_error()) }
                        }))
                    }
                    @if let Some(r) = &v.reward { (reward_panel(f, v, r)) }
                    @if let Some(state) = &v.identity_state { p.hint { strong { (lang.t("身份查看：", "Identity: ")) } (state) } }
                    @if v.can_request_identity {
                        @let a = t("identity");
                        form.action method="post" action={ "/staff/tips/" (v.reference) "/disclosure" } {
                            input type="hidden" name="csrf" value=(f.csrf);
                            div.field.compact { label for="why" { (lang.t("申请查看举报人身份的理由（交保密专员决定）", "Why the reporter's identity is needed (a custodian decides)")) } textarea id="why" name="reason" rows="2" maxlength="2000" { (a.or("reason", "")) } (a.error("reason")) (a.form_error()) }
                            button.button type="submit" { (lang.t("向保密专员申请查看身份", "Ask a custodian for the identity")) }
                        }
                    }
                }
            }
        },
    )
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
}

fn stats_table(lang: Lang, first: &str, rows: &[StatRow]) -> Markup {
    html! {
        table.queue {
            thead { tr { th { (first) } th { (lang.t("总数", "Total")) } th { (lang.t("办理中", "Open")) } th { (lang.t("超期", "Overdue")) } th { (lang.t("已办结", "Concluded")) } th { (lang.t("平均办结天数", "Avg. days to conclude")) } } }
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
    let legend = (lang.t("办理中", "Open"), lang.t("其中超期", "of which overdue"));
    let closure: Vec<(String, i64, i64)> =
        v.departments.iter().filter_map(|r| r.days.map(|d| (r.name.clone(), d, 0))).collect();
    layout(
        f,
        html! {
            h1 { (lang.t("督办统计", "Oversight")) }
            div.charts {
                (bar_chart(lang.t("各部门办理中与超期举报", "Open and overdue tips by department"), &chart(&v.departments), legend))
                (bar_chart(lang.t("各区县办理中与超期举报", "Open and overdue tips by district"), &chart(&v.districts), legend))
                @if closure.is_empty() {
                    figure.chart { figcaption { (lang.t("各部门平均办结天数", "Average days to conclude by department")) } p.muted { (lang.t("暂无已办结的举报。", "Nothing has been concluded yet.")) } }
                } @else {
                    (bar_chart(lang.t("各部门平均办结天数", "Average days to conclude by department"), &closure, (lang.t("天", "days"), "")))
                }
            }
            h2 { (lang.t("按部门", "By department")) }
            (stats_table(lang, lang.t("部门", "Department"), &v.departments))
            h2 { (lang.t("按区县", "By district")) }
            (stats_table(lang, lang.t("区县", "District"), &v.districts))
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
            h1 { (lang.t("身份查看申请", "Disclosure requests")) }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            p.hint { (lang.t("批准后，举报人身份将单独加密给申请人，举报人会看到此事。", "On approval the identity is sealed for the requester alone, and the reporter sees that it happened.")) }
            @if items.is_empty() { p.muted { (lang.t("没有待决定的申请。", "Nothing waits for a decision.")) } }
            @for d in items {
                section.notice-box {
                    p { strong { (d.reference) } " · " (d.requester) " · " (d.at) }
                    p.pre { (d.reason) }
                    @if let Some((_, why)) = refused.filter(|(id, _)| *id == d.id) { span.error role="alert" { "⚠ " (why) } }
                    form.action method="post" action={ "/staff/disclosures/" (d.id) } {
                        input type="hidden" name="csrf" value=(f.csrf);
                        input type="hidden" name="decision" value="approve";
                        label.choice { input id={ "confirm-" (d.id) } type="checkbox" name="confirm" value="yes" required; span { (lang.t("我已审查理由，同意向申请人披露举报人身份（不可撤回）", "I have weighed the reason and agree to disclose the reporter's identity to the requester (cannot be undone)")) } }
                        button.button.primary type="submit" { (lang.t("批准披露身份", "Approve the disclosure")) }
                    }
                    form.action method="post" action={ "/staff/disclosures/" (d.id) } {
                        input type="hidden" name="csrf" value=(f.csrf);
                        input type="hidden" name="decision" value="deny";
                        button.button type="submit" { (lang.t("拒绝此申请", "Turn the request down")) }
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
        lang.t(
            "暂时没有人可以批准：本组还没有在职的负责人（科长）。请管理员先创建负责人，由本组现有成员批准负责人，再由负责人批准此成员；也可由恢复密钥持有人在服务器上离线接纳此成员（见密钥手册）。",
            "Nobody may approve yet: the group has no active head. Have the administrator create the head first; a current member admits the head, and the head admits this member. The holder of the recovery key may also admit this member offline on the server (see the key handbook).",
        )
        .to_owned()
    } else if lang == Lang::Zh {
        format!("等待 {} 批准", approvers.join(" 或 "))
    } else {
        format!("Waiting for {} to approve", approvers.join(" or "))
    }
}

/// The versions no active official holds, what they seal, and what can still be done.
pub fn unheld_versions(lang: Lang, g: &GroupView) -> Markup {
    let unheld: Vec<&VersionLine> = g.versions.iter().filter(|v| v.officials == 0).collect();
    html! {
        @if !unheld.is_empty() {
            div.warning role="status" {
                p { strong { (g.label) } " · " (lang.t("以下密钥版本没有在职成员持有，无法在登录后转交给新成员：", "No active member holds these key versions, so no session can pass them on to a newcomer:")) }
                ul { @for v in &unheld {
                    li {
                        @if lang == Lang::Zh { "版本 " (v.version) "：封存 " (v.tips) " 件举报。" } @else { "Version " (v.version) ": seals " (v.tips) " tip(s). " }
                        @if v.recovery > 0 {
                            (lang.t("恢复密钥持有此版本：恢复密钥持有人可在服务器上离线运行以下命令，把它交给新成员：", "A recovery identity holds it: its holder can pass it to a member offline, on the server, with:")) " "
                            code { "jubao department admit --identity FILE --user USERNAME" }
                        } @else {
                            (lang.t("没有恢复密钥持有此版本：这些举报已无法再读取，新举报使用最新版本，不受影响。", "No recovery identity holds it: these tips can no longer be read; new tips use the newest version and are not affected."))
                        }
                    }
                } }
            }
        }
    }
}

pub fn keys(f: &Frame<'_>, groups: &[GroupView], notice: Option<&str>) -> Markup {
    let lang = f.lang;
    layout(
        f,
        html! {
            h1 { (lang.t("密钥与成员", "Keys and members")) }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            form method="post" action="/staff/logout-all" {
                input type="hidden" name="csrf" value=(f.csrf);
                p { (lang.t("在其他设备上忘记退出？", "Signed in elsewhere and forgot?")) " "
                    button.button type="submit" { (lang.t("在所有设备上退出", "Sign out everywhere")) } }
            }
            p.hint { (lang.t("新成员须由本组现有成员批准后，才能读取以前的举报。部门内由负责人（科长）批准；部门还没有在职负责人时，现有成员可以批准新的负责人。", "A new member reads earlier tips only after a current member approves them. In a department the head approves; while it has no active head, a current member may approve a new head.")) }
            @for g in groups {
                h2 { (g.label) }
                (unheld_versions(lang, g))
                table.queue {
                    thead { tr { th { (lang.t("成员", "Member")) } th { (lang.t("状态", "State")) } th {} } }
                    tbody { @for h in &g.holders {
                        tr { td { (h.who) @if h.own { " " span.muted { (lang.t("（您本人）", "(you)")) } } }
                            td { @if h.pending { strong { (lang.t("待批准", "Pending")) } } @else { (lang.t("已生效", "Active")) } }
                            td { @if h.pending && h.may_approve {
                                form.inline method="post" action={ "/staff/keys/" (h.id) "/approve" } {
                                    input type="hidden" name="csrf" value=(f.csrf);
                                    label { input type="checkbox" name="confirm" value="yes" required; " "
                                        (lang.t("我确认这是我认识的本组同事，同意把本组全部密钥交给他/她", "I confirm this is a colleague of the group I know, and give them all the group's keys")) }
                                    " "
                                    button.button type="submit" { (lang.t("批准 ", "Approve ")) (h.who) }
                                }
                            } @else if h.pending {
                                span.hint { (waiting_for(lang, &h.approvers)) }
                            } } }
                    } }
                }
            }
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
            h1 { (lang.t("管理", "Administration")) }
            p.hint { (lang.t("管理员管理账号和二维码，不能查看任何举报内容。", "Administrators manage accounts and posters; they cannot read any tip.")) }
            @if let Some(n) = &v.notice { p.notice role="status" { (n) } }
            @if !v.field_errors.is_empty() { div.error-summary role="alert" { p { (lang.t("未能创建，请按各栏旁的说明修改。", "Not created: correct the fields as said next to them.")) } } }
            h2 { (lang.t("工作人员", "Officials")) }
            table.queue {
                thead { tr { th { (lang.t("用户名", "Username")) } th { (lang.t("角色", "Roles")) } th { (lang.t("部门", "Department")) } th { (lang.t("密钥组", "Key groups")) } th {} } }
                tbody { @for u in &v.users {
                    tr { td { (u.username) } td { (u.roles) } td { (u.department) } td { (u.groups) }
                        td { @if u.disabled { (lang.t("已停用", "Disabled")) } @else {
                            form.inline method="post" action={ "/staff/admin/users/" (u.id) "/disable" } {
                                input type="hidden" name="csrf" value=(f.csrf);
                                label { input type="checkbox" name="confirm" value="yes" required; " " (lang.t("确认停用（无法恢复）", "Confirm: cannot be undone")) }
                                " "
                                button.button type="submit" { (lang.t("停用 ", "Disable ")) (u.username) }
                            } } } }
                } }
            }
            h3 id="new-official" { (lang.t("新建工作人员", "New official")) }
            p.hint { (lang.t("每个部门请先创建负责人（科长），再创建办理人员：新成员须由负责人批准后才能读取举报。", "For each department create the head first, then the officers: a new member reads tips only after the head approves them.")) }
            form method="post" action="/staff/admin/users" {
                input type="hidden" name="csrf" value=(f.csrf);
                div.field.compact { label for="new-username" { (lang.t("用户名", "Username")) } input id="new-username" name="username" type="text" maxlength="32" value=(v.draft.username) required; (field_error(v, "username")) }
                fieldset.field.compact {
                    legend { (lang.t("角色（可多选）", "Roles (one or more)")) }
                    @for r in &v.roles {
                        div { label { input type="checkbox" name="roles" value=(r.code) checked[v.draft.roles.contains(&r.code)]; " " strong { (r.name) } " — " (r.description) } }
                    }
                    (field_error(v, "roles"))
                }
                div.field.compact { label for="new-department" { (lang.t("部门（办理人员和负责人必选）", "Department (officers and heads)")) }
                    select id="new-department" name="department" { option value="" { "—" } @for (code, name) in &v.departments { option value=(code) selected[*code == v.draft.department] { (name) } } }
                    (field_error(v, "department")) }
                div.field.compact { label for="new-email" { (lang.t("电子邮箱", "Email")) } input id="new-email" name="email" type="email" value=(v.draft.email); (field_error(v, "email")) }
                div.field.compact { label for="new-password" { (lang.t("初始密码（至少12位）", "First password (12+ characters)")) } input id="new-password" name="password" type="password" autocomplete="new-password" required; (field_error(v, "password")) }
                p.actions { button.button.primary type="submit" { (lang.t("创建", "Create")) } }
            }
            h2 { (lang.t("部门与密钥", "Departments and keys")) }
            table.queue {
                thead { tr { th { (lang.t("部门", "Department")) } th { (lang.t("密钥版本", "Key versions")) } th { (lang.t("成员", "Members")) } th { (lang.t("负责人", "Heads")) } th { (lang.t("待批准", "Pending")) } th { (lang.t("恢复密钥", "Recovery")) } th { (lang.t("办理中举报", "Open tips")) } } }
                tbody { @for d in &v.department_keys {
                    tr.overdue[d.versions == 0] { td { (d.name) } td { (d.versions) } td { (d.active) } td { (d.heads) } td { (d.pending) } td { (d.recovery) } td { (d.open_tips) } }
                } }
            }
            @for d in &v.department_keys {
                @if d.active > 0 && d.heads == 0 {
                    p.warning role="status" { strong { (d.name) } " · " (lang.t("没有在职负责人：新的办理人员无法获准。请先创建负责人（科长），由现有成员批准。", "no active head: new officers cannot be admitted. Create the head first; a current member approves them.")) }
                }
                (unheld_versions(lang, &d.keys))
            }
            p.hint { (lang.t("没有密钥的部门还不能接收举报，举报会转到安委办。恢复密钥用命令 ", "A department without a key cannot receive tips yet; they go to the safety office. Add recovery recipients with "))
                code { "jubao department recovery" }
                (lang.t(" 添加；没有在职成员持有旧版本时，恢复密钥持有人用 ", "; when no active member holds older versions, the recovery key's holder passes them to a new member with "))
                code { "jubao department admit" }
                (lang.t(" 把旧版本交给新成员。", ".")) }
            h2 { (lang.t("设置（只读）", "Settings (read-only)")) }
            dl.facts { @for (k, val) in &v.settings { dt { code { (k) } } dd { (val) } } }
            h2 { (lang.t("二维码", "QR posters")) }
            ul { @for (code, label, url) in &v.posters { li { (label) " · " a href={ "/q/" (code) "/poster" } { (url) } } } }
            form method="post" action="/staff/admin/posters" {
                input type="hidden" name="csrf" value=(f.csrf);
                div.field.compact { label for="poster-label" { (lang.t("张贴地点", "Where it hangs")) } input id="poster-label" name="label" type="text" maxlength="100" required; }
                div.field.compact { label for="poster-district" { (lang.t("预设区县", "Preset district")) }
                    select id="poster-district" name="district" { option value="" { "—" } @for (code, name) in &v.districts { option value=(code) { (name) } } } }
                div.field.compact { label for="poster-category" { (lang.t("预设领域", "Preset field")) }
                    select id="poster-category" name="category" { option value="" { "—" } @for (code, name) in &v.categories { option value=(code) { (name) } } } }
                p.actions { button.button type="submit" { (lang.t("生成二维码", "Create poster")) } }
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
            h1 { (lang.t("已创建：", "Created: ")) (username) }
            p.warning { (lang.t("请当面交给本人扫描，此页面只显示一次。", "Hand this to the official in person to scan; it is shown only once.")) }
            div.qr { (PreEscaped(uri_qr_svg)) }
            p { (lang.t("密钥（手动输入）：", "Secret (to type in): ")) code { (secret) } }
            ul { @for g in groups { li { (g) } } }
            p { a.button href="/staff/admin" { (lang.t("返回", "Back")) } }
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
            h1 { (lang.t("奖励发放", "Rewards")) }
            @if let Some(n) = &v.notice { p.notice role="status" { (n) } }
            @if let Some(b) = &v.blocked { p.warning role="status" { (b) } }
            @if let Some((reference, _, why)) = &v.refused { div.error-summary role="alert" { p { span.code { (reference) } "：" (why) } } }
            p { a href="/staff/finance/payments.csv" download="payments.csv" { (lang.t("导出已发放记录（CSV，不含身份信息）", "Export payments (CSV, no identity fields)")) } }
            @if v.lines.is_empty() { p.muted { (lang.t("没有待办理的奖励。", "No rewards to handle.")) } }
            @for l in &v.lines {
                section.reward-line {
                    h2 { span.code { (l.reference) } " · " (l.amount) " " (lang.t("元", "yuan")) " · " (l.status) }
                    dl.facts {
                        dt { (lang.t("领取期限", "Claim by")) } dd { (l.due) }
                        dt { (lang.t("领取方式", "How")) } dd { (l.method) }
                        @for (k, val) in &l.payout { dt { (k) } dd { (val) } }
                        @if !l.payment.is_empty() { dt { (lang.t("付款凭证号", "Payment reference")) } dd { (l.payment) } }
                    }
                    @let refused = v.refused.as_ref().filter(|(r, _, _)| *r == l.reference);
                    @let error_at = |field: Option<&str>| html! {
                        @if let Some((_, _, why)) = refused.filter(|(_, at, _)| at.as_deref() == field) { span.error role="alert" { "⚠ " (why) } }
                    };
                    @if l.can_authorise && v.blocked.is_none() {
                        form.action method="post" action={ "/staff/finance/" (l.reference) } {
                            input type="hidden" name="csrf" value=(f.csrf);
                            input type="hidden" name="step" value="authorise";
                            label.choice { input id={ "authorise-confirm-" (l.reference) } type="checkbox" name="confirm" value="yes" required; span { (lang.t("我已核对金额，核准后将通知举报人领取", "I checked the amount; once authorised, the reporter is told to claim it")) } }
                            (error_at(Some("confirm")))
                            button.button type="submit" { (lang.t("核准并通知举报人", "Authorise and notify the reporter")) }
                        }
                    }
                    @if l.pays_a_colleague {
                        p.hint { (lang.t("您核准了这笔奖励：付款须由另一名财务人员登记（两人分别经手）。", "You authorised this reward: another finance official records the payment (two people, each one step).")) }
                    }
                    @if l.can_pay && v.blocked.is_none() {
                        form.action method="post" action={ "/staff/finance/" (l.reference) } {
                            input type="hidden" name="csrf" value=(f.csrf);
                            input type="hidden" name="step" value="pay";
                            div.field.compact { label for={ "pay-" (l.reference) } { (lang.t("付款凭证号", "Payment reference")) } input id={ "pay-" (l.reference) } name="payment_reference" type="text" maxlength="64" required; (error_at(Some("payment_reference"))) }
                            @if l.needs_receipt {
                                div.field.compact { label for={ "code-" (l.reference) } { (lang.t("举报人出示的查询码", "Query code on the reporter's receipt")) } input id={ "code-" (l.reference) } name="receipt_code" type="text" maxlength="40" autocomplete="off" required; (error_at(Some("receipt_code"))) }
                            }
                            label.choice { input id={ "pay-confirm-" (l.reference) } type="checkbox" name="confirm" value="yes" required; span { (lang.t("款项已实际付出，登记后不可撤回", "The money has actually been paid; this cannot be undone")) } }
                            (error_at(Some("confirm")))
                            button.button type="submit" { (lang.t("登记已付款", "Record the payment")) }
                        }
                    }
                }
            }
        },
    )
}
