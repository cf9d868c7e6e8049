//! What the fuzz targets (`fuzz/fuzz_targets/`) run: every parser of outside input, given
//! arbitrary bytes, through `jubao`'s public API only. Each function panics only on a real
//! fault — a panic in a parser, or a broken promise of its result — so that `cargo fuzz`
//! reports it. The integration test `tests/api/fuzz_seeds.rs` includes this same file and
//! replays the seed corpus and every input a fuzzer ever found, on stable Rust.

// A fuzz target reports a fault by panicking: that is what libFuzzer catches.
#![allow(clippy::panic)]

use std::collections::HashSet;
use std::sync::OnceLock;

use jubao::crypto::receipt::QueryCode;
use jubao::domain::TipReference;
use jubao::domain::validation::{Choices, TipInput};
use jubao::evidence::{FileKind, StripError, clean, strip_metadata};
use jubao::seeds::SeedSet;

// The evidence unit tests' reader that counts what is read: one file, built into both.
#[path = "../../src/evidence/metered.rs"]
mod metered;
use metered::Metered;

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name: the directory names under `fuzz/seeds/`.
pub const TARGETS: [(&str, Target); 7] = [
    ("tip_bodies", tip_bodies),
    ("request_headers", request_headers),
    ("multipart", multipart),
    ("receipt", receipt),
    ("image_metadata", image_metadata),
    ("documents", documents),
    ("seeds", seeds),
];

/// The codes of the built-in categories and districts.
pub fn built_in_codes() -> &'static (HashSet<String>, HashSet<String>) {
    static CODES: OnceLock<(HashSet<String>, HashSet<String>)> = OnceLock::new();
    CODES.get_or_init(|| match SeedSet::builtin() {
        Ok(seeds) => (
            seeds.categories.iter().map(|c| c.code.as_str().to_owned()).collect(),
            seeds.districts.iter().map(|d| d.code.as_str().to_owned()).collect(),
        ),
        Err(e) => panic!("the built-in seeds are invalid: {e}"),
    })
}

/// A tip as the public sends it: the first byte picks the report form
/// (`application/x-www-form-urlencoded`) or the API's JSON; the rest is the body. A tip that
/// passes validation has every text within its limits and free of control characters.
pub fn tip_bodies(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else { return };
    let input: TipInput = if which % 2 == 0 {
        match serde_urlencoded::from_bytes::<jubao::web::pages::report::FormBody>(body) {
            Ok(form) => form.tip_input(),
            Err(_) => return,
        }
    } else {
        match serde_json::from_slice::<jubao::web::api::tips::TipRequest>(body) {
            Ok(request) => request.input(),
            Err(_) => return,
        }
    };
    let (categories, districts) = built_in_codes();
    let choices = Choices { categories, districts };
    let today = time::macros::date!(2026 - 11 - 29);
    if let Ok(valid) = input.validate(&choices, today) {
        let report = &valid.report;
        for (text, (_, max), lines) in [
            (&report.title, jubao::domain::validation::TITLE, false),
            (&report.location, jubao::domain::validation::LOCATION, false),
            (&report.description, jubao::domain::validation::DESCRIPTION, true),
        ] {
            assert!(text.chars().count() <= max, "a valid text is within its limit");
            let stray = |c: char| c.is_control() && !(lines && matches!(c, '\n' | '\t'));
            assert!(!text.chars().any(stray), "no control characters in {text:?}");
            // No invisible format character, but a joiner between two emoji.
            use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
            let invisible = |c: char| c != '\u{200D}' && c.general_category() == GeneralCategory::Format;
            assert!(!text.chars().any(invisible), "no format characters in {text:?}");
            assert!(!text.contains(['\u{2028}', '\u{2029}']));
        }
        assert!(categories.contains(valid.category.as_str()) && districts.contains(valid.district.as_str()));
    }
}

/// What every request brings besides its body, as the portal reads it: the lines of the input
/// are an `X-Forwarded-For` header (behind a trusted proxy), a session token (a cookie or a
/// bearer token), a language cookie and a `next` path. Nothing panics; a forwarded address is
/// one of the header's or the peer; a path to return to stays on this site.
pub fn request_headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let (forwarded, token, lang, next) = (lines.next(), lines.next(), lines.next(), lines.next());
    let trusted = jubao::configuration::TrustedProxies(vec![ipnet::IpNet::from(std::net::IpAddr::from([10, 0, 0, 1]))]);
    let peer = std::net::IpAddr::from([10, 0, 0, 1]);
    let headers: Vec<&str> = forwarded.into_iter().collect();
    if let Some(client) = jubao::web::client::client_address(Some(peer), &headers, &trusted) {
        let listed = headers.iter().flat_map(|h| h.split(',')).any(|hop| hop.trim().parse().ok() == Some(client));
        assert!(client == peer || listed, "the client is the peer or a listed hop");
    }
    if let Some(token) = token.and_then(jubao::crypto::session::SessionToken::parse) {
        let again = jubao::crypto::session::SessionToken::parse(&token.to_text());
        assert!(again.is_some(), "a token prints back to itself");
    }
    let _ = lang.and_then(jubao_templates::Lang::parse);
    let path = jubao::web::lang::local_path(next);
    assert!(path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\"), "{path:?}");
}

