//! `Content-Type` handling as Django 5.2 parses the header and DRF 3.18 picks a parser.

use crate::charset::{self, Charset, Lookup};
use crate::error::RequestError;
use crate::python_str::strip;

/// The parsers of DRF's default `DEFAULT_PARSER_CLASSES`, in the order DRF tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parser {
    Json,
    Form,
    MultiPart,
}

/// DRF refuses to look at longer content types (`max_media_type_length`): 415.
const MAX_MEDIA_TYPE_LENGTH: usize = 256;

/// DRF's `select_parser`: the first parser whose media type matches the request's, where
/// `*` on the request's side matches anything (`*/*` is read as JSON). Parameters of the
/// request's type never prevent a match.
pub fn select_parser(content_type: &str) -> Option<Parser> {
    if content_type.chars().count() > MAX_MEDIA_TYPE_LENGTH {
        return None;
    }
    // Django raises on a malformed RFC 2231 parameter; DRF then matches nothing.
    let full_type = parse_header_parameters(content_type).map(|(full, _)| full).unwrap_or_default();
    let (main, sub) = full_type.split_once('/').unwrap_or((&full_type, ""));
    [
        (Parser::Json, "application", "json"),
        (Parser::Form, "application", "x-www-form-urlencoded"),
        (Parser::MultiPart, "multipart", "form-data"),
    ]
    .into_iter()
    .find(|(_, parser_main, parser_sub)| (sub == "*" || sub == *parser_sub) && (main == "*" || main == *parser_main))
    .map(|(parser, _, _)| parser)
}

/// The charset the body is decoded with: the `charset` parameter when Python knows it,
/// else UTF-8. A codec that is not a text encoding is DRF's 400 `Unsupported charset`.
pub fn request_charset(content_type: &str) -> Result<Charset, RequestError> {
    let Ok((_, params)) = parse_header_parameters(content_type) else {
        return Ok(Charset::Utf8);
    };
    let Some(name) = params.get("charset") else {
        return Ok(Charset::Utf8);
    };
    match charset::lookup(name) {
        Some(Lookup::Text(charset)) => Ok(charset),
        Some(Lookup::NotText) => {
            Err(RequestError::ParseError(format!("Unsupported charset \"{name}\" in request Content-Type header.")))
        }
        None => Ok(Charset::Utf8),
    }
}

/// Header parameters with Python dict semantics: a repeated name keeps its last value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The value is not a header Django can parse (it raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedHeader;

/// Django 5.2's `parse_header_parameters`, which goes through `email.message.Message`:
/// the lower-cased main value and its parameters. Names are lower-cased; values lose their
/// quotes (`"…"` with `\\` and `\"` unescaped, or `<…>`); a bare name has the value `""`;
/// RFC 2231 values (`name*=utf-8''%C3%A9`, `name*0=…; name*1=…`) are decoded.
pub fn parse_header_parameters(line: &str) -> Result<(String, Params), MalformedHeader> {
    if line.is_empty() {
        return Ok((String::new(), Params::default()));
    }
    if !line.contains(';') {
        return Ok((strip(line).to_lowercase(), Params::default()));
    }
    let mut parts = split_params(line).into_iter().map(|part| match part.split_once('=') {
        Some((name, value)) => (strip(name).to_owned(), strip(value).to_owned()),
        None => (strip(&part).to_owned(), String::new()),
    });
    let key = parts.next().map(|(name, _)| name.to_lowercase()).unwrap_or_default();
    let mut params = Vec::new();
    let mut extended: Vec<(String, Vec<Segment>)> = Vec::new();
    for (name, value) in parts {
        let value = email_unquote(&value);
        match rfc2231_name(&name) {
            Some((base, number, encoded)) => {
                let segment = Segment { number, value, encoded };
                match extended.iter_mut().find(|(n, _)| *n == base) {
                    Some((_, segments)) => segments.push(segment),
                    None => extended.push((base.to_owned(), vec![segment])),
                }
            }
            None if name.is_empty() => {}
            None => params.push((name, value)),
        }
    }
    for (name, mut segments) in extended {
        segments.sort_by_key(|s| s.number);
        let is_extended = segments.iter().any(|s| s.encoded);
        let joined: String = segments
            .iter()
            .map(|s| if s.encoded { percent_decode_latin1(&s.value) } else { s.value.clone() })
            .collect();
        let value = if is_extended { decode_rfc2231(&joined)? } else { joined };
        if !name.is_empty() {
            params.push((name, value));
        }
    }
    Ok((key, Params(params)))
}

