//! The event a Function URL request becomes: API Gateway HTTP API payload format 2.0, as Lambda builds it.
//!
//! Where the local setting has no Lambda counterpart: `requestContext.domainName` is the request's `Host`
//! (so a handler that builds absolute URLs gets working ones), and `domainPrefix` and `apiId` are its
//! first label (on Lambda, the URL id is both). Like Lambda, the `Cookie` header moves to `cookies`,
//! `body` is left out when empty, and `queryStringParameters` when there is no query.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hyper::Method;
use hyper::header::{COOKIE, HOST, HeaderMap, USER_AGENT};
use serde_json::{Map, Value, json};

use crate::ids::civil_date;

/// What the event is made of.
pub(crate) struct UrlRequest<'a> {
    /// The request's method.
    pub(crate) method: &'a Method,
    /// The path after `/lambda-url/{name}`, `/` at least, as sent (not decoded).
    pub(crate) raw_path: &'a str,
    /// The query string, as sent (empty when there is none).
    pub(crate) raw_query: &'a str,
    /// The request's headers.
    pub(crate) headers: &'a HeaderMap,
    /// The request's body.
    pub(crate) body: &'a [u8],
    /// The client's address.
    pub(crate) source_ip: IpAddr,
    /// The invocation's request id (also `requestContext.requestId`).
    pub(crate) request_id: &'a str,
}

/// The payload-2.0 event for `request`, received at `now`.
pub(crate) fn event(request: &UrlRequest<'_>, now: SystemTime) -> Value {
    let headers = request.headers;
    let text = |value: &hyper::header::HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
    let domain_name = headers.get(HOST).map_or_else(|| "localhost".to_owned(), text);
    let domain_prefix = domain_name
        .split(['.', ':'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let user_agent = headers.get(USER_AGENT).map(text).unwrap_or_default();
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let time_epoch = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);

    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": joined_headers(headers),
        "requestContext": {
            "accountId": "anonymous",
            "apiId": domain_prefix,
            "domainName": domain_name,
            "domainPrefix": domain_prefix,
            "http": {
                "method": request.method.as_str(),
                "path": request.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip.to_string(),
                "userAgent": user_agent,
            },
            "requestId": request.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": clf_time(since_epoch.as_secs()),
            "timeEpoch": time_epoch,
        },
        "isBase64Encoded": false,
    });
    let Some(fields) = event.as_object_mut() else {
        return event;
    };
    let cookies = cookies(headers);
    if !cookies.is_empty() {
        fields.insert("cookies".to_owned(), json!(cookies));
    }
    if !request.raw_query.is_empty() {
        fields.insert(
            "queryStringParameters".to_owned(),
            Value::Object(query_parameters(request.raw_query)),
        );
    }
    if !request.body.is_empty() {
        let (body, encoded) = match std::str::from_utf8(request.body) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (STANDARD.encode(request.body), true),
        };
        fields.insert("body".to_owned(), Value::String(body));
        fields.insert("isBase64Encoded".to_owned(), Value::Bool(encoded));
    }
    event
}

/// The headers by lower-case name (as hyper keeps them), repeated ones joined with `,`; `Cookie` goes to
/// `cookies` instead.
fn joined_headers(headers: &HeaderMap) -> Map<String, Value> {
    headers
        .keys()
        .filter(|name| *name != COOKIE)
        .map(|name| {
            let values: Vec<String> = headers
                .get_all(name)
                .iter()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .collect();
            (name.as_str().to_owned(), Value::String(values.join(",")))
        })
        .collect()
}

/// Every cookie of every `Cookie` header (they are separated by `; `).
fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split(';')
                .map(|cookie| cookie.trim().to_owned())
                .filter(|cookie| !cookie.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The query's parameters, names and values percent-decoded (`+` is kept, as Lambda does), repeated
/// names joined with `,`.
fn query_parameters(query: &str) -> Map<String, Value> {
    let mut parameters = Map::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode(name), percent_decode(value));
        match parameters.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                parameters.insert(name, Value::String(value));
            }
        }
    }
    parameters
}

/// `%XX` sequences decoded; anything else (a lone `%` included) kept; invalid UTF-8 replaced.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The request time as Lambda writes it: `12/Mar/2020:19:03:58 +0000`.
fn clf_time(epoch_secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = civil_date(epoch_secs / 86_400);
    let month = usize::try_from(month.saturating_sub(1))
        .ok()
        .and_then(|index| MONTHS.get(index))
        .unwrap_or(&"Jan");
    let seconds = epoch_secs % 86_400;
    format!(
        "{day:02}/{month}/{year:04}:{:02}:{:02}:{:02} +0000",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn time_format() {
        assert_eq!(clf_time(1_584_039_838), "12/Mar/2020:19:03:58 +0000");
        assert_eq!(clf_time(0), "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn query_and_cookies() {
        let parameters = query_parameters("a=1&b=x%20y&a=2&flag&c=%zz+");
        assert_eq!(
            Value::Object(parameters),
            json!({"a": "1,2", "b": "x y", "flag": "", "c": "%zz+"})
        );
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(COOKIE, HeaderValue::from_static("c=3"));
        assert_eq!(cookies(&headers), ["a=1", "b=2", "c=3"]);
    }

    #[test]
    fn binary_body_is_base64() {
        let headers = HeaderMap::new();
        let request = UrlRequest {
            method: &Method::PUT,
            raw_path: "/",
            raw_query: "",
            headers: &headers,
            body: &[0xff, 0x00],
            source_ip: IpAddr::from([10, 0, 0, 1]),
            request_id: "id",
        };
        let event = event(&request, UNIX_EPOCH + Duration::from_millis(1_500));
        assert_eq!(event["body"], "/wA=");
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["requestContext"]["timeEpoch"], 1_500);
        assert_eq!(event["requestContext"]["domainName"], "localhost");
        assert!(event.get("cookies").is_none() && event.get("queryStringParameters").is_none());
    }
}
