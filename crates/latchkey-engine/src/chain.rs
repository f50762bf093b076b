use crate::error::SchemeError;
use crate::header::AuthorizationHeader;
use crate::principal::Principal;
use crate::scheme::AuthScheme;
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

/// The schemes a deployment accepts, in order. The first scheme that recognises a header
/// decides; a header no scheme recognises leaves the request anonymous.
#[derive(Clone, Default)]
pub struct SchemeChain {
    schemes: Vec<Arc<dyn AuthScheme>>,
}

impl SchemeChain {
    pub fn new(schemes: Vec<Arc<dyn AuthScheme>>) -> Self {
        Self { schemes }
    }

    pub fn schemes(&self) -> &[Arc<dyn AuthScheme>] {
        &self.schemes
    }

    /// `Ok(None)`: anonymous (no header, or one no scheme claims).
    pub async fn authenticate(&self, authorization: Option<&[u8]>) -> Result<Option<Principal>, SchemeError> {
        let Some(header) = authorization.and_then(AuthorizationHeader::parse) else {
            return Ok(None);
        };
        for scheme in &self.schemes {
            if scheme.recognizes(header.keyword()) {
                return scheme.authenticate(&header).await.map(Some);
            }
        }
        Ok(None)
    }

    /// The `WWW-Authenticate` of a 401: the first scheme's challenge (DRF's rule). `None`
    /// with no schemes, where DRF answers 403 instead.
    pub fn challenge(&self) -> Option<&str> {
        self.schemes.first().map(|s| s.challenge())
    }
}

#[derive(Debug, Error)]
#[error("unknown authentication scheme {name:?} (known: {known})")]
pub struct UnknownScheme {
    pub name: String,
    pub known: String,
}

/// Names the schemes a deployment can list in configuration.
#[derive(Default)]
pub struct SchemeRegistry {
    schemes: BTreeMap<String, Arc<dyn AuthScheme>>,
}

impl SchemeRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(mut self, scheme: Arc<dyn AuthScheme>) -> Self {
        self.schemes.insert(scheme.name().to_owned(), scheme);
        self
    }

    /// The chain for `names`, in that order.
    pub fn chain<S: AsRef<str>>(&self, names: &[S]) -> Result<SchemeChain, UnknownScheme> {
        names
            .iter()
            .map(|name| {
                self.schemes.get(name.as_ref()).cloned().ok_or_else(|| UnknownScheme {
                    name: name.as_ref().to_owned(),
                    known: self.schemes.keys().cloned().collect::<Vec<_>>().join(", "),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(SchemeChain::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AuthError;
    use crate::scheme::BoxFuture;
    use latchkey_domain::UserId;

    struct Fixed {
        name: &'static str,
        keyword: &'static [u8],
        accept: bool,
    }

    impl AuthScheme for Fixed {
        fn name(&self) -> &'static str {
            self.name
        }
        fn recognizes(&self, keyword: &[u8]) -> bool {
            keyword == self.keyword
        }
        fn authenticate<'a>(&'a self, _: &'a AuthorizationHeader<'a>) -> BoxFuture<'a, Result<Principal, SchemeError>> {
            Box::pin(async move {
                if self.accept {
                    Ok(Principal {
                        user_id: UserId(1),
                        username: self.name.into(),
                        is_staff: false,
                        is_superuser: false,
                        scheme: self.name,
                        credential_id: None,
                    })
                } else {
                    Err(AuthError::invalid_token().into())
                }
            })
        }
        fn challenge(&self) -> &str {
            self.name
        }
    }

    fn registry() -> SchemeRegistry {
        SchemeRegistry::new()
            .register(Arc::new(Fixed { name: "a", keyword: b"A", accept: true }))
            .register(Arc::new(Fixed { name: "b", keyword: b"B", accept: false }))
    }

    #[test]
    fn first_recognising_scheme_decides() {
        let chain = registry().chain(&["b", "a"]).expect("chain");
        assert_eq!(chain.challenge(), Some("b"));
        let ok = pollster::block_on(chain.authenticate(Some(b"A x"))).expect("ok").expect("principal");
        assert_eq!(ok.scheme, "a");
        assert!(matches!(pollster::block_on(chain.authenticate(Some(b"B x"))), Err(SchemeError::Rejected(_))));
        assert!(pollster::block_on(chain.authenticate(Some(b"C x"))).expect("ok").is_none());
        assert!(pollster::block_on(chain.authenticate(None)).expect("ok").is_none());
    }

    #[test]
    fn unknown_names_are_refused() {
        let err = registry().chain(&["a", "nope"]).err().expect("error");
        assert_eq!(err.name, "nope");
        assert_eq!(err.known, "a, b");
    }
}
