//! Which prover endpoints a client may reach. An endpoint is whatever URL a prover
//! published with its bond, so a client or watcher that followed any URL would send
//! requests, on a stranger's word, into its own machine or network (loopback, a private
//! range, the cloud metadata address at 169.254.169.254). [`check`] refuses an endpoint
//! whose host is, or resolves to, an address that is not public ([`not_public`] says
//! which), unless the process allows private endpoints ([`allow_private`]: a dev chain on
//! one machine, a private network).
//!
//! Every prover client is made by [`crate::api::client`], which checks its URL before each
//! request, so the policy holds for discovery, fail-over, proof fetches and the watcher
//! alike. The check resolves the name just before the connection does; a name whose
//! answers change in between (DNS rebinding) is not caught.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    sync::atomic::{AtomicBool, Ordering},
};

/// Why an endpoint is not reached.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Its host is, or resolves to, an address that is not public.
    #[error(
        "the prover endpoint {url} is at {addr}, a {kind} address: clients reach only public addresses \
         unless told to (--allow-private-endpoints, or GHOST_ALLOW_PRIVATE_ENDPOINTS=true)"
    )]
    NotPublic {
        /// The endpoint.
        url: String,
        /// The address.
        addr: IpAddr,
        /// What kind of address it is (`loopback`, `private`, …).
        kind: &'static str,
    },
    /// It is not an `http://` or `https://` URL with a host.
    #[error("the prover endpoint {url} is not an http:// or https:// URL with a host")]
    Malformed {
        /// The endpoint.
        url: String,
    },
    /// Its host name does not resolve.
    #[error("the prover endpoint {url} does not resolve: {why}")]
    Unresolved {
        /// The endpoint.
        url: String,
        /// Why.
        why: String,
    },
}

/// Whether this process lets clients reach private endpoints (off unless told).
static ALLOW_PRIVATE: AtomicBool = AtomicBool::new(false);

/// Let (or stop letting) every prover client of this process reach endpoints that are not
/// public. One switch for the process: the CLI sets it from `--allow-private-endpoints`.
pub fn allow_private(yes: bool) {
    ALLOW_PRIVATE.store(yes, Ordering::Relaxed);
}

/// Whether private endpoints are allowed in this process.
pub fn private_allowed() -> bool {
    ALLOW_PRIVATE.load(Ordering::Relaxed)
}

/// Refuse `url` unless every address its host is or resolves to is public, or private
/// endpoints are allowed in this process.
pub async fn check(url: &str) -> Result<(), EndpointError> {
    if private_allowed() {
        return Ok(());
    }
    check_public(url).await
}

/// Refuse `url` unless every address its host is or resolves to is public.
pub async fn check_public(url: &str) -> Result<(), EndpointError> {
    let (host, port) = host_and_port(url).ok_or_else(|| EndpointError::Malformed { url: url.to_string() })?;
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| EndpointError::Unresolved { url: url.to_string(), why: e.to_string() })?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(EndpointError::Unresolved { url: url.to_string(), why: "no address".into() });
    }
    // Every address: the connection may take any of them.
    for addr in addrs {
        if let Some(kind) = not_public(addr) {
            return Err(EndpointError::NotPublic { url: url.to_string(), addr, kind });
        }
    }
    Ok(())
}

/// The host (brackets of an IPv6 literal removed) and port of an `http(s)://` URL.
fn host_and_port(url: &str) -> Option<(&str, u16)> {
    let (rest, default_port) = match url.split_once("://")? {
        (scheme, rest) if scheme.eq_ignore_ascii_case("http") => (rest, 80),
        (scheme, rest) if scheme.eq_ignore_ascii_case("https") => (rest, 443),
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port,
    };
    (!host.is_empty()).then_some((host, port))
}

/// What kind of non-public address `ip` is, or `None` when it is public: the one place
/// that decides.
pub fn not_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => not_public_v4(v4),
        IpAddr::V6(v6) => not_public_v6(v6),
    }
}

fn not_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() || a == 0 => "unspecified",
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_private() => "private",
        _ if ip.is_link_local() => "link-local",
        (100, 64..=127, _) => "shared (carrier-grade NAT)",
        (192, 0, 0) => "IETF protocol",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking",
        _ if ip.is_multicast() => "multicast",
        _ if ip.is_broadcast() || a >= 240 => "reserved",
        _ => return None,
    })
}

fn not_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address carried in IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`) is
    // what it carries.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return not_public_v4(v4);
    }
    let s = ip.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return not_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    Some(match s[0] {
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_loopback() => "loopback",
        x if x & 0xfe00 == 0xfc00 => "unique local (private)",
        x if x & 0xffc0 == 0xfe80 => "link-local",
        x if x & 0xffc0 == 0xfec0 => "site-local (private)",
        x if x & 0xff00 == 0xff00 => "multicast",
        0x2001 if s[1] == 0x0db8 => "documentation",
        // Only 2000::/3 is allocated for global unicast.
        x if x & 0xe000 != 0x2000 => "reserved",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(ip: &str) -> Option<&'static str> {
        not_public(ip.parse().unwrap())
    }

    #[test]
    fn non_public_addresses_are_named() {
        for (ip, expected) in [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("192.0.2.1", "documentation"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fc00::1", "unique local (private)"),
            ("fd12:3456::1", "unique local (private)"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
        ] {
            assert_eq!(kind(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in
            ["1.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"]
        {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn hosts_and_ports_are_read_from_urls() {
        assert_eq!(host_and_port("http://127.0.0.1:9955"), Some(("127.0.0.1", 9955)));
        assert_eq!(host_and_port("https://prover.example/rpc?x#y"), Some(("prover.example", 443)));
        assert_eq!(host_and_port("http://[::1]:80/"), Some(("::1", 80)));
        assert_eq!(host_and_port("http://user:pw@10.0.0.1"), Some(("10.0.0.1", 80)));
        for bad in ["ws://1.1.1.1", "http://", "http://:80", "http://h:port", "127.0.0.1:9955"] {
            assert_eq!(host_and_port(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn endpoints_are_refused_by_address_and_by_name() {
        for url in ["http://127.0.0.1:9955", "http://[::1]:1", "http://169.254.169.254/latest", "http://localhost:9955"]
        {
            let refused = check_public(url).await.expect_err(url);
            assert!(matches!(refused, EndpointError::NotPublic { .. }), "{url}: {refused}");
            assert!(refused.to_string().contains("--allow-private-endpoints"), "{refused}");
        }
        assert!(check_public("http://8.8.8.8:80").await.is_ok());
        assert!(matches!(check_public("ftp://8.8.8.8").await, Err(EndpointError::Malformed { .. })));
    }
}
