//! `lambda-wasm-bench`: every runtime a Lambda user would weigh, under the emulator, in one run, with the same
//! 1 KiB JSON echo: a native handler on AWS's `lambda_runtime`, this project's `bootstrap` with Rust (both
//! isolation modes), C, Python and JavaScript components, and AWS's Python and Node.js runtime interface
//! clients. For each: cold starts (spawn to first response), warm latency over one kept-alive connection, the
//! runtime process's peak RSS and the deployed sizes; then every figure's ratio to native and the project's
//! targets, met or missed.
//!
//! `tests/bench/build.sh` builds what it runs into `target/bench`; `make bench` runs both.
//!
//! Layout: `runtimes` (what runs, and how), `measure` (cold and warm runs through the emulator), `stats`,
//! `report` (the table and the targets).

mod managed;
mod measure;
mod report;
mod runtimes;
mod stats;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;

/// Warm invocations each runtime runs before the next one takes its turn.
const WARM_BATCH: usize = 100;

/// Benchmarks lambda-wasm against the runtimes users would pick instead.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The folder `tests/bench/build.sh` filled (binaries, components, the Python peer's virtualenv).
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
    /// The benchmark sources (the peers' handlers).
    #[arg(long, default_value = "tests/bench")]
    source: PathBuf,
    /// Cold starts per runtime: a new process each.
    #[arg(long, default_value_t = 20)]
    spawns: usize,
    /// Warm invocations per runtime, measured after the warm-up.
    #[arg(long, default_value_t = 2000)]
    invocations: usize,
    /// Warm invocations run first and not measured.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Only the runtimes whose key contains one of these (see `--list`).
    #[arg(long)]
    only: Vec<String>,
    /// Lists the runtimes and exits.
    #[arg(long)]
    list: bool,
    /// Skips the Managed Instances table.
    #[arg(long)]
    no_managed: bool,
    /// Only the Managed Instances table.
    #[arg(long)]
    only_managed: bool,
    /// Invocations per concurrency level in the Managed Instances table (split between the clients, at
    /// least 10 each).
    #[arg(long, default_value_t = 640)]
    managed_invocations: usize,
    /// Also writes the report (Markdown) to this file.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let all = runtimes::all(&args.dir, &args.source);
    if args.list {
        for runtime in &all {
            println!("{:<16} {}", runtime.key, runtime.name);
        }
        return Ok(());
    }
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|r| args.only.is_empty() || args.only.iter().any(|o| r.key.contains(o.as_str())))
        .collect();
    anyhow::ensure!(!chosen.is_empty(), "--only matched no runtime (see --list)");
    anyhow::ensure!(
        args.spawns > 0 && args.invocations > 0,
        "--spawns and --invocations must be at least 1"
    );
    for runtime in &chosen {
        runtime.check()?;
    }

    if args.only_managed {
        let text = managed_table(&args).await?;
        println!("{text}");
        if let Some(path) = args.output {
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        }
        return Ok(());
    }
    let plan = measure::Plan {
        spawns: args.spawns,
        invocations: args.invocations,
        warmup: args.warmup,
    };
    eprintln!(
        "lambda-wasm-bench: {} runtimes, {} cold starts and {} (+{} warm-up) warm invocations each",
        chosen.len(),
        plan.spawns,
        plan.invocations,
        plan.warmup
    );
    let dropped = runtimes::evict(&[args.dir.clone(), args.source.join("peers")]);
    eprintln!(
        "== {dropped} files of the runtimes dropped from the page cache, to be read back from the disk"
    );
    // Cold starts round-robin (one of each runtime, then the next round), so a change in the machine's load
    // during the run falls on every runtime alike rather than on whichever ran then.
    let mut cold = vec![Vec::with_capacity(plan.spawns); chosen.len()];
    let mut init = vec![Vec::with_capacity(plan.spawns); chosen.len()];
    eprintln!("== cold starts");
    for _ in 0..plan.spawns {
        for (i, runtime) in chosen.iter().enumerate() {
            let (spawn_to_answer, init_duration) = measure::cold_start(runtime)
                .await
                .with_context(|| format!("a cold start of {}", runtime.name))?;
            cold[i].push(spawn_to_answer);
            init[i].push(init_duration);
        }
    }
    // Warm runs interleaved too: every runtime stays up on its own connection and they take turns, a batch of
    // invocations each, so every runtime sees the same machine.
    eprintln!("== warm invocations");
    let mut warm = Vec::with_capacity(chosen.len());
    for runtime in &chosen {
        let started = measure::Warm::start(runtime, plan.warmup)
            .await
            .with_context(|| format!("starting {} for the warm run", runtime.name))?;
        warm.push(started);
    }
    let mut left = plan.invocations;
    while left > 0 {
        let batch = left.min(WARM_BATCH);
        for (runtime, warm) in chosen.iter().zip(warm.iter_mut()) {
            warm.measure(batch)
                .await
                .with_context(|| format!("the warm run of {}", runtime.name))?;
        }
        left -= batch;
    }
    let mut results = Vec::new();
    for (((runtime, cold), init), warm) in chosen.iter().zip(cold).zip(init).zip(warm) {
        let (warm, peak_rss_mb) = warm.finish().await?;
        let result = measure::Measured {
            runtime: runtime.clone(),
            cold: stats::Summary::of(cold),
            init: stats::Summary::of(init),
            warm,
            peak_rss_mb,
        };
        eprintln!("   {}: {}", runtime.name, result.summary());
        results.push(result);
    }

    let mut text = report::render(&results, &plan);
    if !args.no_managed {
        text.push_str(&managed_table(&args).await?);
    }
    println!("{text}");
    if let Some(path) = args.output {
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("lambda-wasm-bench: report written to {}", path.display());
    }
    Ok(())
}

/// The Managed Instances table (see `managed`): every runtime of it, both workloads, every concurrency.
async fn managed_table(args: &Args) -> anyhow::Result<String> {
    let chosen = runtimes::managed(&args.dir, &args.source);
    for (runtime, _) in &chosen {
        runtime.check()?;
    }
    eprintln!("== Managed Instances");
    let mut rows = Vec::new();
    for (runtime, rounds) in &chosen {
        for workload in [
            managed::Workload::Wait,
            managed::Workload::Burn { rounds: *rounds },
        ] {
            for concurrency in managed::CONCURRENCY {
                let per_client = (args.managed_invocations / concurrency).max(10);
                let row = managed::measure(runtime, workload, concurrency, per_client)
                    .await
                    .with_context(|| format!("{} at {concurrency} ({})", runtime.name, workload.name()))?;
                eprintln!(
                    "   {} {} N={concurrency}: {:.0}/s, p50 {:.2} ms, peak PSS {:.1} MB",
                    runtime.name,
                    workload.name(),
                    row.per_second,
                    row.latency.percentile(50.0).as_secs_f64() * 1e3,
                    row.peak_pss_mb
                );
                rows.push(row);
            }
        }
    }
    Ok(managed::render(&rows))
}
