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
                // The poster speaks Chinese first, whatever language its page was opened in.
                h1 { (Lang::Zh.tr("poster-title")) br; span.en lang="en" { (Lang::En.tr("poster-title")) } }
                p.lead { (Lang::Zh.tr("poster-lead")) }
                div.qr { (PreEscaped(&p.qr_svg)) }
                p.url { (p.url) }
                ul {
                    li { (Lang::Zh.tr("poster-anonymous")) }
                    li { (Lang::Zh.tr("poster-encrypted")) }
                    li { (Lang::Zh.tr("poster-rewarded")) }
                }
                p.hotline { (Lang::Zh.tr("poster-hotline")) " " strong { (HOTLINE) } }
                p.muted { (p.label) }
            }
        },
    )
}
