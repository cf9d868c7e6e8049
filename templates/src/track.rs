//! Following a report: the receipt form (GET /track) and the status page.

use maud::{Markup, html};

use crate::form::{Errors, Text, error_summary, text_input, textarea};
use crate::{Frame, Lang, layout};

pub fn form(lang: Lang, reference: &str, errors: &Errors, csrf: &str) -> Markup {
    let title = lang.t("查询办理进度", "Follow a report");
    let frame = Frame { lang, title, path: "/track" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            (error_summary(lang.t("无法打开：", "Cannot open:"), errors))
            form method="post" action="/track" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                (text_input(&Text { field: "reference", label: lang.t("举报编号", "Reference"), value: reference,
                    hint: Some(lang.t("10 位字母和数字", "10 letters and digits")), required: true, max: 20, kind: "text", autocomplete: "off" }, errors))
                (text_input(&Text { field: "query_code", label: lang.t("查询码", "Query code"), value: "",
                    hint: Some(lang.t("20 位数字，空格可有可无", "20 digits, spaces optional")), required: true, max: 40, kind: "text", autocomplete: "off" }, errors))
                p.actions { button.button.primary type="submit" { (lang.t("查询", "Open")) } }
            }
            p.muted { (lang.t("查询码丢失无法找回，可以重新举报。", "A lost query code cannot be recovered; you may report again.")) }
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
    pub metadata_removed: bool,
    pub at: String,
}

