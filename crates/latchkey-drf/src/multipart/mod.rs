//! `multipart/form-data` bodies as Django 5.2's `MultiPartParser` reads them.
//!
//! Django's parser is lenient, and a client sees that: parts without a
//! `Content-Disposition` name are skipped, nothing requires CRLF around boundaries or a
//! closing boundary, and a part's headers end at the first blank line. A strict parser
//! (actix-multipart, or multer: the crate docs list the cases measured) would turn such
//! bodies into errors that DRF never answers, so Django's algorithm is reproduced instead,
//! down to its chunked reading (`stream`).

mod base64;
mod stream;

use crate::charset::Charset;
use crate::error::RequestError;
use crate::media::{Params, parse_header_parameters};
use crate::python_str::{bytes_isspace, bytes_strip, strip};
use memchr::memmem;
use serde_json::{Map, Value, json};

/// Django reads at most this much of a part looking for the end of its headers.
const MAX_TOTAL_HEADER_SIZE: usize = 1024;

fn parse_error(detail: impl std::fmt::Display) -> RequestError {
    RequestError::ParseError(format!("Multipart form parse error - {detail}"))
}

/// The fields of a multipart body, as DRF's `request.data` holds them: text fields as
/// strings (last value wins), and a file part as `{"filename": …}`, which every string
/// field rejects ("Not a valid string.") as DRF rejects an uploaded file. Files are merged
/// after all text fields, so a file wins over a text field of the same name.
///
/// Django only keeps a file once it sees another part (or the closing boundary) after it,
/// and skips a file whose name is empty once sanitised.
pub fn parse_multipart(content_type: &str, body: &[u8], charset: Charset) -> Result<Map<String, Value>, RequestError> {
    let boundary = boundary(content_type)?;
    let separator = [b"--", boundary.as_bytes()].concat();
    let mut fields = Map::new();
    let mut files = Map::new();
    let mut pending_file = None;
    let mut body = stream::Body::new(body);
    while let Some(mut part) = stream::Part::start(&mut body, &separator) {
        let headers = headers(&mut part, &mut body)?;
        if let Some((name, file)) = pending_file.take() {
            files.insert(name, file);
        }
        // A skipped part is left where its first read stopped.
        let Some(headers) = headers else { continue };
        let Some(name) = headers.disposition.get("name") else { continue };
        let name = charset.decode_lossy(bytes_strip(name.as_bytes())).into_owned();
        let base64 = headers.transfer_encoding.as_deref() == Some("base64");
        if headers.is_file {
            let filename =
                headers.disposition.get("filename").map(|f| sanitize_file_name(&charset.decode_lossy(f.as_bytes())));
            let Some(filename) = filename.filter(|f| !matches!(f.as_str(), "" | "." | "..")) else { continue };
            read_file(&mut part, &mut body, base64)?;
            pending_file = Some((name, json!({ "filename": filename })));
        } else {
            let raw = part.read(&mut body, None);
            let data = if base64 { base64::b64decode(&raw).unwrap_or(raw) } else { raw };
            fields.insert(name, Value::String(charset.decode_lossy(&data).into_owned()));
        }
    }
    fields.extend(files);
    Ok(fields)
}

/// The `boundary` parameter, checked as Django checks the whole content type.
fn boundary(content_type: &str) -> Result<String, RequestError> {
    if !content_type.starts_with("multipart/") {
        return Err(parse_error(format_args!("Invalid Content-Type: {content_type}")));
    }
    if !content_type.is_ascii() {
        return Err(parse_error(format_args!("Invalid non-ASCII Content-Type in multipart: {content_type}")));
    }
    let boundary =
        parse_header_parameters(content_type).ok().and_then(|(_, params)| params.get("boundary").map(str::to_owned));
    // `[ -~]{0,200}[!-~]`: 1 to 201 printable ASCII characters, not ending with a space.
    let valid =
        |b: &str| (1..=201).contains(&b.len()) && b.bytes().all(|c| (b' '..=b'~').contains(&c)) && !b.ends_with(' ');
    match boundary {
        Some(b) if valid(&b) => Ok(b),
        Some(b) => Err(parse_error(format_args!("Invalid boundary in multipart: {b}"))),
        None => Err(parse_error("Invalid boundary in multipart: None")),
    }
}

struct Headers {
    disposition: Params,
    /// A part is a file when its disposition has a non-empty `filename` parameter.
    is_file: bool,
    transfer_encoding: Option<String>,
}

