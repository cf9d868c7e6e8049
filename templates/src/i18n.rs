//! The message catalogue: every word a person reads, pages, errors and mails, by key, from
//! one Fluent file per language (`locales/zh.ftl`, `locales/en.ftl`).
//!
//! Both files are built into the binary. A deployment may put its own `zh.ftl` or `en.ftl`
//! in a directory (configuration `locales_dir`); a message there replaces the built-in one
//! of the same key, so a wording is corrected without touching Rust. The catalogue is checked
//! when it is installed: both languages have the same keys, and every message without
//! arguments formats without error. Code names a key as a string literal; a key the
//! catalogue lacks shows as itself and is remembered (`missing`), which the tests read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::Lang;

/// The built-in catalogues, one per language.
pub const BUILT_IN: [(Lang, &str); 2] =
    [(Lang::Zh, include_str!("../locales/zh.ftl")), (Lang::En, include_str!("../locales/en.ftl"))];

/// A message to be said in the reader's language: a catalogue key and its arguments.
/// Errors and refusals carry one of these, never text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
    /// Further messages said after this one (several problems at once); boxed, as it is rare
    /// and a `Msg` travels inside every error.
    more: Option<Box<[Msg]>>,
}

/// An argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// Another message of the catalogue, said in the same language.
    Key(&'static str),
    /// A name of the reference data (a department, a district), which carries both languages.
    Name {
        zh: String,
        en: String,
    },
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(value.clone())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(value: $t) -> Self {
                Arg::Number(i64::try_from(value).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(i64, i32, u32, u64, usize, u16, u8);

impl Msg {
    pub const fn new(key: &'static str) -> Self {
        Msg { key, args: Vec::new(), more: None }
    }

    /// Several messages said one after the other; `None` when there are none.
    pub fn all(msgs: impl IntoIterator<Item = Msg>) -> Option<Msg> {
        let mut msgs = msgs.into_iter();
        let mut first = msgs.next()?;
        let rest: Vec<Msg> = msgs.collect();
        if !rest.is_empty() {
            first.more = Some(rest.into_boxed_slice());
        }
        Some(first)
    }

    /// The same message with one more argument (`{ $name }` in the catalogue).
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut text = catalogue().format(lang, self.key, &self.args);
        for more in self.more.iter().flat_map(|m| m.iter()) {
            text.push(' ');
            text.push_str(&more.render(lang));
        }
        text
    }
}

impl From<&'static str> for Msg {
    fn from(key: &'static str) -> Self {
        Msg::new(key)
    }
}

/// Logs and `Display` speak English.
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl Lang {
    /// A name of the reference data (seeds, departments), which the data gives in both
    /// languages; words of the portal itself come from the catalogue (`tr`).
    pub fn name<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The text of `key` in this language.
    pub fn tr(self, key: &'static str) -> &'static str {
        catalogue().plain(self, key)
    }

    /// The text of `key` in this language, with arguments.
    pub fn tr_with(self, key: &'static str, args: &[(&'static str, Arg)]) -> String {
        catalogue().format(self, key, args)
    }
}

/// Why a catalogue could not be installed; names the file and the keys.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{file}: not valid Fluent: {detail}")]
    Syntax { file: String, detail: String },
    #[error("{file}: cannot be read: {detail}")]
    Unreadable { file: String, detail: String },
    #[error("the catalogues differ: {0}")]
    Mismatch(String),
    #[error("{file}: message {key} does not format: {detail}")]
    Format { file: String, key: String, detail: String },
}

struct Language {
    bundle: FluentBundle<FluentResource>,
    /// Messages without arguments, formatted once.
    plain: HashMap<String, &'static str>,
}

pub struct Catalogue {
    languages: Vec<(Lang, Language)>,
}

static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
static MISSING: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Installs the catalogue, built-in messages overlaid by `overrides` (a directory holding
/// `zh.ftl` and/or `en.ftl`). Call once at start; later calls keep the first catalogue and
/// only check theirs.
pub fn install(overrides: Option<&Path>) -> Result<(), CatalogueError> {
    let built = Catalogue::load(overrides)?;
    let _ = CATALOGUE.set(built);
    Ok(())
}

fn catalogue() -> &'static Catalogue {
    CATALOGUE.get_or_init(|| match Catalogue::load(None) {
        Ok(c) => c,
        // The built-in catalogue is checked by the tests; should it ever fail, every key
        // shows as itself rather than the portal stopping.
        Err(_) => Catalogue { languages: Vec::new() },
    })
}

