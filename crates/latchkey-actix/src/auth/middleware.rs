use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use latchkey_engine::{AuthError, Principal, SchemeChain, SchemeError};
use std::sync::Arc;

/// What the chain made of a request's credentials, kept in the request's extensions. It is
/// not acted on here: DRF rejects a bad credential only on views that read the user, so an
/// unknown path still answers 404 and the token views ignore the header altogether.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    Anonymous,
    Authenticated(Principal),
    Rejected(AuthError),
    /// The scheme's store failed: shared, because the outcome is cloned to every reader.
    Unavailable(Arc<SchemeError>),
}

/// The middleware: `App::new().app_data(web::Data::new(chain)).wrap(from_fn(authenticate))`.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(chain) = req.app_data::<web::Data<SchemeChain>>().cloned() {
        // A cheap reference-counted clone: the request's headers cannot stay borrowed across
        // the await.
        let header = req.headers().get(header::AUTHORIZATION).cloned();
        let outcome = match chain.authenticate(header.as_ref().map(|v| v.as_bytes())).await {
            Ok(None) => AuthOutcome::Anonymous,
            Ok(Some(principal)) => AuthOutcome::Authenticated(principal),
            Err(SchemeError::Rejected(error)) => AuthOutcome::Rejected(error),
            Err(err @ SchemeError::Unavailable(_)) => AuthOutcome::Unavailable(Arc::new(err)),
        };
        req.extensions_mut().insert(outcome);
    }
    next.call(req).await
}
