//! `LAMBDA_WASM_ALLOW_HTTP`: which hosts a guest may call, by name (or IP literal) and port.

use std::net::IpAddr;

/// One allowed destination: a host pattern and, optionally, a port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// `*` (any host), `*.example.com` (any subdomain of example.com) or an exact host name or address.
    host: String,
    /// The one port allowed; `None`: the default ports, 80 for http and 443 for https.
    port: Option<u16>,
}

/// How a request's host was allowed: what the address check then permits (see `address`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// By `*` or a `*.domain` rule: public addresses only.
    Wildcard,
    /// By a rule naming this host: public and private addresses (inside a VPC, AWS endpoints and PrivateLink
    /// names resolve to 10.x).
    Named,
    /// By a rule naming this IP literal AND this port: the only way to reach a loopback or link-local address.
    ExactAddress,
}

/// The hosts a function may call, from `LAMBDA_WASM_ALLOW_HTTP=host[:port],...`.
///
/// - `api.example.com`: that host, on ports 80 and 443;
/// - `api.example.com:8443`: that host, on that port only;
/// - `*.example.com`: every subdomain of example.com (not example.com itself), on ports 80 and 443;
/// - `*`: every public host on every port;
/// - `127.0.0.1:8080`, `[::1]:8080`: a loopback or link-local address is reached only when listed like this, IP
///   and port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Empty: nothing is allowed (the default).
    rules: Vec<Rule>,
}

impl AllowList {
    /// Parses the variable's value; an empty value allows nothing.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let item = item.to_ascii_lowercase();
            let (host, port) = split_host_port(&item)?;
            let valid = host == "*"
                || host.parse::<IpAddr>().is_ok()
                || host.strip_prefix("*.").unwrap_or(&host).split('.').all(|label| {
                    !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if !valid {
                return Err(format!(
                    "`{item}` is not a host name, an IP address, `*.domain` or `*`"
                ));
            }
            rules.push(Rule { host, port });
        }
        Ok(Self { rules })
    }

    /// Whether a request to `host:port` over `scheme` may go out, by name.
    pub fn permits(&self, host: &str, port: Option<u16>, https: bool) -> bool {
        self.reach(host, port, https).is_some()
    }

    /// How far a request to `host:port` may go (see [`Reach`]); `None` when no rule allows it. The most
    /// specific matching rule wins.
    pub fn reach(&self, host: &str, port: Option<u16>, https: bool) -> Option<Reach> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let default_port = if https { 443 } else { 80 };
        let port = port.unwrap_or(default_port);
        self.rules
            .iter()
            .filter_map(|rule| {
                let port_ok = match rule.port {
                    Some(allowed) => allowed == port,
                    None => rule.host == "*" || port == 80 || port == 443,
                };
                if !port_ok {
                    return None;
                }
                if rule.host == "*" {
                    return Some(Reach::Wildcard);
                }
                if let Some(domain) = rule.host.strip_prefix("*.") {
                    let sub = host.strip_suffix(domain)?;
                    return (sub.ends_with('.') && sub.len() > 1).then_some(Reach::Wildcard);
                }
                if rule.host != host {
                    return None;
                }
                let literal = host.parse::<IpAddr>().is_ok();
                Some(if literal && rule.port.is_some() {
                    Reach::ExactAddress
                } else {
                    Reach::Named
                })
            })
            .max()
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
fn split_host_port(item: &str) -> Result<(String, Option<u16>), String> {
    let parse_port = |port: &str| {
        port.parse::<u16>()
            .map_err(|_| format!("`{item}`: `{port}` is not a port"))
    };
    if let Some(rest) = item.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{item}`: no closing `]`"))?;
        return match after {
            "" => Ok((host.to_owned(), None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host.to_owned(), Some(parse_port(port)?))),
                None => Err(format!("`{item}`: expected `:port` after `]`")),
            },
        };
    }
    if item.matches(':').count() > 1 {
        // A bare IPv6 address: no port can follow it without brackets.
        return Ok((item.to_owned(), None));
    }
    match item.rsplit_once(':') {
        Some((host, port)) => Ok((host.to_owned(), Some(parse_port(port)?))),
        None => Ok((item.to_owned(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(value: &str) -> AllowList {
        AllowList::parse(value).unwrap_or_default()
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        assert!(!AllowList::default().permits("example.com", None, true));
        assert!(!allow("").permits("example.com", None, false));
    }

    #[test]
    fn hosts_ports_and_wildcards() {
        let list = allow("api.example.com, 127.0.0.1:8080, *.amazonaws.com");
        assert!(list.permits("api.example.com", None, true));
        assert!(list.permits("API.example.com", Some(80), false));
        assert!(
            !list.permits("api.example.com", Some(8443), true),
            "only default ports without a port"
        );
        assert!(list.permits("127.0.0.1", Some(8080), false));
        assert!(!list.permits("127.0.0.1", Some(8081), false));
        assert!(list.permits("s3.us-east-1.amazonaws.com", None, true));
        assert!(
            !list.permits("amazonaws.com", None, true),
            "the wildcard is for subdomains"
        );
        assert!(!list.permits("evilamazonaws.com", None, true));
        assert!(allow("*").permits("anything.test", Some(1234), false));
        assert!(allow("*:8080").permits("anything.test", Some(8080), false));
    }

    #[test]
    fn reach_is_the_most_specific_rule() {
        let list = allow("*, api.example.com, 127.0.0.1:9000, 10.0.0.5");
        assert_eq!(list.reach("other.test", None, true), Some(Reach::Wildcard));
        assert_eq!(list.reach("api.example.com", None, true), Some(Reach::Named));
        assert_eq!(
            list.reach("127.0.0.1", Some(9000), false),
            Some(Reach::ExactAddress)
        );
        assert_eq!(list.reach("127.0.0.1", Some(9001), false), Some(Reach::Wildcard));
        assert_eq!(
            list.reach("10.0.0.5", None, false),
            Some(Reach::Named),
            "an IP without a port"
        );
    }

    #[test]
    fn ipv6_forms_parse() {
        let list = allow("[::1]:8080, [fd00::1], ::2");
        assert_eq!(list.reach("[::1]", Some(8080), false), Some(Reach::ExactAddress));
        assert_eq!(list.reach("fd00::1", None, true), Some(Reach::Named));
        assert_eq!(list.reach("::2", None, false), Some(Reach::Named));
        assert!(
            AllowList::parse("[::1]").is_ok(),
            "a bracketed address without a port"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in ["http://x", "a b", "host:port", "*.*", "[::1", "[::1]x"] {
            assert!(AllowList::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
