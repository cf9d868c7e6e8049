//! What the public submits, checked field by field. Every problem names its field and says
//! what is wrong as a message of the catalogue, so a form can show it beside the field and keep
//! everything else the reporter typed.

use std::collections::HashSet;

use serde::Deserialize;
use time::Date;

use super::matching::CreditCode;
use super::report::{Identity, PayoutDetails, Report};
use super::{Code, Kind};
use jubao_templates::i18n::{Arg, Msg};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    /// What is wrong, as a message of the catalogue.
    pub msg: Msg,
}

fn problem(field: &'static str, msg: impl Into<Msg>) -> FieldError {
    FieldError { field, msg: msg.into() }
}

/// A tip as typed: every field is text, exactly as the form or the API sent it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TipInput {
    pub kind: String,
    pub category: String,
    pub district: String,
    pub title: String,
    pub description: String,
    pub location: String,
    pub company: String,
    pub credit_code: String,
    /// `YYYY-MM-DD`, optional.
    pub occurred_on: String,
    #[serde(deserialize_with = "ticked")]
    pub supervisory_duty: bool,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub id_number: String,
}

/// A yes/no as JSON sends it (`true`), or as a form's checkbox does (a value when ticked,
/// whatever it is; nothing when not).
fn ticked<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Tick;
    impl serde::de::Visitor<'_> for Tick {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("true, false, or a ticked checkbox")
        }
        fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<bool, E> {
            Ok(true)
        }
    }
    d.deserialize_any(Tick)
}

/// The codes in force, to check choices against.
pub struct Choices<'a> {
    pub categories: &'a HashSet<String>,
    pub districts: &'a HashSet<String>,
}

/// A tip that passed every check.
#[derive(Clone)]
pub struct ValidTip {
    pub kind: Kind,
    pub category: Code,
    pub district: Code,
    pub report: Report,
    pub identity: Option<Identity>,
}

/// Limits in characters.
pub const TITLE: (usize, usize) = (2, 100);
pub const DESCRIPTION: (usize, usize) = (10, 10_000);
pub const LOCATION: (usize, usize) = (2, 300);
pub const COMPANY_MAX: usize = 200;
pub const NAME_MAX: usize = 50;
pub const MESSAGE: (usize, usize) = (1, 5_000);

/// Whether a text may run over several lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Line,
    Paragraphs,
}

/// The text without what no one types on purpose: control characters (line breaks and tabs
/// are kept in paragraphs, become spaces in a line), every invisible format character
/// (Unicode category Cf: zero-width spaces and joiners, direction marks and overrides, the
/// byte-order mark, tags…) that can make a text read differently from what it says or hide
/// a mark in it, and the line and paragraph separators (a line break in paragraphs, a space
/// in a line). A zero-width joiner between two emoji is kept: it is what makes 👨‍🚒 one
/// picture.
fn cleaned(value: &str, shape: Shape) -> String {
    use unicode_properties::{GeneralCategory, UnicodeEmoji, UnicodeGeneralCategory};
    let value = value.replace("\r\n", "\n");
    let chars: Vec<char> = value.chars().collect();
    let emoji = |c: Option<&char>| c.is_some_and(|c| !c.is_ascii() && c.is_emoji_char());
    let joins_emoji = |at: usize| {
        // Before the joiner, an emoji perhaps followed by its presentation selector.
        let before = chars[..at].iter().rev().find(|c| **c != '\u{FE0F}');
        emoji(before) && emoji(chars.get(at + 1))
    };
    let mut out = String::with_capacity(value.len());
    for (at, &c) in chars.iter().enumerate() {
        let kept = match c {
            '\n' | '\t' if shape == Shape::Paragraphs => Some(c),
            '\u{2028}' | '\u{2029}' if shape == Shape::Paragraphs => Some('\n'),
            '\n' | '\t' | '\r' | '\u{2028}' | '\u{2029}' => Some(' '),
            '\u{200D}' if joins_emoji(at) => Some(c),
            c if c.is_control() || c.general_category() == GeneralCategory::Format => None,
            c => Some(c),
        };
        out.extend(kept);
    }
    out.trim().to_owned()
}

