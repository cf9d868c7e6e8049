//! For the cleaners' tests: what the outside instruments say of a file. exiftool
//! (`-a -u -G1 -ee`, every tag of every group, embedded ones too) and a byte search must find
//! none of a fixture's canaries after cleaning, and ffmpeg must decode a cleaned recording
//! without an error. The tools are Debian packages that `.ci/run` installs; a test fails,
//! never skips, when one is missing.

use std::path::PathBuf;
use std::process::Command;

/// The file written where the tools can read it, named with its usual extension.
fn on_disk(file: &[u8], extension: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(format!("file.{extension}"));
    std::fs::write(&path, file).expect("the file is written");
    (dir, path)
}

fn run(program: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (`.ci/run` installs it): {e}"))
}

/// Everything exiftool reads from the file, one `[Group] Tag: value` per line.
pub fn exiftool(file: &[u8], extension: &str) -> String {
    let (_dir, path) = on_disk(file, extension);
    let args: Vec<&std::ffi::OsStr> = ["-a", "-u", "-G1", "-ee", "-s", "-n"]
        .map(std::ffi::OsStr::new)
        .into_iter()
        .chain([path.as_os_str()])
        .collect();
    let out = run("exiftool", &args);
    // `[Group]   Tag   : value` becomes `[Group] Tag: value`.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| match line.split_once(" : ") {
            Some((name, value)) => format!("{}: {value}\n", name.split_whitespace().collect::<Vec<_>>().join(" ")),
            None => format!("{line}\n"),
        })
        .collect()
}

/// Whether the file's bytes hold `canary`, as UTF-8 or as UTF-16, big- or little-endian.
pub fn in_bytes(file: &[u8], canary: &str) -> bool {
    let utf16le: Vec<u8> = canary.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = canary.encode_utf16().flat_map(u16::to_be_bytes).collect();
    [canary.as_bytes(), &utf16le, &utf16be].iter().any(|c| file.windows(c.len()).any(|w| w == *c))
}

/// Which of `canaries` exiftool or a byte search still finds in the file (each canary is
/// searched as UTF-8 and as UTF-16, big- and little-endian).
pub fn canaries_left<'c>(file: &[u8], extension: &str, canaries: &[&'c str]) -> Vec<&'c str> {
    let tags = exiftool(file, extension);
    canaries.iter().copied().filter(|canary| tags.contains(canary) || in_bytes(file, canary)).collect()
}

/// What ffmpeg reports while decoding every stream of the file to nothing: empty when it
/// decodes cleanly.
pub fn ffmpeg_errors(file: &[u8], extension: &str) -> String {
    let (_dir, path) = on_disk(file, extension);
    let args: Vec<&std::ffi::OsStr> = ["-v", "error", "-xerror", "-i"]
        .map(std::ffi::OsStr::new)
        .into_iter()
        .chain([path.as_os_str()])
        .chain(["-f", "null", "-"].map(std::ffi::OsStr::new))
        .collect();
    let out = run("ffmpeg", &args);
    let mut errors = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() && errors.is_empty() {
        errors = format!("ffmpeg exited with {}", out.status);
    }
    errors
}

/// The streams ffprobe finds, as `codec_type` per line (e.g. `video`, `audio`).
pub fn stream_types(file: &[u8], extension: &str) -> Vec<String> {
    let (_dir, path) = on_disk(file, extension);
    let args: Vec<&std::ffi::OsStr> = ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0"]
        .map(std::ffi::OsStr::new)
        .into_iter()
        .chain([path.as_os_str()])
        .collect();
    let out = run("ffprobe", &args);
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}
