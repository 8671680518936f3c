//! The address check: where a guest's request may connect once its host name is allowed. Names are checked
//! first (`allow`), then every address they resolve to, and the request connects to the address that passed,
//! so a name that resolves (or is rebound) to the Runtime API, the metadata endpoints or the local host does
//! not get through.
//!
//! - Never: the Runtime API's own address and the container-credentials endpoint, even when listed (a guest
//!   there could answer invocations, or read the function's credentials).
//! - Loopback, link-local (169.254.0.0/16, fe80::/10: the metadata and credentials endpoints) and unspecified
//!   addresses: only when the allow-list names that IP literal with that port.
//! - Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): when a rule names the host (a VPC
//!   endpoint, a PrivateLink name), never through `*` or `*.domain`.
//! - Anything else (public): allowed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::allow::Reach;

/// The link-local address of Lambda's (and ECS's) container-credentials endpoint.
pub const CONTAINER_CREDENTIALS: IpAddr = IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2));

/// Addresses no guest request may reach, whatever the allow-list says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forbidden {
    /// The Runtime API (from `AWS_LAMBDA_RUNTIME_API`) and the container-credentials endpoint (from
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`), as IP and port.
    endpoints: Vec<SocketAddr>,
}

impl Forbidden {
    /// The endpoints in `addresses` (each `host:port` or a URL, with an IP literal or `localhost` as its host),
    /// plus the container-credentials address. Nothing is looked up: Lambda gives both as IP literals, and a name
    /// that is not is reached through its address, which the address check then refuses as loopback or
    /// link-local unless listed.
    pub fn new<'a>(addresses: impl IntoIterator<Item = &'a str>) -> Self {
        let mut endpoints = Vec::new();
        for address in addresses {
            let rest = address.split_once("://").map_or(address, |(_, rest)| rest);
            let authority = rest.split('/').next().unwrap_or_default();
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) if !host.ends_with(':') => match port.parse::<u16>() {
                    Ok(port) => (host, port),
                    Err(_) => continue,
                },
                _ => (authority, 80),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let ips: Vec<IpAddr> = match host.parse::<IpAddr>() {
                Ok(ip) => vec![ip],
                Err(_) if host.eq_ignore_ascii_case("localhost") => {
                    vec![
                        IpAddr::V4(Ipv4Addr::LOCALHOST),
                        IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
                    ]
                }
                Err(_) => Vec::new(),
            };
            endpoints.extend(ips.into_iter().map(|ip| SocketAddr::new(ip, port)));
        }
        Self { endpoints }
    }

    /// Whether `addr` is one of them: the same IP and port, or any local address on a local endpoint's port
    /// (a server bound to 0.0.0.0 answers on every one of them).
    fn contains(&self, addr: SocketAddr) -> bool {
        let ip = canonical(addr.ip());
        ip == CONTAINER_CREDENTIALS
            || self.endpoints.iter().any(|endpoint| {
                let theirs = canonical(endpoint.ip());
                endpoint.port() == addr.port() && (theirs == ip || (is_local(theirs) && is_local(ip)))
            })
    }
}

/// Why an address was refused, in words for the function's log.
pub type Refusal = &'static str;

/// Checks one resolved address of a host allowed with `reach`.
pub fn check(addr: SocketAddr, reach: Reach, forbidden: &Forbidden) -> Result<(), Refusal> {
    let ip = canonical(addr.ip());
    if forbidden.contains(addr) {
        return Err("it is the Lambda Runtime API or the credentials endpoint, which no guest may call");
    }
    if is_local(ip) || is_link_local(ip) {
        return match reach {
            Reach::ExactAddress => Ok(()),
            _ => Err("it is a loopback, link-local or unspecified address: list its IP and port to allow it"),
        };
    }
    if is_private(ip) && reach == Reach::Wildcard {
        return Err("it is a private address, which `*` and `*.domain` do not reach: list the host by name");
    }
    Ok(())
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Loopback or unspecified: this machine.
fn is_local(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SocketAddr {
        text.parse()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    #[test]
    fn the_runtime_api_and_credentials_are_never_reached() {
        let forbidden = Forbidden::new(["127.0.0.1:9001", "http://169.254.170.2/v2/credentials"]);
        let named = Forbidden::new([
            "localhost:9001",
            "http://[::1]:8080/creds",
            "not-an-address",
            "x:y",
        ]);
        assert!(check(at("127.0.0.1:9001"), Reach::ExactAddress, &named).is_err());
        assert!(check(at("[::1]:8080"), Reach::ExactAddress, &named).is_err());
        for target in [
            "127.0.0.1:9001",
            "127.0.0.2:9001",
            "0.0.0.0:9001",
            "[::1]:9001",
            "[::ffff:127.0.0.1]:9001",
        ] {
            assert!(
                check(at(target), Reach::ExactAddress, &forbidden).is_err(),
                "{target}"
            );
        }
        assert!(check(at("169.254.170.2:80"), Reach::ExactAddress, &forbidden).is_err());
        assert!(
            check(at("127.0.0.1:9002"), Reach::ExactAddress, &forbidden).is_ok(),
            "another port, listed"
        );
    }

    #[test]
    fn local_and_link_local_need_an_exact_listing() {
        let none = Forbidden::default();
        for target in [
            "127.0.0.1:80",
            "[::1]:80",
            "0.0.0.0:80",
            "169.254.169.254:80",
            "[fe80::1]:80",
        ] {
            assert!(
                check(at(target), Reach::Wildcard, &none).is_err(),
                "{target} by *"
            );
            assert!(
                check(at(target), Reach::Named, &none).is_err(),
                "{target} by a name"
            );
            assert!(
                check(at(target), Reach::ExactAddress, &none).is_ok(),
                "{target} listed"
            );
        }
    }

    #[test]
    fn private_ranges_need_a_name_and_public_ones_pass() {
        let none = Forbidden::default();
        for target in [
            "10.1.2.3:443",
            "172.16.0.1:443",
            "192.168.1.1:443",
            "100.64.0.1:443",
            "[fd00::1]:443",
        ] {
            assert!(
                check(at(target), Reach::Wildcard, &none).is_err(),
                "{target} by *"
            );
            assert!(
                check(at(target), Reach::Named, &none).is_ok(),
                "{target} by its name"
            );
        }
        for target in ["52.94.236.248:443", "8.8.8.8:53", "[2600:1f18::1]:443"] {
            assert!(check(at(target), Reach::Wildcard, &none).is_ok(), "{target}");
        }
    }
}
