//! The `Authorization` header as DRF reads it: raw bytes split on runs of ASCII whitespace
//! (Python's `bytes.split()`), so `Bearer  <jwt>` and `Bearer<TAB><jwt>` are two parts.

/// A non-empty `Authorization` header split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader<'a> {
    parts: Vec<&'a [u8]>,
}

impl<'a> AuthorizationHeader<'a> {
    /// `None` when the header has no parts at all (absent or only whitespace), which DRF
    /// treats as "no credentials".
    pub fn parse(raw: &'a [u8]) -> Option<Self> {
        let parts: Vec<&[u8]> = raw.split(|b| is_python_whitespace(*b)).filter(|p| !p.is_empty()).collect();
        if parts.is_empty() { None } else { Some(Self { parts }) }
    }

    /// The scheme keyword, as sent.
    pub fn keyword(&self) -> &'a [u8] {
        self.parts[0]
    }

    /// Everything after the keyword.
    pub fn credentials(&self) -> &[&'a [u8]] {
        &self.parts[1..]
    }

    /// The single credential when there is exactly one.
    pub fn single_credential(&self) -> Option<&'a [u8]> {
        match self.credentials() {
            [one] => Some(one),
            _ => None,
        }
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
        assert_eq!(h.credentials().len(), 2);
        assert_eq!(h.single_credential(), None);
        assert!(AuthorizationHeader::parse(b"").is_none());
        assert!(AuthorizationHeader::parse(b" \t ").is_none());
        let h = AuthorizationHeader::parse(b"Token").expect("parts");
        assert!(h.credentials().is_empty());
    }

    #[test]
    fn keeps_non_utf8_bytes() {
        let h = AuthorizationHeader::parse(b"Token \xff\xfe").expect("parts");
        assert_eq!(h.single_credential(), Some(&b"\xff\xfe"[..]));
    }
}
