//! Asks Amazon Bedrock a question with the Converse API: `{"prompt": "..."}` in, `{"reply": "...", "stop": "..."}`
//! out. The request is signed by the `lambda-wasm` host with the function's credentials
//! (`lambda_wasm_sdk::http::aws` marks it): the handler never holds one. The model is `BEDROCK_MODEL_ID`
//! (default Claude 3.5 Haiku), read at each call.

use std::time::Duration;

use lambda_wasm_sdk::http::{Method, aws};
use lambda_wasm_sdk::{Error, LambdaEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The model when `BEDROCK_MODEL_ID` is not set.
pub const DEFAULT_MODEL: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

/// The event.
#[derive(Debug, Deserialize)]
pub struct Ask {
    /// The question.
    pub prompt: String,
}

/// The answer.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Answer {
    /// The model's text.
    pub reply: String,
    /// Why it stopped (`end_turn`, `max_tokens`, ...).
    pub stop: String,
}

/// Sends the prompt to Bedrock's Converse API and returns the reply's text.
pub fn ask(event: LambdaEvent<Ask>) -> Result<Answer, Error> {
    let model = std::env::var("BEDROCK_MODEL_ID").unwrap_or_else(|_| DEFAULT_MODEL.to_owned());
    let body = json!({
        "messages": [{"role": "user", "content": [{"text": event.payload.prompt}]}],
        "inferenceConfig": {"maxTokens": 512},
    });
    let response = aws::request(
        "bedrock-runtime",
        Method::Post,
        &format!("/model/{}/converse", encode(&model)),
    )?
    .header("content-type", "application/json")
    .body(serde_json::to_vec(&body)?)
    .timeout(Duration::from_secs(60))
    .send()?;
    if !response.is_success() {
        let kind = response.header("x-amzn-errortype").unwrap_or("Bedrock.Error");
        let kind = kind.split(':').next().unwrap_or(kind).to_owned();
        return Err(Error::new(
            kind,
            format!("Bedrock answered {}: {}", response.status, response.text()),
        ));
    }
    answer(&response.json::<Value>()?)
}

/// The reply's text and stop reason from a Converse answer.
pub fn answer(converse: &Value) -> Result<Answer, Error> {
    let content = converse["output"]["message"]["content"]
        .as_array()
        .ok_or_else(|| Error::new("Bedrock.Error", "the answer has no output.message.content"))?;
    let reply = content
        .iter()
        .filter_map(|block| block["text"].as_str())
        .collect();
    let stop = converse["stopReason"].as_str().unwrap_or_default().to_owned();
    Ok(Answer { reply, stop })
}

/// A model id as a path segment (`:` and `/` percent-encoded).
fn encode(id: &str) -> String {
    id.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' => c.to_string(),
            other => format!("%{:02X}", u32::from(other)),
        })
        .collect()
}

lambda_wasm_sdk::handler!(ask);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_is_the_text_blocks() {
        let converse = json!({"output": {"message": {"content": [{"text": "Hel"}, {"text": "lo"}]}}, "stopReason": "end_turn"});
        assert_eq!(
            answer(&converse).unwrap(),
            Answer {
                reply: "Hello".into(),
                stop: "end_turn".into()
            }
        );
        assert_eq!(encode("a.b:c/d"), "a.b%3Ac%2Fd");
    }
}
