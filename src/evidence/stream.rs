//! Reading a file through a fixed buffer and writing the cleaned one, so that what a stripper
//! holds does not grow with the file. Every length a file declares is checked against what is
//! left of it before anything is read or allocated.

use std::io::{self, SeekFrom, Write};

use super::{Source, StripError, malformed};

/// Bytes read from the source at once, and the most one read asks for.
pub const BUFFER: usize = 64 * 1024;

/// The file being cleaned, read forward through one buffer; `seek` starts a new pass.
pub struct Input<'a> {
    source: &'a mut dyn Source,
    format: &'static str,
    len: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`; the source stands at `start + filled`.
    start: u64,
    filled: usize,
    at: usize,
}

impl<'a> Input<'a> {
    pub fn new(source: &'a mut dyn Source, format: &'static str) -> Result<Self, StripError> {
        let len = source.seek(SeekFrom::End(0))?;
        source.seek(SeekFrom::Start(0))?;
        Ok(Input { source, format, len, buf: vec![0; BUFFER], start: 0, filled: 0, at: 0 })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn pos(&self) -> u64 {
        self.start + self.at as u64
    }

    pub fn remaining(&self) -> u64 {
        self.len - self.pos()
    }

    pub fn malformed(&self, reason: &'static str) -> StripError {
        malformed(self.format, reason)
    }

    /// What is buffered from the current position on, at least `want` bytes (at most
    /// [`BUFFER`]) unless the file ends first.
    pub fn fill(&mut self, want: usize) -> Result<&[u8], StripError> {
        let want = want.min(BUFFER);
        if self.filled - self.at < want {
            if self.at > 0 {
                self.buf.copy_within(self.at..self.filled, 0);
                self.start += self.at as u64;
                self.filled -= self.at;
                self.at = 0;
            }
            while self.filled < want {
                let left = self.len - self.start - self.filled as u64;
                if left == 0 {
                    break;
                }
                let room = (BUFFER - self.filled).min(usize::try_from(left).unwrap_or(usize::MAX));
                let read = match self.source.read(&mut self.buf[self.filled..self.filled + room]) {
                    Ok(0) => {
                        return Err(
                            io::Error::new(io::ErrorKind::UnexpectedEof, "the file is shorter than it was").into()
                        );
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e.into()),
                };
                self.filled += read;
            }
        }
        Ok(&self.buf[self.at..self.filled])
    }

    /// The next `n` bytes (at most [`BUFFER`]), fewer only where the file ends.
    pub fn peek(&mut self, n: usize) -> Result<&[u8], StripError> {
        let buffered = self.fill(n)?;
        Ok(&buffered[..n.min(buffered.len())])
    }

    /// Moves past `n` bytes that [`Input::fill`] returned.
    pub fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.filled);
    }

    pub fn seek(&mut self, to: u64) -> Result<(), StripError> {
        if to > self.len {
            return Err(self.malformed("an offset points past the end"));
        }
        if (self.start..=self.start + self.filled as u64).contains(&to) {
            self.at = usize::try_from(to - self.start).unwrap_or(self.filled);
        } else {
            self.source.seek(SeekFrom::Start(to))?;
            (self.start, self.filled, self.at) = (to, 0, 0);
        }
        Ok(())
    }

    /// Fails with `reason` unless `n` more bytes are there.
    pub fn need(&self, n: u64, reason: &'static str) -> Result<(), StripError> {
        if n > self.remaining() { Err(self.malformed(reason)) } else { Ok(()) }
    }

    pub fn skip(&mut self, n: u64, reason: &'static str) -> Result<(), StripError> {
        self.need(n, reason)?;
        self.seek(self.pos() + n)
    }

    pub fn read_exact(&mut self, into: &mut [u8], reason: &'static str) -> Result<(), StripError> {
        self.need(into.len() as u64, reason)?;
        let mut done = 0;
        while done < into.len() {
            let buffered = self.fill(1)?;
            let n = buffered.len().min(into.len() - done);
            into[done..done + n].copy_from_slice(&buffered[..n]);
            self.consume(n);
            done += n;
        }
        Ok(())
    }

    pub fn array<const N: usize>(&mut self, reason: &'static str) -> Result<[u8; N], StripError> {
        let mut bytes = [0; N];
        self.read_exact(&mut bytes, reason)?;
        Ok(bytes)
    }

    /// The next `n` bytes in a new buffer; the caller caps `n` at a bounded header size.
    pub fn take(&mut self, n: u64, reason: &'static str) -> Result<Vec<u8>, StripError> {
        self.need(n, reason)?;
        let mut bytes = vec![0; usize::try_from(n).map_err(|_| self.malformed(reason))?];
        self.read_exact(&mut bytes, reason)?;
        Ok(bytes)
    }

    /// Copies the next `n` bytes to `out`; when `out` only counts, they are skipped unread.
    pub fn copy(&mut self, n: u64, out: &mut Output<'_>, reason: &'static str) -> Result<(), StripError> {
        self.need(n, reason)?;
        if out.sink.is_none() {
            out.written += n;
            return self.seek(self.pos() + n);
        }
        let mut left = n;
        while left > 0 {
            let buffered = self.fill(1)?;
            let chunk = buffered.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            out.write(&buffered[..chunk])?;
            self.consume(chunk);
            left -= chunk as u64;
        }
        Ok(())
    }
}

impl Input<'_> {
    /// The header of the ISO BMFF box that starts here (HEIF, MP4 and its kin): its type and
    /// where it ends, checked against the file; the input then stands at its payload. A size
    /// of 0 runs to the end of the file, 1 is followed by a 64-bit size.
    pub fn box_header(&mut self) -> Result<([u8; 4], u64), StripError> {
        let start = self.pos();
        let header: [u8; 8] = self.array("stray bytes after the last box")?;
        let kind = [header[4], header[5], header[6], header[7]];
        let end = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            0 => self.len(), // the last box, to the end of the file
            1 => {
                let large = u64::from_be_bytes(self.array("cut short")?);
                if large < 16 {
                    return Err(self.malformed("box smaller than its header"));
                }
                start.checked_add(large).ok_or(self.malformed("box runs past the end of the file"))?
            }
            2..8 => return Err(self.malformed("box smaller than its header")),
            n => start + u64::from(n),
        };
        if end > self.len() {
            return Err(self.malformed("box runs past the end of the file"));
        }
        Ok((kind, end))
    }
}

/// Cleans in two passes with `walk`: the first only counts, so that a file refused anywhere
/// writes nothing; the second writes. Returns the bytes written.
pub fn twice(
    source: &mut dyn Source,
    format: &'static str,
    walk: fn(&mut Input<'_>, &mut Output<'_>) -> Result<(), StripError>,
    out: &mut dyn Write,
) -> Result<u64, StripError> {
    let mut input = Input::new(source, format)?;
    walk(&mut input, &mut Output::counting())?;
    input.seek(0)?;
    let mut output = Output::to(out);
    walk(&mut input, &mut output)?;
    Ok(output.written())
}

/// Where the cleaned file goes; without a sink it only counts, for a first pass that checks
/// the whole file (and learns what the output's headers must say) before anything is written.
pub struct Output<'a> {
    sink: Option<&'a mut dyn Write>,
    written: u64,
}

impl<'a> Output<'a> {
    pub fn to(sink: &'a mut dyn Write) -> Self {
        Output { sink: Some(sink), written: 0 }
    }

    pub fn counting() -> Self {
        Output { sink: None, written: 0 }
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), StripError> {
        if let Some(sink) = &mut self.sink {
            sink.write_all(bytes)?;
        }
        self.written += bytes.len() as u64;
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }
}