/// A free text from the public (an objection, a reason), cleaned as the form's texts are.
pub fn clean_paragraphs(value: &str) -> String {
    cleaned(value, Shape::Paragraphs)
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    shape: Shape,
    (min, max): (usize, usize),
    // The field's name inside a sentence, and at its start.
    (name, name_first): (&'static str, &'static str),
) -> String {
    let value = cleaned(value, shape);
    let length = value.chars().count();
    if length < min {
        if length == 0 {
            errors.push(problem(field, Msg::new("validation-fill-in").with("field", Arg::Key(name))));
        } else {
            let msg = Msg::new("validation-too-short").with("field", Arg::Key(name_first)).with("min", min);
            errors.push(problem(field, msg));
        }
    } else if length > max {
        let msg =
            Msg::new("validation-too-long").with("field", Arg::Key(name_first)).with("max", max).with("length", length);
        errors.push(problem(field, msg));
    }
    value
}

fn optional(value: &str) -> Option<String> {
    let value = cleaned(value, Shape::Line);
    (!value.is_empty()).then_some(value)
}

impl TipInput {
    /// Checks every field; `today` is the reporter's date (China Standard Time).
    pub fn validate(&self, choices: &Choices<'_>, today: Date) -> Result<ValidTip, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = Kind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(problem("kind", "validation-please-choose-what-kind-problem"));
        }
        let category = Code::parse(self.category.trim()).ok().filter(|c| choices.categories.contains(c.as_str()));
        if category.is_none() {
            errors.push(problem("category", "validation-please-choose-field-belongs"));
        }
        let district = Code::parse(self.district.trim()).ok().filter(|c| choices.districts.contains(c.as_str()));
        if district.is_none() {
            errors.push(problem("district", "validation-please-choose-district-where"));
        }
        let title =
            text(&mut errors, "title", &self.title, Shape::Line, TITLE, ("validation-title", "validation-title-first"));
        let description = text(
            &mut errors,
            "description",
            &self.description,
            Shape::Paragraphs,
            DESCRIPTION,
            ("validation-what-happened", "validation-what-happened-first"),
        );
        let location = text(
            &mut errors,
            "location",
            &self.location,
            Shape::Line,
            LOCATION,
            ("validation-where", "validation-where-first"),
        );
        let company = optional(&self.company);
        if company.as_ref().is_some_and(|c| c.chars().count() > COMPANY_MAX) {
            errors.push(problem("company", Msg::new("validation-company-too-long").with("max", COMPANY_MAX)));
        }
        let credit_code = optional(&self.credit_code).and_then(|typed| match CreditCode::parse(&typed) {
            Ok(code) => Some(code.as_str().to_owned()),
            Err(e) => {
                errors.push(problem("credit_code", e.key()));
                None
            }
        });
        let occurred_on = optional(&self.occurred_on);
        if let Some(Err(e)) = occurred_on.as_ref().map(|date| check_date(date, today)) {
            errors.push(e);
        }
        let identity = self.identity(&mut errors);

        match (kind, category, district) {
            (Some(kind), Some(category), Some(district)) if errors.is_empty() => Ok(ValidTip {
                kind,
                category,
                district,
                report: Report {
                    title,
                    description,
                    location,
                    company,
                    credit_code,
                    occurred_on,
                    supervisory_duty: self.supervisory_duty,
                },
                identity,
            }),
            _ => Err(errors),
        }
    }

    /// The optional identity: present when any of its fields is filled in.
    fn identity(&self, errors: &mut Vec<FieldError>) -> Option<Identity> {
        let name = optional(&self.name);
        let phone = optional(&self.phone);
        let email = optional(&self.email);
        let id_number = optional(&self.id_number).map(|s| s.to_ascii_uppercase());
        if name.is_none() && phone.is_none() && email.is_none() && id_number.is_none() {
            return None;
        }
        if name.as_ref().is_some_and(|n| n.chars().count() > NAME_MAX) {
            errors.push(problem("name", Msg::new("validation-name-too-long").with("max", NAME_MAX)));
        }
        if phone.as_ref().is_some_and(|p| !valid_phone(p)) {
            errors.push(problem("phone", "validation-not-phone-number"));
        }
        if email.as_ref().is_some_and(|e| !valid_email(e)) {
            errors.push(problem("email", "validation-not-email-address"));
        }
        if id_number.as_ref().is_some_and(|n| !valid_id_number(n)) {
            errors.push(problem("id_number", "validation-identity-card-number-not-valid"));
        }
        Some(Identity { name: name.unwrap_or_default(), phone, email, id_number })
    }
}

