//! Replies to a prompt word by word, the way a language model streams its answer:
//! `{"prompt": "Why stream a reply?"}` in, `You asked: "Why stream a reply?". Here is ...` out, as
//! `text/plain; charset=utf-8`, one word every [`TOKEN_DELAY`].
//!
//! Invoked through a Function URL (an API Gateway v2 event: it has `requestContext` and `rawPath`),
//! it answers with an HTTP response (status 200, `content-type: text/plain; charset=utf-8`,
//! `x-streamed-by: lambda-wasm`) and reads the prompt from the `prompt` query parameter, or else from
//! the body (a JSON `{"prompt": ...}` or plain text).

use std::collections::HashMap;
use std::time::Duration;

use lambda_wasm_sdk::{Error, HttpResponse, LambdaEvent, ResponseStream};
use serde::Deserialize;

/// The pause between two tokens: the "thinking" time of a pretend language model.
pub const TOKEN_DELAY: Duration = Duration::from_millis(40);
/// The reply's content type.
pub const CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The event: `{"prompt": ...}` when invoked directly, an API Gateway v2 request through a Function URL.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The prompt of a direct invocation.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Function URL: present only in API Gateway v2 events (its content is not needed here).
    #[serde(default)]
    pub request_context: Option<serde_json::Value>,
    /// Function URL: the request's path.
    #[serde(default)]
    pub raw_path: Option<String>,
    /// Function URL: the query parameters; `prompt` is read from them first.
    #[serde(default)]
    pub query_string_parameters: HashMap<String, String>,
    /// Function URL: the request body.
    #[serde(default)]
    pub body: Option<String>,
    /// Function URL: whether `body` is base64 (binary); such a body is not read as a prompt.
    #[serde(default)]
    pub is_base64_encoded: bool,
}

impl Request {
    /// Whether the event came through a Function URL (or API Gateway): then the reply is an HTTP response.
    pub fn is_http(&self) -> bool {
        self.request_context.is_some() || self.raw_path.is_some()
    }

    /// The prompt, wherever the event carries it; empty when it carries none.
    pub fn prompt(&self) -> String {
        if let Some(prompt) = self.query_string_parameters.get("prompt") {
            return prompt.clone();
        }
        if let Some(prompt) = &self.prompt {
            return prompt.clone();
        }
        match &self.body {
            Some(body) if !self.is_base64_encoded => serde_json::from_str::<Request>(body)
                .ok()
                .and_then(|inner| inner.prompt)
                .unwrap_or_else(|| body.trim().to_owned()),
            _ => String::new(),
        }
    }
}

/// Streams the reply to the prompt, one token every [`TOKEN_DELAY`].
pub fn chat(event: LambdaEvent<Request>, out: &mut ResponseStream) -> Result<(), Error> {
    let request = event.payload;
    if request.is_http() {
        out.set_http_response(
            HttpResponse::builder()
                .status(200)
                .header("content-type", CONTENT_TYPE)
                .header("x-streamed-by", "lambda-wasm")
                .build(),
        )?;
    } else {
        out.set_content_type(CONTENT_TYPE)?;
    }
    let prompt = request.prompt();
    lambda_wasm_sdk::info!("replying to a prompt of {} bytes", prompt.len());
    for (i, token) in tokens(&prompt).iter().enumerate() {
        if i > 0 {
            std::thread::sleep(TOKEN_DELAY);
        }
        // Each write reaches the caller now, while the next token is still being "thought of".
        out.write(token.as_bytes())?;
    }
    Ok(())
}

lambda_wasm_sdk::streaming_handler!(chat);

/// The reply to `prompt`, cut into tokens: each word with the space before it, then a newline.
pub fn tokens(prompt: &str) -> Vec<String> {
    let prompt = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let reply = if prompt.is_empty() {
        "You asked nothing, so here is something anyway.".to_owned()
    } else {
        format!("You asked: \"{prompt}\".")
    };
    let reply = format!(
        "{reply} Here is a reply streamed one word at a time: each word leaves the function as soon \
         as it is written, so the first ones arrive long before the last is ready."
    );
    let mut tokens: Vec<String> = reply
        .split(' ')
        .enumerate()
        .map(|(i, word)| {
            if i == 0 {
                word.to_owned()
            } else {
                format!(" {word}")
            }
        })
        .collect();
    tokens.push("\n".to_owned());
    tokens
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Context, FromPayload};

    use super::*;

    #[test]
    fn direct_invocations_get_plain_text_word_by_word() -> Result<(), Error> {
        let request = Request::from_payload(br#"{"prompt": "Why  stream?"}"#.to_vec())?;
        let mut out = ResponseStream::collecting();
        chat(LambdaEvent::new(request, Context::default()), &mut out)?;
        let body = String::from_utf8_lossy(out.body()).into_owned();
        assert!(body.starts_with("You asked: \"Why stream?\". Here is"), "{body}");
        assert!(body.ends_with(".\n"), "{body}");
        assert_eq!(out.content_type(), Some(CONTENT_TYPE));
        assert!(out.http_response().is_none());
        // One write per token: the words were sent one by one.
        assert_eq!(out.writes().count(), tokens("Why stream?").len());
        assert_eq!(out.writes().nth(1), Some(&b" asked:"[..]));
        Ok(())
    }

    #[test]
    fn function_urls_get_an_http_response_first() -> Result<(), Error> {
        let event = br#"{
            "version": "2.0",
            "rawPath": "/",
            "requestContext": {"http": {"method": "GET"}},
            "queryStringParameters": {"prompt": "hi"},
            "isBase64Encoded": false
        }"#;
        let request = Request::from_payload(event.to_vec())?;
        let mut out = ResponseStream::collecting();
        chat(LambdaEvent::new(request, Context::default()), &mut out)?;
        let response = out.http_response().cloned().unwrap_or_default();
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("content-type"), Some(CONTENT_TYPE));
        assert_eq!(response.header("x-streamed-by"), Some("lambda-wasm"));
        assert!(out.body().starts_with(b"You asked: \"hi\"."));
        Ok(())
    }

    #[test]
    fn the_prompt_comes_from_the_body_too() {
        let json_body = Request {
            raw_path: Some("/".to_owned()),
            body: Some(r#"{"prompt": "from json"}"#.to_owned()),
            ..Request::default()
        };
        assert_eq!(json_body.prompt(), "from json");
        let text_body = Request {
            body: Some("from text\n".to_owned()),
            ..Request::default()
        };
        assert_eq!(text_body.prompt(), "from text");
        let binary_body = Request {
            body: Some("AAEC".to_owned()),
            is_base64_encoded: true,
            ..Request::default()
        };
        assert_eq!(binary_body.prompt(), "");
    }

    #[test]
    fn an_empty_prompt_still_gets_a_reply() {
        let tokens = tokens("");
        assert_eq!(tokens.first().map(String::as_str), Some("You"));
        assert_eq!(tokens.last().map(String::as_str), Some("\n"));
    }
}
