//! The page for a client that sent too much too fast.

use maud::{Markup, html};

use crate::{Frame, HOTLINE, Lang, layout};

pub fn page(lang: Lang, minutes: u64) -> Markup {
    let title = lang.t("请稍后再试", "Please try again later");
    let frame = Frame { lang, title, path: "/" };
    layout(
        &frame,
        html! {
            section.notice {
                h1 { (title) }
                p { (lang.t("短时间内的请求太多。为防止滥用，请在 ", "There were too many requests in a short time. To prevent abuse, please wait "))
                    strong { (minutes) } (lang.t(" 分钟后再试。您已填写的内容没有保存，请重新填写。", " minutes and try again.")) }
                p { (lang.t("紧急情况请拨打举报电话 ", "If it is urgent, call the hotline ")) strong { (HOTLINE) } "." }
            }
        },
    )
}
