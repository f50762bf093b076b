//! DRF's `check_throttles`, where DRF runs it: after authentication and the view's permission
//! check, before the handler and before a 405. Which throttles a view applies is its
//! [`ViewThrottles`] type, as a DRF view's `throttle_classes`.

use super::AuthPolicy;
use super::client::client_ip;
use crate::services::Services;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use latchkey_actix::ApiError;
use latchkey_actix::throttle::{Client, ThrottleClass, Throttles};

/// The scope of the credential endpoints, DRF's `throttle_scope` (`LATCHKEY_THROTTLE_LOGIN`).
pub(crate) const LOGIN_SCOPE: &str = "login";

/// A view's `throttle_classes`.
pub(crate) trait ViewThrottles {
    fn classes(throttles: &Throttles) -> &'static [ThrottleClass];
}

/// `DEFAULT_THROTTLE_CLASSES`: the anon and user throttles.
pub(crate) struct Standard;
/// A credential endpoint: the defaults and the `login` scope (`LATCHKEY_THROTTLE_LOGIN`).
pub(crate) struct Credential;
/// DRF's `ObtainAuthToken` sets `throttle_classes = ()`: `/auth/token/` is throttled only once
/// the login scope puts it with the other credential endpoints (as the oracle does).
pub(crate) struct ObtainAuthToken;

const DEFAULT: &[ThrottleClass] = &[ThrottleClass::Anon, ThrottleClass::User];
const WITH_LOGIN: &[ThrottleClass] = &[ThrottleClass::Anon, ThrottleClass::User, ThrottleClass::Scoped(LOGIN_SCOPE)];

impl ViewThrottles for Standard {
    fn classes(_: &Throttles) -> &'static [ThrottleClass] {
        DEFAULT
    }
}

impl ViewThrottles for Credential {
    fn classes(_: &Throttles) -> &'static [ThrottleClass] {
        WITH_LOGIN
    }
}

impl ViewThrottles for ObtainAuthToken {
    fn classes(throttles: &Throttles) -> &'static [ThrottleClass] {
        if throttles.applies(&[ThrottleClass::Scoped(LOGIN_SCOPE)]) { WITH_LOGIN } else { &[] }
    }
}

/// The middleware of a view with policy `P` and throttles `T`. With no rate configured for the
/// view it only looks that up; otherwise a request the policy refuses gets that answer
/// uncounted, and one a throttle refuses DRF's 429.
pub(crate) async fn throttle<P: AuthPolicy, T: ViewThrottles>(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    // Decided on borrowed state, before the request moves on: no reference count is touched
    // per request (one shared count, bumped by every worker, costs more than the check).
    let refusal = match req.app_data::<web::Data<Services>>() {
        Some(services) => refusal::<P, T>(&req, services),
        None => None,
    };
    match refusal {
        None => Ok(next.call(req).await?.map_into_left_body()),
        Some(refused) => Ok(req.error_response(refused).map_into_right_body()),
    }
}

/// Why the view refuses `req` before its handler: the policy's refusal (not counted, as DRF's
/// `initial()` checks permissions first), or a throttle's 429.
fn refusal<P: AuthPolicy, T: ViewThrottles>(req: &ServiceRequest, services: &Services) -> Option<ApiError> {
    let classes = T::classes(&services.throttles);
    if !services.throttles.applies(classes) {
        return None;
    }
    let client = match P::user(req.request()) {
        Ok(Some(user)) => Client::User(user.0),
        // DRF's `get_ident`; a request without a peer address (none here) shares "".
        Ok(None) => Client::Anonymous { ip: client_ip(req.request(), services.num_proxies).unwrap_or_default().into() },
        Err(refused) => return Some(refused),
    };
    let throttled = services.throttles.check(classes, &client).err()?;
    metrics::counter!("latchkey_throttled_requests_total").increment(1);
    Some(ApiError::Throttled(throttled))
}
