//! Building blocks of accessible forms: every field has a label, an optional hint, and its
//! error right beside it, tied together with `aria-describedby`.

use maud::{Markup, html};

/// Field-level errors, already in the page language.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<(String, String)>);

impl Errors {
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a person typed into a form, looked up by the field's name, to show it again.
pub trait Typed {
    /// The text of `field`, or "" when there is none.
    fn text(&self, field: &str) -> &str;
    /// Whether the box `field` is ticked.
    fn ticked(&self, field: &str) -> bool;
}

/// A form nobody has typed into yet.
pub struct Untyped;

impl Typed for Untyped {
    fn text(&self, _: &str) -> &str {
        ""
    }

    fn ticked(&self, _: &str) -> bool {
        false
    }
}

/// A choice in a list: code and name in the page language.
#[derive(Debug, Clone)]
pub struct Choice {
    pub code: String,
    pub name: String,
    pub hint: Option<String>,
}

/// What goes under a label: hint and error, with the ids `aria-describedby` names.
pub fn described(field: &str, hint: Option<&str>, errors: &Errors) -> (Markup, String) {
    let mut ids = Vec::new();
    if hint.is_some() {
        ids.push(format!("{field}-hint"));
    }
    if errors.of(field).is_some() {
        ids.push(format!("{field}-error"));
    }
    let markup = html! {
        @if let Some(h) = hint { span.hint id={ (field) "-hint" } { (h) } }
        @if let Some(e) = errors.of(field) { span.error id={ (field) "-error" } { "⚠ " (e) } }
    };
    (markup, ids.join(" "))
}

pub struct Text<'a> {
    pub field: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub hint: Option<&'a str>,
    pub required: bool,
    pub max: usize,
    pub kind: &'a str,
    pub autocomplete: &'a str,
}

pub fn text_input(t: &Text<'_>, errors: &Errors) -> Markup {
    let (below, described_by) = described(t.field, t.hint, errors);
    html! {
        div.field.invalid[errors.of(t.field).is_some()] {
            label for=(t.field) { (t.label) @if t.required { span.required aria-hidden="true" { " *" } } }
            (below)
            input id=(t.field) name=(t.field) type=(t.kind) value=(t.value) maxlength=(t.max)
                autocomplete=(t.autocomplete) required[t.required]
                aria-invalid=[errors.of(t.field).map(|_| "true")]
                aria-describedby=[(!described_by.is_empty()).then_some(described_by.as_str())];
        }
    }
}

pub fn textarea(t: &Text<'_>, errors: &Errors, rows: u32) -> Markup {
    let (below, described_by) = described(t.field, t.hint, errors);
    html! {
        div.field.invalid[errors.of(t.field).is_some()] {
            label for=(t.field) { (t.label) @if t.required { span.required aria-hidden="true" { " *" } } }
            (below)
            textarea id=(t.field) name=(t.field) rows=(rows) maxlength=(t.max) required[t.required]
                aria-invalid=[errors.of(t.field).map(|_| "true")]
                aria-describedby=[(!described_by.is_empty()).then_some(described_by.as_str())] { (t.value) }
        }
    }
}

/// A summary of all errors at the top of a form, each linking to its field.
pub fn error_summary(title: &str, errors: &Errors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" {
                h2 { (title) }
                ul { @for (field, message) in &errors.0 { li { a href={ "#" (field) } { (message) } } } }
            }
        }
    }
}
