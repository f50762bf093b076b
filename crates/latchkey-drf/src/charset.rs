//! The `charset` of a request body, looked up and applied the way Django and DRF do, with
//! Python's codec error messages (DRF puts them in the JSON parse error).
//!
//! Django keeps a `charset` parameter only when `codecs.lookup()` knows it (an unknown name
//! means `DEFAULT_CHARSET`, UTF-8), and DRF 3.18 refuses the codecs that are not text
//! encodings. Of Python's text codecs, UTF-8, ASCII and Latin-1 are implemented; any other
//! (UTF-16, cp1252, …) is read as UTF-8.

use std::borrow::Cow;

/// The text codecs implemented, which a body's `charset` parameter can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    #[default]
    Utf8,
    /// `utf-8-sig`: UTF-8 that drops a leading byte-order mark.
    Utf8Sig,
    Ascii,
    Latin1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Text(Charset),
    /// A codec Python knows that is not a text encoding (`bz2_codec`, `hex`, …): DRF answers
    /// `Unsupported charset "…" in request Content-Type header.`
    NotText,
}

const UTF8: &[&str] = &["utf_8", "utf8", "u8", "utf", "cp65001", "utf8_ucs2", "utf8_ucs4"];
const ASCII: &[&str] = &[
    "ascii",
    "646",
    "ansi_x3.4_1968",
    "ansi_x3_4_1968",
    "ansi_x3.4_1986",
    "cp367",
    "csascii",
    "ibm367",
    "iso646_us",
    "iso_646.irv_1991",
    "iso_ir_6",
    "us",
    "us_ascii",
];
const LATIN1: &[&str] = &[
    "latin_1",
    "8859",
    "cp819",
    "csisolatin1",
    "ibm819",
    "iso8859",
    "iso8859_1",
    "iso_8859_1",
    "iso_8859_1_1987",
    "iso_ir_100",
    "l1",
    "latin",
    "latin1",
];
const NOT_TEXT: &[&str] = &[
    "base64",
    "base64_codec",
    "base_64",
    "bz2",
    "bz2_codec",
    "hex",
    "hex_codec",
    "quopri",
    "quopri_codec",
    "quoted_printable",
    "quotedprintable",
    "rot13",
    "rot_13",
    "undefined",
    "uu",
    "uu_codec",
    "zip",
    "zlib",
    "zlib_codec",
];

/// The codec a `charset` parameter names; `None` when the body is read as UTF-8 (absent,
/// unknown to Python, or a text codec not implemented here).
pub fn lookup(name: &str) -> Option<Lookup> {
    let normalized = normalize(name);
    let is =
        |names: &[&str]| names.contains(&normalized.as_str()) || names.contains(&normalized.replace('.', "_").as_str());
    if is(UTF8) {
        Some(Lookup::Text(Charset::Utf8))
    } else if is(&["utf_8_sig"]) {
        Some(Lookup::Text(Charset::Utf8Sig))
    } else if is(ASCII) {
        Some(Lookup::Text(Charset::Ascii))
    } else if is(LATIN1) {
        Some(Lookup::Text(Charset::Latin1))
    } else if is(NOT_TEXT) {
        Some(Lookup::NotText)
    } else {
        None
    }
}

/// `encodings.normalize_encoding` after lower-casing: runs of other characters than ASCII
/// letters, digits and `.` become one `_`, and never at either end.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut punct = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            if c.is_ascii() {
                out.push(c);
            }
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

impl Charset {
    /// `codecs.getreader(charset)(stream).read()`, as DRF's JSON parser reads the body:
    /// strict, except that a sequence cut short by the end of the body is silently dropped
    /// (the stream reader decodes with `final=False` and never gets more data).
    pub(crate) fn decode_stream(self, bytes: &[u8]) -> Result<Cow<'_, str>, String> {
        match self {
            Charset::Utf8 => utf8_stream(bytes),
            Charset::Utf8Sig => match bytes.strip_prefix(b"\xef\xbb\xbf") {
                Some(rest) => utf8_stream(rest),
                // Too short to tell whether a mark is coming: the reader waits for more.
                None if bytes.len() < 3 && b"\xef\xbb\xbf".starts_with(bytes) => Ok(Cow::Borrowed("")),
                None => utf8_stream(bytes),
            },
            Charset::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
                None => Ok(Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())),
                Some(at) => Err(format!(
                    "'ascii' codec can't decode byte 0x{:02x} in position {at}: ordinal not in range(128)",
                    bytes[at]
                )),
            },
            Charset::Latin1 => Ok(latin1(bytes)),
        }
    }

    /// `bytes.decode(charset)`: strict and final; `None` on any error.
    pub(crate) fn decode_strict(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            Charset::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            Charset::Utf8Sig => {
                std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)).ok().map(Cow::Borrowed)
            }
            Charset::Ascii => bytes.is_ascii().then(|| Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())),
            Charset::Latin1 => Some(latin1(bytes)),
        }
    }

    /// `bytes.decode(charset, "replace")`. Python replaces each maximal invalid UTF-8
    /// subsequence with one U+FFFD, as `from_utf8_lossy` does.
    pub(crate) fn decode_lossy(self, bytes: &[u8]) -> Cow<'_, str> {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes),
            Charset::Utf8Sig => String::from_utf8_lossy(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)),
            Charset::Ascii => match std::str::from_utf8(bytes) {
                Ok(s) if s.is_ascii() => Cow::Borrowed(s),
                _ => Cow::Owned(bytes.iter().map(|&b| if b.is_ascii() { char::from(b) } else { '\u{fffd}' }).collect()),
            },
            Charset::Latin1 => latin1(bytes),
        }
    }
}

