//! The page for a client that sent too much too fast.

use maud::{Markup, html};

use crate::{Frame, HOTLINE, Lang, layout};

pub fn page(lang: Lang, minutes: u64) -> Markup {
    let title = lang.tr("limited-please-try-again-later");
    let frame = Frame { lang, title, path: "/" };
    layout(
        &frame,
        html! {
            section.notice {
                h1 { (title) }
                p { (lang.tr("limited-there-were-too-many-requests"))
                    strong { (minutes) } (lang.tr("limited-minutes-try-again")) }
                p { (lang.tr("limited-if-urgent-call-hotline")) strong { (HOTLINE) } "." }
            }
        },
    )
}
