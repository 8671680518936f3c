//! The report: the machine, the table with every figure's ratio to native, and the targets, met or missed.

use std::fmt::Write as _;
use std::time::Duration;

use crate::measure::{EVENT_BYTES, Measured, Plan};
use crate::runtimes::{Kind, mib};

/// The report as Markdown.
pub fn render(results: &[Measured], plan: &Plan) -> String {
    let native = results.iter().find(|r| r.runtime.kind == Kind::Native);
    let mut out = String::new();
    let _ = writeln!(out, "### Machine\n\n{}\n", machine());
    let _ = writeln!(
        out,
        "Each runtime echoes a {EVENT_BYTES}-byte JSON event under the emulator. Cold: {} new processes, spawn \
         to first response (Init: the emulator's spawn to first `/next`). Warm: {} sequential invocations after \
         {} unmeasured, on one kept-alive connection per runtime, the runtimes taking turns of 100. Peak RSS: the runtime process's VmHWM after the warm run. \
         `x` columns: the ratio to native.\n",
        plan.spawns, plan.invocations, plan.warmup
    );
    out.push_str(
        "| Runtime | Cold median | (min - max) | x | Init median | Warm p50 | x | Warm p99 | x | Peak RSS | x | \
         Deployed | x |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
    for r in results {
        let ratio = |f: &dyn Fn(&Measured) -> f64| native.map_or_else(String::new, |n| times(f(r) / f(n)));
        let rss = |m: &Measured| m.peak_rss_mb.map_or(f64::NAN, to_f64);
        let _ = writeln!(
            out,
            "| {} | {} | ({} - {}) | {} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |",
            r.runtime.name,
            ms(r.cold.percentile(50.0)),
            ms(r.cold.min()),
            ms(r.cold.max()),
            ratio(&|m| m.cold.median_ms()),
            ms(r.init.percentile(50.0)),
            us(r.warm.percentile(50.0)),
            ratio(&|m| m.warm.p50_us()),
            us(r.warm.percentile(99.0)),
            ratio(&|m| m.warm.p99_us()),
            r.peak_rss_mb
                .map_or_else(|| "?".to_owned(), |mb| format!("{mb} MB")),
            ratio(&rss),
            mib(r.runtime.deployed_bytes()),
            r.runtime.describe_sizes(),
            ratio(&|m| to_f64(m.runtime.deployed_bytes())),
        );
    }
    out.push_str("\n### Targets\n\n| Target | Measured | Met |\n|---|---:|---|\n");
    for target in targets(results) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            target.what,
            target.measured,
            if target.met { "yes" } else { "**no**" }
        );
    }
    out
}

/// One of the project's performance targets, read off the results.
struct Target {
    what: &'static str,
    measured: String,
    met: bool,
}

fn targets(results: &[Measured]) -> Vec<Target> {
    let find = |key: &str| results.iter().find(|r| r.runtime.key == key);
    let mut targets = Vec::new();
    let mut ratio = |what, slow: &str, fast: &str, f: fn(&Measured) -> f64, met: fn(f64) -> bool| {
        if let (Some(a), Some(b)) = (find(slow), find(fast)) {
            let value = f(a) / f(b);
            targets.push(Target {
                what,
                measured: times(value),
                met: met(value),
            });
        }
    };
    ratio(
        "Warm p50, Rust component / native: at most 1.10x",
        "rust",
        "native",
        |m| m.warm.p50_us(),
        |v| v <= 1.10,
    );
    ratio(
        "Cold start median, Rust component / native: at most 1.25x",
        "rust",
        "native",
        |m| m.cold.median_ms(),
        |v| v <= 1.25,
    );
    ratio(
        "Cold start median, awslambdaric / Python component: at least 3x",
        "awslambdaric",
        "python",
        |m| m.cold.median_ms(),
        |v| v >= 3.0,
    );
    ratio(
        "Cold start median, aws-lambda-ric / JavaScript component: at least 5x",
        "aws-lambda-ric",
        "js",
        |m| m.cold.median_ms(),
        |v| v >= 5.0,
    );
    if let (Some(invocation), Some(environment)) = (find("rust-invocation"), find("rust")) {
        let extra = invocation.warm.p50_us() - environment.warm.p50_us();
        targets.push(Target {
            what: "Warm p50, invocation isolation over environment isolation (Rust): under 20 us",
            measured: format!("{extra:+.1} us"),
            met: extra < 20.0,
        });
    }
    targets
}

/// The CPU, cores, memory, kernel and load: these machines are shared, so the load is part of the result.
fn machine() -> String {
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .map(|kb| kb.trim().trim_end_matches(" kB").parse::<u64>().unwrap_or(0) >> 20)
        .unwrap_or(0);
    let kernel = read("/proc/sys/kernel/osrelease");
    let load = read("/proc/loadavg");
    format!(
        "{cpu}, {cores} cores, {memory} GiB, Linux {}; load average at the end: {}",
        kernel.trim(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}

#[allow(clippy::cast_precision_loss, reason = "figures for reading")]
fn to_f64(value: u64) -> f64 {
    value as f64
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.0} us", d.as_secs_f64() * 1e6)
}

fn times(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{ratio:.2}x")
    } else {
        "-".to_owned()
    }
}