/// An upload body, as `actix-multipart` parses it for `web::upload`: every field and every
/// chunk is read, and the file parts sniffed, as the upload code does.
pub fn multipart(data: &[u8]) {
    use futures_util::StreamExt;

    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => panic!("no runtime: {e}"),
    });
    let mut headers = actix_web::http::header::HeaderMap::new();
    headers.insert(
        actix_web::http::header::CONTENT_TYPE,
        actix_web::http::header::HeaderValue::from_static("multipart/form-data; boundary=jubaoFuzzBoundary"),
    );
    // The body in two pieces, as the network delivers it.
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let pieces = vec![
        Ok::<_, actix_web::error::PayloadError>(actix_web::web::Bytes::copy_from_slice(&data[..cut])),
        Ok(actix_web::web::Bytes::copy_from_slice(&data[cut..])),
    ];
    runtime.block_on(async {
        let mut parts = actix_multipart::Multipart::new(&headers, futures_util::stream::iter(pieces));
        while let Some(field) = parts.next().await {
            let Ok(mut field) = field else { return };
            let _ = field.name();
            let _ = field.content_disposition().and_then(|d| d.get_filename());
            let mut head = Vec::new();
            while let Some(chunk) = field.next().await {
                let Ok(chunk) = chunk else { return };
                if head.len() < 64 {
                    head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
                }
            }
            let _ = FileKind::sniff(&head);
        }
    });
}

/// A receipt as typed: reference and query code. What parses prints back to itself.
pub fn receipt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (reference, code) = text.split_once('\n').unwrap_or((&text, &text));
    if let Some(parsed) = TipReference::parse(reference) {
        assert_eq!(TipReference::parse(parsed.as_str()).as_ref(), Some(&parsed), "a reference parses back");
    }
    if let Some(parsed) = QueryCode::parse(code) {
        assert_eq!(parsed.expose().len(), jubao::crypto::receipt::DIGITS);
        let again = QueryCode::parse(&parsed.grouped()).map(|c| c.expose().to_owned());
        assert_eq!(again.as_deref(), Some(parsed.expose()), "a query code parses back from its groups");
    }
}

/// The kinds `image_metadata` cleans, by the seed's first byte.
pub const STREAMED_KINDS: [FileKind; 11] = [
    FileKind::Jpeg,
    FileKind::Png,
    FileKind::WebP,
    FileKind::Heif,
    FileKind::Mp4,
    FileKind::QuickTime,
    FileKind::ThreeGp,
    FileKind::M4a,
    FileKind::Mp3,
    FileKind::Wav,
    FileKind::Amr,
];

/// An image or a recording whose metadata is to be removed: the first byte picks the format
/// (the four ISO BMFF kinds share one cleaner). A cleaned file is never larger than what was
/// sent, is read at most three times over, and cleans to itself.
pub fn image_metadata(data: &[u8]) {
    let Some((&which, image)) = data.split_first() else { return };
    let kind = STREAMED_KINDS[usize::from(which) % STREAMED_KINDS.len()];
    let mut input = Metered::new(std::io::Cursor::new(image));
    let mut cleaned = Vec::new();
    match clean(kind, &mut input, &mut cleaned) {
        Ok(written) => {
            assert_eq!(written, cleaned.len() as u64, "{kind:?}: the count of bytes written is right");
            assert!(cleaned.len() <= image.len(), "{kind:?}: cleaning added bytes");
            let again = strip_metadata(kind, &cleaned);
            assert!(again.is_ok_and(|again| again == cleaned), "{kind:?}: a cleaned image cleans to itself");
        }
        Err(StripError::Io(e)) => panic!("{kind:?}: reading from memory failed: {e}"),
        Err(StripError::Malformed { .. } | StripError::TooComplex { .. }) => {}
    }
    assert!(input.read <= 3 * image.len() as u64, "{kind:?}: read {} bytes of {}", input.read, image.len());
    assert!(input.largest_read <= 1 << 20, "{kind:?}: one read asked for {} bytes", input.largest_read);
}

/// A document that is read whole to be cleaned: a PDF (the input whole, when it starts with
/// `%`), or else an office document whose kind the first byte picks (the rest is the file).
/// Whatever the bytes, it is refused or cleaned, and what is cleaned reads again, as the same.
pub fn documents(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    let kinds = [FileKind::Docx, FileKind::Xlsx, FileKind::Pptx, FileKind::Odt, FileKind::Ods, FileKind::Odp];
    let (kind, file) =
        if which == b'%' { (FileKind::Pdf, data) } else { (kinds[usize::from(which) % kinds.len()], rest) };
    match strip_metadata(kind, file) {
        Ok(cleaned) => {
            let again = strip_metadata(kind, &cleaned);
            if kind == FileKind::Pdf {
                assert!(again.is_ok(), "a cleaned PDF cannot be read again: {again:?}");
            } else {
                assert!(again.is_ok_and(|again| again == cleaned), "{kind:?}: a cleaned document cleans to itself");
            }
        }
        Err(StripError::Io(e)) => panic!("{kind:?}: reading from memory failed: {e}"),
        Err(StripError::Malformed { .. } | StripError::TooComplex { .. }) => {}
    }
}

/// A seed file given to `jubao seed --dir`: the first byte picks which file it replaces.
pub fn seeds(data: &[u8]) {
    let Some((&which, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let names = SeedSet::FILES;
    let _ = SeedSet::builtin_with(names[usize::from(which) % names.len()], text);
}
