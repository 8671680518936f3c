//! The runtimes compared, each the same 1 KiB JSON echo, and how the emulator starts each one.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What kind of runtime a row is: the ratios and targets are read by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The native baseline (AWS's `lambda_runtime` crate).
    Native,
    /// This project's `bootstrap` running a component.
    Wasm,
    /// A runtime interface client of AWS's managed runtimes.
    Managed,
}

/// One runtime: a command speaking the Runtime API, and what it deploys.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// Short name, for `--only` and the targets.
    pub key: &'static str,
    /// The name in the table.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Program and arguments.
    pub command: Vec<OsString>,
    /// Environment on top of what the emulator sets.
    pub env: Vec<(String, String)>,
    /// The task root (working directory).
    pub working_dir: PathBuf,
    /// What it deploys, by name: its size is measured (a folder's is the sum of its files).
    pub artifacts: Vec<(&'static str, PathBuf)>,
}

impl Runtime {
    /// Fails, naming the file and the command that builds it, when something this runtime needs is missing.
    pub fn check(&self) -> anyhow::Result<()> {
        let program = self.command.first().map(PathBuf::from).unwrap_or_default();
        let needed = std::iter::once(&program)
            .filter(|p| p.is_absolute())
            .chain(self.artifacts.iter().map(|(_, path)| path));
        for path in needed {
            anyhow::ensure!(
                path.exists(),
                "{} (for {}) is missing: run `tests/bench/build.sh` (or `make bench`) first",
                path.display(),
                self.name
            );
        }
        Ok(())
    }

    /// The deployed size: every artifact, in bytes.
    pub fn deployed_bytes(&self) -> u64 {
        self.artifacts.iter().map(|(_, path)| size_of(path)).sum()
    }

    /// `bootstrap 8.1 MiB + rust-echo.cwasm 1.2 MiB`.
    pub fn describe_sizes(&self) -> String {
        self.artifacts
            .iter()
            .map(|(name, path)| format!("{name} {}", mib(size_of(path))))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Every runtime of the benchmark: `dir` is what `build.sh` filled, `source` the benchmark's sources.
pub fn all(dir: &Path, source: &Path) -> Vec<Runtime> {
    let dir = absolute(dir);
    let source = absolute(source);
    let bootstrap = dir.join("bin/bootstrap");
    let wasm = |key, name, component: &str, isolation: &str| {
        let cwasm = format!("{component}.cwasm");
        Runtime {
            key,
            name,
            kind: Kind::Wasm,
            command: vec![bootstrap.clone().into_os_string()],
            env: vec![
                ("_HANDLER".to_owned(), cwasm.clone()),
                ("LAMBDA_WASM_ISOLATION".to_owned(), isolation.to_owned()),
            ],
            working_dir: dir.join("task"),
            artifacts: vec![
                ("bootstrap", bootstrap.clone()),
                ("cwasm", dir.join("task").join(&cwasm)),
            ],
        }
    };
    let python = source.join("peers/python");
    let node = source.join("peers/node");
    let ric = node.join("node_modules/aws-lambda-ric");
    vec![
        Runtime {
            key: "native",
            name: "native Rust (lambda_runtime)",
            kind: Kind::Native,
            command: vec![dir.join("bin/native-echo").into_os_string()],
            env: vec![],
            working_dir: dir.clone(),
            artifacts: vec![("binary", dir.join("bin/native-echo"))],
        },
        wasm("rust", "lambda-wasm Rust", "rust-echo", "environment"),
        wasm(
            "rust-invocation",
            "lambda-wasm Rust (invocation isolation)",
            "rust-echo",
            "invocation",
        ),
        wasm("c", "lambda-wasm C", "c-echo", "environment"),
        wasm("python", "lambda-wasm Python", "python-echo", "environment"),
        Runtime {
            key: "awslambdaric",
            name: "Python awslambdaric",
            kind: Kind::Managed,
            command: vec![
                dir.join("python/bin/python").into_os_string(),
                "-m".into(),
                "awslambdaric".into(),
                "echo.handler".into(),
            ],
            env: vec![],
            working_dir: python.clone(),
            artifacts: vec![("echo.py", python.join("echo.py"))],
        },
        wasm(
            "python-app",
            "lambda-wasm Python real app (http, aws, Jinja2, PyYAML)",
            "python-app",
            "environment",
        ),
        Runtime {
            key: "awslambdaric-app",
            name: "Python awslambdaric real app (botocore, Jinja2, PyYAML)",
            kind: Kind::Managed,
            command: vec![
                dir.join("python/bin/python").into_os_string(),
                "-m".into(),
                "awslambdaric".into(),
                "app.handler".into(),
            ],
            env: vec![],
            working_dir: python.clone(),
            artifacts: vec![("app.py", python.join("app.py"))],
        },
        wasm("js", "lambda-wasm JavaScript", "js-echo", "environment"),
        Runtime {
            key: "aws-lambda-ric",
            name: "Node.js aws-lambda-ric",
            kind: Kind::Managed,
            command: vec![
                "node".into(),
                ric.join("bin/index.mjs").into_os_string(),
                "index.handler".into(),
            ],
            env: vec![],
            working_dir: node.clone(),
            artifacts: vec![("index.mjs", node.join("index.mjs"))],
        },
    ]
}

/// The runtimes of the Managed Instances table, each with the burn rounds that make one invocation a few
/// milliseconds of CPU in its language.
pub fn managed(dir: &Path, source: &Path) -> Vec<(Runtime, u64)> {
    let all = all(dir, source);
    let find = |key: &str| all.iter().find(|r| r.key == key).cloned();
    let dir = absolute(dir);
    let native = Runtime {
        key: "native-concurrent",
        name: "native Rust (lambda_runtime::run_concurrent)",
        kind: Kind::Native,
        command: vec![dir.join("bin/native-concurrent").into_os_string()],
        env: vec![],
        working_dir: dir.clone(),
        artifacts: vec![("binary", dir.join("bin/native-concurrent"))],
    };
    let mut chosen = vec![(native, 3_000_000)];
    chosen.extend(find("rust").map(|r| (r, 3_000_000)));
    chosen.extend(find("python").map(|r| (r, 30_000)));
    chosen.extend(find("awslambdaric").map(|r| (r, 30_000)));
    chosen
}

/// Drops the pages of every file under `roots` from the page cache (written back first), so that the cold starts
/// find what `build.sh` made as a deployment's files are found: read back from the disk. A file just written stays
/// cached in large folios, which the first page faults map whole: measured on a freshly compiled Python component,
/// 10% faster starts and 6 MB more peak RSS than after a read from the disk, and the same holds for the peers'
/// virtualenv and `node_modules`. Returns how many files were dropped.
pub fn evict(roots: &[PathBuf]) -> usize {
    use std::os::fd::AsRawFd as _;
    let mut dropped = 0;
    let mut folders = roots.to_vec();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file()
                && let Ok(file) = std::fs::File::open(entry.path())
            {
                let _ = file.sync_data();
                // SAFETY: the descriptor is open for the call; the advice only drops clean cached pages.
                let advised =
                    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
                dropped += usize::from(advised == 0);
            }
        }
    }
    dropped
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A file's size, or the sum of a folder's files (0 when unreadable).
fn size_of(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| size_of(&entry.path()))
        .sum()
}

/// Bytes as `1.23 MiB` (or KiB below one MiB).
pub fn mib(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "a size for reading")]
    let bytes = bytes as f64;
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}
