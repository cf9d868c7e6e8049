//! Cleans evidence files as the portal does on upload, for comparing with other tools:
//!
//! ```text
//! cargo run --release --example clean -- IN OUT [IN OUT …]
//! ```
//!
//! The kind is sniffed from each file's first bytes, as for an upload; a file that is refused
//! prints why and leaves no OUT.

use std::io::Read;

use jubao::evidence::{FileKind, clean};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(!args.is_empty() && args.len().is_multiple_of(2), "usage: clean IN OUT [IN OUT …]");
    let mut refused = 0;
    for pair in args.chunks(2) {
        let (from, to) = (&pair[0], &pair[1]);
        let mut file = std::fs::File::open(from)?;
        let mut head = vec![0; FileKind::SNIFF_BYTES];
        let n = file.read(&mut head)?;
        let Some(kind) = FileKind::sniff(&head[..n]) else {
            println!("{from}: not a kind of file the portal accepts");
            refused += 1;
            continue;
        };
        let mut out = Vec::new();
        match clean(kind, &mut file, &mut out) {
            Ok(size) => {
                std::fs::write(to, &out)?;
                println!("{from}: {kind:?}, {size} bytes");
            }
            Err(e) => {
                println!("{from}: refused: {e}");
                refused += 1;
            }
        }
    }
    anyhow::ensure!(refused == 0, "{refused} file(s) refused");
    Ok(())
}