struct Segment {
    number: Option<u32>,
    value: String,
    encoded: bool,
}

/// `email.message._parseparam`: split on `;` outside double quotes, lower-case the names.
fn split_params(line: &str) -> Vec<String> {
    let mut rest = format!(";{line}");
    let mut out = Vec::new();
    while let Some(stripped) = rest.strip_prefix(';') {
        let s = stripped.to_owned();
        let mut end = s.find(';');
        while let Some(e) = end {
            let quotes = s[..e].matches('"').count() - s[..e].matches("\\\"").count();
            if e == 0 || quotes % 2 == 0 {
                break;
            }
            end = s[e + 1..].find(';').map(|i| e + 1 + i);
        }
        let end = end.unwrap_or(s.len());
        let field = &s[..end];
        let field = match field.split_once('=') {
            Some((name, value)) => format!("{}={}", strip(name).to_lowercase(), strip(value)),
            None => field.to_owned(),
        };
        out.push(strip(&field).to_owned());
        rest = s[end..].to_owned();
    }
    out
}

/// `email.utils.unquote`.
fn email_unquote(value: &str) -> String {
    if value.chars().count() > 1 {
        if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            return inner.replace("\\\\", "\\").replace("\\\"", "\"");
        }
        if let Some(inner) = value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
            return inner.to_owned();
        }
    }
    value.to_owned()
}

/// `^(\w+)\*(([0-9]+)\*?)?$` (ASCII): the base name, the continuation number, and whether
/// the segment is percent-encoded (the name ends with `*`).
fn rfc2231_name(name: &str) -> Option<(&str, Option<u32>, bool)> {
    let star = name.find('*')?;
    let (base, suffix) = (&name[..star], &name[star + 1..]);
    if base.is_empty() || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let encoded = name.ends_with('*');
    if suffix.is_empty() {
        return Some((base, None, encoded));
    }
    let digits = suffix.strip_suffix('*').unwrap_or(suffix);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, digits.parse().ok(), encoded))
}

/// `urllib.parse.unquote(s, encoding="latin-1")`: each `%XX` becomes the character U+00XX.
fn percent_decode_latin1(s: &str) -> String {
    crate::form::unquote(s, Charset::Latin1)
}

/// `email.utils.decode_rfc2231` then Django's charset check and `collapse_rfc2231_value`.
fn decode_rfc2231(value: &str) -> Result<String, MalformedHeader> {
    let mut parts = value.splitn(3, '\'');
    let (Some(charset_name), Some(_language), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        // No charset given: us-ascii, with replacement characters.
        return Ok(Charset::Ascii.decode_lossy(&latin1_bytes(value)).into_owned());
    };
    let charset = match charset::lookup(charset_name) {
        Some(Lookup::Text(charset)) => charset,
        // An empty name, or a codec that cannot decode text: Python keeps the value as is.
        _ if charset_name.is_empty() => return Ok(email_unquote(text)),
        Some(Lookup::NotText) => return Ok(email_unquote(text)),
        None => return Err(MalformedHeader),
    };
    Ok(charset.decode_lossy(&latin1_bytes(text)).into_owned())
}

