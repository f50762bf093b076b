//! Every endpoint, registered in one place. Each resource lists the methods it serves; any
//! other method gets DRF's 405, after authentication as DRF orders it.

pub(crate) mod account;
mod client;
mod credentials;
pub(crate) mod health;
pub(crate) mod opaque;
pub(crate) mod root;
pub(crate) mod sessions;
mod throttling;
pub(crate) mod tokens;

use crate::config::Settings;
use crate::openapi::{self, SchemaDocument};
use crate::products::routes as products;
use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, Resource, web};
pub(crate) use health::{PROBE_PATHS, Readiness};
use latchkey_actix::{ApiError, Authenticated, MaybeAuthenticated};
use latchkey_domain::UserId;
pub(crate) use throttling::LOGIN_SCOPE;
use throttling::{Credential, ObtainAuthToken, Standard, ViewThrottles};

/// The endpoints whose answers carry or refuse credentials: sent with `Cache-Control: no-store`.
pub(crate) const CREDENTIAL_PATHS: &[&str] = &[
    "/auth/token/",
    "/api/register/",
    "/api/token/",
    "/api/token/refresh/",
    "/api/token/verify/",
    "/api/token/blacklist/",
    "/login/",
    "/refresh_token/",
    "/verify_token/",
    "/blacklist_token/",
    "/api/token/logout/",
    "/api/token/logout-all/",
    "/api/password/change/",
    "/api/sessions/",
];

/// simplejwt's four views (obtain, refresh, verify, blacklist) under the paths of the
/// tutorials: `api/token/…`, and the second tutorial's `login/`, `refresh_token/`, ….
pub(crate) const TOKEN_VIEWS: [[&str; 4]; 2] = [
    ["/api/token/", "/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/"],
    ["/login/", "/refresh_token/", "/verify_token/", "/blacklist_token/"],
];

/// What of the API's description is served (`LATCHKEY_API_SCHEMA`, `LATCHKEY_API_DOCS`).
#[derive(Clone)]
pub(crate) struct ApiDocs {
    schema: Option<web::Data<SchemaDocument>>,
    page: bool,
}

impl ApiDocs {
    pub(crate) fn new(settings: &Settings) -> Self {
        let schema = settings.api_schema.then(|| web::Data::new(SchemaDocument::new(&settings.auth_schemes)));
        Self { page: schema.is_some() && settings.api_docs, schema }
    }
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig, api: &ApiDocs) {
    // drf-spectacular's `SpectacularAPIView`: a DRF view, open to anyone.
    if let Some(schema) = &api.schema {
        cfg.service(view::<Open, GetHeadOptions, Standard>(
            resource(openapi::SCHEMA_PATH)
                .app_data(schema.clone())
                .route(web::get().to(openapi::schema))
                .route(web::head().to(openapi::schema)),
        ));
    }
    if api.page {
        cfg.service(openapi::docs_page());
    }
    cfg.service(probe(
        resource(health::HEALTHZ).route(web::get().to(health::healthz)).route(web::head().to(health::healthz)),
    ))
    .service(probe(
        resource(health::READYZ).route(web::get().to(health::readyz)).route(web::head().to(health::readyz)),
    ));
    cfg.service(view::<Open, GetOptions, Standard>(resource("/").route(web::get().to(root::hello))))
        .service(view::<Protected, GetHeadOptions, Standard>(
            resource("/api/profile/").route(web::get().to(account::profile)).route(web::head().to(account::profile)),
        ))
        .service(view::<Open, PostOptions, Credential>(
            resource("/api/register/").route(web::post().to(account::register)),
        ))
        .service(view::<Open, PostOptions, ObtainAuthToken>(
            resource("/auth/token/").route(web::post().to(opaque::obtain)),
        ));
    // simplejwt's views: POST only, and they ignore `Authorization` entirely.
    for [obtain, refresh, verify, blacklist] in TOKEN_VIEWS {
        cfg.service(view::<Ignored, PostOptions, Credential>(resource(obtain).route(web::post().to(tokens::obtain))))
            .service(view::<Ignored, PostOptions, Standard>(resource(refresh).route(web::post().to(tokens::refresh))))
            .service(view::<Ignored, PostOptions, Standard>(resource(verify).route(web::post().to(tokens::verify))))
            .service(view::<Ignored, PostOptions, Standard>(
                resource(blacklist).route(web::post().to(tokens::blacklist)),
            ));
    }
    // Ending credentials (docs/security.md, "Revocation").
    cfg.service(view::<Protected, PostOptions, Standard>(
        resource("/api/token/logout/").route(web::post().to(sessions::logout)),
    ))
    .service(view::<Protected, PostOptions, Standard>(
        resource("/api/token/logout-all/").route(web::post().to(sessions::logout_all)),
    ))
    .service(view::<Protected, PostOptions, Credential>(
        resource("/api/password/change/").route(web::post().to(sessions::change_password)),
    ))
    .service(view::<Protected, GetHeadOptions, Standard>(
        resource("/api/sessions/").route(web::get().to(sessions::list)).route(web::head().to(sessions::list)),
    ))
    .service(view::<Protected, DeleteOptions, Standard>(
        resource("/api/sessions/{id}/").route(web::delete().to(sessions::delete)),
    ));
    // The protected products resource (docs/protect-your-route.md). `<int:pk>` is ASCII
    // digits; anything else falls through to the JSON 404 of unknown paths.
    cfg.service(view::<Protected, ListMethods, Standard>(
        resource("/products/")
            .route(web::get().to(products::list))
            .route(web::head().to(products::list))
            .route(web::post().to(products::create)),
    ))
    .service(view::<Protected, DetailMethods, Standard>(
        resource("/products/{id:[0-9]+}/")
            .route(web::get().to(products::retrieve))
            .route(web::head().to(products::retrieve))
            .route(web::put().to(products::update))
            .route(web::patch().to(products::partial_update))
            .route(web::delete().to(products::destroy)),
    ));
}

