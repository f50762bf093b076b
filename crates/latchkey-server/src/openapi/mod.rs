//! The OpenAPI 3.1 document of the API, served at `GET /api/schema/` (drf-spectacular's path),
//! and the Swagger UI page at `/api/docs/` whose files are compiled into the binary.
//!
//! Each handler states its own operation (`#[utoipa::path]` beside the code); what every DRF
//! view shares is added here once, as DRF adds it to every view: the three parsers' media
//! types on each request body, and the statuses of the parsers, the authentication, the
//! throttles and an unavailable database ([`DrfViews`]). The tutorial's aliases of the token
//! views are the same operations under a second path ([`Aliases`]). `LATCHKEY_OPENAPI=false`
//! serves neither the document nor the page.

mod bodies;

pub(crate) use bodies::*;

use crate::routes;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use latchkey_actix::MaybeAuthenticated;
use serde_json::Value;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Header, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};

/// The media type drf-spectacular serves its JSON document with.
const DOCUMENT_TYPE: &str = "application/vnd.oai.openapi+json";
/// DRF's `DEFAULT_PARSER_CLASSES`: every view with a body reads these three.
const PARSED: [&str; 3] = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];
const JSON: &str = "application/json";

pub(crate) const SCHEMA_PATH: &str = "/api/schema/";
/// The page, and everything under it (its scripts and styles).
pub(crate) const DOCS_PATH: &str = "/api/docs/";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey",
        description = "Authentication for HTTP APIs: Django REST Framework's token \
            authentication and djangorestframework-simplejwt, served by Latchkey. Every path \
            answers a method it does not list with 405 `{\"detail\": \"Method \\\"X\\\" not \
            allowed.\"}` and an `Allow` header; unknown paths 404 `{\"detail\": \"Not found.\"}`.",
    ),
    paths(
        routes::root::hello,
        routes::account::profile,
        routes::account::register,
        routes::opaque::obtain,
        routes::tokens::obtain,
        routes::tokens::refresh,
        routes::tokens::verify,
        routes::tokens::blacklist,
        routes::sessions::logout,
        routes::sessions::logout_all,
        routes::sessions::change_password,
        routes::sessions::list,
        routes::sessions::delete,
        crate::products::routes::list,
        crate::products::routes::create,
        crate::products::routes::retrieve,
        crate::products::routes::update,
        crate::products::routes::partial_update,
        crate::products::routes::destroy,
        routes::health::healthz,
        routes::health::readyz,
    ),
    components(schemas(Detail, AuthFailure, TokenMessage, BadRequest)),
    modifiers(&DrfViews, &Aliases),
    tags(
        (name = "simplejwt", description = "JSON Web Token pairs: obtain, refresh, verify, blacklist."),
        (name = "authtoken", description = "DRF's opaque keys, sent as `Authorization: Token <key>`."),
        (name = "accounts", description = "Sign up, who am I, password change."),
        (name = "sessions", description = "The token families logins start, and ending them."),
        (name = "products", description = "The tutorials' protected resource."),
        (name = "health", description = "Probes for load balancers and orchestrators; not DRF views."),
    ),
)]
struct ApiDoc;

/// The document for a server whose authentication chain is `schemes` (`LATCHKEY_AUTH_SCHEMES`):
/// only those schemes are offered, in that order.
pub(crate) fn document(schemes: &[String]) -> Value {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for scheme in schemes {
        match scheme.as_str() {
            "jwt" => components.add_security_scheme(
                BEARER,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some("An access token from `POST /api/token/`."))
                        .build(),
                ),
            ),
            "token" => components.add_security_scheme(
                TOKEN,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "`Token <key>`, with a key from `POST /auth/token/`.",
                ))),
            ),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    keep_offered_security(&mut value, schemes);
    value
}

/// The security scheme names, as operations list them.
pub(crate) const BEARER: &str = "Bearer";
pub(crate) const TOKEN: &str = "Token";

/// Drops the security requirements naming a scheme the server does not run; an operation left
/// with none but the anonymous `{}` is open to anyone.
fn keep_offered_security(doc: &mut Value, schemes: &[String]) {
    let offered = |name: &str| match name {
        BEARER => schemes.iter().any(|s| s == "jwt"),
        TOKEN => schemes.iter().any(|s| s == "token"),
        _ => false,
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for operation in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
        let Some(requirements) = operation.get_mut("security").and_then(Value::as_array_mut) else { continue };
        requirements
            .retain(|requirement| requirement.as_object().is_some_and(|names| names.keys().all(|name| offered(name))));
        if requirements.iter().all(|r| r.as_object().is_some_and(serde_json::Map::is_empty)) {
            operation.as_object_mut().map(|op| op.remove("security"));
        }
    }
}