pub struct StatusView {
    pub reference: String,
    pub status: String,
    pub status_explained: String,
    pub kind: String,
    pub category: String,
    pub district: String,
    pub received: String,
    pub deadlines: Vec<(String, String)>,
    pub title: String,
    pub description: String,
    pub location: String,
    pub company: Option<String>,
    pub occurred_on: Option<String>,
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

pub fn status(lang: Lang, s: &StatusView) -> Markup {
    let title = lang.t("办理进度", "Progress of your report");
    let frame = Frame { lang, title, path: "/track/status" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            @if let Some(n) = &s.notice { p.notice role="status" { (n) } }
            (error_summary(lang.t("没有完成：", "Not done:"), &s.errors))
            dl.facts {
                dt { (lang.t("举报编号", "Reference")) } dd.code { (s.reference) }
                dt { (lang.t("当前状态", "Status")) } dd { strong { (s.status) } br; span.hint { (s.status_explained) } }
                dt { (lang.t("收到时间", "Received")) } dd { (s.received) }
                @for (what, when) in &s.deadlines { dt { (what) } dd { (when) } }
                dt { (lang.t("类型", "Kind")) } dd { (s.kind) }
                dt { (lang.t("行业领域", "Field")) } dd { (s.category) }
                dt { (lang.t("区县", "District")) } dd { (s.district) }
                dt { (lang.t("身份信息", "Identity")) }
                dd { @if let Some(disclosed) = &s.identity_disclosed { strong { (lang.t("已披露", "Disclosed")) } br; (disclosed) br; span.hint { (lang.t("除此之外，其他人仍无法查看您的身份信息。", "Nobody else can open your identity.")) } }
                     @else if s.identity_given { (lang.t("已单独加密保存，只有保密专员经批准才能查看；查看时会在这里告诉您。", "Kept encrypted on its own; only the custodian can open it after an approved request, and you would see that here.")) }
                     @else { (lang.t("匿名", "Anonymous")) } }
            }
            @if !s.events.is_empty() {
                h2 { (lang.t("办理情况", "What has happened")) }
                ol.timeline { @for (at, what) in &s.events { li { span.meta { (at) } " " span.pre { (what) } } } }
            }
            @if let Some(e) = &s.eligibility {
                h2 id="reward" { (lang.t("奖励", "Reward")) }
                p { (e) }
            }
            @if let Some(r) = &s.reward { (reward(lang, s, r)) }
            @if let Some(until) = &s.objection_until {
                h2 id="objection" { (lang.t("对办理结果有异议？", "Do you disagree with the outcome?")) }
                form method="post" action="/track/objection" novalidate {
                    input type="hidden" name="csrf" value=(s.csrf);
                    (textarea(&Text { field: "objection", label: lang.t("异议理由", "Why you disagree"), value: "",
                        hint: Some(&format!("{}{until}{}", lang.t("请于 ", "You may object until "), lang.t(" 前提出。异议由未参与办结的负责人在 30 日内复核并答复，复核结论为最终结论。", ". A head who did not conclude the case reviews it within 30 days; the review is final."))),
                        required: true, max: 5000, kind: "", autocomplete: "off" }, &s.errors, 3))
                    p.actions { button.button type="submit" { (lang.t("提出异议", "Object")) } }
                }
            }
            h2 { (lang.t("您的举报", "Your report")) }
            div.report {
                h3 { (s.title) }
                p.pre { (s.description) }
                p { strong { (lang.t("地点：", "Where: ")) } (s.location) }
                @if let Some(c) = &s.company { p { strong { (lang.t("单位：", "Company: ")) } (c) } }
                @if let Some(d) = &s.occurred_on { p { strong { (lang.t("日期：", "Date: ")) } (d) } }
            }
            h2 { (lang.t("留言", "Messages")) }
            @if s.messages.is_empty() { p.muted { (lang.t("还没有留言。", "No messages yet.")) } }
            ol.messages {
                @for m in &s.messages {
                    li.from-reporter[m.from_reporter] {
                        p.meta { (if m.from_reporter { lang.t("您", "You") } else { lang.t("核查人员", "Officer") }) " · " (m.at) }
                        p.pre { (m.body) }
                    }
                }
            }
            form method="post" action="/track/messages" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                (textarea(&Text { field: "body", label: lang.t("给核查人员留言", "Message to the officer"), value: &s.message_draft,
                    hint: Some(lang.t("补充情况或回答问题。请不要写您的姓名。", "Add facts or answer questions. Please do not write your name.")), required: true, max: 5000, kind: "", autocomplete: "off" }, &s.errors, 4))
                p.actions { button.button type="submit" { (lang.t("发送留言", "Send message")) } }
            }
            h2 { (lang.t("证据", "Evidence")) }
            @if s.files.is_empty() { p.muted { (lang.t("还没有证据。", "No evidence yet.")) } }
            ul.files {
                @for f in &s.files {
                    li { (f.name) " · " (f.kind) " · " (f.size) " · " (f.at)
                        @if f.metadata_removed { " · " span.hint { (lang.t("已去除位置等信息", "location and other metadata removed")) } } }
                }
            }
            form method="post" action="/track/attachments" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(s.csrf);
                div.field {
                    label.choice {
                        input type="checkbox" name="keep_metadata" value="true";
                        span { (lang.t("保留照片原始信息（含拍摄地点、时间、设备）作为证据", "Keep the photos' original metadata (place, time, device) as evidence")) }
                    }
                    span.hint { (lang.t("默认会去除照片中的位置、设备等信息，以保护您。视频、PDF 等文件中的作者或位置信息无法自动去除，请注意。",
                                        "By default location, device and other metadata are removed from photos to protect you. Author or location data inside videos, PDFs and other files cannot be removed automatically.")) }
                }
                div.field.invalid[s.errors.of("file").is_some()] {
                    label for="file" { (lang.t("选择文件", "Choose files")) }
                    span.hint id="file-hint" { (lang.t("照片（JPEG、PNG、WebP、HEIC）、视频（MP4、MOV、3GP）、录音（MP3、M4A、AMR、WAV）或 PDF，每个不超过 ", "Photos (JPEG, PNG, WebP, HEIC), videos (MP4, MOV, 3GP), recordings (MP3, M4A, AMR, WAV) or PDF, each up to ")) (s.max_file_mb) " MB" }
                    @if let Some(msg) = s.errors.of("file") { span.error id="file-error" { "⚠ " (msg) } }
                    input id="file" name="file" type="file" multiple aria-describedby="file-hint";
                }
                p.actions { button.button type="submit" { (lang.t("上传", "Upload")) } }
            }
            form method="post" action="/track/signout" {
                input type="hidden" name="csrf" value=(s.csrf);
                p.actions { button.button type="submit" { (lang.t("退出", "Sign out")) } }
            }
        },
    )
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
            dt { (lang.t("奖励金额", "Amount")) } dd { strong { (r.amount) " " (lang.t("元", "yuan")) } }
            dt { (lang.t("奖励状态", "Status")) } dd { (r.status) }
            @if !r.due.is_empty() { dt { (lang.t("领取期限", "Claim by")) } dd { (r.due) } }
            @if let Some(m) = &r.method { dt { (lang.t("领取方式", "How")) } dd { (m) } }
        }
        @if r.can_claim {
            h3 { (lang.t("领取奖励", "Claim the reward")) }
            form method="post" action="/track/reward" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                input type="hidden" name="action" value="claim";
                fieldset.field.invalid[s.errors.of("method").is_some()] {
                    legend { (lang.t("领取方式", "How to receive it")) }
                    @if let Some(msg) = s.errors.of("method") { span.error { "⚠ " (msg) } }
                    label.choice { input type="radio" name="method" value="bank" checked[c.method != "in_person"]; span { (lang.t("转账到银行账户", "Transfer to a bank account")) } }
                    label.choice { input type="radio" name="method" value="in_person" checked[c.method == "in_person"]; span { (lang.t("凭举报编号和查询码到负责部门现场领取（无需填写下列信息）", "Collect it in person at the department with the reference and query code (no details below needed)")) } }
                }
                p.hint { (lang.t("下列信息只加密给财务人员和您本人，核查人员看不到。", "The details below are encrypted for finance and you only; the officers who worked your report cannot see them.")) }
                (field("name", lang.t("收款人姓名", "Payee's name"), &c.name, 50, "name"))
                (field("id_number", lang.t("身份证号码", "Identity card number"), &c.id_number, 18, "off"))
                (field("bank", lang.t("开户银行", "Bank"), &c.bank, 100, "off"))
                (field("account", lang.t("银行账号", "Account number"), &c.account, 40, "off"))
                p.actions { button.button type="submit" { (lang.t("提交领取申请", "Claim")) } }
            }
        }
        @if r.asked_more_time { p.notice { (lang.t("您已申请延期领取，等待负责人决定。", "You asked for more time; a head will decide.")) } }
        @if r.can_ask_more_time {
            h3 { (lang.t("申请延期领取", "Ask for more time to claim")) }
            form method="post" action="/track/reward" novalidate {
                input type="hidden" name="csrf" value=(s.csrf);
                input type="hidden" name="action" value="extension";
                (textarea(&Text { field: "reason", label: lang.t("理由", "Why"), value: &c.reason, hint: None, required: true, max: 2000, kind: "", autocomplete: "off" }, &s.errors, 2))
                p.actions { button.button type="submit" { (lang.t("申请延期", "Ask for more time")) } }
            }
        }
    }
}