/// `parse_boundary_stream`: the headers at the start of a part, or `None` for a part Django
/// skips (no blank line within its first KiB, or no `Content-Disposition`). Each header
/// line goes whole through `parse_header_parameters`, so the name is what precedes the
/// first `:` of the lower-cased main value (`Content-Disposition : x` does not count).
fn headers(part: &mut stream::Part<'_>, body: &mut stream::Body<'_>) -> Result<Option<Headers>, RequestError> {
    let head = part.read(body, Some(MAX_TOTAL_HEADER_SIZE));
    let Some(header_end) = memmem::find(&head, b"\r\n\r\n") else {
        part.unget(&head);
        if head.len() < MAX_TOTAL_HEADER_SIZE {
            return Ok(None);
        }
        return Err(parse_error("Request max total header size exceeded."));
    };
    part.unget(&head[header_end + 4..]);
    let mut disposition = None;
    let mut transfer_encoding = None;
    for line in split_crlf(&head[..header_end]) {
        let Ok(line) = std::str::from_utf8(line) else { continue };
        let Ok((main, params)) = parse_header_parameters(line) else { continue };
        let Some((name, value)) = main.split_once(':') else { continue };
        match name {
            "content-disposition" => disposition = Some(params),
            "content-transfer-encoding" => transfer_encoding = Some(strip(value).to_owned()),
            _ => {}
        }
    }
    Ok(disposition.map(|disposition| Headers {
        is_file: disposition.get("filename").is_some_and(|f| !f.is_empty()),
        disposition,
        transfer_encoding,
    }))
}

/// Django's `sanitize_file_name`, without its HTML unescaping: the last path component,
/// without non-printable characters.
fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    last.chars().filter(|&c| c == ' ' || !(c.is_control() || c.is_whitespace())).collect()
}

/// Reads a file part to its end. Its content is not kept, but Django decodes a base64 file
/// chunk by chunk as it streams it, and fails the request when a chunk does not decode or
/// characters are left over.
fn read_file(part: &mut stream::Part<'_>, body: &mut stream::Body<'_>, base64: bool) -> Result<(), RequestError> {
    let mut carried = Vec::new();
    while let Some(chunk) = part.next(body) {
        if !base64 {
            continue;
        }
        carried.extend(chunk.into_iter().filter(|&b| !bytes_isspace(b)));
        let aligned = carried.len() / 4 * 4;
        if aligned > 0 && base64::b64decode(&carried[..aligned]).is_none() {
            return Err(parse_error("Could not decode base64 data."));
        }
        carried.drain(..aligned);
    }
    if carried.is_empty() { Ok(()) } else { Err(parse_error("Could not decode base64 data.")) }
}

