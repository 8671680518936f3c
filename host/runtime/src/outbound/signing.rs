//! AWS calls signed by the host: a guest marks a request with `x-lambda-wasm-sign: aws`, and the host signs it
//! with the function's credentials (SigV4, AWS's `aws-sigv4` crate), so the guest calls AWS without ever holding a
//! credential. The host, not the guest, decides what a signature is for:
//! - the (service, region) comes from [`SIGNED_SERVICES`] for `https://<service>.<region>.amazonaws.com`, or from
//!   an origin `LAMBDA_WASM_SIGN_ENDPOINTS` maps explicitly (`http://127.0.0.1:8123=bedrock/us-east-1`: exact
//!   origins, the only way plain HTTP or a host outside AWS is ever signed, for local stand-ins); a marked request
//!   to anything else is refused, never sent unsigned;
//! - a marked request that carries its own `authorization`, `x-amz-date`, `x-amz-security-token` or
//!   `x-amz-content-sha256` is refused: the guest cannot steer the signature;
//! - services that hand out credentials ([`CREDENTIAL_VENDORS`]: STS, SSO, Cognito Identity) are refused unless
//!   the allow-list names the host exactly;
//! - the body is buffered to be hashed, at most [`MAX_SIGNED_BODY`].
//!
//! Credentials come from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, or from the
//! container-credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN`),
//! fetched on the first signed request (never at INIT), only from loopback or 169.254.170.2, shared by every
//! worker and fetched again before they expire.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use tokio::sync::Mutex;
use wasmtime_wasi_http::WasiBody;

/// The header a guest marks a request to sign with (its value: `aws`); the host strips it.
pub const SIGN_HEADER: &str = "x-lambda-wasm-sign";
/// The largest body the host buffers to sign (Bedrock's largest request is well under it).
pub const MAX_SIGNED_BODY: usize = 6 * 1024 * 1024;
/// Headers a guest may not put on a request the host signs.
const RESERVED_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];
/// The endpoint host names' first label, for the services signed by name: `(label, signing name)`. A host
/// `<label>.<region>.amazonaws.com` is signed as `<signing name>` in `<region>`. Not covered (refused): S3's
/// virtual-host names (`<bucket>.s3...`), API Gateway's `<id>.execute-api...`, FIPS and dual-stack names, China
/// regions (`amazonaws.com.cn`), global endpoints without a region.
pub const SIGNED_SERVICES: [(&str, &str); 24] = [
    ("bedrock-runtime", "bedrock"),
    ("bedrock-agent-runtime", "bedrock"),
    ("bedrock", "bedrock"),
    ("dynamodb", "dynamodb"),
    ("s3", "s3"),
    ("sqs", "sqs"),
    ("sns", "sns"),
    ("lambda", "lambda"),
    ("states", "states"),
    ("events", "events"),
    ("logs", "logs"),
    ("kms", "kms"),
    ("secretsmanager", "secretsmanager"),
    ("ssm", "ssm"),
    ("kinesis", "kinesis"),
    ("firehose", "firehose"),
    ("comprehend", "comprehend"),
    ("translate", "translate"),
    ("textract", "textract"),
    ("polly", "polly"),
    ("rekognition", "rekognition"),
    ("sts", "sts"),
    ("cognito-identity", "cognito-identity"),
    ("portal.sso", "awsssoportal"),
];
/// Services that hand out credentials: signed only for a host the allow-list names exactly.
pub const CREDENTIAL_VENDORS: [&str; 3] = ["sts", "cognito-identity", "awsssoportal"];
/// Credentials are fetched again this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);
/// The container-credentials endpoint's fixed address.
const CONTAINER_CREDENTIALS_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(169, 254, 170, 2));

/// What a signature is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The signing name (`bedrock` for `bedrock-runtime`).
    pub service: String,
    /// The region.
    pub region: String,
}

/// The signing policy and the credentials, shared by every store of the environment.
#[derive(Debug, Default)]
pub struct Signer {
    /// `LAMBDA_WASM_SIGN_ENDPOINTS`: exact origins (`scheme://host:port`) and their scope.
    mapped: Vec<(String, Scope)>,
    /// Where credentials come from.
    source: CredentialSource,
    /// The credentials last fetched, shared by the workers.
    cached: Mutex<Option<Credentials>>,
}

/// Where the function's credentials come from.
#[derive(Debug, Default, Clone)]
enum CredentialSource {
    /// None are available: a marked request is refused.
    #[default]
    None,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    Environment(Credentials),
    /// The container-credentials endpoint and its authorization token.
    Container {
        /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
        uri: hyper::Uri,
        /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
        token: Option<String>,
    },
}

/// Why a marked request was refused, in words for the log and the guest's error.
pub type Refusal = String;

