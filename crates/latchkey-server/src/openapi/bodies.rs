//! The bodies the endpoints read and write, as schemas. The handlers read their bodies field by
//! field, as DRF's serializers do (`latchkey_drf`), so these types are never deserialized: they
//! state what those readers accept, and a fuzzer (schemathesis, in CI) holds the two together.

#![allow(dead_code, reason = "schemas only: the types are described, never built")]

use serde_json::json;
use std::borrow::Cow;
use utoipa::openapi::schema::{
    AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// No NUL characters (DRF's `ProhibitNullCharactersValidator` on every `CharField`).
const NO_NUL: &str = "^[^\\u0000]*$";
/// Not blank after surrounding whitespace is stripped, and no NUL characters. Python's
/// whitespace (`str.strip`, `latchkey_drf::python_str::isspace`) spelled out, since a regex's
/// `\s` differs from it (U+001C to U+001F, U+0085; U+FEFF).
const NOT_BLANK: &str = "^[^\\u0000]*[^\\u0000\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\u0000]*$";

fn string(pattern: &str, min: Option<usize>, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).min_length(min).max_length(max)
}

/// DRF's `CharField`: a string, or a number, which DRF takes as the string Python prints
/// (`CharField.to_internal_value`); never blank, never a NUL character.
fn char_field(description: &str, trimmed: bool, min: Option<usize>, max: Option<usize>) -> RefOr<Schema> {
    let pattern = if trimmed { NOT_BLANK } else { "^[^\\u0000]+$" };
    OneOfBuilder::new()
        .item(string(pattern, min.or(Some(1)), max))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .description(Some(description))
        .into()
}

fn username() -> RefOr<Schema> {
    char_field("The login name.", true, None, None)
}

fn password() -> RefOr<Schema> {
    char_field("The password; surrounding whitespace is stripped.", true, None, None)
}

fn password_as_sent() -> RefOr<Schema> {
    char_field("The password, exactly as sent.", false, None, None)
}

fn new_password() -> RefOr<Schema> {
    char_field("At least 8 characters.", true, Some(8), None)
}

fn token(description: &str) -> RefOr<Schema> {
    char_field(description, true, None, None)
}

fn refresh_token() -> RefOr<Schema> {
    token("A refresh token.")
}

fn any_token() -> RefOr<Schema> {
    token("An access or a refresh token.")
}

fn jwt() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).description(Some("A JSON Web Token.")).into()
}

/// `POST /api/token/` (simplejwt's `TokenObtainPairSerializer`).
#[derive(ToSchema)]
pub struct TokenObtain {
    #[schema(schema_with = username)]
    pub username: String,
    #[schema(schema_with = password)]
    pub password: String,
}

/// `POST /auth/token/` (DRF's `AuthTokenSerializer`, which keeps the password as sent).
#[derive(ToSchema)]
pub struct AuthTokenObtain {
    #[schema(schema_with = username)]
    pub username: String,
    #[schema(schema_with = password_as_sent)]
    pub password: String,
}

fn register_username() -> RefOr<Schema> {
    char_field(
        "At most 150 characters: letters, digits and @ . + - _ (Django's username validator, \
         Unicode letters and digits included); not taken.",
        true,
        None,
        Some(150),
    )
}

fn register_email() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))),
        )
        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
        .description(Some("Optional; an address Django's `EmailValidator` accepts, or blank."))
        .into()
}

/// `POST /api/register/`.
#[derive(ToSchema)]
pub struct Register {
    #[schema(schema_with = register_username)]
    pub username: String,
    #[schema(schema_with = register_email)]
    pub email: Option<String>,
    #[schema(schema_with = new_password)]
    pub password: String,
}

/// `POST /api/token/refresh/` and `/api/token/blacklist/`.
#[derive(ToSchema)]
pub struct RefreshToken {
    #[schema(schema_with = refresh_token)]
    pub refresh: String,
}

/// `POST /api/token/verify/`.
#[derive(ToSchema)]
pub struct VerifyToken {
    #[schema(schema_with = any_token)]
    pub token: String,
}

/// `POST /api/token/logout/`: optionally the caller's refresh token, whose session ends too.
#[derive(ToSchema)]
pub struct Logout {
    #[schema(schema_with = refresh_token)]
    pub refresh: Option<String>,
}

fn old_password() -> RefOr<Schema> {
    password()
}

/// `POST /api/password/change/`.
#[derive(ToSchema)]
pub struct PasswordChange {
    #[schema(schema_with = old_password)]
    pub old_password: String,
    #[schema(schema_with = new_password)]
    pub new_password: String,
}

fn product_name() -> RefOr<Schema> {
    char_field("At most 200 characters.", true, None, Some(200))
}

fn product_description() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(string(NO_NUL, None, None))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .description(Some("Optional, may be blank."))
        .into()
}

