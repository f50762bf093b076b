//! Every endpoint, registered in one place. Each resource lists the methods it serves; any
//! other method gets DRF's 405, after authentication as DRF orders it.

mod account;
mod client;
mod credentials;
mod opaque;
mod root;
mod sessions;
mod tokens;

use crate::products::routes as products;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_actix::{ApiError, Authenticated, MaybeAuthenticated};

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

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(root::hello))
            .default_service(web::to(not_allowed::<Open, GetOptions>))
            .wrap(allow::<GetOptions>()),
    )
    .service(
        web::resource("/api/profile/")
            .route(web::get().to(account::profile))
            .route(web::head().to(account::profile))
            .default_service(web::to(not_allowed::<Protected, GetHeadOptions>))
            .wrap(allow::<GetHeadOptions>()),
    )
    .service(
        web::resource("/api/register/")
            .route(web::post().to(account::register))
            .default_service(web::to(not_allowed::<Open, PostOptions>))
            .wrap(allow::<PostOptions>()),
    )
    .service(
        web::resource("/auth/token/")
            .route(web::post().to(opaque::obtain))
            .default_service(web::to(not_allowed::<Open, PostOptions>))
            .wrap(allow::<PostOptions>()),
    );
    for (obtain, refresh, verify, blacklist) in [
        ("/api/token/", "/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/"),
        ("/login/", "/refresh_token/", "/verify_token/", "/blacklist_token/"),
    ] {
        cfg.service(token_view(obtain, tokens::obtain))
            .service(token_view(refresh, tokens::refresh))
            .service(token_view(verify, tokens::verify))
            .service(token_view(blacklist, tokens::blacklist));
    }
    // Ending credentials (docs/security.md, "Revocation").
    cfg.service(protected_post("/api/token/logout/", sessions::logout))
        .service(protected_post("/api/token/logout-all/", sessions::logout_all))
        .service(protected_post("/api/password/change/", sessions::change_password));
    cfg.service(
        web::resource("/api/sessions/")
            .route(web::get().to(sessions::list))
            .route(web::head().to(sessions::list))
            .default_service(web::to(not_allowed::<Protected, GetHeadOptions>))
            .wrap(allow::<GetHeadOptions>()),
    )
    .service(
        web::resource("/api/sessions/{id}/")
            .route(web::delete().to(sessions::delete))
            .default_service(web::to(not_allowed::<Protected, DeleteOptions>))
            .wrap(allow::<DeleteOptions>()),
    );
    // The protected products resource (docs/protect-your-route.md). `<int:pk>` is ASCII
    // digits; anything else falls through to the JSON 404 of unknown paths.
    cfg.service(
        web::resource("/products/")
            .route(web::get().to(products::list))
            .route(web::head().to(products::list))
            .route(web::post().to(products::create))
            .default_service(web::to(not_allowed::<Protected, ListMethods>))
            .wrap(allow::<ListMethods>()),
    )
    .service(
        web::resource("/products/{id:[0-9]+}/")
            .route(web::get().to(products::retrieve))
            .route(web::head().to(products::retrieve))
            .route(web::put().to(products::update))
            .route(web::patch().to(products::partial_update))
            .route(web::delete().to(products::destroy))
            .default_service(web::to(not_allowed::<Protected, DetailMethods>))
            .wrap(allow::<DetailMethods>()),
    );
}

/// A POST-only resource for authenticated callers.
fn protected_post<F, Args>(path: &str, handler: F) -> impl actix_web::dev::HttpServiceFactory
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(not_allowed::<Protected, PostOptions>))
        .wrap(allow::<PostOptions>())
}

/// simplejwt's views: POST only, and they ignore `Authorization` entirely.
fn token_view<F, Args>(path: &str, handler: F) -> impl actix_web::dev::HttpServiceFactory
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(not_allowed::<Ignored, PostOptions>))
        .wrap(allow::<PostOptions>())
}

/// The JSON 404 of every unknown path.
pub(crate) async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not found."))
}

/// How a resource's authentication runs before its 405.
pub(crate) trait AuthPolicy {
    fn check(req: &HttpRequest) -> Result<(), ApiError>;
}

/// `IsAuthenticated`: an anonymous request gets 401 before the method is looked at.
pub(crate) struct Protected;
/// `AllowAny`: only a bad credential stops the request.
pub(crate) struct Open;
/// Views without authentication classes.
pub(crate) struct Ignored;

impl AuthPolicy for Protected {
    fn check(req: &HttpRequest) -> Result<(), ApiError> {
        Authenticated::require(req).map(drop)
    }
}

impl AuthPolicy for Open {
    fn check(req: &HttpRequest) -> Result<(), ApiError> {
        MaybeAuthenticated::extract_now(req).map(drop)
    }
}

impl AuthPolicy for Ignored {
    fn check(_: &HttpRequest) -> Result<(), ApiError> {
        Ok(())
    }
}

pub(crate) trait Allow {
    const METHODS: &'static str;
}

pub(crate) struct GetOptions;
pub(crate) struct GetHeadOptions;
pub(crate) struct PostOptions;
pub(crate) struct ListMethods;
pub(crate) struct DetailMethods;
pub(crate) struct DeleteOptions;

impl Allow for GetOptions {
    const METHODS: &'static str = "GET, OPTIONS";
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
    P::check(&req)?;
    Err(ApiError::MethodNotAllowed { method: req.method().to_string(), allow: A::METHODS })
}