impl Signer {
    /// The policy from the environment `get` reads. Fails on a malformed `LAMBDA_WASM_SIGN_ENDPOINTS`.
    pub fn from_env<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, String> {
        let mut mapped = Vec::new();
        for item in get("LAMBDA_WASM_SIGN_ENDPOINTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            let (origin, scope) = item
                .rsplit_once('=')
                .ok_or_else(|| format!("`{item}`: expected <origin>=<service>/<region>"))?;
            let (service, region) = scope
                .split_once('/')
                .filter(|(s, r)| !s.is_empty() && !r.is_empty())
                .ok_or_else(|| format!("`{item}`: expected <service>/<region> after `=`"))?;
            let uri: hyper::Uri = origin
                .parse()
                .map_err(|_| format!("`{origin}` is not an origin"))?;
            let canonical =
                origin_of(&uri).ok_or_else(|| format!("`{origin}` is not scheme://host[:port]"))?;
            if uri.path() != "/" && !uri.path().is_empty() {
                return Err(format!("`{origin}`: an origin has no path"));
            }
            mapped.push((
                canonical,
                Scope {
                    service: service.to_owned(),
                    region: region.to_owned(),
                },
            ));
        }
        let source = match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                let token = get("AWS_SESSION_TOKEN")
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                CredentialSource::Environment(Credentials::new(id, secret, token, None, "environment"))
            }
            _ => match get("AWS_CONTAINER_CREDENTIALS_FULL_URI").and_then(|u| u.parse::<hyper::Uri>().ok()) {
                Some(uri) => CredentialSource::Container {
                    uri,
                    token: get("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(str::to_owned),
                },
                None => CredentialSource::None,
            },
        };
        Ok(Self {
            mapped,
            source,
            cached: Mutex::new(None),
        })
    }

    /// The scope a request to `uri` is signed for, or why it is not signed. `named` says whether the allow-list
    /// names this host exactly (credential vendors need it).
    pub fn scope(&self, uri: &hyper::Uri, named: bool) -> Result<Scope, Refusal> {
        let origin = origin_of(uri).ok_or_else(|| "the request has no origin".to_owned())?;
        if let Some((_, scope)) = self.mapped.iter().find(|(mapped, _)| *mapped == origin) {
            return Ok(scope.clone());
        }
        if uri.scheme_str() != Some("https") {
            return Err(format!(
                "{origin} is signed only over HTTPS (or when LAMBDA_WASM_SIGN_ENDPOINTS maps it)"
            ));
        }
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let scope = table_scope(&host).ok_or_else(|| {
            format!("{host} is not an AWS endpoint this host signs for (see the signing table, or LAMBDA_WASM_SIGN_ENDPOINTS)")
        })?;
        if CREDENTIAL_VENDORS.contains(&scope.service.as_str()) && !named {
            return Err(format!(
                "{host} hands out credentials: it is signed for only when LAMBDA_WASM_ALLOW_HTTP names it exactly"
            ));
        }
        Ok(scope)
    }

    /// The credentials: the environment's, or the container endpoint's (fetched now if none are cached or they
    /// expire soon).
    async fn credentials(&self, within: Duration) -> Result<Credentials, Refusal> {
        match &self.source {
            CredentialSource::None => Err("the function has no AWS credentials to sign with".to_owned()),
            CredentialSource::Environment(credentials) => Ok(credentials.clone()),
            CredentialSource::Container { uri, token } => {
                let mut cached = self.cached.lock().await;
                let fresh = cached.as_ref().filter(|c| {
                    c.expiry()
                        .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE)
                });
                if let Some(credentials) = fresh {
                    return Ok(credentials.clone());
                }
                let fetched = tokio::time::timeout(within, fetch_container(uri, token.as_deref()))
                    .await
                    .map_err(|_| "the container-credentials endpoint did not answer in time".to_owned())??;
                *cached = Some(fetched.clone());
                Ok(fetched)
            }
        }
    }

    /// Signs `request` (marked, its marker already removed) for `scope`: buffers the body (at most
    /// [`MAX_SIGNED_BODY`]) and adds the signature headers.
    pub async fn sign(
        &self,
        request: Request<WasiBody>,
        scope: &Scope,
        within: Duration,
    ) -> Result<Request<WasiBody>, Refusal> {
        if let Some(name) = RESERVED_HEADERS
            .iter()
            .find(|name| request.headers().contains_key(**name))
        {
            return Err(format!("a request the host signs may not carry its own `{name}`"));
        }
        let credentials = self.credentials(within).await?;
        let (parts, body) = request.into_parts();
        let body = Limited::new(body, MAX_SIGNED_BODY)
            .collect()
            .await
            .map_err(|e| {
                format!("the body of a signed request is over {MAX_SIGNED_BODY} bytes or broke off: {e}")
            })?
            .to_bytes();
        let mut request = Request::from_parts(parts, body);
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&scope.region)
            .name(&scope.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("signing: {e}"))?
            .into();
        let uri = request.uri().to_string();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let signable = SignableRequest::new(
            request.method().as_str(),
            uri,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(request.body()),
        )
        .map_err(|e| format!("signing: {e}"))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("signing: {e}"))?
            .into_parts();
        instructions.apply_to_request_http1x(&mut request);
        let (parts, body) = request.into_parts();
        let body: WasiBody = Full::new(body).map_err(|never| match never {}).boxed_unsync();
        Ok(Request::from_parts(parts, body))
    }
}