fn check_date(text: &str, today: Date) -> Result<(), FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let bad = || problem("occurred_on", "validation-write-date-year-month-day");
    let date = Date::parse(text, &format).map_err(|_| bad())?;
    if date > today {
        return Err(problem("occurred_on", "validation-date-cannot-later-than-today"));
    }
    if date.year() < 1990 {
        return Err(bad());
    }
    Ok(())
}

pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits) && phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
}

pub fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.')
        })
}

/// A resident identity card number (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check
/// character, or the older 15 digits.
pub fn valid_id_number(id: &str) -> bool {
    let bytes = id.as_bytes();
    match bytes.len() {
        15 => bytes.iter().all(u8::is_ascii_digit),
        18 => {
            const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            const CHECK: &[u8; 11] = b"10X98765432";
            if !bytes[..17].iter().all(u8::is_ascii_digit) {
                return false;
            }
            let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
            CHECK[(sum % 11) as usize] == bytes[17]
        }
        _ => false,
    }
}

/// Where finance sends a reward: the payee's name and identity card number, the bank and
/// an account of 8 to 30 digits (spaces and dashes allowed between them).
pub fn validate_payout(d: &PayoutDetails) -> Result<PayoutDetails, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text(
        &mut errors,
        "name",
        &d.name,
        Shape::Line,
        (2, NAME_MAX),
        ("validation-payee-s-name", "validation-payee-s-name-first"),
    );
    let id_number = d.id_number.trim().to_ascii_uppercase();
    if !valid_id_number(&id_number) {
        errors.push(problem("id_number", "validation-give-valid-18-character-resident"));
    }
    let bank = text(&mut errors, "bank", &d.bank, Shape::Line, (2, 100), ("validation-bank", "validation-bank-first"));
    let account: String = d.account.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(8..=30).contains(&account.len()) || !account.chars().all(|c| c.is_ascii_digit()) {
        errors.push(problem("account", "validation-account-number-8-30-digits"));
    }
    if errors.is_empty() { Ok(PayoutDetails { name, id_number, bank, account }) } else { Err(errors) }
}

