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
            h2 id="notice-title" { (lang.t("举报须知", "Before you report")) }
            ul {
                li { (lang.t("受理范围：重大事故隐患、安全生产违法行为（包括非法生产经营建设）、瞒报谎报生产安全事故。意见建议、信息公开申请、行政复议和诉讼仲裁事项不在此受理。",
                             "We accept major accident hazards, work-safety violations (including illegal production, business or construction) and concealed or falsely reported accidents. Suggestions, information requests, reconsideration, court or arbitration matters are handled elsewhere.")) }
                li { (lang.t("可以匿名。提交后会显示举报编号和查询码，凭它们查看进度、补充材料、领取奖励。请务必保存，查询码只显示一次。",
                             "You may stay anonymous. After sending you get a reference and a query code: with them you follow the report, add evidence and claim a reward. Keep them: the query code is shown only once.")) }
                li { (lang.t("保密：举报内容加密保存，只有负责核查的部门能打开；您留下的身份信息另行加密，只有保密专员经批准才能查看，每一次查看都有记录。我们不记录您的IP地址。泄露举报人信息是违法行为。",
                             "Confidentiality: your report is encrypted and only the department that verifies it can open it; an identity you leave is encrypted separately, and only the custodian can open it after an approved request, every time on record. We keep no record of your IP address. Leaking a reporter's identity is an offence.")) }
                li { (lang.t("奖励：经核查属实、此前未被掌握的，按照《安全生产领域举报奖励办法》给予奖励。负有安全生产监管职责的人员及其近亲属不在奖励范围内。匿名举报人凭举报编号和查询码领取。",
                             "Rewards: a report found true about something not known before earns a reward under the national reward measure. Staff with safety-supervision duties and their close relatives are excluded. An anonymous reporter claims with the reference and query code.")) }
                li { (lang.t("请如实举报。捏造、歪曲事实，诬告陷害他人的，依法承担法律责任。",
                             "Report truthfully. Inventing or distorting facts to accuse others is unlawful.")) }
                li { (lang.t("紧急情况请立即拨打 119 或 110。举报电话 ", "In an emergency call 119 or 110 at once. Hotline ")) (HOTLINE) "." }
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
            p.label { (lang.t("举报类型", "Kind of problem")) span.required aria-hidden="true" { " *" } }
            @if let Some(msg) = e.of("kind") { span.error id="kind-error" { "⚠ " (msg) } }
            @for k in kinds {
                label.choice {
                    input type="radio" name="kind" value=(k.code) checked[v.kind == k.code];
                    span { strong { (k.name) } @if let Some(h) = &k.hint { br; span.hint { (h) } } }
                }
            }
        }
        div.field.invalid[e.of("category").is_some()] {
            label for="category" { (lang.t("行业领域", "Field")) span.required aria-hidden="true" { " *" } }
            span.hint id="category-hint" { (lang.t("决定由哪个部门负责核查。不确定请选“其他或不清楚”。", "This decides which department verifies it. Not sure? Choose “Other or not sure”.")) }
            @if let Some(msg) = e.of("category") { span.error id="category-error" { "⚠ " (msg) } }
            select id="category" name="category" aria-describedby="category-hint" {
                option value="" { (lang.t("请选择", "Choose")) }
                @for group in categories {
                    optgroup label=(group.department) {
                        @for c in &group.categories { option value=(c.code) selected[v.category == c.code] { (c.name) } }
                    }
                }
            }
        }
        div.field.invalid[e.of("district").is_some()] {
            label for="district" { (lang.t("所在区县", "District")) span.required aria-hidden="true" { " *" } }
            @if let Some(msg) = e.of("district") { span.error id="district-error" { "⚠ " (msg) } }
            select id="district" name="district" {
                option value="" { (lang.t("请选择", "Choose")) }
                @for d in districts { option value=(d.code) selected[v.district == d.code] { (d.name) } }
            }
        }
    }
}

