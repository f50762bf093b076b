//! Django REST framework 3.18's request semantics on Django 5.2, byte for byte: a body parsed
//! by its `Content-Type` as `request.data` holds it (JSON with CPython's error messages,
//! form-urlencoded, multipart), the serializer fields that turn it into values or DRF's 400
//! bodies, exact decimals, and the bytes of DRF's JSON renderer. No HTTP framework, no
//! database: an HTTP layer reads the body, calls [`parse_body`], and renders a
//! [`RequestError`] from its [`status_code`](RequestError::status_code) and
//! [`body`](RequestError::body).
//!
//! ```
//! use latchkey_drf::fields::{CharField, EmailField};
//! use latchkey_drf::{FieldErrors, RequestError, parse_body, to_json_bytes};
//!
//! # fn main() -> Result<(), RequestError> {
//! // A JSON body and a form body with the same fields give the same object.
//! let json = parse_body("application/json", br#"{"username": " alice ", "email": "nope"}"#)?.into_object()?;
//! let form = parse_body("application/x-www-form-urlencoded", b"username=+alice+&email=nope")?.into_object()?;
//! assert_eq!(json, form);
//!
//! // Fields are read in the serializer's declaration order; every failure is collected.
//! let mut errors = FieldErrors::new();
//! let username = CharField::new("username").max_length(150).read(&json, &mut errors);
//! let email = EmailField::new("email").optional().allow_blank().read(&json, &mut errors);
//! assert_eq!(username.as_deref(), Some("alice"));
//! assert_eq!(email, None);
//!
//! // The 400 DRF answers, as an HTTP layer sends it.
//! let Err(invalid) = errors.into_result() else { unreachable!("the email is invalid") };
//! assert_eq!(invalid.status_code(), 400);
//! assert_eq!(to_json_bytes(&invalid.body()), br#"{"email":["Enter a valid email address."]}"#);
//!
//! // Request-level failures carry their own status and body.
//! let Err(malformed) = parse_body("application/json", br#"{"username": "#) else { unreachable!() };
//! assert_eq!(malformed.status_code(), 400);
//! assert_eq!(
//!     to_json_bytes(&malformed.body()),
//!     br#"{"detail":"JSON parse error - Expecting value: line 1 column 14 (char 13)"}"#
//! );
//! # Ok(())
//! # }
//! ```
//!
//! # What it holds
//!
//! * [`parse_body`] and [`Payload`]: DRF's `Request._parse` over a body in memory, and
//!   [`Payload::into_object`], what a serializer validates (or DRF's non-field error).
//! * [`RequestError`] (415, 400 `{"detail": …}`, 400 field errors) and [`FieldErrors`].
//! * [`fields`]: `CharField` and `EmailField` with DRF's checks, order and messages.
//! * [`decimal`]: Python's `Decimal`, DRF's `DecimalField` and django-filter's `NumberFilter`.
//! * [`python_str`]: Python's `str.isspace()`, `str.strip()` and `str()` of JSON numbers.
//! * [`throttling`]: `SimpleRateThrottle`'s rates, sliding log, waits and 429 detail (by hand,
//!   not `governor`: its GCRA lets other requests through and announces other waits).
//! * [`parse_urlencoded`] (Django's `QueryDict`, also for query strings), [`Charset`] and
//!   [`latin1`] (how a WSGI server decodes headers), [`to_json_bytes`] (DRF's renderer).
//!
//! Body size limits, reading the body and deferring errors until a view asks for the data
//! are the HTTP layer's.
//!
//! # Crates and hand-written code
//!
//! Where a well-kept crate gives Django's bytes, it is used:
//!
//! * `percent-encoding` decodes `%XX` in form bodies and query strings: it is exactly
//!   `urllib.parse.unquote_to_bytes` (a lone `%`, or one without two hex digits, stays).
//!   Django's `QueryDict` order around it stays here: the body decoded first with its
//!   charset (Latin-1 when that fails), `+` as space, and only ASCII runs percent-decoded.
//!   `form_urlencoded` is not used: it decodes the percent-decoded bytes as UTF-8, so it has
//!   neither the charset nor the Latin-1 fallback nor Python's per-run decoding.
//! * `memchr` finds multipart boundaries and header ends (`bytes.find`).
//! * `serde_json` holds the values, `thiserror` derives the error.
//!
//! Kept by hand, because the crates that exist answer differently, measured on this crate's
//! tests (and checked against Django 5.2.19 and CPython 3.11.7):
//!
//! * **Media types** (Django's `parse_header_parameters`, DRF's parser selection): `mime`
//!   0.3 refuses what Django reads. Of the 13 header lines of
//!   `media::tests::header_parameters_like_django`, 12 fail (all but a repeated `charset`):
//!   `Application/JSON ; Charset = "UTF-8" ; x` (spaces around the type, `=` and `;`, a bare
//!   parameter), ` Text/Plain `, `application/json\u{a0}; charset=utf-8` (Python strips
//!   U+00A0), `boundary="a b\"c"` (escaped quote), `boundary=<abc>` (angle quotes),
//!   `a=b; c=d`, `; charset=utf-8`, `x;=v; ;`, `x; "q;u"=1; y="a;b"`, and the
//!   `Content-Disposition` lines (`form-data; …` has no `/`, and RFC 2231's
//!   `name*=utf-8''%C3%A9` and `name*0=…; name*1=…` are not decoded). For parser selection
//!   alone it passes the 13 cases of `parser_selection_like_drf` but refuses 5 headers that
//!   DRF reads as JSON (those spacing, U+00A0 and bare-parameter forms), which would turn
//!   Django's 200 into a 415.
//! * **Multipart framing** (Django's `MultiPartParser`, `LazyStream`, `BoundaryIter`):
//!   `multer` 3.1, given the same name, filename and base64 handling around it, differs on
//!   15 of 26 cases: of the existing tests, `files_win_and_odd_parts_are_skipped`,
//!   `file_rules` (the unclosed body and the header name before the first colon),
//!   `long_headers_are_refused` (no 1 KiB header limit, so no "Request max total header
//!   size exceeded.") and the `\n`-only line breaks of `splits_on_separators`; of Django's
//!   leniencies (`multipart::tests::leniencies_like_django`), a body without a closing
//!   boundary and a file just before it ("field received with incomplete data"), `\n`
//!   after a boundary ("incomplete multipart stream"), headers without a blank line, a
//!   space before a header's colon and a header line without a colon ("failed to read
//!   headers"), a part with no headers (the next part is lost), no line break before a
//!   boundary (two parts merged), and an RFC 2231 `name*=` (the part is dropped). The
//!   boundary and Content-Type checks and their messages are Django's either way. Django's
//!   64 KiB chunking shows through (a part it skips is consumed only as far as its first
//!   read), so the port keeps it.
//! * **Base64 parts** (`base64.b64decode`): the `base64` crate refuses padding followed by
//!   data, `=` inside a quad and non-zero trailing bits, with any configuration, even with
//!   characters outside the alphabet filtered out first: `YQ==YQ==`, `Y=Q==`, `YQ==x` and
//!   `YR==` fail (Python reads each as `a`), and without filtering so do `YWxp\r\nY2U=` and
//!   `!YQ==`.
//! * **JSON** (`json.loads` under DRF's strict constants): DRF sends CPython's messages and
//!   positions (in characters), keeps big integers and lone surrogates, and stops at
//!   Python's recursion depth; `serde_json`'s parser has other messages and rules.
//! * **Charsets**: Python's codec names and normalisation, and its codec error messages
//!   (`'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`), which DRF
//!   puts in the 400; the decoding itself is std's.
//! * **Decimals**: CPython's `Decimal(str)` (Unicode digits, `_`, libmpdec's exponent
//!   limits) and DRF's digit checks on its digit tuple; decimal crates round, normalise or
//!   limit differently.
//! * **Python's `str`**: `str.isspace()` is spelled out (Unicode 14.0, with U+001C..U+001F)
//!   rather than following Rust's Unicode version, and `repr(float)` is formatted by Python's
//!   rules on top of std's shortest round-trip digits.
//! * **Email**: Django's `EmailValidator` rules as [`fields::is_valid_email`] states them.

mod charset;
pub mod decimal;
mod email;
mod error;
pub mod fields;
mod form;
mod media;
mod multipart;
mod payload;
mod python_json;
pub mod python_str;
mod render;
pub mod throttling;

pub use charset::{Charset, latin1};
pub use error::{FieldErrors, RequestError};
pub use fields::{CharField, EmailField};
pub use form::parse_urlencoded;
pub use payload::{Payload, parse_body};
pub use render::to_json_bytes;
