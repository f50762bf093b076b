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
    let Some(services) = req.app_data::<web::Data<Services>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let classes = T::classes(&services.throttles);
    if !services.throttles.applies(classes) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let client = match P::user(req.request()) {
        Ok(Some(user)) => Client::User(user.0),
        // DRF's `get_ident`; a request without a peer address (none here) shares "".
        Ok(None) => Client::Anonymous { ip: client_ip(req.request(), services.num_proxies).unwrap_or_default().into() },
        // Refused before the throttles, as DRF's `initial()` does (and so not counted).
        Err(refused) => return Ok(req.error_response(refused).map_into_right_body()),
    };
    match services.throttles.check(classes, &client) {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(throttled) => {
            metrics::counter!("latchkey_throttled_requests_total").increment(1);
            Ok(req.error_response(ApiError::Throttled(throttled)).map_into_right_body())
        }
    }
}