/// A status in plain words, and what it means for the reporter.
pub fn status_words(code: &str, lang: Lang) -> (&'static str, &'static str) {
    match code {
        "received" => (
            lang.t("已收到，等待受理", "Received, waiting to be accepted"),
            lang.t("负责部门正在审查是否受理。", "The responsible department is deciding whether to take it up."),
        ),
        "accepted" => {
            (lang.t("已受理", "Accepted"), lang.t("已受理，即将开始核查。", "Taken up; verification will start."))
        }
        "verifying" => {
            (lang.t("核查中", "Being verified"), lang.t("核查人员正在调查核实。", "Officials are looking into it."))
        }
        "concluded" => (
            lang.t("已办结", "Concluded"),
            lang.t("核查已有结论，见下方反馈。", "The verification has a conclusion; see the feedback below."),
        ),
        "under_review" => {
            (lang.t("复核中", "Under review"), lang.t("您的异议正在复核。", "Your objection is being reviewed."))
        }
        "closed" => (lang.t("已结案", "Closed"), lang.t("本举报已处理完毕。", "This report has been dealt with.")),
        "rejected" => {
            (lang.t("不予受理", "Not taken up"), lang.t("原因见下方反馈。", "The reason is in the feedback below."))
        }
        _ => (lang.t("处理中", "In progress"), ""),
    }
}