fn split_crlf(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let current = rest?;
        match memmem::find(current, b"\r\n") {
            Some(at) => {
                rest = Some(&current[at + 2..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(content_type: &str, body: &[u8]) -> Result<Value, String> {
        parse_multipart(content_type, body, Charset::Utf8).map(Value::Object).map_err(|e| match e {
            RequestError::ParseError(detail) => detail,
            other => other.to_string(),
        })
    }

    const CT: &str = "multipart/form-data; boundary=XyZ";

    #[test]
    fn well_formed_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\np\r\nw\r\n--XyZ--\r\n";
        assert_eq!(parse(CT, body), Ok(json!({"username": "alice", "password": "p\r\nw"})));
    }

    #[test]
    fn files_win_and_odd_parts_are_skipped() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f.txt\"\r\n\
Content-Type: text/plain\r\n\r\ncontent\r\n--XyZ\r\nContent-Disposition: form-data; name=\" a \"\r\n\r\ntext\r\n\
--XyZ\r\nX-Other: 1\r\n\r\nno disposition\r\n--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n\
--XyZ\r\n\r\nno headers\r\n--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\nlast";
        assert_eq!(parse(CT, body), Ok(json!({"a": {"filename": "f.txt"}, "b": "last"})));
    }

    // Expected values are Django 5.2.19's, through DRF 3.18.3's `request.data`.
    #[test]
    fn file_rules() {
        // An empty filename makes a text field; a file needs a part after it to be kept.
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=a; filename=\"\"\r\n\r\ntext\r\n\
--XyZ\r\nContent-Disposition: form-data; name=b; filename=x\r\n\r\nfile\r\n";
        assert_eq!(parse(CT, body), Ok(json!({"a": "text"})));
        let closed = [&body[..], b"--XyZ--\r\n"].concat();
        assert_eq!(parse(CT, &closed), Ok(json!({"a": "text", "b": {"filename": "x"}})));
        // A file whose sanitised name is empty is skipped altogether.
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=a; filename=\"dir/\"\r\n\r\nx\r\n--XyZ--";
        assert_eq!(parse(CT, body), Ok(json!({})));
        // Header names are taken before the first colon, unstripped.
        let body = b"--XyZ\r\nContent-Disposition : form-data; name=a\r\n\r\nx\r\n--XyZ\r\ncontent-disposition:form-data; name=b\r\n\r\ny\r\n--XyZ--";
        assert_eq!(parse(CT, body), Ok(json!({"b": "y"})));
    }

    #[test]
    fn content_type_errors() {
        assert_eq!(
            parse("multipart/form-data", b"x"),
            Err("Multipart form parse error - Invalid boundary in multipart: None".into())
        );
        assert_eq!(
            parse("multipart/form-data; boundary=", b"x"),
            Err("Multipart form parse error - Invalid boundary in multipart: ".into())
        );
        assert_eq!(
            parse("Multipart/form-data; boundary=abc", b"x"),
            Err("Multipart form parse error - Invalid Content-Type: Multipart/form-data; boundary=abc".into())
        );
        assert_eq!(
            parse("multipart/form-data; boundary=\"a \"", b"x"),
            Err("Multipart form parse error - Invalid boundary in multipart: a ".into())
        );
    }

    #[test]
    fn long_headers_are_refused() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; x=\"".to_vec();
        body.extend(std::iter::repeat_n(b'x', 1100));
        body.extend(b"\"\r\n\r\nv\r\n--XyZ--");
        assert_eq!(
            parse(CT, &body),
            Err("Multipart form parse error - Request max total header size exceeded.".into())
        );
    }

    /// Each of Django's leniencies alone, between well-formed parts. Expected values are
    /// Django 5.2.19's `MultiPartParser`; the cases marked `multer` are those multer 3.1
    /// answers differently (an error, a lost or a merged part), measured with the same
    /// name, filename and base64 handling around it.
    #[test]
    fn leniencies_like_django() {
        let part =
            |name: &str| format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{name}-value\r\n");
        let (a, tail) = (part("a"), format!("{}--XyZ--\r\n", part("b")));
        let both = json!({"a": "a-value", "b": "b-value"});
        let with_c = json!({"a": "a-value", "c": "c", "b": "b-value"});
        let cases: Vec<(&str, String, Value)> = vec![
            ("preamble", format!("preamble\r\n{a}{tail}"), both.clone()),
            ("no disposition", format!("{a}--XyZ\r\nX-Other: 1\r\n\r\nx\r\n{tail}"), both.clone()),
            ("no name", format!("{a}--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n{tail}"), both.clone()),
            // multer: the part after it is lost.
            ("no headers", format!("{a}--XyZ\r\n\r\nx\r\n{tail}"), both.clone()),
            // multer: "field received with incomplete data".
            ("unclosed", format!("{a}{}", part("b")), json!({"a": "a-value", "b": "b-value\r\n"})),
            ("unclosed, no CRLF", format!("{a}--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\nb-value"), both.clone()),
            ("closed without CRLF", format!("{a}{}--XyZ--", part("b")), both.clone()),
            // multer: "incomplete multipart stream".
            ("LF after a boundary", format!("{a}--XyZ\nContent-Disposition: form-data; name=c\r\n\r\nc\r\n{tail}"), with_c.clone()),
            // multer: the two parts become one.
            (
                "no line break before a boundary",
                "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\ny\r\n--XyZ--".to_owned(),
                json!({"a": "x", "b": "y"}),
            ),
            // multer: "failed to read headers", for the next three.
            ("headers without a blank line", format!("{a}--XyZ\r\nContent-Disposition: form-data; name=c\r\n{tail}"), both.clone()),
            ("space before a colon", format!("{a}--XyZ\r\nContent-Disposition : form-data; name=c\r\n\r\nc\r\n{tail}"), both.clone()),
            ("header line without a colon", format!("{a}--XyZ\r\nContent-Disposition: form-data; name=c\r\nbogus\r\n\r\nc\r\n{tail}"), with_c),
            // multer: "field received with incomplete data".
            ("unclosed after a file", format!("{a}--XyZ\r\nContent-Disposition: form-data; name=f; filename=f.txt\r\n\r\nfile\r\n"), json!({"a": "a-value"})),
            // multer: the part is dropped (no `name`).
            ("RFC 2231 name", "--XyZ\r\nContent-Disposition: form-data; name*=utf-8''%C3%A9\r\n\r\nx\r\n--XyZ--\r\n".to_owned(), json!({"é": "x"})),
            ("escaped quote in a name", "--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\nx\r\n--XyZ--\r\n".to_owned(), json!({"a\"b": "x"})),
            ("repeated field", format!("{a}{a}--XyZ--\r\n"), json!({"a": "a-value"})),
        ];
        for (name, body, expected) in cases {
            assert_eq!(parse(CT, body.as_bytes()), Ok(expected), "{name}");
        }
    }

    #[test]
    fn base64_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: base64\r\n\r\nYWxp\r\nY2U=\r\n--XyZ--";
        assert_eq!(parse(CT, body), Ok(json!({"a": "alice"})));
        // A field that does not decode is kept as sent; a file that does not fails the request.
        let field = b"--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ=QQQQ=\r\n--XyZ--";
        assert_eq!(parse(CT, field), Ok(json!({"a": "QQ=QQQQ="})));
        let file = |data: &str| {
            format!(
                "--XyZ\r\nContent-Disposition: form-data; name=f; filename=f.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n{data}\r\n--XyZ--\r\n"
            )
        };
        for bad in ["QQ=QQQQ=", "YQ==x", "YWxpY2U", "Y"] {
            assert_eq!(
                parse(CT, file(bad).as_bytes()),
                Err("Multipart form parse error - Could not decode base64 data.".into()),
                "{bad}"
            );
        }
        for good in ["YWxp\r\nY2U=", "YQ==YQ==", "YQ= =", "!!!!"] {
            assert_eq!(parse(CT, file(good).as_bytes()), Ok(json!({"f": {"filename": "f.bin"}})), "{good}");
        }
    }
}