/// DRF's `DecimalField(max_digits=10, decimal_places=2)`: a decimal string or a number.
fn price() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(string("^-?[0-9]{1,8}(\\.[0-9]{1,2})?$", None, None))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .multiple_of(Some(0.01))
                .minimum(Some(-99_999_999.99))
                .maximum(Some(99_999_999.99)),
        )
        .description(Some(
            "At most 10 digits, 2 of them after the point; as a string (`\"9.99\"`, what \
             responses carry) or a number.",
        ))
        .examples([json!("9.99")])
        .into()
}

/// `POST /products/`, `PUT /products/{id}/`; in `PATCH` every field is optional.
#[derive(ToSchema)]
pub struct ProductInput {
    #[schema(schema_with = product_name)]
    pub name: String,
    #[schema(schema_with = product_description)]
    pub description: Option<String>,
    #[schema(schema_with = price)]
    pub price: String,
}

/// `PATCH /products/{id}/`.
#[derive(ToSchema)]
pub struct ProductPatch {
    #[schema(schema_with = product_name)]
    pub name: Option<String>,
    #[schema(schema_with = product_description)]
    pub description: Option<String>,
    #[schema(schema_with = price)]
    pub price: Option<String>,
}

// ---- responses ------------------------------------------------------------------------------

/// A new pair: the session's refresh token and an access token.
#[derive(ToSchema)]
pub struct TokenPair {
    #[schema(schema_with = jwt)]
    pub refresh: String,
    #[schema(schema_with = jwt)]
    pub access: String,
}

/// A refresh: a new access token, and with `LATCHKEY_ROTATE_REFRESH_TOKENS` a new refresh token.
#[derive(ToSchema)]
pub struct Refreshed {
    #[schema(schema_with = jwt)]
    pub access: String,
    #[schema(schema_with = jwt)]
    pub refresh: Option<String>,
}

/// `{}`: simplejwt's answer to a verified or blacklisted token.
pub struct Empty;

impl PartialSchema for Empty {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .description(Some("`{}`"))
            .into()
    }
}

impl ToSchema for Empty {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Empty")
    }
}

/// The user's opaque key, for `Authorization: Token <key>`.
#[derive(ToSchema)]
pub struct OpaqueKey {
    /// 40 hexadecimal digits.
    #[schema(pattern = "^[0-9a-f]{40}$")]
    pub token: String,
}

#[derive(ToSchema)]
pub struct Message {
    pub message: String,
}

/// The user just registered.
#[derive(ToSchema)]
pub struct RegisteredUser {
    pub id: i64,
    pub username: String,
    pub email: String,
}

/// A live session: the token family one login started.
#[derive(ToSchema)]
pub struct Session {
    /// What `DELETE /api/sessions/{id}/` takes.
    pub id: String,
    #[schema(format = DateTime)]
    pub created: String,
    #[schema(format = DateTime)]
    pub last_used: String,
    #[schema(format = DateTime)]
    pub expires: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Whether the request was made with this session's access token.
    pub current: bool,
}

#[derive(ToSchema)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Two decimal places, as a string.
    #[schema(pattern = "^-?[0-9]+\\.[0-9]{2}$")]
    pub price: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

#[derive(ToSchema)]
pub struct Status {
    /// `ok`.
    pub status: String,
}

#[derive(ToSchema)]
pub struct Unavailable {
    /// `unavailable`.
    pub status: String,
    pub detail: String,
}

// ---- errors ---------------------------------------------------------------------------------

/// DRF's body for most errors.
#[derive(ToSchema)]
pub struct Detail {
    pub detail: String,
}

/// One token type's verdict in a JWT refusal (simplejwt's `messages`).
#[derive(ToSchema)]
pub struct TokenMessage {
    pub token_class: String,
    pub token_type: String,
    pub message: String,
}

/// A refused or missing credential: DRF's `detail`, and simplejwt's `code` and `messages`.
#[derive(ToSchema)]
pub struct AuthFailure {
    pub detail: String,
    pub code: Option<String>,
    pub messages: Option<Vec<TokenMessage>>,
}

fn field_errors() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .additional_properties(Some(
            utoipa::openapi::schema::ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)),
        ))
        .description(Some(
            "Each invalid field's messages under its name, and `non_field_errors` for the body as a \
             whole.",
        ))
        .examples([json!({"password": ["Ensure this field has at least 8 characters."]})])
        .into()
}

fn bad_request() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(field_errors())
        .item(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Detail")))
        .description(Some("Field errors, or `detail` when the body could not be parsed."))
        .into()
}

/// A 400: the validation errors, or a parse error's `detail`.
pub struct BadRequest;

impl PartialSchema for BadRequest {
    fn schema() -> RefOr<Schema> {
        bad_request()
    }
}

impl ToSchema for BadRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BadRequest")
    }
}
