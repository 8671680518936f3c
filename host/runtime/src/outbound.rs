//! Outbound HTTP for guests (`wasi:http/outgoing-handler`): denied unless the function lists the host in
//! `LAMBDA_WASM_ALLOW_HTTP`, and never allowed to outlive the invocation.

use std::future::Future;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::Request;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::logging::{Level, Logger};

/// How long before the guest is stopped an outbound request times out, so the guest sees the timeout.
const GUEST_GRACE: Duration = Duration::from_millis(25);
/// Longest an outbound request may wait at any stage when the invocation has no deadline yet.
const NO_DEADLINE: Duration = Duration::from_secs(900);

/// One allowed destination: a host pattern and, optionally, a port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// `*` (any host), `*.example.com` (any subdomain of example.com) or an exact host name or address.
    host: String,
    /// The one port allowed; `None`: the default ports, 80 for http and 443 for https.
    port: Option<u16>,
}

/// The hosts a function may call, from `LAMBDA_WASM_ALLOW_HTTP=host[:port],...`.
///
/// - `api.example.com`: that host, on ports 80 and 443;
/// - `api.example.com:8443`: that host, on that port only;
/// - `*.example.com`: every subdomain of example.com (not example.com itself), on ports 80 and 443;
/// - `*`: every host on every port (use with care).
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
            let (host, port) = match item.rsplit_once(':') {
                Some((host, port)) if !host.ends_with(']') || item.starts_with('[') => {
                    let port = port
                        .parse::<u16>()
                        .map_err(|_| format!("`{item}`: `{port}` is not a port"))?;
                    (host.to_owned(), Some(port))
                }
                _ => (item.clone(), None),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
            let valid = host == "*"
                || host.strip_prefix("*.").unwrap_or(&host).split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
                });
            if !valid {
                return Err(format!("`{item}` is not a host name, `*.domain` or `*`"));
            }
            rules.push(Rule { host, port });
        }
        Ok(Self { rules })
    }

    /// Whether a request to `host:port` over `scheme` may go out.
    pub fn permits(&self, host: &str, port: Option<u16>, https: bool) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let default_port = if https { 443 } else { 80 };
        let port = port.unwrap_or(default_port);
        self.rules.iter().any(|rule| {
            if rule.host == "*" && rule.port.is_none() {
                return true;
            }
            let host_ok = match rule.host.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
                None => rule.host == "*" || rule.host == host,
            };
            let port_ok = match rule.port {
                Some(allowed) => allowed == port,
                None => port == 80 || port == 443,
            };
            host_ok && port_ok
        })
    }
}

/// The policy for one store: the allow-list, and the invocation's deadline to clamp every timeout to.
pub struct Outbound {
    /// The function's allow-list.
    allow: AllowList,
    /// When the guest will be stopped; an outbound request never waits past it.
    pub stop_at: Option<Instant>,
    /// Denials are logged, so a function's owner sees what to allow.
    logger: Logger,
}

impl Outbound {
    /// A policy from the allow-list.
    pub fn new(allow: AllowList, logger: Logger) -> Self {
        Self {
            allow,
            stop_at: None,
            logger,
        }
    }

    /// The request's options with every timeout clamped to the time left.
    fn clamp(&self, options: Option<RequestOptions>) -> RequestOptions {
        // The guest gets the timeout a little before it is stopped, so it can still report it.
        let left = self.stop_at.map_or(NO_DEADLINE, |at| {
            at.saturating_duration_since(Instant::now())
                .saturating_sub(GUEST_GRACE)
        });
        let clamp = |timeout: Option<Duration>| Some(timeout.map_or(left, |t| t.min(left)));
        let options = options.unwrap_or_default();
        RequestOptions {
            connect_timeout: clamp(options.connect_timeout),
            first_byte_timeout: clamp(options.first_byte_timeout),
            between_bytes_timeout: clamp(options.between_bytes_timeout),
        }
    }
}

/// What `send_request` hands back to wasmtime-wasi-http.
type Sent = Box<
    dyn Future<
            Output = Result<
                (
                    hyper::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_errors: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        let uri = request.uri();
        let https = uri.scheme_str() == Some("https");
        let host = uri.host().unwrap_or_default().to_owned();
        let port = uri.port_u16();
        if !self.allow.permits(&host, port, https) {
            let shown = port.map_or_else(|| host.clone(), |p| format!("{host}:{p}"));
            self.logger.log(
                Level::Warn,
                &format!("outbound HTTP to {shown} denied: list it in LAMBDA_WASM_ALLOW_HTTP to allow it"),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let options = self.clamp(options);
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
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
    fn bad_values_are_refused() {
        for bad in ["http://x", "a b", "host:port", "*.*"] {
            assert!(AllowList::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn timeouts_never_outlive_the_invocation() {
        let mut outbound = Outbound::new(AllowList::default(), Logger::new(false, Level::Error));
        outbound.stop_at = Some(Instant::now() + Duration::from_secs(2));
        let options = outbound.clamp(Some(RequestOptions {
            connect_timeout: Some(Duration::from_secs(60)),
            first_byte_timeout: None,
            between_bytes_timeout: Some(Duration::from_millis(10)),
        }));
        assert!(
            options
                .connect_timeout
                .is_some_and(|t| t <= Duration::from_secs(2))
        );
        assert!(
            options
                .first_byte_timeout
                .is_some_and(|t| t <= Duration::from_secs(2))
        );
        assert_eq!(options.between_bytes_timeout, Some(Duration::from_millis(10)));
    }
}
