//! An A4 QR poster for a site or a district: scan to report.

use maud::{Markup, PreEscaped, html};

use crate::{Frame, HOTLINE, Lang, layout};

pub struct PosterView {
    pub label: String,
    pub url: String,
    /// The QR code as SVG, made by the server from `url`.
    pub qr_svg: String,
}

pub fn page(lang: Lang, p: &PosterView, path: &str) -> Markup {
    let frame = Frame { lang, title: &p.label, path };
    layout(
        &frame,
        html! {
            article.poster {
                h1 { "安全生产举报" br; span.en { "Work-safety reporting" } }
                p.lead { "发现重大事故隐患、安全生产违法行为、瞒报谎报事故，请扫码举报。" }
                div.qr { (PreEscaped(&p.qr_svg)) }
                p.url { (p.url) }
                ul {
                    li { "可以匿名，不需要注册" }
                    li { "内容加密保存，严格为举报人保密" }
                    li { "经查属实的，按规定给予奖励" }
                }
                p.hotline { "举报电话 " strong { (HOTLINE) } }
                p.muted { (p.label) }
            }
        },
    )
}