/// The scope the signing table gives `host`: `<label>.<region>.amazonaws.com`.
fn table_scope(host: &str) -> Option<Scope> {
    let rest = host.strip_suffix(".amazonaws.com")?;
    let (label, region) = rest.rsplit_once('.')?;
    let valid_region = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let (_, service) = SIGNED_SERVICES.iter().find(|(name, _)| *name == label)?;
    valid_region.then(|| Scope {
        service: (*service).to_owned(),
        region: region.to_owned(),
    })
}

/// `scheme://host:port`, with the scheme's default port made explicit.
fn origin_of(uri: &hyper::Uri) -> Option<String> {
    let scheme = uri.scheme_str()?;
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri.port_u16().or(match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some(format!("{scheme}://{host}:{port}"))
}

/// Fetches credentials from the container-credentials endpoint, which must be on loopback or 169.254.170.2.
async fn fetch_container(uri: &hyper::Uri, token: Option<&str>) -> Result<Credentials, Refusal> {
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let local = match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == CONTAINER_CREDENTIALS_IP,
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    if !local || uri.scheme_str() != Some("http") {
        return Err(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI must be http on loopback or 169.254.170.2".to_owned(),
        );
    }
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("the container-credentials endpoint: {e}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("the container-credentials endpoint: {e}"))?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::get(path).header("host", format!("{host}:{port}"));
    if let Some(token) = token {
        request = request.header("authorization", token);
    }
    let request = request
        .body(Full::new(Bytes::new()))
        .map_err(|e| format!("the container-credentials request: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("the container-credentials endpoint: {e}"))?;
    let status = response.status();
    let body = Limited::new(response.into_body(), 64 * 1024)
        .collect()
        .await
        .map_err(|e| format!("the container-credentials answer: {e}"))?
        .to_bytes();
    if !status.is_success() {
        return Err(format!("the container-credentials endpoint answered {status}"));
    }
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| "the container-credentials answer is not JSON".to_owned())?;
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(id), Some(secret)) = (text("AccessKeyId"), text("SecretAccessKey")) else {
        return Err("the container-credentials answer has no AccessKeyId/SecretAccessKey".to_owned());
    };
    let expiry = text("Expiration").and_then(|e| humantime::parse_rfc3339_weak(&e).ok());
    Ok(Credentials::new(id, secret, text("Token"), expiry, "container"))
}

/// The signer every store shares.
pub type SharedSigner = Arc<Signer>;

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(vars: &[(&str, &str)]) -> Signer {
        let get = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        Signer::from_env(get).unwrap_or_default()
    }

    fn uri(text: &str) -> hyper::Uri {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn the_table_decides_the_scope_over_https_only() {
        let s = signer(&[]);
        assert_eq!(
            s.scope(
                &uri("https://bedrock-runtime.us-west-2.amazonaws.com/model/x/converse-stream"),
                false
            ),
            Ok(Scope {
                service: "bedrock".into(),
                region: "us-west-2".into()
            })
        );
        assert!(
            s.scope(&uri("http://bedrock-runtime.us-west-2.amazonaws.com/"), false)
                .is_err()
        );
        assert!(s.scope(&uri("https://evil.example.com/"), false).is_err());
        assert!(
            s.scope(&uri("https://bucket.s3.us-east-1.amazonaws.com/"), false)
                .is_err()
        );
        assert!(
            s.scope(&uri("https://bedrock-runtime.amazonaws.com.evil.com/"), false)
                .is_err()
        );
    }

    #[test]
    fn credential_vendors_need_an_exact_listing() {
        let s = signer(&[]);
        let sts = uri("https://sts.us-east-1.amazonaws.com/");
        assert!(s.scope(&sts, false).is_err());
        assert!(s.scope(&sts, true).is_ok());
    }

    #[test]
    fn mapped_origins_are_exact() {
        let s = signer(&[(
            "LAMBDA_WASM_SIGN_ENDPOINTS",
            "http://127.0.0.1:8123=bedrock/us-east-1",
        )]);
        assert!(
            s.scope(&uri("http://127.0.0.1:8123/model/m/converse-stream"), false)
                .is_ok()
        );
        assert!(s.scope(&uri("http://127.0.0.1:8124/"), false).is_err());
        assert!(s.scope(&uri("http://localhost:8123/"), false).is_err());
        let bad =
            Signer::from_env(|n: &str| (n == "LAMBDA_WASM_SIGN_ENDPOINTS").then_some("http://x:1/path=a/b"));
        assert!(bad.is_err());
    }
}
