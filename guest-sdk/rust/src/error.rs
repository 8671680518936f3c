//! [`Error`]: what a handler returns when it fails, and what Lambda reports for it.

use std::any::Any;
use std::{fmt, io};

use crate::bindings::HandlerError;

/// A handler's failure, as Lambda reports it: `errorType`, `errorMessage` and `stackTrace`.
///
/// Like `anyhow::Error`, it converts from any error type, so `?` works on any `Result` whose error
/// implements [`std::error::Error`]` + Send + Sync + 'static`. Such a conversion sets:
/// - the error type to the Rust type's name without its module path or generics
///   (`my_crate::ValidationError` gives `ValidationError`, `std::num::ParseIntError` gives
///   `ParseIntError`);
/// - the message to the error's `Display`;
/// - the stack trace to its [`source`](std::error::Error::source) chain, one entry (the cause's
///   `Display`) per cause, nearest cause first.
///
/// The exception is an [`std::io::Error`] returned by [`ResponseStream`](crate::ResponseStream)'s
/// `io::Write` methods: it carries the stream's own `Error`, which the conversion gives back as it
/// was (type [`STREAM_ERROR`](crate::STREAM_ERROR) included).
///
/// For that blanket conversion to be allowed, `Error` does not implement [`std::error::Error`]
/// itself, and there is no `From<&str>` or `From<String>`: build an error from text with
/// [`Error::msg`] (type `Error`) or [`Error::new`] (a type of your choice).
///
/// ```
/// use lambda_wasm_sdk::Error;
///
/// fn parse(text: &str) -> Result<u32, Error> {
///     let n: u32 = text.parse()?;
///     if n == 0 {
///         return Err(Error::new("ZeroError", "zero is not allowed"));
///     }
///     Ok(n)
/// }
///
/// assert_eq!(parse("x").unwrap_err().error_type(), "ParseIntError");
/// assert_eq!(parse("0").unwrap_err().message(), "zero is not allowed");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// `errorType`: what kind of failure, for metrics filters and the caller's error handling.
    error_type: String,
    /// `errorMessage`: what went wrong, for a person.
    message: String,
    /// `stackTrace`: extra lines of detail; here, the chain of causes.
    stack_trace: Vec<String>,
}

impl Error {
    /// An error with this type and message and no stack trace.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.into(),
            message: message.into(),
            stack_trace: Vec::new(),
        }
    }

    /// An error with this message and the type `Error`.
    pub fn msg(message: impl Into<String>) -> Self {
        Self::new("Error", message)
    }

    /// Replaces the error type, e.g. to give a converted error a stable name of your choosing.
    #[must_use]
    pub fn with_type(mut self, error_type: impl Into<String>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// Replaces the stack trace, one entry per line.
    #[must_use]
    pub fn with_stack_trace<S: Into<String>>(mut self, stack_trace: impl IntoIterator<Item = S>) -> Self {
        self.stack_trace = stack_trace.into_iter().map(Into::into).collect();
        self
    }

    /// `errorType`, e.g. `ValidationError` or `Runtime.UnmarshalError`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// `errorMessage`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `stackTrace`: for a converted error, the `Display` of each cause, nearest first.
    pub fn stack_trace(&self) -> &[String] {
        &self.stack_trace
    }

    /// This error inside an [`io::Error`] (for `io::Write` impls), which converts back into it whole.
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::other(Carried(self))
    }

    /// The WIT record the host posts to the Runtime API.
    pub(crate) fn into_wit(self) -> HandlerError {
        HandlerError {
            error_type: self.error_type,
            error_message: self.message,
            stack_trace: self.stack_trace,
        }
    }
}

impl fmt::Display for Error {
    /// `errorType: errorMessage`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl<E> From<E> for Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        if let Some(carried) = carried(&error) {
            return carried;
        }
        let mut stack_trace = Vec::new();
        let mut cause = error.source();
        while let Some(current) = cause {
            stack_trace.push(current.to_string());
            cause = current.source();
        }
        Self {
            error_type: short_type_name::<E>(),
            message: error.to_string(),
            stack_trace,
        }
    }
}

/// An [`Error`] inside an [`io::Error`], so that `?` on an `io::Write` result of
/// [`ResponseStream`](crate::ResponseStream) gives back the original error, type included.
#[derive(Debug)]
struct Carried(Error);

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Carried {}

/// The [`Error`] an [`io::Error`] carries, if `error` is one made by [`Error::into_io`].
fn carried(error: &dyn Any) -> Option<Error> {
    let io_error = error.downcast_ref::<io::Error>()?;
    let inner = io_error.get_ref()?.downcast_ref::<Carried>()?;
    Some(inner.0.clone())
}

/// `T`'s name without module path or generic arguments: `a::b::Wrapper<c::D>` gives `Wrapper`.
fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let without_generics = full.split('<').next().unwrap_or(full);
    let name = without_generics.rsplit("::").next().unwrap_or(without_generics);
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(Middle);
    #[derive(Debug)]
    struct Middle(std::fmt::Error);
    #[derive(Debug)]
    struct Generic<T>(T);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    impl fmt::Display for Middle {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("middle")
        }
    }
    impl std::error::Error for Middle {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    impl<T: fmt::Debug> fmt::Display for Generic<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "generic {:?}", self.0)
        }
    }
    impl<T: fmt::Debug> std::error::Error for Generic<T> {}

    #[test]
    fn converted_errors_keep_name_message_and_causes() {
        let error = Error::from(Outer(Middle(fmt::Error)));
        assert_eq!(error.error_type(), "Outer");
        assert_eq!(error.message(), "outer");
        assert_eq!(
            error.stack_trace(),
            ["middle", "an error occurred when formatting an argument"]
        );
    }

    #[test]
    fn type_names_lose_paths_and_generics() {
        assert_eq!(Error::from(Generic(vec![1u8])).error_type(), "Generic");
        let parse_error = "x".parse::<i32>().map_err(Error::from);
        assert_eq!(
            parse_error.map_err(|e| e.error_type().to_owned()),
            Err("ParseIntError".to_owned())
        );
    }

    #[test]
    fn explicit_types_win() {
        let error = Error::from(fmt::Error).with_type("Custom");
        assert_eq!(error.error_type(), "Custom");
        assert_eq!(Error::msg("m").error_type(), "Error");
        assert_eq!(Error::new("T", "m").to_string(), "T: m");
    }

    #[test]
    fn errors_carried_through_io_come_back_whole() {
        let original = Error::new("T", "m").with_stack_trace(["a"]);
        assert_eq!(Error::from(original.clone().into_io()), original);
        let plain = Error::from(io::Error::other("disk full"));
        assert_eq!((plain.error_type(), plain.message()), ("Error", "disk full"));
    }

    #[test]
    fn wit_record_carries_every_field() {
        let wit = Error::new("T", "m").with_stack_trace(["a", "b"]).into_wit();
        assert_eq!((wit.error_type.as_str(), wit.error_message.as_str()), ("T", "m"));
        assert_eq!(wit.stack_trace, ["a", "b"]);
    }
}
