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
    let title = lang.tr("home-work-safety-reporting");
    let frame = Frame { lang, title, path: "/" };
    layout(
        &frame,
        html! {
            section.hero {
                h1 { (lang.tr("home-seen-safety-hazard-tell-us")) }
                p.lead {
                    (lang.tr("home-report-major-hazards-work-safety"))
                }
                p.actions {
                    a.button.primary href="/report" { (lang.tr("home-make-report")) }
                    a.button href="/track" { (lang.tr("home-follow-report")) }
                }
            }
            section {
                h2 { (lang.tr("home-what-you-can-report")) }
                ul.kinds {
                    @for kind in &view.kinds {
                        li { strong { (kind.name) } br; span.muted { (kind.hint) } }
                    }
                }
            }
            section {
                h2 { (lang.tr("home-how-we-protect-you")) }
                ul {
                    li { (lang.tr("home-you-may-report-anonymously-after")) }
                    li { (lang.tr("home-your-report-stored-encrypted-only")) }
                    li { (lang.tr("home-site-keeps-no-record-your")) }
                }
            }
            section {
                h2 { (lang.tr("home-rewards")) }
                p { (lang.tr("home-report-found-true-earns-reward")) }
                p.muted { (lang.tr("home-please-report-truthfully-inventing-facts")) }
            }
            section {
                p { (lang.tr("home-you-can-also-call-hotline")) " " strong { (HOTLINE) } "。" }
            }
        },
    )
}