/// A message from the reporter or an official.
pub fn validate_message(body: &str) -> Result<String, FieldError> {
    let mut errors = Vec::new();
    let body =
        text(&mut errors, "body", body, Shape::Paragraphs, MESSAGE, ("validation-message", "validation-message-first"));
    match errors.pop() {
        Some(e) => Err(e),
        None => Ok(body),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn texts_lose_what_no_one_types_on_purpose() {
        for (given, shape, expected) in [
            ("  管道\r\n占压\t严重 ", Shape::Paragraphs, "管道\n占压\t严重"),
            ("管道\r\n占压\t严重", Shape::Line, "管道 占压 严重"),
            ("a\u{0}b\u{1b}[31mc\u{7f}d\u{85}e", Shape::Paragraphs, "ab[31mcde"),
            ("invoice \u{202E}fdp.exe", Shape::Line, "invoice fdp.exe"),
            ("\u{2066}隐患\u{2069}", Shape::Line, "隐患"),
            ("\u{1f}\u{1f}", Shape::Line, ""),
            // Invisible format characters (Cf) and the separators.
            ("隐\u{200B}患", Shape::Line, "隐患"),
            ("\u{FEFF}隐患", Shape::Line, "隐患"),
            ("abc\u{200F}def", Shape::Line, "abcdef"),
            ("\u{061C}隐患", Shape::Line, "隐患"),
            ("a\u{200C}b\u{2060}c\u{180E}d\u{00AD}e", Shape::Line, "abcde"),
            ("tag\u{E0041}\u{E007F}", Shape::Line, "tag"),
            ("一\u{2028}二\u{2029}三", Shape::Paragraphs, "一\n二\n三"),
            ("一\u{2028}二", Shape::Line, "一 二"),
            // A joiner is kept only between emoji.
            ("👨\u{200D}🚒", Shape::Line, "👨\u{200D}🚒"),
            ("❤\u{FE0F}\u{200D}🔥", Shape::Line, "❤\u{FE0F}\u{200D}🔥"),
            ("a\u{200D}b", Shape::Line, "ab"),
            ("👨\u{200D}", Shape::Line, "👨"),
            ("1\u{200D}2", Shape::Line, "12"),
        ] {
            assert_eq!(cleaned(given, shape), expected, "{given:?}");
        }
    }

    #[test]
    fn payout_details() {
        let good = PayoutDetails {
            name: "王小明".into(),
            id_number: "11010519491231002x".into(),
            bank: "中国银行重庆分行".into(),
            account: "6217 0000 1234 5678".into(),
        };
        let cleaned = validate_payout(&good).expect("valid");
        assert_eq!(cleaned.account, "6217000012345678");
        assert_eq!(cleaned.id_number, "11010519491231002X");
        let cases: [(&str, PayoutDetails); 5] = [
            ("name", PayoutDetails { name: " ".into(), ..good.clone() }),
            ("id_number", PayoutDetails { id_number: "110105194912310021".into(), ..good.clone() }),
            ("bank", PayoutDetails { bank: String::new(), ..good.clone() }),
            ("account", PayoutDetails { account: "1234567".into(), ..good.clone() }),
            ("account", PayoutDetails { account: "6217-0000-abcd-5678".into(), ..good.clone() }),
        ];
        for (field, details) in cases {
            let errors = validate_payout(&details).expect_err(field);
            assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), [field]);
        }
    }

    fn choices() -> (HashSet<String>, HashSet<String>) {
        (["mine".to_owned()].into(), ["500103".to_owned()].into())
    }

    fn good() -> TipInput {
        TipInput {
            kind: "major_hazard".into(),
            category: "mine".into(),
            district: "500103".into(),
            title: "井下通风不足".into(),
            description: "三号井下通风机已经停了一周，仍在生产。".into(),
            location: "某某煤矿三号井".into(),
            ..TipInput::default()
        }
    }

    #[test]
    fn a_good_tip_passes_and_is_trimmed() {
        let (categories, districts) = choices();
        let mut input = good();
        input.title = "  井下通风不足  ".into();
        let tip =
            input.validate(&Choices { categories: &categories, districts: &districts }, date!(2026 - 11 - 29)).unwrap();
        assert_eq!(tip.report.title, "井下通风不足");
        assert!(tip.identity.is_none());
        assert_eq!(tip.report.credit_code, None, "an empty credit code is none");
        input.credit_code = " ９１１１００００１００００３４９５ｙ ".into();
        let tip =
            input.validate(&Choices { categories: &categories, districts: &districts }, date!(2026 - 11 - 29)).unwrap();
        assert_eq!(tip.report.credit_code.as_deref(), Some("91110000100003495Y"), "kept in its one form");
    }

    #[test]
    fn every_bad_field_is_named() {
        let (categories, districts) = choices();
        type Case = (&'static str, fn(&mut TipInput));
        let cases: [Case; 16] = [
            ("kind", |t| t.kind = "gossip".into()),
            ("category", |t| t.category = "bakery".into()),
            ("district", |t| t.district = "110101".into()),
            ("title", |t| t.title = " ".into()),
            ("title", |t| t.title = "x".repeat(101)),
            ("description", |t| t.description = "太短".into()),
            ("location", |t| t.location.clear()),
            ("company", |t| t.company = "x".repeat(201)),
            ("credit_code", |t| t.credit_code = "91110000100003495X".into()),
            ("credit_code", |t| t.credit_code = "9111000010000349".into()),
            ("credit_code", |t| t.credit_code = "91110000100003495I".into()),
            ("occurred_on", |t| t.occurred_on = "20/11/2026".into()),
            ("occurred_on", |t| t.occurred_on = "2026-12-01".into()),
            ("phone", |t| t.phone = "call me".into()),
            ("email", |t| t.email = "nobody".into()),
            ("id_number", |t| t.id_number = "500103199001011235".into()),
        ];
        for (field, break_it) in cases {
            let mut input = good();
            break_it(&mut input);
            let errors = input
                .validate(&Choices { categories: &categories, districts: &districts }, date!(2026 - 11 - 29))
                .err()
                .unwrap_or_else(|| panic!("{field} passed"));
            assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), [field]);
            assert!(!errors[0].msg.render(jubao_templates::Lang::Zh).is_empty());
            assert!(!errors[0].msg.render(jubao_templates::Lang::En).is_empty());
        }
    }

    #[test]
    fn identity_card_numbers() {
        for (id, ok) in [
            ("11010519491231002X", true),
            ("110105194912310021", false),
            ("440524188001010014", true),
            ("123456789012345", true),
            ("12345678901234567", false),
            ("1101051949123100XX", false),
        ] {
            assert_eq!(valid_id_number(id), ok, "{id}");
        }
    }

    #[test]
    fn messages() {
        assert_eq!(validate_message("  hello ").unwrap(), "hello");
        assert_eq!(validate_message("   ").unwrap_err().field, "body");
        assert!(validate_message(&"x".repeat(5001)).is_err());
    }
}
