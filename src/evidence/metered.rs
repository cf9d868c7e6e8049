//! For the strippers' tests: a file that counts what is read from it, the bytes in all and
//! the most one read asked for. The fuzz targets (`fuzz/src/targets.rs`) build this same file
//! in with `#[path]`, so it needs nothing but `std`.

pub struct Metered<R> {
    inner: R,
    pub read: u64,
    pub largest_read: usize,
}

impl<R> Metered<R> {
    pub fn new(inner: R) -> Self {
        Metered { inner, read: 0, largest_read: 0 }
    }
}

impl<R: std::io::Read> std::io::Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.largest_read = self.largest_read.max(buf.len());
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for Metered<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}
