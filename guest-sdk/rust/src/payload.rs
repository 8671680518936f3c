//! How event bytes become a handler's input and its output becomes response bytes.
//!
//! Every serde type is JSON through the blanket impls of [`FromPayload`] and [`IntoPayload`];
//! [`RawPayload`] passes bytes through untouched.

use std::ops::Deref;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// Error type of an event that does not decode into the handler's payload type.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";
/// Error type of a handler result that does not encode.
pub const MARSHAL_ERROR: &str = "Runtime.MarshalError";

/// A type a handler can take as its event: built from the invocation's payload bytes.
///
/// Implemented for every [`DeserializeOwned`] type (parsed as JSON) and for [`RawPayload`]. Implement
/// it for your own type to decode another format; the type must not implement `Deserialize`.
pub trait FromPayload: Sized {
    /// Decodes the event. A failure is reported to Lambda as it is; the serde impl gives the type
    /// [`UNMARSHAL_ERROR`] and the parser's message.
    fn from_payload(event: Vec<u8>) -> Result<Self, Error>;
}

/// A type a handler can return: turned into the invocation's response bytes.
///
/// Implemented for every [`Serialize`] type (written as JSON) and for [`RawPayload`].
pub trait IntoPayload {
    /// Encodes the response. A failure is reported to Lambda as it is; the serde impl gives the type
    /// [`MARSHAL_ERROR`] and the serializer's message.
    fn into_payload(self) -> Result<Vec<u8>, Error>;
}

impl<T: DeserializeOwned> FromPayload for T {
    fn from_payload(event: Vec<u8>) -> Result<Self, Error> {
        serde_json::from_slice(&event).map_err(|error| Error::new(UNMARSHAL_ERROR, error.to_string()))
    }
}

impl<T: Serialize> IntoPayload for T {
    fn into_payload(self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(&self).map_err(|error| Error::new(MARSHAL_ERROR, error.to_string()))
    }
}

/// The payload's exact bytes, with no JSON parsing either way: any bytes, UTF-8 or not, pass
/// unchanged.
///
/// ```
/// use lambda_wasm_sdk::{Error, LambdaEvent, RawPayload};
///
/// fn echo(event: LambdaEvent<RawPayload>) -> Result<RawPayload, Error> {
///     Ok(event.payload)
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawPayload(pub Vec<u8>);

impl RawPayload {
    /// The bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl FromPayload for RawPayload {
    fn from_payload(event: Vec<u8>) -> Result<Self, Error> {
        Ok(Self(event))
    }
}

impl IntoPayload for RawPayload {
    fn into_payload(self) -> Result<Vec<u8>, Error> {
        Ok(self.0)
    }
}

impl Deref for RawPayload {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for RawPayload {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for RawPayload {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for RawPayload {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<String> for RawPayload {
    fn from(text: String) -> Self {
        Self(text.into_bytes())
    }
}

impl From<&str> for RawPayload {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl From<RawPayload> for Vec<u8> {
    fn from(payload: RawPayload) -> Self {
        payload.0
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Named {
        name: String,
    }

    #[test]
    fn raw_bytes_pass_unchanged() {
        let bytes = vec![0xff, 0x00, b'{', 0xfe];
        let raw = RawPayload::from_payload(bytes.clone()).map(IntoPayload::into_payload);
        assert_eq!(raw, Ok(Ok(bytes)));
    }

    #[test]
    fn json_round_trips() {
        let named = Named::from_payload(br#"{"name":"Ada"}"#.to_vec());
        assert_eq!(named, Ok(Named { name: "Ada".into() }));
        let value = serde_json::Value::from_payload(b"[1, 2]".to_vec()).and_then(IntoPayload::into_payload);
        assert_eq!(value, Ok(b"[1,2]".to_vec()));
    }

    #[test]
    fn bad_json_is_an_unmarshal_error_with_the_parsers_message() {
        let error = Named::from_payload(b"{}".to_vec()).err();
        let error = error.map(|e| (e.error_type().to_owned(), e.message().to_owned()));
        assert_eq!(
            error,
            Some((
                UNMARSHAL_ERROR.to_owned(),
                "missing field `name` at line 1 column 2".to_owned()
            ))
        );
    }

    #[test]
    fn unencodable_results_are_marshal_errors() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        let error = map.into_payload().err().map(|e| e.error_type().to_owned());
        assert_eq!(error.as_deref(), Some(MARSHAL_ERROR));
    }
}
