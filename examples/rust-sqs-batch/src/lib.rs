//! An SQS batch handler on `aws_lambda_events`: each message's body must be an order (`{"item": "...",
//! "quantity": n}` with n > 0); the messages that are not are reported back in an `SqsBatchResponse`, so SQS
//! retries only those (the function's event source mapping has `ReportBatchItemFailures` on).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_wasm_sdk::{Error, LambdaEvent};

/// Whether one message is a valid order.
pub fn process(message: &SqsMessage) -> Result<(), String> {
    let body = message.body.as_deref().ok_or("no body")?;
    let order: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let quantity = order["quantity"].as_u64().ok_or("no quantity")?;
    if quantity == 0 || !order["item"].is_string() {
        return Err("not an order".to_owned());
    }
    Ok(())
}

/// Processes the batch and reports the messages that failed.
pub fn handle(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    for message in &event.payload.records {
        if let Err(why) = process(message) {
            let id = message.message_id.clone().unwrap_or_default();
            lambda_wasm_sdk::warn!("message {id} failed: {why}");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

lambda_wasm_sdk::handler!(handle);

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, body: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = Some(id.into());
        message.body = Some(body.into());
        message
    }

    #[test]
    fn only_bad_messages_are_reported() {
        assert!(process(&message("1", r#"{"item":"tea","quantity":2}"#)).is_ok());
        assert!(process(&message("2", r#"{"item":"tea","quantity":0}"#)).is_err());
        assert!(process(&message("3", "nope")).is_err());
    }
}
