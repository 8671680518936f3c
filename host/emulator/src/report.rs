//! The START, END and REPORT lines Lambda writes around every invocation.

use std::fmt;
use std::time::Duration;

/// `START RequestId: <id> Version: $LATEST`.
pub(crate) fn start_line(request_id: &str) -> String {
    format!("START RequestId: {request_id} Version: $LATEST")
}

/// `END RequestId: <id>`.
pub(crate) fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// A REPORT line: `REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 3008 MB`
/// `\tMax Memory Used: 12 MB` (when known) `\tInit Duration: 4.56 ms` (first invocation of a bootstrap).
pub(crate) struct Report<'a> {
    /// The invocation.
    request_id: &'a str,
    /// From hand-out to answer.
    duration: Duration,
    /// The configured memory size.
    memory_mb: u32,
    /// The bootstrap's peak resident memory, when `/proc` could tell.
    pub(crate) max_memory_mb: Option<u64>,
    /// Spawn to first `/next`, on the first invocation after a spawn.
    pub(crate) init_duration: Option<Duration>,
}

impl<'a> Report<'a> {
    /// A report without memory or init figures.
    pub(crate) fn new(request_id: &'a str, duration: Duration, memory_mb: u32) -> Self {
        Self {
            request_id,
            duration,
            memory_mb,
            max_memory_mb: None,
            init_duration: None,
        }
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.duration.as_secs_f64() * 1000.0;
        // Lambda bills each started millisecond, at least one.
        let billed = (millis.ceil() as u64).max(1);
        write!(
            f,
            "REPORT RequestId: {}\tDuration: {millis:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB",
            self.request_id, self.memory_mb
        )?;
        if let Some(max) = self.max_memory_mb {
            write!(f, "\tMax Memory Used: {max} MB")?;
        }
        if let Some(init) = self.init_duration {
            write!(f, "\tInit Duration: {:.2} ms", init.as_secs_f64() * 1000.0)?;
        }
        Ok(())
    }
}

/// The peak resident memory (`VmHWM`) of process `pid` in MB, rounded up; `None` where `/proc` cannot say
/// (another OS, or the process is gone).
pub(crate) fn max_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm_mb(&status)
}

/// `VmHWM:\t    1234 kB` -> 2 (MB, rounded up).
fn parse_vm_hwm_mb(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    let kb: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kb.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line() {
        let mut report = Report::new("id", Duration::from_micros(1230), 3008);
        assert_eq!(
            report.to_string(),
            "REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 3008 MB"
        );
        report.max_memory_mb = Some(12);
        report.init_duration = Some(Duration::from_micros(4560));
        assert!(
            report
                .to_string()
                .ends_with("\tMax Memory Used: 12 MB\tInit Duration: 4.56 ms")
        );
    }

    #[test]
    fn vm_hwm() {
        assert_eq!(
            parse_vm_hwm_mb("Name:\tx\nVmHWM:\t   12289 kB\nVmRSS:\t1 kB\n"),
            Some(13)
        );
        assert_eq!(parse_vm_hwm_mb("Name:\tx\n"), None);
    }
}