/// Keys asked for that no catalogue holds, since start.
pub fn missing() -> Vec<String> {
    MISSING.lock().map(|m| m.iter().cloned().collect()).unwrap_or_default()
}

/// The keys of each built-in catalogue, for the tests.
pub fn keys(lang: Lang) -> BTreeSet<String> {
    BUILT_IN.iter().filter(|(l, _)| *l == lang).flat_map(|(_, text)| message_ids(text)).collect()
}

fn message_ids(text: &str) -> Vec<String> {
    match FluentResource::try_new(text.to_owned()) {
        Ok(res) | Err((res, _)) => res
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect(),
    }
}

fn parse(file: &str, text: String) -> Result<FluentResource, CatalogueError> {
    FluentResource::try_new(text).map_err(|(_, errors)| CatalogueError::Syntax {
        file: file.to_owned(),
        detail: errors.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join("; "),
    })
}

impl Catalogue {
    fn load(overrides: Option<&Path>) -> Result<Catalogue, CatalogueError> {
        let mut languages = Vec::new();
        let mut ids: BTreeMap<Lang, BTreeSet<String>> = BTreeMap::new();
        for (lang, text) in BUILT_IN {
            let name = format!("{}.ftl", lang.code());
            let mut bundle = FluentBundle::new_concurrent(vec![lang.identifier()]);
            bundle.set_use_isolating(false);
            let built_in = parse(&name, text.to_owned())?;
            let known: BTreeSet<String> = message_ids(text).into_iter().collect();
            let _ = bundle.add_resource(built_in);
            if let Some(dir) = overrides {
                let path = dir.join(&name);
                if path.exists() {
                    let file = path.display().to_string();
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| CatalogueError::Unreadable { file: file.clone(), detail: e.to_string() })?;
                    let unknown: Vec<String> = message_ids(&text).into_iter().filter(|k| !known.contains(k)).collect();
                    if !unknown.is_empty() {
                        return Err(CatalogueError::Mismatch(format!(
                            "{file} has keys the portal does not use: {}",
                            unknown.join(", ")
                        )));
                    }
                    bundle.add_resource_overriding(parse(&file, text)?);
                }
            }
            let plain = Self::plain_messages(&bundle, &name, &known)?;
            ids.insert(lang, known);
            languages.push((lang, Language { bundle, plain }));
        }
        Self::same_keys(&ids)?;
        Ok(Catalogue { languages })
    }

    fn plain_messages(
        bundle: &FluentBundle<FluentResource>,
        file: &str,
        keys: &BTreeSet<String>,
    ) -> Result<HashMap<String, &'static str>, CatalogueError> {
        let mut plain = HashMap::new();
        for key in keys {
            let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
                return Err(CatalogueError::Format {
                    file: file.to_owned(),
                    key: key.clone(),
                    detail: "no value".into(),
                });
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
            // A message with arguments fails here only for want of them; it is formatted
            // when asked for, with its arguments.
            if errors.is_empty() {
                plain.insert(key.clone(), &*Box::leak(text.into_boxed_str()));
            }
        }
        Ok(plain)
    }

    fn same_keys(ids: &BTreeMap<Lang, BTreeSet<String>>) -> Result<(), CatalogueError> {
        let (Some(zh), Some(en)) = (ids.get(&Lang::Zh), ids.get(&Lang::En)) else {
            return Err(CatalogueError::Mismatch("a language has no catalogue".into()));
        };
        let only_zh: Vec<&String> = zh.difference(en).collect();
        let only_en: Vec<&String> = en.difference(zh).collect();
        if only_zh.is_empty() && only_en.is_empty() {
            return Ok(());
        }
        Err(CatalogueError::Mismatch(format!("only in zh.ftl: {only_zh:?}; only in en.ftl: {only_en:?}")))
    }

    fn language(&self, lang: Lang) -> Option<&Language> {
        self.languages.iter().find(|(l, _)| *l == lang).map(|(_, language)| language)
    }

    fn plain(&self, lang: Lang, key: &'static str) -> &'static str {
        match self.language(lang).and_then(|l| l.plain.get(key)) {
            Some(text) => text,
            None => {
                note_missing(lang, key);
                key
            }
        }
    }

    fn format(&self, lang: Lang, key: &'static str, args: &[(&'static str, Arg)]) -> String {
        let Some(language) = self.language(lang) else {
            note_missing(lang, key);
            return key.to_owned();
        };
        if args.is_empty() {
            return self.plain(lang, key).to_owned();
        }
        let Some(pattern) = language.bundle.get_message(key).and_then(|m| m.value()) else {
            note_missing(lang, key);
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
                Arg::Key(key) => fluent_args.set(*name, FluentValue::from(self.plain(lang, key))),
                Arg::Name { zh, en } => fluent_args.set(*name, FluentValue::from(lang.name(zh, en))),
            }
        }
        let mut errors = Vec::new();
        let text = language.bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned();
        if !errors.is_empty() {
            note_missing(lang, key);
        }
        text
    }
}

