//! `lambda-wasm new`, `build`, `serve` + `invoke` and `watch`, as a user runs them: from an empty folder outside
//! the repository, for every language, with the project's own unit tests run too.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::cli::{invoke_cli, start_cli};
use crate::harness::workspace_binary;

/// The longest a build may take here (a first Python or TypeScript build installs its toolchain).
const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// The repository's root.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `program args` in `dir` (bounded), with Rust builds sharing the repository's guest target folders
/// (`target/wasm-guests` for components, `target/guest-native` for native unit tests); panics with its output
/// when it fails. Returns its stdout.
async fn run(dir: &Path, program: &Path, args: &[&str]) -> String {
    let target = if args.first() == Some(&"test") {
        "target/guest-native"
    } else {
        "target/wasm-guests"
    };
    let output = tokio::time::timeout(
        BUILD_LIMIT,
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", checkout().join(target))
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{} {args:?} did not finish", program.display()))
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{} {args:?} in {}: {}\n{stdout}\n{}",
        program.display(),
        dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `lambda-wasm new <parent>/<name> --lang <lang> [extra]`: the project's folder.
async fn new_project(parent: &Path, name: &str, lang: &str, extra: &[&str]) -> PathBuf {
    let cli = workspace_binary("lambda-wasm");
    let dir = parent.join(name);
    let mut args = vec!["new", dir.to_str().unwrap(), "--lang", lang];
    args.extend_from_slice(extra);
    run(parent, &cli, &args).await;
    dir
}

/// new, build (the component lands at `target/lambda-wasm/handler.wasm`), the project's unit tests, serve, invoke.
async fn round_trip(lang: &str, extra: &[&str], unit_test: &[&str], expected: &str) {
    let parent = tempfile::tempdir().unwrap();
    let dir = new_project(parent.path(), &format!("my-{lang}"), lang, extra).await;
    assert!(dir.join("events/sample.json").is_file() && dir.join("README.md").is_file());
    let cli = workspace_binary("lambda-wasm");
    let built = run(&dir, &cli, &["build"]).await;
    let component = dir.join("target/lambda-wasm/handler.wasm");
    assert_eq!(built.trim(), component.display().to_string());
    let (program, args) = unit_test.split_first().unwrap();
    let program = which(program);
    run(&dir, &program, args).await;
    let (_serve, port) = start_cli(&["serve", component.to_str().unwrap(), "--port", "0"]).await;
    let sample = std::fs::read_to_string(dir.join("events/sample.json")).unwrap();
    let (ok, out) = invoke_cli(port, &sample).await;
    assert!(ok && out.contains(expected), "{lang}: {out}");
}

/// A program by name, from PATH, or a path relative to the project.
fn which(program: &str) -> PathBuf {
    if program.starts_with("./") {
        return PathBuf::from(program);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(program))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

#[tokio::test]
async fn a_rust_project_from_new_to_invoke() {
    round_trip(
        "rust",
        &[],
        &["cargo", "test", "--quiet"],
        "\"message\":\"Hello, Ada!\"",
    )
    .await;
}

#[tokio::test]
async fn a_streaming_rust_project_from_new_to_invoke() {
    round_trip(
        "rust",
        &["--streaming"],
        &["cargo", "test", "--quiet"],
        "Hello, Ada!",
    )
    .await;
}

#[tokio::test]
async fn a_python_project_from_new_to_invoke() {
    round_trip(
        "python",
        &[],
        &["python3", "-m", "unittest", "-q"],
        "\"message\":\"Hello, Ada!\"",
    )
    .await;
}

#[tokio::test]
async fn a_streaming_python_project_from_new_to_invoke() {
    round_trip(
        "python",
        &["--streaming"],
        &["python3", "-m", "unittest", "-q"],
        "Hello, Ada!",
    )
    .await;
}

#[tokio::test]
async fn a_javascript_project_from_new_to_invoke() {
    round_trip(
        "js",
        &[],
        &["npm", "test", "--silent"],
        "\"message\":\"Hello, Ada!\"",
    )
    .await;
}

#[tokio::test]
async fn a_typescript_project_from_new_to_invoke() {
    round_trip(
        "ts",
        &[],
        &["npm", "test", "--silent"],
        "\"message\":\"Hello, Ada!\"",
    )
    .await;
}

#[tokio::test]
async fn a_c_project_from_new_to_invoke() {
    round_trip("c", &[], &["./test.sh"], "\"message\":\"Hello, Ada!\"").await;
}

#[tokio::test]
async fn new_refuses_a_folder_that_is_not_empty_and_streaming_where_the_sdk_has_none() {
    let parent = tempfile::tempdir().unwrap();
    let taken = parent.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep.txt"), "mine").unwrap();
    let streaming_js = parent.path().join("js-stream");
    for (dir, lang, extra) in [(&taken, "c", None), (&streaming_js, "js", Some("--streaming"))] {
        let output = Command::new(workspace_binary("lambda-wasm"))
            .args(["new", dir.to_str().unwrap(), "--lang", lang])
            .args(extra)
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{dir:?}");
        let why = if extra.is_some() {
            "no streaming handler"
        } else {
            "not an empty folder"
        };
        assert!(stderr.contains(why), "{stderr}");
    }
    assert!(!streaming_js.exists());
    assert_eq!(std::fs::read_to_string(taken.join("keep.txt")).unwrap(), "mine");
}

/// `lambda-wasm watch <dir> --port 0`: the process, its invoke port, and its output lines as they come.
async fn start_watch(
    dir: &Path,
    extra: &[&str],
) -> (
    tokio::process::Child,
    u16,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = Command::new(workspace_binary("lambda-wasm"))
        .args(["watch", dir.to_str().unwrap(), "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (sender, mut output) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            println!("{line}");
            let _ = sender.send(line);
        }
    });
    let port = tokio::time::timeout(BUILD_LIMIT, async {
        while let Some(line) = output.recv().await {
            if let Some(url) = line.strip_prefix("lambda-wasm: invoke URL: http://127.0.0.1:") {
                return url.split('/').next().unwrap().parse::<u16>().unwrap();
            }
        }
        panic!("watch exited without printing its invoke URL");
    })
    .await
    .expect("no invoke URL");
    (child, port, output)
}

/// One invocation of the watched C handler: `old` (Hello) or `new` (Howdy); panics on any failure.
async fn greeting(port: u16, i: usize) -> &'static str {
    let (ok, out) = invoke_cli(port, r#"{"name": "Ada"}"#).await;
    assert!(ok, "invocation {i} failed: {out}");
    if out.contains("Howdy, Ada!") {
        "new"
    } else if out.contains("Hello, Ada!") {
        "old"
    } else {
        panic!("invocation {i}: {out}")
    }
}

#[tokio::test]
async fn watch_swaps_in_the_edited_handler_without_dropping_a_request() {
    let parent = tempfile::tempdir().unwrap();
    let dir = new_project(parent.path(), "watched", "c", &[]).await;
    let (_watch, port, mut output) = start_watch(&dir, &[]).await;
    let app = dir.join("app.c");
    let source = std::fs::read_to_string(&app).unwrap();
    // Sequential invocations while the source changes under them: at most 2,000, ending 20 after the first new
    // answer.
    let mut answers = Vec::new();
    for i in 0..2000 {
        answers.push(greeting(port, i).await);
        if i == 5 {
            std::fs::write(&app, source.replace("\"Hello, %s!\"", "\"Howdy, %s!\"")).unwrap();
        }
        if answers.iter().filter(|a| **a == "new").count() >= 20 {
            break;
        }
    }
    let switches = answers.windows(2).filter(|w| w[0] != w[1]).count();
    assert_eq!(
        (answers.first().copied(), answers.last().copied(), switches),
        (Some("old"), Some("new"), 1),
        "the answers switch from old to new code exactly once: {answers:?}"
    );
    // A change that does not build: its errors are shown, and every request is answered by the last good build.
    std::fs::write(&app, "this is not C\n").unwrap();
    let mut failed = false;
    for i in 0..2000 {
        assert_eq!(
            greeting(port, i).await,
            "new",
            "invocation {i} after a failed build"
        );
        while let Ok(line) = output.try_recv() {
            failed |= line.contains("the build failed, still serving the previous one");
        }
        if failed {
            break;
        }
    }
    assert!(failed, "watch never reported the failed build");
    assert_eq!(greeting(port, 0).await, "new");
}

#[tokio::test]
async fn a_request_held_during_a_rebuild_is_timed_from_its_handover() {
    // A Python rebuild and compile take seconds; the function's timeout is one.
    let parent = tempfile::tempdir().unwrap();
    let dir = new_project(parent.path(), "slow-build", "python", &[]).await;
    let (_watch, port, mut output) = start_watch(&dir, &["--timeout", "1"]).await;
    assert_eq!(greeting(port, 0).await, "old");
    let app = dir.join("app.py");
    let source = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, source.replace("f\"Hello, {name}!\"", "f\"Howdy, {name}!\"")).unwrap();
    tokio::time::timeout(BUILD_LIMIT, async {
        while let Some(line) = output.recv().await {
            if line.contains("changed: rebuilding") {
                return;
            }
        }
        panic!("watch ended before it saw the change");
    })
    .await
    .expect("the change was not seen");
    // Sent while the rebuild runs: it waits longer than the timeout, then runs on the new code, in time.
    let started = std::time::Instant::now();
    assert_eq!(greeting(port, 1).await, "new");
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the request did not wait for the rebuild ({:?})",
        started.elapsed()
    );
}