/// The template a resource was registered with, for metrics: read back from the request
/// after routing, without matching the path again (`HttpRequest::match_pattern` does).
#[derive(Clone, Copy)]
pub(crate) struct RouteTemplate(pub &'static str);

/// `web::resource(path)`, carrying its [`RouteTemplate`].
fn resource(path: &'static str) -> Resource {
    web::resource(path).app_data(RouteTemplate(path))
}

/// A health probe: not a DRF view, so no authentication policy and no throttle.
fn probe(resource: Resource) -> impl HttpServiceFactory {
    resource.default_service(web::to(not_allowed::<Ignored, GetHead>)).wrap(allow::<GetHead>())
}

/// A DRF view: its routes, DRF's 405 (after the policy `P`) for any other method, the
/// throttles `T` (after the policy, before the handler), and `Allow: A` on every response.
fn view<P, A, T>(resource: Resource) -> impl HttpServiceFactory
where
    P: AuthPolicy + 'static,
    A: Allow + 'static,
    T: ViewThrottles + 'static,
{
    resource
        .default_service(web::to(not_allowed::<P, A>))
        .wrap(from_fn(throttling::throttle::<P, T>))
        .wrap(allow::<A>())
}

/// The JSON 404 of every unknown path.
pub(crate) async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not found."))
}

/// A view's authentication and permission check, which DRF runs before its throttles and its
/// 405: the user the request is made by, or the refusal.
pub(crate) trait AuthPolicy {
    fn user(req: &HttpRequest) -> Result<Option<UserId>, ApiError>;
}

/// `IsAuthenticated`: an anonymous request gets 401 before the method is looked at.
pub(crate) struct Protected;
/// `AllowAny`: only a bad credential stops the request.
pub(crate) struct Open;
/// Views without authentication classes.
pub(crate) struct Ignored;

impl AuthPolicy for Protected {
    fn user(req: &HttpRequest) -> Result<Option<UserId>, ApiError> {
        Authenticated::require_id(req).map(Some)
    }
}

impl AuthPolicy for Open {
    fn user(req: &HttpRequest) -> Result<Option<UserId>, ApiError> {
        MaybeAuthenticated::user_id(req)
    }
}

/// The request is anonymous whatever it carries.
impl AuthPolicy for Ignored {
    fn user(_: &HttpRequest) -> Result<Option<UserId>, ApiError> {
        Ok(None)
    }
}

pub(crate) trait Allow {
    const METHODS: &'static str;
}

pub(crate) struct GetOptions;
pub(crate) struct GetHeadOptions;
/// The probes', which are not DRF views and answer no OPTIONS.
pub(crate) struct GetHead;
pub(crate) struct PostOptions;
pub(crate) struct ListMethods;
pub(crate) struct DetailMethods;
pub(crate) struct DeleteOptions;

impl Allow for GetOptions {
    const METHODS: &'static str = "GET, OPTIONS";
}
impl Allow for GetHead {
    const METHODS: &'static str = "GET, HEAD";
}
impl Allow for GetHeadOptions {
    const METHODS: &'static str = "GET, HEAD, OPTIONS";
}
impl Allow for PostOptions {
    const METHODS: &'static str = "POST, OPTIONS";
}
impl Allow for ListMethods {
    const METHODS: &'static str = "GET, POST, HEAD, OPTIONS";
}
impl Allow for DeleteOptions {
    const METHODS: &'static str = "DELETE, OPTIONS";
}
impl Allow for DetailMethods {
    const METHODS: &'static str = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS";
}

/// DRF puts the view's `Allow` on every response, not only on 405s.
fn allow<A: Allow>() -> DefaultHeaders {
    DefaultHeaders::new().add((header::ALLOW, A::METHODS))
}

pub(crate) async fn not_allowed<P: AuthPolicy, A: Allow>(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    P::user(&req)?;
    Err(ApiError::MethodNotAllowed { method: req.method().to_string(), allow: A::METHODS })
}
