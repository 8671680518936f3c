//! Order statistics of a set of durations.

use std::time::Duration;

/// Sorted samples.
#[derive(Debug, Clone)]
pub struct Summary {
    sorted: Vec<Duration>,
}

impl Summary {
    /// Sorts `samples`.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self { sorted: samples }
    }

    /// The `p`th percentile (0..=100), nearest rank; zero without samples.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.sorted.is_empty() {
            return Duration::ZERO;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a rank within the sample count"
        )]
        let rank = ((p / 100.0) * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.clamp(1, self.sorted.len()) - 1]
    }

    /// The smallest sample.
    pub fn min(&self) -> Duration {
        self.sorted.first().copied().unwrap_or_default()
    }

    /// The largest sample.
    pub fn max(&self) -> Duration {
        self.sorted.last().copied().unwrap_or_default()
    }

    /// The median, in milliseconds.
    pub fn median_ms(&self) -> f64 {
        self.percentile(50.0).as_secs_f64() * 1e3
    }

    /// The median, in microseconds.
    pub fn p50_us(&self) -> f64 {
        self.percentile(50.0).as_secs_f64() * 1e6
    }

    /// The 99th percentile, in microseconds.
    pub fn p99_us(&self) -> f64 {
        self.percentile(99.0).as_secs_f64() * 1e6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let summary = Summary::of((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(summary.percentile(50.0), Duration::from_millis(50));
        assert_eq!(summary.percentile(99.0), Duration::from_millis(99));
        assert_eq!(summary.percentile(100.0), Duration::from_millis(100));
        assert_eq!(summary.percentile(0.0), Duration::from_millis(1));
        assert_eq!(summary.min(), Duration::from_millis(1));
        assert_eq!(summary.max(), Duration::from_millis(100));
        assert_eq!(Summary::of(vec![]).percentile(50.0), Duration::ZERO);
    }
}
