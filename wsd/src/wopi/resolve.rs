//! Name resolution for the WOPI client that keeps wildcard entries off internal addresses.
//!
//! `https://*.example.com` trusts whoever controls the example.com zone to point any subdomain
//! anywhere, including 127.0.0.1 or 10.0.0.1 (DNS rebinding): wsd would then send requests,
//! with an access token, to services on its own machine or network. So a name that the
//! allow-list matches only through a wildcard may resolve to public addresses only; loopback,
//! link-local, private and the other internal ranges ([`internal`]) are dropped unless that
//! address is itself listed (`http://10.0.0.5:8080`). A name listed exactly
//! (`https://wopi.internal.example`) is the operator's explicit choice and may resolve anywhere.
//!
//! The check runs inside reqwest's resolver, so the address checked is the address connected
//! to: there is no second lookup an attacker could answer differently.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::wopi_hosts::WopiHostPattern;

/// The resolver error when every address of a name was dropped; [`super::WopiError`] recognises
/// it in the error chain and reports the host as not allowed (not as a connection failure, so
/// an answer tells nothing about what listens there).
#[derive(Debug, thiserror::Error)]
#[error(
    "{host} resolves only to internal addresses (loopback, link-local or private), which a \
     wildcard entry of storage.wopi_hosts does not reach; list the host or address explicitly"
)]
pub struct InternalAddressRefused {
    pub host: String,
}

/// A reqwest resolver that resolves with the system's resolver and then applies the rule above.
pub struct AllowListResolver {
    list: Arc<[WopiHostPattern]>,
}

impl AllowListResolver {
    pub fn new(list: Arc<[WopiHostPattern]>) -> Arc<AllowListResolver> {
        Arc::new(AllowListResolver { list })
    }
}

impl Resolve for AllowListResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let list = self.list.clone();
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept = filter_addresses(&list, &host, resolved);
            if kept.is_empty() {
                return Err(Box::new(InternalAddressRefused { host }) as _);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The addresses of `host` that wsd may connect to (an empty result means none).
pub fn filter_addresses(
    list: &[WopiHostPattern],
    host: &str,
    resolved: Vec<SocketAddr>,
) -> Vec<SocketAddr> {
    if list.iter().any(|pattern| pattern.names_exactly(host)) {
        return resolved;
    }
    resolved
        .into_iter()
        .filter(|addr| {
            let ip = addr.ip();
            !internal(ip) || list.iter().any(|pattern| pattern.names_address(ip))
        })
        .collect()
}

/// Whether `ip` is an address a wildcard entry must not reach: this machine, the local link, a
/// private or shared network, or no real unicast destination. IPv6 forms that embed an IPv4
/// address (mapped, NAT64) are judged by that address.
pub fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => internal_v4(v4),
            None => internal_v6(v6),
        },
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        // 0.0.0.0/8 ("this network"), 100.64.0.0/10 (carrier-grade NAT), 240.0.0.0/4 (reserved)
        || a == 0
        || (a == 100 && (b & 0xc0) == 64)
        || a >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 old site-local
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`) or
/// NAT64 (`64:ff9b::a.b.c.d`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] => Some(tail),
        [0, 0, 0, 0, 0, 0, ..] if !ip.is_loopback() && !ip.is_unspecified() => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(tail),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<WopiHostPattern> {
        entries.iter().map(|e| e.parse().unwrap()).collect()
    }

    fn addrs(ips: &[&str]) -> Vec<SocketAddr> {
        ips.iter()
            .map(|ip| SocketAddr::new(ip.parse().unwrap(), 0))
            .collect()
    }

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "fc12::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "ff02::1",
        ] {
            assert!(internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "8.8.8.8",
            "2001:db8::1",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
        ] {
            assert!(!internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn a_wildcard_name_loses_its_internal_addresses() {
        let list = list(&["https://*.example.com"]);
        let kept = filter_addresses(
            &list,
            "evil.example.com",
            addrs(&["127.0.0.1", "93.184.216.34", "10.0.0.1", "::1"]),
        );
        assert_eq!(kept, addrs(&["93.184.216.34"]));
        assert!(filter_addresses(&list, "evil.example.com", addrs(&["127.0.0.1"])).is_empty());
    }

    #[test]
    fn an_exactly_listed_name_may_resolve_anywhere() {
        let list = list(&["https://*.example.com", "https://wopi.example.com:8443"]);
        let all = addrs(&["10.0.0.7", "127.0.0.1"]);
        assert_eq!(
            filter_addresses(&list, "wopi.example.com", all.clone()),
            all
        );
        assert!(filter_addresses(&list, "other.example.com", all).is_empty());
    }

    #[test]
    fn a_listed_address_is_reachable_through_a_wildcard_name() {
        let list = list(&[
            "https://*.example.com",
            "http://10.0.0.5:8080",
            "http://[fd00::5]",
        ]);
        assert_eq!(
            filter_addresses(
                &list,
                "a.example.com",
                addrs(&["10.0.0.5", "10.0.0.6", "fd00::5"])
            ),
            addrs(&["10.0.0.5", "fd00::5"])
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_wildcard_name_on_loopback() {
        // "localhost" resolves to loopback without any DNS server.
        let resolver = AllowListResolver::new(list(&["http://*.localhost:*"]).into());
        let error = match resolver.resolve("sub.localhost".parse().unwrap()).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(error) => error,
        };
        // glibc may not resolve *.localhost at all; then the lookup error is the refusal.
        if let Some(refused) = error.downcast_ref::<InternalAddressRefused>() {
            assert_eq!(refused.host, "sub.localhost");
        }
        let resolver = AllowListResolver::new(list(&["http://localhost:*"]).into());
        let addrs: Vec<_> = resolver
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
        let resolver = AllowListResolver::new(list(&["http://*.host:*"]).into());
        let error = resolver
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost is loopback only");
        assert!(error.downcast_ref::<InternalAddressRefused>().is_some());
    }
}
