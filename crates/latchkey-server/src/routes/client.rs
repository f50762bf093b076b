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
    // As a WSGI server hands them to DRF: every `X-Forwarded-For` line, joined with ",", as
    // Latin-1. A proxy that adds a line of its own (HAProxy's `option forwardfor`) is then the
    // last hop, as it should be, not a line the client wrote.
    let lines: Vec<_> = req.headers().get_all("x-forwarded-for").map(|v| latchkey_drf::latin1(v.as_bytes())).collect();
    if lines.is_empty() {
        return peer;
    }
    let forwarded = lines.join(",");
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
    fn every_forwarded_line_counts_as_wsgi_joins_them() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.9:5000".parse().expect("addr"))
            .append_header(("X-Forwarded-For", "6.6.6.6"))
            .append_header(("X-Forwarded-For", "203.0.113.7"))
            .to_http_request();
        assert_eq!(client_ip(&req, 1).as_deref(), Some("203.0.113.7"), "the proxy's own line");
        assert_eq!(client_ip(&req, 2).as_deref(), Some("6.6.6.6"));
        let latin1 = TestRequest::default()
            .insert_header((
                "X-Forwarded-For",
                actix_web::http::header::HeaderValue::from_bytes(b"caf\xe9").expect("value"),
            ))
            .to_http_request();
        assert_eq!(client_ip(&latin1, 1).as_deref(), Some("caf\u{e9}"));
    }

    #[test]
    fn long_user_agents_are_cut() {
        let req = TestRequest::default().insert_header(("User-Agent", "x".repeat(2000))).to_http_request();
        assert_eq!(session_client(&req, 0).user_agent.map(|ua| ua.len()), Some(512));
    }
}
