//! Outbound HTTP for guests (`wasi:http/outgoing-handler`): denied unless the function lists the host in
//! `LAMBDA_WASM_ALLOW_HTTP` ([`allow`]) and every address it connects to passes the address check
//! ([`address`]), and never allowed to outlive the invocation.

pub mod address;
pub mod allow;
pub mod signing;

pub use address::Forbidden;
pub use allow::{AllowList, Reach};
pub use signing::Signer;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::Request;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::logging::{Level, Logger};

/// How long before the guest is stopped an outbound request times out, so the guest sees the timeout.
const GUEST_GRACE: Duration = Duration::from_millis(25);
/// Longest an outbound request may wait at any stage when the invocation has no deadline yet.
const NO_DEADLINE: Duration = Duration::from_secs(900);

/// The policy for one store: the allow-list, and the invocation's deadline to clamp every timeout to.
pub struct Outbound {
    /// The function's allow-list.
    allow: AllowList,
    /// The addresses no request may reach (the Runtime API, the credentials endpoint).
    forbidden: Arc<Forbidden>,
    /// Signs the requests a guest marks for AWS, with the function's credentials.
    signer: Arc<Signer>,
    /// When the guest will be stopped; an outbound request never waits past it.
    pub stop_at: Option<Instant>,
    /// Denials are logged, so a function's owner sees what to allow.
    logger: Logger,
}

impl Outbound {
    /// A policy from the allow-list.
    pub fn new(allow: AllowList, forbidden: Arc<Forbidden>, signer: Arc<Signer>, logger: Logger) -> Self {
        Self {
            allow,
            forbidden,
            signer,
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
        mut request: Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_errors: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        let uri = request.uri().clone();
        let https = uri.scheme_str() == Some("https");
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let shown = format!("{host}:{port}");
        let Some(reach) = self.allow.reach(&host, uri.port_u16(), https) else {
            self.logger.log(
                Level::Warn,
                &format!("outbound HTTP to {shown} denied: list it in LAMBDA_WASM_ALLOW_HTTP to allow it"),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        };
        // A request the guest marks for AWS is signed by the host, or refused: never sent unsigned.
        let marked = request.headers_mut().remove(signing::SIGN_HEADER);
        let scope = match marked {
            None => None,
            Some(value) if value.as_bytes().eq_ignore_ascii_case(b"aws") => {
                match self.signer.scope(&uri, reach != Reach::Wildcard) {
                    Ok(scope) => Some(scope),
                    Err(why) => {
                        self.logger.log(
                            Level::Warn,
                            &format!("signing a request to {shown} refused: {why}"),
                        );
                        return Box::new(async { Err(Error::HttpRequestDenied) });
                    }
                }
            }
            Some(_) => {
                self.logger.log(
                    Level::Warn,
                    &format!("a request to {shown} asked for a signature other than `aws`: refused"),
                );
                return Box::new(async { Err(Error::HttpRequestDenied) });
            }
        };
        let options = self.clamp(options);
        let forbidden = Arc::clone(&self.forbidden);
        let signer = Arc::clone(&self.signer);
        let logger = self.logger.clone();
        Box::new(async move {
            let connect_within = options.connect_timeout.unwrap_or(NO_DEADLINE);
            if let Some(scope) = &scope {
                request = match signer.sign(request, scope, connect_within).await {
                    Ok(signed) => signed,
                    Err(why) => {
                        logger.log(
                            Level::Warn,
                            &format!("signing a request to {shown} refused: {why}"),
                        );
                        return Err(Error::HttpRequestDenied);
                    }
                };
            }
            let addresses = match tokio::time::timeout(connect_within, resolve(&host, port)).await {
                Ok(Ok(addresses)) => addresses,
                Ok(Err(_)) => {
                    return Err(Error::DnsError {
                        rcode: None,
                        info_code: None,
                    });
                }
                Err(_) => return Err(Error::DnsTimeout),
            };
            let mut refusal = "it resolves to no address";
            let checked = addresses
                .into_iter()
                .find(|addr| match address::check(*addr, reach, &forbidden) {
                    Ok(()) => true,
                    Err(why) => {
                        refusal = why;
                        false
                    }
                });
            let Some(checked) = checked else {
                logger.log(
                    Level::Warn,
                    &format!("outbound HTTP to {shown} denied: {refusal}"),
                );
                return Err(Error::HttpRequestDenied);
            };
            // Plain HTTP connects to the address just checked (the Host header keeps the name): a name rebound
            // between the check and the connection cannot move it. Over HTTPS the connection is bound to the
            // name by the certificate, which no local or metadata endpoint can present.
            if !https {
                let mut parts = uri.into_parts();
                parts.authority = checked.to_string().parse().ok();
                match hyper::Uri::from_parts(parts) {
                    Ok(pinned) => *request.uri_mut() = pinned,
                    Err(_) => return Err(Error::HttpRequestUriInvalid),
                }
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// The addresses of `host` (an IP literal is its own, with no lookup).
async fn resolve(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    Ok(tokio::net::lookup_host((host, port)).await?.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_never_outlive_the_invocation() {
        let mut outbound = Outbound::new(
            AllowList::default(),
            Arc::default(),
            Arc::default(),
            Logger::new(false, Level::Error),
        );
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
