//! The home page: what can be reported, how the reporter is protected, where to start.

use maud::{Markup, html};

use crate::{Frame, HOTLINE, Lang, layout};

/// One kind of tip, named in the page language.
pub struct KindView {
    pub name: String,
    pub hint: String,
}

pub struct HomeView {
    pub kinds: Vec<KindView>,
}

pub fn page(lang: Lang, view: &HomeView) -> Markup {
    let title = lang.t("安全生产举报", "Work-safety reporting");
    let frame = Frame { lang, title, path: "/" };
    layout(
        &frame,
        html! {
            section.hero {
                h1 { (lang.t("发现安全隐患？请告诉我们。", "Seen a safety hazard? Tell us.")) }
                p.lead {
                    (lang.t(
                        "重大事故隐患、安全生产违法行为、瞒报谎报事故，都可以在这里举报。不需要注册，不需要留姓名。",
                        "Report major hazards, work-safety violations and concealed accidents here. No account, no name needed.",
                    ))
                }
                p.actions {
                    a.button.primary href="/report" { (lang.t("我要举报", "Make a report")) }
                    a.button href="/track" { (lang.t("查询办理进度", "Follow a report")) }
                }
            }
            section {
                h2 { (lang.t("可以举报什么", "What you can report")) }
                ul.kinds {
                    @for kind in &view.kinds {
                        li { strong { (kind.name) } br; span.muted { (kind.hint) } }
                    }
                }
            }
            section {
                h2 { (lang.t("我们如何保护举报人", "How we protect you")) }
                ul {
                    li { (lang.t("可以匿名举报。提交后您会得到一个举报编号和一个查询码，凭它们查看进度、补充材料、与核查人员沟通。",
                                 "You may report anonymously. After sending you get a reference and a query code: with them you follow the report, add evidence and talk with the officer.")) }
                    li { (lang.t("举报内容加密保存，只有负责核查的部门能够打开；您留下的姓名和联系方式另行加密，核查人员也看不到。",
                                 "Your report is stored encrypted and only the department that verifies it can open it; a name or contact you leave is encrypted separately, out of the officer's sight.")) }
                    li { (lang.t("本网站不记录您的IP地址，照片中的位置等信息会在保存前删除。",
                                 "This site keeps no record of your IP address, and location data is removed from your photos before they are stored.")) }
                }
            }
            section {
                h2 { (lang.t("举报奖励", "Rewards")) }
                p { (lang.t("经核查属实的举报，按照规定给予奖励。匿名举报人可以凭举报编号和查询码领取。",
                            "A report found true earns a reward under the rules. An anonymous reporter claims it with the reference and query code.")) }
                p.muted { (lang.t("请如实举报。捏造事实诬告陷害他人的，依法承担法律责任。",
                                  "Please report truthfully. Inventing facts to accuse others is unlawful.")) }
            }
            section {
                p { (lang.t("也可以拨打举报电话", "You can also call the hotline")) " " strong { (HOTLINE) } "。" }
            }
        },
    )
}