/// The document's bytes, rendered once at start-up.
#[derive(Clone)]
pub(crate) struct SchemaDocument(pub web::Bytes);

impl SchemaDocument {
    pub(crate) fn new(schemes: &[String]) -> Self {
        Self(web::Bytes::from(latchkey_drf::to_json_bytes(&document(schemes))))
    }
}

/// `GET /api/schema/`; a bad credential is refused, as DRF's views authenticate first.
pub(crate) async fn schema(_: MaybeAuthenticated, doc: web::Data<SchemaDocument>) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, DOCUMENT_TYPE)).body(doc.0.clone())
}

/// The Swagger UI page at [`DOCS_PATH`], reading [`SCHEMA_PATH`].
pub(crate) fn docs_page() -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}"))
        .config(utoipa_swagger_ui::Config::new([SCHEMA_PATH]))
}

/// What DRF's machinery adds to every view's own answers.
struct DrfViews;

impl Modify for DrfViews {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, response) in shared_responses() {
            components.responses.insert(name.to_owned(), RefOr::T(response));
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            // The probes are not DRF views: no throttle, and their 503 is their own.
            let drf_view = !routes::PROBE_PATHS.contains(&path.as_str());
            for operation in operations(item) {
                if let Some(RefOr::T(body)) = &mut operation.request_body {
                    every_parser(body);
                    shared(operation, "400", "BadRequest");
                    shared(operation, "408", "RequestTimeout");
                    shared(operation, "413", "PayloadTooLarge");
                    shared(operation, "415", "UnsupportedMediaType");
                }
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    shared(operation, "401", "Unauthorized");
                }
                if drf_view {
                    shared(operation, "429", "Throttled");
                    shared(operation, "503", "Unavailable");
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
}

/// The JSON body's schema under each of DRF's parsers.
fn every_parser(body: &mut RequestBody) {
    let Some(json) = body.content.get(JSON).cloned() else { return };
    for media_type in PARSED {
        body.content.entry(media_type.to_owned()).or_insert_with(|| json.clone());
    }
}

/// Adds the shared response `name` under `status` unless the operation states its own.
fn shared(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
}

fn detail(description: &str) -> ResponseBuilder {
    Response::builder()
        .description(description)
        .content(JSON, Content::new(Some(RefOr::Ref(Ref::from_schema_name("Detail")))))
}

fn shared_responses() -> Vec<(&'static str, Response)> {
    vec![
        (
            "BadRequest",
            Response::builder()
                .description("The body failed validation (each field's messages), or could not be parsed (`detail`).")
                .content(JSON, Content::new(Some(RefOr::Ref(Ref::from_schema_name("BadRequest")))))
                .build(),
        ),
        (
            "Unauthorized",
            Response::builder()
                .description(
                    "No credentials where the view needs them, or credentials that were refused; the \
                     first scheme's challenge in `WWW-Authenticate`.",
                )
                .header("WWW-Authenticate", Header::default())
                .content(JSON, Content::new(Some(RefOr::Ref(Ref::from_schema_name("AuthFailure")))))
                .build(),
        ),
        ("RequestTimeout", detail("The declared body did not arrive within `LATCHKEY_BODY_TIMEOUT`.").build()),
        ("PayloadTooLarge", detail("The body is over `LATCHKEY_BODY_LIMIT` bytes.").build()),
        ("UnsupportedMediaType", detail("A `Content-Type` none of the parsers reads.").build()),
        (
            "Throttled",
            detail("A throttle (`LATCHKEY_THROTTLE_*`) or a login lockout refused the request.")
                .header("Retry-After", Header::default())
                .build(),
        ),
        ("Unavailable", detail("The database or the password-hashing pool cannot take the request now.").build()),
        ("MethodNotAllowed", detail("A method the path does not list; `Allow` names those it does.").build()),
    ]
}

/// The tutorials' paths for simplejwt's views (`/login/`, …): the same operations again.
struct Aliases;

impl Modify for Aliases {
    fn modify(&self, doc: &mut Document) {
        let [primary, alias] = routes::TOKEN_VIEWS;
        for (from, to) in primary.into_iter().zip(alias) {
            let Some(mut item) = doc.paths.paths.get(from).cloned() else { continue };
            for operation in operations(&mut item) {
                operation.operation_id = operation.operation_id.as_ref().map(|id| format!("{id}_alias"));
                operation.description = Some(format!("The same as `{from}`."));
            }
            doc.paths.paths.insert(to.to_owned(), item);
        }
    }
}

#[cfg(test)]
mod tests;
