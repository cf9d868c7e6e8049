//! Who the client is, for rate limits only: the peer address, or — when the peer is one of
//! `trusted_proxies` — the rightmost address in `X-Forwarded-For` that is not itself a trusted
//! proxy. Nobody else's header is believed. The address is never stored or logged; limiters
//! key on a hash of it that lives in memory only.

use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::AppState;
use crate::configuration::TrustedProxies;

pub fn client_address(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = forwarded_for
        .iter()
        .flat_map(|header| header.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    Some(hops.into_iter().rev().find(|hop| !trusted.contains(*hop)).unwrap_or(peer))
}

/// The client of a request, as the rules above decide.
pub fn of_request(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let headers: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    client_address(peer, &headers, trusted)
}

/// Extractor: the client's address as the rules above decide.
pub struct Client(pub Option<IpAddr>);

impl FromRequest for Client {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let address = match req.app_data::<web::Data<AppState>>() {
            Some(state) => of_request(req, &state.settings.trusted_proxies),
            None => req.peer_addr().map(|a| a.ip()),
        };
        std::future::ready(Ok(Client(address)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_listed_proxies_are_believed() {
        let none = TrustedProxies::default();
        let proxy = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap()]);
        // (peer, X-Forwarded-For, trusted, client)
        let cases: [(&str, &[&str], &TrustedProxies, &str); 6] = [
            ("203.0.113.9", &["1.2.3.4"], &none, "203.0.113.9"),
            ("203.0.113.9", &["1.2.3.4"], &proxy, "203.0.113.9"),
            ("10.0.0.5", &["1.2.3.4"], &proxy, "1.2.3.4"),
            ("10.0.0.5", &["6.6.6.6, 1.2.3.4"], &proxy, "1.2.3.4"),
            ("10.0.0.5", &["6.6.6.6, 1.2.3.4, 10.0.0.7"], &proxy, "1.2.3.4"),
            ("10.0.0.5", &["not an address"], &proxy, "10.0.0.5"),
        ];
        for (peer, xff, trusted, client) in cases {
            assert_eq!(client_address(Some(ip(peer)), xff, trusted), Some(ip(client)), "{peer} {xff:?}");
        }
    }
}
