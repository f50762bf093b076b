//! Requests to a [`TestApp`] as one identity, and the [`TestResponse`] they read.
//!
//! A [`Client`] carries the headers every one of its requests sends, so a scenario says who is
//! asking once instead of on every call:
//!
//! ```no_run
//! # use latchkey_tests::{ALICE, TestApp};
//! # async fn scenario(app: TestApp) {
//! let response = app.anonymous().get("/api/profile/").await; // no credentials
//! let alice = app.as_user(&ALICE).await; // logs in once
//! let response = alice.get("/api/profile/").await; // Authorization: Bearer <access>
//! let key = app.opaque_key(ALICE.username, ALICE.password).await;
//! let response = app.with_token(&key).get("/api/profile/").await; // Authorization: Token <key>
//! let response = app.with_header("authorization", "token abc").get("/").await;
//! # }
//! ```
//!
//! Requests are futures that own everything they need (`'static`), so they can be spawned to
//! run concurrently.

use crate::app::TestApp;
use crate::fixtures::FixtureUser;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::fmt::Debug;
use std::future::Future;

/// Sends requests to one test server, each with the same identifying headers.
#[derive(Clone)]
pub struct Client {
    http: awc::Client,
    address: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl crate::app::Sibling {
    /// Requests without credentials, to this instance.
    pub fn anonymous(&self) -> Client {
        Client { http: self.http.clone(), address: self.address.clone(), headers: Vec::new() }
    }

    /// Requests with `Authorization: Bearer <token>`, to this instance.
    pub fn with_bearer(&self, token: &str) -> Client {
        self.anonymous().with_header("authorization", format!("Bearer {token}"))
    }
}

impl TestApp {
    /// Requests without credentials.
    pub fn anonymous(&self) -> Client {
        Client { http: self.http.clone(), address: self.address.clone(), headers: Vec::new() }
    }

    /// Requests with `Authorization: Bearer <token>` (any token: an access token, or a refresh
    /// token where an access token belongs).
    pub fn with_bearer(&self, token: &str) -> Client {
        self.with_header("authorization", format!("Bearer {token}"))
    }

    /// Requests with `Authorization: Token <key>` (DRF's opaque key).
    pub fn with_token(&self, key: &str) -> Client {
        self.with_header("authorization", format!("Token {key}"))
    }

    /// Requests with one header of your own, such as an `Authorization` no scheme would write.
    pub fn with_header<V>(&self, name: &str, value: V) -> Client
    where
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Debug,
    {
        self.anonymous().with_header(name, value)
    }

    /// Logs `user` in once (`POST /api/token/`, asserting success); the client's requests
    /// then carry its access token.
    pub async fn as_user(&self, user: &FixtureUser) -> Client {
        self.log_in(user.username, user.password).await
    }

    /// [`TestApp::as_user`] for a user who is not a fixture, such as one registered by the test.
    pub async fn log_in(&self, username: &str, password: &str) -> Client {
        let (access, _) = self.obtain_pair(username, password).await;
        self.with_bearer(&access)
    }

    /// `POST /api/token/`: a JWT pair, asserting success.
    pub async fn obtain_pair(&self, username: &str, password: &str) -> (String, String) {
        let response =
            self.anonymous().post_json("/api/token/", &json!({"username": username, "password": password})).await;
        assert_eq!(response.status, StatusCode::OK, "obtain pair for {username}: {}", response.text());
        let body = response.json();
        (string_field(&body, "access"), string_field(&body, "refresh"))
    }

    /// `POST /auth/token/`: the user's opaque key, asserting success.
    pub async fn opaque_key(&self, username: &str, password: &str) -> String {
        let response =
            self.anonymous().post_json("/auth/token/", &json!({"username": username, "password": password})).await;
        assert_eq!(response.status, StatusCode::OK, "opaque key for {username}: {}", response.text());
        string_field(&response.json(), "token")
    }

    /// `POST /api/register/`, asserting 201.
    pub async fn register(&self, username: &str, password: &str) -> Value {
        let body = json!({"username": username, "password": password, "email": format!("{username}@example.com")});
        let response = self.anonymous().post_json("/api/register/", &body).await;
        assert_eq!(response.status, StatusCode::CREATED, "register {username}: {}", response.text());
        response.json()
    }
}

impl Client {
    /// Requests without credentials to any server (such as the Django oracle).
    pub fn to_address(address: &str) -> Client {
        let http = awc::Client::builder().timeout(std::time::Duration::from_secs(60)).disable_redirects().finish();
        Client { http, address: address.to_owned(), headers: Vec::new() }
    }

    /// Requests with `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Client {
        self.with_header("authorization", format!("Bearer {token}"))
    }

    /// This client with one more header (replacing one of the same name). The value is text or
    /// bytes (`&str`, `String`, `&[u8]`, a `HeaderValue`): bytes that are not text are fine.
    pub fn with_header<V>(mut self, name: &str, value: V) -> Client
    where
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Debug,
    {
        let name =
            HeaderName::from_bytes(name.as_bytes()).unwrap_or_else(|e| panic!("not a header name: {name:?}: {e}"));
        let value = HeaderValue::try_from(value).unwrap_or_else(|e| panic!("not a value for header {name}: {e:?}"));
        self.headers.retain(|(existing, _)| *existing != name);
        self.headers.push((name, value));
        self
    }

    fn build(&self, method: Method, path: &str) -> awc::ClientRequest {
        let mut request = self.http.request(method, format!("{}{path}", self.address));
        for (name, value) in &self.headers {
            request = request.insert_header((name.clone(), value.clone()));
        }
        request
    }

    /// A request without a body, any method.
    pub fn request(&self, method: Method, path: &str) -> impl Future<Output = TestResponse> + 'static {
        TestResponse::read(self.build(method, path).send())
    }

    pub fn get(&self, path: &str) -> impl Future<Output = TestResponse> + 'static {
        self.request(Method::GET, path)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> impl Future<Output = TestResponse> + 'static {
        TestResponse::read(self.build(Method::POST, path).send_json(body))
    }

    /// `application/x-www-form-urlencoded`.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> impl Future<Output = TestResponse> + 'static {
        TestResponse::read(self.build(Method::POST, path).send_form(&fields))
    }

    /// Any body, with the given content type or none at all.
    pub fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
    ) -> impl Future<Output = TestResponse> + 'static {
        let mut request = self.build(Method::POST, path);
        if let Some(content_type) = content_type {
            request = request.insert_header(("content-type", content_type));
        }
        TestResponse::read(request.send_body(body.into()))
    }
}

fn string_field(body: &Value, name: &str) -> String {
    match body.get(name).and_then(Value::as_str) {
        Some(value) => value.to_owned(),
        None => panic!("no string {name:?} in {body}"),
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    async fn read(send: awc::SendClientRequest) -> TestResponse {
        let mut response = match send.await {
            Ok(response) => response,
            Err(err) => panic!("request failed: {err}"),
        };
        let body = match response.body().limit(16 * 1024 * 1024).await {
            Ok(body) => body.to_vec(),
            Err(err) => panic!("cannot read the response body: {err}"),
        };
        TestResponse { status: response.status(), headers: response.headers().clone(), body }
    }

    /// A header's value as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (naming the body) when it is not.
    pub fn json(&self) -> Value {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(err) => panic!("body is not JSON ({err}): {:?} (status {})", self.text(), self.status),
        }
    }
}
