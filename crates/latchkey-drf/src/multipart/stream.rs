//! Django's multipart reading machinery (`ChunkIter`, `LazyStream`, `BoundaryIter`), ported
//! as is because its chunking shows through: a part Django skips is only consumed as far as
//! its first read went, so in bodies over 64 KiB the rest of it is parsed as further parts;
//! and a base64 file is decoded chunk by chunk.

/// Django reads the body in chunks of the upload handlers' size.
const CHUNK_SIZE: usize = 64 * 1024;

/// `LazyStream(ChunkIter(body))`: the body in 64 KiB reads, with bytes pushed back in front.
pub struct Body<'a> {
    body: &'a [u8],
    position: usize,
    leftover: Vec<u8>,
}

impl<'a> Body<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        Self { body, position: 0, leftover: Vec::new() }
    }

    fn next(&mut self) -> Option<Vec<u8>> {
        if !self.leftover.is_empty() {
            return Some(std::mem::take(&mut self.leftover));
        }
        if self.position >= self.body.len() {
            return None;
        }
        let end = (self.position + CHUNK_SIZE).min(self.body.len());
        let chunk = self.body[self.position..end].to_vec();
        self.position = end;
        Some(chunk)
    }

    fn unget(&mut self, bytes: &[u8]) {
        unget(&mut self.leftover, bytes);
    }
}

fn unget(leftover: &mut Vec<u8>, bytes: &[u8]) {
    if !bytes.is_empty() {
        let rest = std::mem::take(leftover);
        leftover.extend_from_slice(bytes);
        leftover.extend(rest);
    }
}

/// `LazyStream(BoundaryIter(body, separator))`: one part's bytes, up to the next separator.
pub struct Part<'s> {
    separator: &'s [u8],
    /// Bytes kept back at the end of a read, in case they start a separator.
    rollback: usize,
    done: bool,
    leftover: Vec<u8>,
}

impl<'s> Part<'s> {
    /// The next part, or `None` once the body is used up (`InputStreamExhausted`).
    pub fn start(body: &mut Body<'_>, separator: &'s [u8]) -> Option<Self> {
        // `BoundaryIter.__init__` reads a byte and puts it back, pulling in a chunk.
        let chunk = body.next()?;
        body.unget(&chunk);
        Some(Self { separator, rollback: separator.len() + 6, done: false, leftover: Vec::new() })
    }

    /// `BoundaryIter.__next__`.
    fn produce(&mut self, body: &mut Body<'_>) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        let mut chunk = Vec::new();
        loop {
            let Some(bytes) = body.next() else {
                self.done = true;
                break;
            };
            chunk.extend(bytes);
            if chunk.len() > self.rollback {
                break;
            }
        }
        if chunk.is_empty() {
            return None;
        }
        if let Some(at) = memchr::memmem::find(&chunk, self.separator) {
            body.unget(&chunk[at + self.separator.len()..]);
            self.done = true;
            // Back over the line break before the separator: a `\n`, then a `\r`.
            let mut end = at;
            if end > 0 && chunk[end - 1] == b'\n' {
                end -= 1;
            }
            if end > 0 && chunk[end - 1] == b'\r' {
                end -= 1;
            }
            chunk.truncate(end);
            return Some(chunk);
        }
        if chunk.len() <= self.rollback {
            self.done = true;
            return Some(chunk);
        }
        let keep = chunk.len() - self.rollback;
        body.unget(&chunk[keep..]);
        chunk.truncate(keep);
        Some(chunk)
    }

    /// `LazyStream.__next__`: what was pushed back, else the next produced chunk.
    pub fn next(&mut self, body: &mut Body<'_>) -> Option<Vec<u8>> {
        if !self.leftover.is_empty() {
            return Some(std::mem::take(&mut self.leftover));
        }
        self.produce(body)
    }

    pub fn unget(&mut self, bytes: &[u8]) {
        unget(&mut self.leftover, bytes);
    }

    /// `LazyStream.read(size)`; everything up to the separator when `size` is `None`.
    pub fn read(&mut self, body: &mut Body<'_>, size: Option<usize>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut remaining = size;
        while remaining != Some(0) {
            let Some(chunk) = self.next(body) else { break };
            let take = remaining.map_or(chunk.len(), |r| r.min(chunk.len()));
            out.extend_from_slice(&chunk[..take]);
            self.unget(&chunk[take..]);
            remaining = remaining.map(|r| r - take);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(body: &[u8], separator: &[u8]) -> Vec<Vec<u8>> {
        let mut stream = Body::new(body);
        let mut out = Vec::new();
        while let Some(mut part) = Part::start(&mut stream, separator) {
            out.push(part.read(&mut stream, None));
        }
        out
    }

    #[test]
    fn splits_on_separators() {
        let found = parts(b"pre\r\n--b\r\none\r\n--b\ntwo\n--b--\r\n", b"--b");
        assert_eq!(found, [b"pre".to_vec(), b"\r\none".to_vec(), b"\ntwo".to_vec(), b"--\r\n".to_vec()]);
    }

    #[test]
    fn separators_across_chunk_boundaries() {
        let mut body = vec![b'a'; CHUNK_SIZE - 3];
        body.extend(b"\r\n--b\r\nz");
        let found = parts(&body, b"--b");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].len(), CHUNK_SIZE - 3);
        assert_eq!(found[1], b"\r\nz");
    }

    #[test]
    fn a_part_left_unread_is_continued_by_the_next() {
        let mut body = b"--b\r\nH: v\r\n\r\n".to_vec();
        body.extend(vec![b'x'; 2 * CHUNK_SIZE]);
        body.extend(b"\r\n--b--");
        let mut stream = Body::new(&body);
        let mut first = Part::start(&mut stream, b"--b").map(|mut p| p.read(&mut stream, Some(1024)));
        assert_eq!(first.take().map(|head| head.is_empty()), Some(true));
        // The first part (the empty preamble) is done; the second is read only in part.
        let mut second = Part::start(&mut stream, b"--b");
        let head = second.as_mut().map(|p| p.read(&mut stream, Some(1024))).unwrap_or_default();
        assert_eq!(head.len(), 1024);
        // Abandoning it, the next part starts inside its data.
        let mut third = Part::start(&mut stream, b"--b");
        let rest = third.as_mut().map(|p| p.read(&mut stream, Some(8))).unwrap_or_default();
        assert_eq!(rest, b"xxxxxxxx");
    }
}
