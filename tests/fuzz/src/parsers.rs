//! The host's parsers of untrusted input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};
use lambda_wasm_host::config::Config;
use lambda_wasm_host::error::{ErrorReport, MAX_ERROR_MESSAGE, MAX_STACK_FRAMES};
use lambda_wasm_host::outbound::{AllowList, Forbidden, Reach, address};
use lambda_wasm_host::runtime_api::Invocation;

/// `LAMBDA_WASM_ALLOW_HTTP` from the input's text; a host and port from its bytes.
pub fn allow_list(data: &[u8]) {
    let mut input = Unstructured::new(data);
    let value: String = input.arbitrary().unwrap_or_default();
    let host: String = input.arbitrary().unwrap_or_default();
    let port: Option<u16> = input.arbitrary().unwrap_or_default();
    let https: bool = input.arbitrary().unwrap_or_default();
    let octets: [u8; 16] = input.arbitrary().unwrap_or_default();
    let Ok(list) = AllowList::parse(&value) else {
        return;
    };
    let reach = list.reach(&host, port, https);
    assert_eq!(reach.is_some(), list.permits(&host, port, https));
    let forbidden = Forbidden::new([value.as_str(), host.as_str()]);
    let v4 = Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]);
    for ip in [IpAddr::V4(v4), IpAddr::V6(Ipv6Addr::from(octets))] {
        let addr = SocketAddr::new(ip, port.unwrap_or(80));
        for reach in [Reach::Wildcard, Reach::Named, Reach::ExactAddress] {
            let passed = address::check(addr, reach, &forbidden).is_ok();
            let local = ip.is_loopback() || ip.is_unspecified();
            // Whatever the list says, `*` never reaches this machine.
            assert!(
                !(passed && local && reach == Reach::Wildcard),
                "{addr} passed through a wildcard"
            );
        }
    }
}

/// A `/next` answer: header lines `name: value` then a blank line, then the event.
pub fn next_headers(data: &[u8]) {
    let split = data.windows(2).position(|w| w == b"\n\n").unwrap_or(data.len());
    let (head, body) = data.split_at(split);
    let mut headers = HeaderMap::new();
    for line in head.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(&value[1..])) {
            headers.append(name, value);
        }
    }
    let event = Bytes::copy_from_slice(body);
    if let Some(invocation) = Invocation::from_parts(&headers, event.clone(), Duration::from_secs(900)) {
        assert!(!invocation.request_id.is_empty());
        assert!(invocation.deadline_ms > 0);
        assert_eq!(invocation.event, event);
        let _ = invocation.time_left();
    }
}

/// The configuration from arbitrary variables, with the ones it reads given a chance to appear.
pub fn config(data: &[u8]) {
    /// Names the configuration reads; the fuzzer picks among them or makes its own.
    const NAMES: [&str; 18] = [
        "AWS_LAMBDA_RUNTIME_API",
        "_HANDLER",
        "LAMBDA_TASK_ROOT",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "LAMBDA_WASM_MEMORY_LIMIT_MB",
        "LAMBDA_WASM_TIMEOUT_MARGIN_MS",
        "LAMBDA_WASM_DEFAULT_TIMEOUT",
        "LAMBDA_WASM_ISOLATION",
        "LAMBDA_WASM_EXPOSE_CREDENTIALS",
        "LAMBDA_WASM_ALLOW_HTTP",
        "LAMBDA_WASM_GUEST_TMP",
        "LAMBDA_WASM_CACHE_DIR",
        "AWS_LAMBDA_MAX_CONCURRENCY",
        "LAMBDA_WASM_SHUTDOWN_GRACE_MS",
        "LAMBDA_WASM_GRACEFUL_SHUTDOWN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_LAMBDA_FUNCTION_NAME",
    ];
    #[derive(Arbitrary, Debug)]
    enum Name {
        Known(u8),
        Other(String),
    }
    let mut input = Unstructured::new(data);
    let pairs: Vec<(Name, String)> = input.arbitrary().unwrap_or_default();
    let vars: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(name, value)| {
            let name = match name {
                Name::Known(i) => NAMES[usize::from(i) % NAMES.len()].to_owned(),
                Name::Other(name) => name,
            };
            (name, value)
        })
        .collect();
    let Ok(config) = Config::from_vars(&vars) else {
        return;
    };
    assert!(config.memory_limit >= 1024 * 1024);
    assert!((1..=1024).contains(&config.max_concurrency));
    assert!(config.max_resources >= 32);
    for (name, _) in &config.guest_env {
        assert!(
            name != "AWS_LAMBDA_RUNTIME_API" && name != "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "{name}"
        );
        assert!(
            config.expose_credentials || name != "AWS_SECRET_ACCESS_KEY",
            "{name}"
        );
    }
}

/// An error report from arbitrary parts: bounded, valid JSON, a well-formed header type, a trailer that fits.
pub fn error_report(data: &[u8]) {
    let mut input = Unstructured::new(data);
    let error_type: String = input.arbitrary().unwrap_or_default();
    let message: String = input.arbitrary().unwrap_or_default();
    let trace: Vec<String> = input.arbitrary().unwrap_or_default();
    let repeat: u8 = input.arbitrary().unwrap_or_default();
    let message = message.repeat(usize::from(repeat % 8) + 1);
    let report = ErrorReport::new(error_type, message, trace);
    assert!(report.error_message.len() <= MAX_ERROR_MESSAGE);
    assert!(report.stack_trace.len() <= MAX_STACK_FRAMES);
    let json: serde_json::Value = serde_json::from_slice(&report.to_json()).unwrap_or_default();
    assert_eq!(json["errorType"].as_str(), Some(report.error_type.as_str()));
    let header = report.header_type();
    let (category, reason) = header.split_once('.').unwrap_or_default();
    assert!(matches!(category, "Runtime" | "Function"), "{header}");
    assert!(reason.starts_with(|c: char| c.is_ascii_uppercase()), "{header}");
    assert!(reason.chars().all(|c| c.is_ascii_alphabetic()), "{header}");
    let trailer = lambda_wasm_host::stream::trailer_json(&report);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &trailer);
    assert!(encoded.len() <= lambda_wasm_host::stream::MAX_TRAILER);
    assert!(serde_json::from_slice::<serde_json::Value>(&trailer).is_ok());
}