/// The bytes a string of code points below 256 stands for (`raw-unicode-escape`).
fn latin1_bytes(s: &str) -> Vec<u8> {
    s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> (String, Vec<(String, String)>) {
        let (key, params) = parse_header_parameters(line).unwrap_or_default();
        (key, params.0)
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    // Expected values are Django 5.2.19's parse_header_parameters.
    #[test]
    fn header_parameters_like_django() {
        assert_eq!(
            parsed(r#"multipart/form-data; boundary="a b\"c""#),
            ("multipart/form-data".into(), pairs(&[("boundary", "a b\"c")]))
        );
        assert_eq!(parsed("multipart/form-data; boundary=<abc>").1, pairs(&[("boundary", "abc")]));
        assert_eq!(
            parsed(r#"Application/JSON ; Charset = "UTF-8" ; x"#),
            ("application/json".into(), pairs(&[("charset", "UTF-8"), ("x", "")]))
        );
        assert_eq!(parsed("a=b; c=d"), ("a".into(), pairs(&[("c", "d")])));
        assert_eq!(
            parsed(r#"form-data; name=username; filename="""#).1,
            pairs(&[("name", "username"), ("filename", "")])
        );
        assert_eq!(parsed("form-data; name*=utf-8''%C3%A9").1, pairs(&[("name", "é")]));
        assert_eq!(parsed("x; name*0=ab; name*1=cd").1, pairs(&[("name", "abcd")]));
        let (_, params) = parse_header_parameters("text/plain;charset=utf-8;charset=latin-1").unwrap_or_default();
        assert_eq!(params.get("charset"), Some("latin-1"));
        assert_eq!(parsed(r#"x; "q;u"=1; y="a;b""#).1, pairs(&[("\"q;u\"", "1"), ("y", "a;b")]));
        assert_eq!(parsed("application/json\u{a0}; charset=utf-8").0, "application/json");
        assert_eq!(parsed("; charset=utf-8"), (String::new(), pairs(&[("charset", "utf-8")])));
        assert_eq!(parsed("x;=v; ;"), ("x".into(), vec![]));
        assert_eq!(parsed(" Text/Plain "), ("text/plain".into(), vec![]));
        assert_eq!(parse_header_parameters("x; filename*=bogus''a"), Err(MalformedHeader));
    }

    #[test]
    fn parser_selection_like_drf() {
        assert_eq!(select_parser("application/json"), Some(Parser::Json));
        assert_eq!(select_parser("Application/JSON; charset=utf-8"), Some(Parser::Json));
        assert_eq!(select_parser("*/*"), Some(Parser::Json));
        assert_eq!(select_parser("application/*"), Some(Parser::Json));
        assert_eq!(select_parser("application/x-www-form-urlencoded"), Some(Parser::Form));
        assert_eq!(select_parser("multipart/form-data; boundary=x"), Some(Parser::MultiPart));
        assert_eq!(select_parser("multipart/*"), Some(Parser::MultiPart));
        assert_eq!(select_parser("text/plain"), None);
        assert_eq!(select_parser("application/xml"), None);
        assert_eq!(select_parser("application/vnd.api+json"), None);
        assert_eq!(select_parser("application/json/x"), None);
        assert_eq!(select_parser(""), None);
        assert_eq!(select_parser("application"), None);
        assert_eq!(select_parser(&format!("application/json; x={}", "a".repeat(250))), None);
    }

    #[test]
    fn charsets() {
        assert!(matches!(request_charset("application/json"), Ok(Charset::Utf8)));
        assert!(matches!(request_charset("application/json; charset=latin-1"), Ok(Charset::Latin1)));
        assert!(matches!(request_charset("application/json; charset=foo"), Ok(Charset::Utf8)));
        match request_charset("application/json; charset=bz2_codec") {
            Err(RequestError::ParseError(detail)) => {
                assert_eq!(detail, "Unsupported charset \"bz2_codec\" in request Content-Type header.")
            }
            other => panic!("{other:?}"),
        }
    }
}
