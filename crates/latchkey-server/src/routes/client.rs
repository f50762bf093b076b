//! Where a request came from, as a session records it at login.

use actix_web::HttpRequest;
use actix_web::http::header;
use latchkey_jwt::SessionClient;

/// A `User-Agent` longer than this is cut (the column holds 512 characters).
const USER_AGENT_MAX_CHARS: usize = 512;

/// The client of `req`: its `User-Agent` and its IP as DRF's throttles identify it.
pub(crate) fn session_client(req: &HttpRequest, num_proxies: usize) -> SessionClient {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).chars().take(USER_AGENT_MAX_CHARS).collect());
    SessionClient { user_agent, ip: client_ip(req, num_proxies) }
}

/// DRF's `BaseThrottle.get_ident`: the peer address, or with `NUM_PROXIES` set, the
/// `X-Forwarded-For` entry that many hops from the right (the leftmost when there are fewer).
pub(crate) fn client_ip(req: &HttpRequest, num_proxies: usize) -> Option<String> {
    let peer = req.peer_addr().map(|addr| addr.ip().to_string());
    if num_proxies == 0 {
        return peer;
    }
    let Some(forwarded) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()) else {
        return peer;
    };
    let hops: Vec<&str> = forwarded.split(',').collect();
    let chosen = hops[hops.len() - num_proxies.min(hops.len())].trim();
    // The column holds 64 characters; an address is at most 45.
    Some(chosen.chars().take(64).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(xff: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr("10.0.0.9:5000".parse().expect("addr"));
        if let Some(xff) = xff {
            req = req.insert_header(("X-Forwarded-For", xff));
        }
        req.to_http_request()
    }

    #[test]
    fn the_peer_unless_proxies_are_trusted() {
        assert_eq!(client_ip(&request(Some("1.2.3.4")), 0).as_deref(), Some("10.0.0.9"));
        assert_eq!(client_ip(&request(None), 1).as_deref(), Some("10.0.0.9"));
    }

    #[test]
    fn num_proxies_hops_from_the_right_as_drf() {
        let xff = "203.0.113.7, 198.51.100.2 , 10.0.0.1";
        assert_eq!(client_ip(&request(Some(xff)), 1).as_deref(), Some("10.0.0.1"));
        assert_eq!(client_ip(&request(Some(xff)), 2).as_deref(), Some("198.51.100.2"));
        assert_eq!(client_ip(&request(Some(xff)), 3).as_deref(), Some("203.0.113.7"));
        assert_eq!(client_ip(&request(Some(xff)), 9).as_deref(), Some("203.0.113.7"));
    }

    #[test]
    fn long_user_agents_are_cut() {
        let req = TestRequest::default().insert_header(("User-Agent", "x".repeat(2000))).to_http_request();
        assert_eq!(session_client(&req, 0).user_agent.map(|ua| ua.len()), Some(512));
    }
}
