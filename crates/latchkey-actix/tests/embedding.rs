//! The example of docs/using-the-auth-middleware.md, run: another actix app protecting its own
//! routes with Latchkey's middleware, extractors and scheme chain, on an in-memory store, with
//! neither the Latchkey server nor a database nor a real password hasher.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use latchkey_actix::{AuthCaches, AuthLookup, Authenticated, InvalidatingStore, MaybeAuthenticated, authenticate};
use latchkey_domain::memory::MemoryStore;
use latchkey_domain::{Accounts, PasswordError, PasswordHasher};
use latchkey_engine::SchemeRegistry;
use latchkey_jwt::{Algorithm, JwtScheme, JwtService, JwtSettings, JwtTokens};
use latchkey_opaque::{KeyDeriver, OpaqueKeys, ProvisionOnCreate, TokenScheme};
use std::sync::Arc;
use std::time::Duration;

/// A stand-in for a real hasher (`latchkey-password`), so this test links no KDF.
struct PlainHasher;

impl PasswordHasher for PlainHasher {
    fn hash(&self, password: &str) -> Result<String, PasswordError> {
        Ok(format!("plain${password}"))
    }
    fn verify(&self, password: &str, encoded: &str) -> bool {
        encoded.strip_prefix("plain$") == Some(password)
    }
    fn verify_dummy(&self, _: &str) {}
}

async fn me(user: Authenticated) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} via {}", user.0.username, user.0.scheme))
}

async fn hello(who: MaybeAuthenticated) -> HttpResponse {
    match who.0 {
        Some(principal) => HttpResponse::Ok().body(format!("hello, {}", principal.username)),
        None => HttpResponse::Ok().body("hello, stranger"),
    }
}

/// `(status, WWW-Authenticate, body)` of a GET to an app made by `test::init_service`.
macro_rules! call {
    ($app:expr, $path:expr, $authorization:expr) => {{
        let mut request = test::TestRequest::get().uri($path);
        let authorization: Option<&str> = $authorization;
        if let Some(value) = authorization {
            request = request.insert_header(("authorization", value));
        }
        let response = test::call_service($app, request.to_request()).await;
        read(response).await
    }};
}

async fn read<B: MessageBody>(response: ServiceResponse<B>) -> (StatusCode, Option<String>, String) {
    let status = response.status();
    let challenge = response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = test::read_body(response).await;
    (status, challenge, String::from_utf8_lossy(&body).into_owned())
}

#[actix_web::test]
async fn another_app_protects_its_routes() {
    // Writes through this store forget what the caches hold about the user they change.
    let caches = Arc::new(AuthCaches::new(Duration::from_secs(5)));
    let store = Arc::new(InvalidatingStore::new(MemoryStore::new(), caches.clone()));
    let keys =
        Arc::new(OpaqueKeys::new(KeyDeriver::new(b"a long random server secret").expect("deriver"), store.clone()));
    let lookup = Arc::new(AuthLookup::new(store.clone(), keys.clone(), caches));
    let settings = JwtSettings::hmac(Algorithm::HS256, b"a long random signing key")
        .expect("jwt settings")
        .with_lifetimes(Duration::from_secs(300), Duration::from_secs(86_400));
    let tokens = Arc::new(JwtTokens::new(settings));
    let jwt = Arc::new(JwtService::new(tokens.clone(), store.clone()));
    let chain = SchemeRegistry::new()
        .register(Arc::new(JwtScheme::new(tokens, lookup.clone())))
        .register(Arc::new(TokenScheme::new(lookup.clone())))
        .chain(&["jwt", "token"])
        .expect("chain");
    let chain = web::Data::new(chain);

    // A user with a key, as the doc describes.
    let accounts =
        Accounts::new(store.clone(), Arc::new(PlainHasher)).with_hook(Arc::new(ProvisionOnCreate(keys.clone())));
    let alice = accounts.create_user("alice", "", "alice-pass-123", Default::default()).expect("alice");
    assert!(accounts.authenticate("alice", "alice-pass-123").expect("authenticate").is_some());
    let pair = jwt.obtain_pair(alice.id).expect("pair");
    let key = keys.key_for_user(alice.id).expect("key");

    let app = test::init_service(
        App::new()
            .app_data(chain.clone())
            .wrap(from_fn(authenticate))
            .route("/me/", web::get().to(me))
            .route("/hello/", web::get().to(hello)),
    )
    .await;

    let bearer = format!("Bearer {}", pair.access);
    assert_eq!(call!(&app, "/me/", Some(&bearer)), (StatusCode::OK, None, "alice via jwt".into()));
    let token = format!("Token {key}");
    assert_eq!(call!(&app, "/me/", Some(&token)), (StatusCode::OK, None, "alice via token".into()));
    assert_eq!(call!(&app, "/hello/", Some(&token)).2, "hello, alice");
    assert_eq!(call!(&app, "/hello/", None), (StatusCode::OK, None, "hello, stranger".into()));

    let challenge = Some(r#"Bearer realm="api""#.to_owned());
    assert_eq!(
        call!(&app, "/me/", None),
        (
            StatusCode::UNAUTHORIZED,
            challenge.clone(),
            r#"{"detail":"Authentication credentials were not provided."}"#.into()
        )
    );
    // A bad credential is refused on the open route too.
    let (status, header, body) = call!(&app, "/hello/", Some("Bearer not.a.jwt"));
    assert_eq!((status, header), (StatusCode::UNAUTHORIZED, challenge.clone()));
    assert!(body.contains(r#""code":"token_not_valid""#), "{body}");
    assert_eq!(
        call!(&app, "/hello/", Some(&format!("Token {}", "0".repeat(40)))),
        (StatusCode::UNAUTHORIZED, challenge, r#"{"detail":"Invalid token."}"#.into())
    );

    // Without the middleware the extractors fail closed.
    let bare = test::init_service(App::new().app_data(chain).route("/me/", web::get().to(me))).await;
    let (status, _, body) = call!(&bare, "/me/", Some(&bearer));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, r#"{"detail":"A server error occurred."}"#);
}
