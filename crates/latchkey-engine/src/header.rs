//! The `Authorization` header as DRF reads it: raw bytes split on runs of ASCII whitespace
//! (Python's `bytes.split()`), so `Bearer  <jwt>` and `Bearer<TAB><jwt>` are two parts.

/// A non-empty `Authorization` header split into its parts. Every scheme needs at most the
/// keyword, one credential and the knowledge that there are more, so only those are kept: a
/// header is parsed on every request, without allocating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader<'a> {
    keyword: &'a [u8],
    credential: Option<&'a [u8]>,
    /// Parts after the keyword (counted, not kept, beyond the first).
    credentials: usize,
}

impl<'a> AuthorizationHeader<'a> {
    /// `None` when the header has no parts at all (absent or only whitespace), which DRF
    /// treats as "no credentials".
    pub fn parse(raw: &'a [u8]) -> Option<Self> {
        let mut parts = raw.split(|b| is_python_whitespace(*b)).filter(|p| !p.is_empty());
        let keyword = parts.next()?;
        let credential = parts.next();
        let credentials = usize::from(credential.is_some()) + parts.count();
        Some(Self { keyword, credential, credentials })
    }

    /// The scheme keyword, as sent.
    pub fn keyword(&self) -> &'a [u8] {
        self.keyword
    }

    /// How many parts follow the keyword.
    pub fn credential_count(&self) -> usize {
        self.credentials
    }

    /// The single credential when there is exactly one.
    pub fn single_credential(&self) -> Option<&'a [u8]> {
        if self.credentials == 1 { self.credential } else { None }
    }
}

// bytes.split() with no argument splits on b' \t\n\r\x0b\x0c'.
fn is_python_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python_bytes_split() {
        let h = AuthorizationHeader::parse(b"  Bearer \t abc  ").expect("parts");
        assert_eq!(h.keyword(), b"Bearer");
        assert_eq!(h.single_credential(), Some(&b"abc"[..]));
        let h = AuthorizationHeader::parse(b"Token a b").expect("parts");
        assert_eq!(h.credential_count(), 2);
        assert_eq!(h.single_credential(), None);
        assert!(AuthorizationHeader::parse(b"").is_none());
        assert!(AuthorizationHeader::parse(b" \t ").is_none());
        let h = AuthorizationHeader::parse(b"Token").expect("parts");
        assert_eq!(h.credential_count(), 0);
    }

    #[test]
    fn keeps_non_utf8_bytes() {
        let h = AuthorizationHeader::parse(b"Token \xff\xfe").expect("parts");
        assert_eq!(h.single_credential(), Some(&b"\xff\xfe"[..]));
    }
}