pub fn page(lang: Lang, form: &ReportForm, action: &str) -> Markup {
    let title = lang.t("我要举报", "Make a report");
    let frame = Frame { lang, title, path: action };
    let v = &form.values;
    let e = &form.errors;
    layout(
        &frame,
        html! {
            h1 { (title) }
            @if let Some((_, label)) = &form.poster {
                p.muted { (lang.t("来自二维码：", "From the QR poster: ")) (label) }
            }
            @if !form.open {
                div.error-summary role="alert" {
                    p { (lang.t("本平台尚未开通，暂时无法在线受理举报。请拨打举报电话 ", "This portal is not open yet and cannot take reports online. Please call the hotline ")) (HOTLINE) "。" }
                }
            }
            (error_summary(lang.t("请修改以下内容后再提交：", "Please fix the following and send again:"), e))
            (notice(lang))
            form method="post" action=(action) novalidate {
                @if let Some((code, _)) = &form.poster { input type="hidden" name="poster" value=(code); }
                fieldset {
                    legend { (lang.t("举报内容", "What you report")) }
                    (pickers(lang, &form.kinds, &form.categories, &form.districts, v, e))
                    (text_input(&Text { field: "title", label: lang.t("标题", "Title"), value: &v.title,
                        hint: Some(lang.t("一句话概括，例如：某某厂仓库堆放危险化学品", "One line, e.g. “Chemicals stored in the warehouse of X factory”")),
                        required: true, max: 100, kind: "text", autocomplete: "off" }, e))
                    (textarea(&Text { field: "description", label: lang.t("具体情况", "What happened"), value: &v.description,
                        hint: Some(lang.t("发生了什么、持续多久、涉及多少人，越具体越便于核查。请不要写您自己的姓名。", "What, since when, how many people; the more precise, the easier to verify. Please do not write your own name here.")),
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
                            span { (lang.t("我本人负有安全生产监督管理职责，或者是此类人员的近亲属（按规定不能获得奖励）",
                                           "I hold work-safety supervision duties, or am a close relative of such staff (no reward can be paid)")) }
                        }
                    }
                }
                fieldset {
                    legend { (lang.t("您的身份（可不填）", "Who you are (optional)")) }
                    @if form.identity_available {
                        p.hint { (lang.t("留下身份便于核查人员与您联系、便于领取奖励。这些信息单独加密，核查人员看不到，只有保密专员在经批准的情况下才能查看，并会通知您。",
                                         "Leaving your identity helps officials reach you and helps with a reward. It is encrypted separately, out of the officers' sight; only the custodian can open it, after an approved request, and you will see that it happened.")) }
                        (text_input(&Text { field: "name", label: lang.t("姓名", "Name"), value: &v.name, hint: None, required: false, max: 50, kind: "text", autocomplete: "name" }, e))
                        (text_input(&Text { field: "phone", label: lang.t("电话", "Phone"), value: &v.phone, hint: None, required: false, max: 30, kind: "tel", autocomplete: "tel" }, e))
                        (text_input(&Text { field: "email", label: lang.t("电子邮箱", "Email"), value: &v.email, hint: None, required: false, max: 254, kind: "email", autocomplete: "email" }, e))
                        (text_input(&Text { field: "id_number", label: lang.t("身份证号码", "Identity card number"), value: &v.id_number, hint: None, required: false, max: 18, kind: "text", autocomplete: "off" }, e))
                    } @else {
                        p.hint { (lang.t("目前只能匿名举报：保管身份信息的保密专员尚未设立。匿名不影响受理和领取奖励。",
                                         "For now reports can only be anonymous: no custodian of identities has been appointed yet. Anonymity does not affect handling or rewards.")) }
                    }
                }
                p.muted { (lang.t("照片、视频等证据可以在提交后添加。", "Photos, videos and other evidence can be added after sending.")) }
                div.field.invalid[e.of("agree").is_some()] id="agree" {
                    @if let Some(msg) = e.of("agree") { span.error id="agree-error" { "⚠ " (msg) } }
                    label.choice {
                        input type="checkbox" name="agree" value="true" checked[v.agree] required;
                        span { (lang.t("我已阅读举报须知，所举报内容属实", "I have read the notes above and what I report is true")) }
                    }
                }
                p.actions { button.button.primary id="send" type="submit" disabled[!form.open] { (lang.t("提交举报", "Send the report")) } }
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
    let title = lang.t("举报已提交", "Your report has been sent");
    let frame = Frame { lang, title, path: "/report" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            div.receipt {
                p.warning role="alert" { strong { (lang.t("请立即抄写或拍照保存下面两行。查询码只显示这一次，丢失后无法找回。",
                    "Write down or photograph the two lines below now. The query code is shown only this once and cannot be recovered.")) } }
                dl {
                    dt { (lang.t("举报编号", "Reference")) }
                    dd.code { (r.reference) }
                    dt { (lang.t("查询码", "Query code")) }
                    dd.code.big { (r.query_code) }
                }
            }
            h2 { (lang.t("接下来", "What happens next")) }
            ul {
                li { (lang.t("负责部门将在 ", "The responsible department decides whether to accept it by ")) strong { (r.acknowledge_by) } (lang.t(" 前决定是否受理。", ".")) }
                li { (lang.t("凭举报编号和查询码可以随时在“查询办理进度”中查看进度、回复核查人员、补充证据。", "With the reference and query code you can follow progress, answer the officer and add evidence under “Follow a report”.")) }
                li { (lang.t("如需打印，请使用浏览器的打印功能，本页已为打印排版。", "To print, use your browser's Print: this page is laid out for it.")) }
            }
            p.actions {
                a.button.primary href="/track/status" { (lang.t("现在添加照片或其他证据", "Add photos or other evidence now")) }
                a.button href="/" { (lang.t("完成", "Done")) }
            }
        },
    )
}

/// `GET /track/receipt` once the receipt was shown (or never reached this browser): what to
/// do now. Nothing is filed again.
pub fn receipt_shown(lang: Lang) -> Markup {
    let title = lang.t("回执只显示一次", "The receipt is shown only once");
    let frame = Frame { lang, title, path: "/report" };
    layout(
        &frame,
        html! {
            h1 { (title) }
            section.notice {
                p { (lang.t("为保护您的查询码，举报回执只在提交后显示一次。刷新或再次打开此页面不会再显示它，也不会重复提交举报：您的举报已经收到。",
                    "To protect your query code, the receipt is shown once, right after sending. Refreshing or opening this page again does not show it again and does not send the report again: your report was received.")) }
                p { (lang.t("如已记下举报编号和查询码，可以在“查询办理进度”中查看进度、回复核查人员、补充证据。",
                    "If you wrote down the reference and the query code, you can follow progress, answer the officer and add evidence under “Follow a report”.")) }
                p.muted { (lang.t("如果您从未看到回执，可能是浏览器禁止了本网站的 Cookie，或已超过 10 分钟。查询码无法找回；如事项仍需反映，可以重新提交，或拨打举报电话 ",
                    "If you never saw the receipt, your browser may block this site's cookies, or more than 10 minutes passed. A query code cannot be recovered; if the matter still needs reporting, send it again or call the hotline ")) (HOTLINE) (lang.t("。", ".")) }
            }
            p.actions {
                a.button.primary href="/track" { (lang.t("查询办理进度", "Follow a report")) }
                a.button href="/" { (lang.t("返回首页", "Back to the home page")) }
            }
        },
    )
}