fn note_missing(lang: Lang, key: &str) {
    if let Ok(mut missing) = MISSING.lock() {
        missing.insert(format!("{}:{key}", lang.code()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys_and_format() {
        let zh = keys(Lang::Zh);
        assert!(zh.len() > 100, "{}", zh.len());
        assert_eq!(zh, keys(Lang::En));
        let Ok(c) = Catalogue::load(None) else { panic!("the built-in catalogue loads") };
        assert_eq!(c.languages.len(), 2);
    }

    #[test]
    fn an_override_replaces_a_wording_and_may_not_add_keys() {
        let dir = std::env::temp_dir().join(format!("jubao-i18n-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("en.ftl"), "language-name = English (UK)\n");
        let Ok(c) = Catalogue::load(Some(&dir)) else { panic!("an override loads") };
        assert_eq!(c.plain(Lang::En, "language-name"), "English (UK)");
        assert_eq!(c.plain(Lang::Zh, "language-name"), "中文");
        let _ = std::fs::write(dir.join("en.ftl"), "no-such-key = x\n");
        assert!(matches!(Catalogue::load(Some(&dir)), Err(CatalogueError::Mismatch(_))));
        let _ = std::fs::write(dir.join("en.ftl"), "language-name = {\n");
        assert!(matches!(Catalogue::load(Some(&dir)), Err(CatalogueError::Syntax { .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn arguments_fill_their_places() {
        let Ok(c) = Catalogue::load(None) else { panic!("the built-in catalogue loads") };
        let args = [("label", Arg::from("Extended")), ("days", Arg::Number(15)), ("reason", Arg::from("a site visit"))];
        assert_eq!(c.format(Lang::En, "events-extended", &args), "Extended by 15 days, because: a site visit");
        assert_eq!(c.format(Lang::Zh, "events-extended", &args), "Extended 15 天，理由：a site visit");
        assert!(missing().is_empty(), "{:?}", missing());
        c.format(Lang::En, "no-such-key", &[]);
        assert!(missing().contains(&"en:no-such-key".to_owned()));
    }
}

/// The catalogue against the code: every key the code names is in the catalogue, every
/// message of the catalogue is named somewhere, and no text is picked inline any more.
#[cfg(test)]
mod code {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::keys;
    use crate::Lang;

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// String literals that look like keys (`word-word…`), outside comments.
    fn literals(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(start) = rest.find('"') {
                let after = &rest[start + 1..];
                let Some(end) = after.find('"') else { break };
                let literal = &after[..end];
                if literal.contains('-')
                    && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && literal.starts_with(|c: char| c.is_ascii_lowercase())
                {
                    out.push(literal.to_owned());
                }
                rest = &after[end + 1..];
            }
        }
        out
    }

    #[test]
    fn every_key_named_is_in_the_catalogue_and_every_message_is_used() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        sources(&root.join("templates").join("src"), &mut files);
        let catalogue = keys(Lang::Zh);
        let mut named = BTreeSet::new();
        let mut inline = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            if !file.ends_with("i18n.rs") && text.contains(".t(") {
                inline.push(file.display().to_string());
            }
            named.extend(literals(&text).into_iter().filter(|l| catalogue.contains(l)));
        }
        assert!(inline.is_empty(), "texts picked inline in {inline:?}");
        let unused: Vec<&String> = catalogue.iter().filter(|k| !named.contains(*k)).collect();
        assert!(unused.is_empty(), "messages no code names: {unused:?}");
    }
}