/// Latin-1 maps every byte to the code point of the same value. A WSGI server hands Django
/// every header decoded this way, so an HTTP layer decodes `Content-Type` with it before
/// [`parse_body`](crate::parse_body), whose 415 message repeats the header.
pub fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// CPython's UTF-8 decoder in stream mode. Errors use the same maximal-subpart ranges as
/// Rust's `Utf8Error`; only the wording and the stream-mode tail handling need care.
fn utf8_stream(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    let err = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(err) => err,
    };
    let start = err.valid_up_to();
    let valid = || Ok(Cow::Borrowed(std::str::from_utf8(&bytes[..start]).unwrap_or_default()));
    let Some(len) = err.error_len() else {
        // A valid but unfinished sequence at the very end: kept back for more data.
        return valid();
    };
    let lead = bytes[start];
    // CPython also keeps back a truncated surrogate (ED A0..BF) at the very end.
    if lead == 0xED && bytes.len() - start == 2 && (0xA0..=0xBF).contains(&bytes[start + 1]) {
        return valid();
    }
    let reason =
        if matches!(lead, 0x80..=0xC1 | 0xF5..=0xFF) { "invalid start byte" } else { "invalid continuation byte" };
    Err(if len == 1 {
        format!("'utf-8' codec can't decode byte 0x{lead:02x} in position {start}: {reason}")
    } else {
        format!("'utf-8' codec can't decode bytes in position {start}-{}: {reason}", start + len - 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(bytes: &[u8]) -> Result<String, String> {
        Charset::Utf8.decode_stream(bytes).map(Cow::into_owned)
    }

    // Expected texts are CPython 3.11's `codecs.getreader('utf-8')(io.BytesIO(b)).read()`.
    #[test]
    fn utf8_stream_errors_match_cpython() {
        assert_eq!(stream(b"{}\xe2\x82"), Ok("{}".to_owned()));
        assert_eq!(stream(b"{}\xed\xa0"), Ok("{}".to_owned()));
        assert_eq!(stream(b"{}\xf0\x90\x80"), Ok("{}".to_owned()));
        assert_eq!(
            stream(b"\xff{}"),
            Err("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte".to_owned())
        );
        assert_eq!(
            stream(b"{}\xe0\x80"),
            Err("'utf-8' codec can't decode byte 0xe0 in position 2: invalid continuation byte".to_owned())
        );
        assert_eq!(
            stream(b"{\"a\":\"\xf0\x90\x28\"}"),
            Err("'utf-8' codec can't decode bytes in position 6-7: invalid continuation byte".to_owned())
        );
        assert_eq!(
            stream(b"\xc0\xaf"),
            Err("'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte".to_owned())
        );
        assert_eq!(
            stream(b"\xed\xa0\x80"),
            Err("'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte".to_owned())
        );
    }

    #[test]
    fn other_codecs() {
        assert_eq!(Charset::Latin1.decode_stream(b"caf\xe9").as_deref(), Ok("café"));
        assert_eq!(
            Charset::Ascii.decode_stream(b"ab\xc3\xa9").map(Cow::into_owned),
            Err("'ascii' codec can't decode byte 0xc3 in position 2: ordinal not in range(128)".to_owned())
        );
        assert_eq!(Charset::Utf8Sig.decode_stream(b"\xef\xbb\xbf{}").as_deref(), Ok("{}"));
        assert_eq!(Charset::Utf8Sig.decode_stream(b"\xef\xbb").as_deref(), Ok(""));
        assert_eq!(Charset::Ascii.decode_lossy(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(Charset::Utf8.decode_lossy(b"a\xe2\x82b\xff"), "a\u{fffd}b\u{fffd}");
        assert_eq!(Charset::Utf8.decode_strict(b"a\xe2\x82"), None);
    }

    #[test]
    fn names_are_looked_up_like_python() {
        for name in ["UTF-8", "utf8", "utf 8", "Utf_8", "utf--8", " utf8", "U8", "cp65001"] {
            assert_eq!(lookup(name), Some(Lookup::Text(Charset::Utf8)), "{name}");
        }
        for name in ["latin-1", "ISO-8859-1", "iso_8859-1:1987", "L1"] {
            assert_eq!(lookup(name), Some(Lookup::Text(Charset::Latin1)), "{name}");
        }
        for name in ["US-ASCII", "ANSI_X3.4-1968", "ascii"] {
            assert_eq!(lookup(name), Some(Lookup::Text(Charset::Ascii)), "{name}");
        }
        assert_eq!(lookup("utf-8-sig"), Some(Lookup::Text(Charset::Utf8Sig)));
        assert_eq!(lookup("bz2_codec"), Some(Lookup::NotText));
        assert_eq!(lookup("Base64"), Some(Lookup::NotText));
        assert_eq!(lookup("u.t.f.8"), None);
        assert_eq!(lookup("foo"), None);
        assert_eq!(lookup("utf-16"), None);
    }
}
