//! Identifiers Lambda makes up: request ids, X-Ray trace ids, the log stream name and the function ARN.

use std::time::{SystemTime, UNIX_EPOCH};

use uuid::Uuid;

/// The account id RIE puts in every ARN it makes up.
const ACCOUNT_ID: &str = "012345678912";

/// A new request id: a UUID v4, as Lambda hands out.
pub(crate) fn request_id() -> String {
    Uuid::new_v4().to_string()
}

/// Seconds since the Unix epoch; 0 if the clock is set before 1970 (never panic on a bad clock).
pub(crate) fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A new X-Ray trace header, in the shape Lambda passes when the caller sent none:
/// `Root=1-<8 hex epoch secs>-<24 hex>;Parent=<16 hex>;Sampled=0`.
pub(crate) fn trace_id() -> String {
    let root = Uuid::new_v4().as_u128() & ((1u128 << 96) - 1);
    let parent = Uuid::new_v4().as_u128() as u64;
    // X-Ray's root time field is 8 hex digits: keep the low 32 bits of the epoch seconds.
    let secs = unix_secs() & 0xffff_ffff;
    format!("Root=1-{secs:08x}-{root:024x};Parent={parent:016x};Sampled=0")
}

/// A log stream name in Lambda's shape: `YYYY/MM/DD/[$LATEST]<32 hex>`.
pub(crate) fn log_stream_name() -> String {
    let (year, month, day) = civil_date(unix_secs() / 86_400);
    format!(
        "{year:04}/{month:02}/{day:02}/[$LATEST]{}",
        Uuid::new_v4().simple()
    )
}

/// The ARN Lambda passes as `Lambda-Runtime-Invoked-Function-Arn`.
pub(crate) fn function_arn(region: &str, function_name: &str) -> String {
    format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}")
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's
/// `civil_from_days`), so that no date crate is needed for one log stream name.
pub(crate) fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(19_782), (2024, 2, 29));
        assert_eq!(civil_date(20_089), (2025, 1, 1));
    }

    #[test]
    fn trace_id_shape() {
        let id = trace_id();
        let parts: Vec<&str> = id.split(';').collect();
        assert_eq!(parts.len(), 3, "{id}");
        let root: Vec<&str> = parts[0].trim_start_matches("Root=").split('-').collect();
        assert_eq!((root[0], root[1].len(), root[2].len()), ("1", 8, 24), "{id}");
        assert_eq!(parts[1].trim_start_matches("Parent=").len(), 16, "{id}");
        assert_eq!(parts[2], "Sampled=0");
    }

    #[test]
    fn log_stream_shape() {
        let name = log_stream_name();
        assert!(name.contains("/[$LATEST]"), "{name}");
        assert_eq!(name.len(), "2024/01/01/[$LATEST]".len() + 32, "{name}");
    }
}
