//! The fuzz targets' seeds (`fuzz/seeds/`) and every input a fuzzer ever found
//! (`fuzz/regressions/`), replayed through the targets' own bodies on stable Rust: the file
//! `fuzz/src/targets.rs` is compiled into this test as it is into the fuzz crate.

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use jubao::crypto::receipt::QueryCode;
use jubao::domain::TipReference;
use jubao::domain::validation::Choices;
use jubao::evidence::{FileKind, StripError, strip_metadata};
use jubao::seeds::SeedSet;
use targets::{TARGETS, built_in_codes};

/// Every seed, and every input a fuzzer ever found (`fuzz/regressions/TARGET/`), run
/// through its target as a plain test.
#[test]
fn seeds_and_found_inputs_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        for corpus in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(corpus).join(name)) else { continue };
            for entry in entries {
                let path = entry.unwrap().path();
                let input = std::fs::read(&path).unwrap();
                if std::panic::catch_unwind(|| target(&input)).is_err() {
                    panic!("{} fails", path.display());
                }
                replayed += 1;
            }
        }
    }
    assert!(replayed >= TARGETS.len() * 2, "the seed corpus is in place ({replayed} inputs)");
}

/// The seeds are what they claim: a form and a JSON body that validate, a receipt that
/// parses, images that are cleaned, the built-in seed files.
#[test]
fn the_seeds_reach_the_deep_paths() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let (categories, districts) = built_in_codes();
    let choices = Choices { categories, districts };
    let today = time::macros::date!(2026 - 11 - 29);
    let form = std::fs::read(root.join("tip_bodies/form")).unwrap();
    let form: jubao::web::pages::report::FormBody = serde_urlencoded::from_bytes(&form[1..]).unwrap();
    assert!(form.tip_input().validate(&choices, today).is_ok());
    let json = std::fs::read(root.join("tip_bodies/json")).unwrap();
    let json: jubao::web::api::tips::TipRequest = serde_json::from_slice(&json[1..]).unwrap();
    assert!(json.input().validate(&choices, today).is_ok());
    let receipt = std::fs::read_to_string(root.join("receipt/grouped")).unwrap();
    let (reference, code) = receipt.split_once('\n').unwrap();
    assert!(TipReference::parse(reference).is_some() && QueryCode::parse(code).is_some());
    let images = root.join("image_metadata");
    let kinds = targets::STREAMED_KINDS;
    let outcome = |file: &str| {
        let image = std::fs::read(images.join(file)).unwrap();
        strip_metadata(kinds[usize::from(image[0]) % kinds.len()], &image[1..])
    };
    for file in [
        "photo-gps.jpg",
        "photo-progressive.jpg",
        "photo.png",
        "photo.webp",
        "photo.heic",
        "heif-extents-at-the-cap",
        "heif-to-the-end-of-the-file",
        "heif-to-the-end-of-idat",
        "heif-overlaps-and-duplicates",
        "heif-meta-after-a-large-mdat",
        "png-5000-chunks",
        "webp-7000-chunks",
        "jpeg-fill-bytes-and-restarts",
        "android.mp4",
        "iphone.mov",
        "call.m4a",
        "clip.3gp",
        "clip.3g2",
        "call.mp3",
        "memo.wav",
        "call.amr",
        "call-wb.amr",
    ] {
        assert!(outcome(file).is_ok(), "{file}");
    }
    let record = std::fs::read(root.join("documents/record.pdf")).unwrap();
    assert!(strip_metadata(FileKind::Pdf, &record).is_ok(), "the PDF seed is a whole document");
    // The outside review's file and its relatives reach the caps.
    for file in [
        "heif-600-exif-items-65535-empty-extents",
        "heif-one-exif-item-600-entries-65535-empty-extents",
        "heif-one-item-65535-empty-extents",
        "jpeg-over-the-segment-cap",
    ] {
        assert!(matches!(outcome(file), Err(StripError::TooComplex { .. })), "{file}");
    }
    for (i, file) in SeedSet::FILES.iter().enumerate() {
        let seed = std::fs::read(root.join("seeds").join(file)).unwrap();
        assert_eq!(usize::from(seed[0]), i);
        assert!(SeedSet::builtin_with(file, std::str::from_utf8(&seed[1..]).unwrap()).is_ok(), "{file}");
    }
}
