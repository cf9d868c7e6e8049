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
        ("hotline", lang.t("电话", "Telephone")),
        ("letter", lang.t("来信", "Letter")),
        ("visit", lang.t("来访", "Visit")),
        ("email", lang.t("电子邮件", "Email")),
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
                    p { (lang.t("尚无部门可以接收举报，暂时无法登记。请联系管理员。", "No department can receive tips yet, so nothing can be filed. Please contact the administrator.")) }
                }
            }
            (error_summary(lang.t("请修改以下内容后再提交：", "Please fix the following and send again:"), e))
            section.notice-box aria-labelledby="desk-notice" {
                h2 id="desk-notice" { (lang.t("登记前请向来电人说明", "Before filing, tell the caller")) }
                ul {
                    li { (lang.t("请向来电人宣读举报须知：举报可以匿名；除非来电人愿意留下身份，不要记录其姓名、电话等信息，也不要写进举报内容。",
                                 "Read the notice to the caller: tips are anonymous; unless the caller wants to leave their identity, do not record their name, phone or the like, and do not write it into the report.")) }
                    li { (lang.t("登记后会显示举报编号和查询码，只显示一次，须当场读给来电人并请其记下。",
                                 "After filing, a reference and a query code are shown once only: read them to the caller at once and have them write them down.")) }
                    li { (lang.t("请提醒来电人如实举报；捏造、歪曲事实、诬告陷害他人的，依法承担法律责任。",
                                 "Remind the caller to report truthfully; inventing or distorting facts to accuse others is unlawful.")) }
                }
            }
            form method="post" action="/staff/intake" novalidate {
                input type="hidden" name="csrf" value=(f.csrf);
                input type="hidden" name="nonce" value=(form.nonce);
                fieldset {
                    legend { (lang.t("收到方式", "Received by")) }
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
                    legend { (lang.t("举报内容", "What is reported")) }
                    (pickers(lang, &form.kinds, &form.categories, &form.districts, v, e))
                    (text_input(&Text { field: "title", label: lang.t("标题", "Title"), value: &v.title,
                        hint: Some(lang.t("一句话概括来电反映的问题", "One line summing up what the caller reports")),
                        required: true, max: 100, kind: "text", autocomplete: "off" }, e))
                    (textarea(&Text { field: "description", label: lang.t("具体情况", "What happened"), value: &v.description,
                        hint: Some(lang.t("发生了什么、持续多久、涉及多少人。不要写来电人的姓名。", "What, since when, how many people. Do not write the caller's name here.")),
                        required: true, max: 10000, kind: "", autocomplete: "off" }, e, 8))
                    (text_input(&Text { field: "location", label: lang.t("具体地点", "Where"), value: &v.location,
                        hint: Some(lang.t("街道、门牌、厂区或工地名称", "Street, number, site or building")), required: true, max: 300, kind: "text", autocomplete: "off" }, e))
                    (text_input(&Text { field: "company", label: lang.t("涉及单位（可不填）", "Company involved (optional)"), value: &v.company,
                        hint: None, required: false, max: 200, kind: "text", autocomplete: "off" }, e))
                    (text_input(&Text { field: "occurred_on", label: lang.t("发生或发现日期（可不填）", "When it happened or was seen (optional)"), value: &v.occurred_on,
                        hint: Some(lang.t("格式：年-月-日", "Format: year-month-day")), required: false, max: 10, kind: "date", autocomplete: "off" }, e))
                    div.field {
                        label.choice {
                            input type="checkbox" name="supervisory_duty" value="true" checked[v.supervisory_duty];
                            span { (lang.t("来电人负有安全生产监督管理职责，或者是此类人员的近亲属（按规定不能获得奖励）",
                                           "The caller holds work-safety supervision duties, or is a close relative of such staff (no reward can be paid)")) }
                        }
                    }
                }
                fieldset {
                    legend { (lang.t("来电人身份（可不填）", "The caller's identity (optional)")) }
                    @if form.identity_available {
                        p.hint { (lang.t("只在来电人愿意留下身份时填写。这些信息单独加密，核查人员看不到，只有保密专员经批准才能查看。",
                                         "Fill in only if the caller wants to leave their identity. It is encrypted separately, out of the officers' sight; only the custodian can open it, after an approved request.")) }
                        (text_input(&Text { field: "name", label: lang.t("姓名", "Name"), value: &v.name, hint: None, required: false, max: 50, kind: "text", autocomplete: "off" }, e))
                        (text_input(&Text { field: "phone", label: lang.t("电话", "Phone"), value: &v.phone, hint: None, required: false, max: 30, kind: "tel", autocomplete: "off" }, e))
                        (text_input(&Text { field: "email", label: lang.t("电子邮箱", "Email"), value: &v.email, hint: None, required: false, max: 254, kind: "email", autocomplete: "off" }, e))
                        (text_input(&Text { field: "id_number", label: lang.t("身份证号码", "Identity card number"), value: &v.id_number, hint: None, required: false, max: 18, kind: "text", autocomplete: "off" }, e))
                    } @else {
                        p.hint { (lang.t("目前只能匿名登记：保管身份信息的保密专员尚未设立。请告知来电人匿名不影响受理和领取奖励。",
                                         "For now tips can only be anonymous: no custodian of identities has been appointed yet. Tell the caller anonymity does not affect handling or rewards.")) }
                    }
                }
                @if let Some(msg) = e.of("send") { p.error role="alert" id="send-error" { "⚠ " (msg) } }
                p.actions { button.button.primary id="send" type="submit" disabled[!form.open] { (lang.t("登记举报", "File the tip")) } }
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
                p.warning role="alert" { strong { (lang.t("请向来电人读出并确认记下：举报编号和查询码只显示这一次",
                    "Read these out to the caller and make sure they write them down: the reference and the query code are shown only this once")) } }
                dl {
                    dt { (lang.t("举报编号", "Reference")) }
                    dd.code.big { (r.reference) }
                    dt { (lang.t("查询码", "Query code")) }
                    dd.code.big { (r.query_code) }
                }
            }
            ul {
                li { (lang.t("收到方式：", "Received by: ")) (r.channel) }
                li { (lang.t("负责部门将在 ", "The responsible department decides whether to accept it by ")) strong { (r.acknowledge_by) } (lang.t(" 前决定是否受理。", ".")) }
                li { (lang.t("来电人凭举报编号和查询码可以在网站“查询办理进度”中查看进度、补充证据、领取奖励。查询码丢失后无法找回。",
                    "With the reference and query code the caller can follow the tip, add evidence and claim a reward under “Follow a report” on the website. A lost query code cannot be recovered.")) }
            }
            p.actions { a.button.primary href="/staff/intake" { (lang.t("登记下一条", "File the next tip")) } }
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
            p.notice role="status" { (lang.t("此举报已登记，没有重复登记。举报编号和查询码只在登记时显示一次。",
                "This tip was already filed; it was not filed again. The reference and query code are shown only once, when filing.")) }
            p.actions { a.button.primary href="/staff/intake" { (lang.t("登记下一条", "File the next tip")) } }
        },
    )
}
