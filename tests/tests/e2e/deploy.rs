//! Deploying: `lambda-wasm compile` and the `.cwasm` fast path, refusals of artifacts for another CPU or other
//! settings, the compile cache of a `.wasm` handler (hit, and a tampered entry never loaded), `_HANDLER` naming
//! no file, `lambda-wasm package` (layout, permissions, the same bytes twice, refusals), the packaged example
//! served from a fresh folder. The `make dist` binaries have their own suite, `tests/dist.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use crate::cli::{invoke_cli, start_cli};
use crate::harness::{Function, TaskRoot, workspace_binary};
use lambda_wasm_tests::{ECHO, RUST_HELLO};

/// The longest a CLI command may take (a debug build compiles a fixture in about a second).
const COMMAND_LIMIT: Duration = Duration::from_secs(180);

/// What a `lambda-wasm` run printed.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `lambda-wasm <args>` to completion (bounded).
async fn lambda_wasm(args: &[&str]) -> Run {
    let output = tokio::time::timeout(
        COMMAND_LIMIT,
        Command::new(workspace_binary("lambda-wasm"))
            .args(args)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("lambda-wasm {args:?} took over {COMMAND_LIMIT:?}"))
    .unwrap();
    let run = Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    println!("lambda-wasm {args:?}:\n{}{}", run.stdout, run.stderr);
    run
}

/// `lambda-wasm compile <component> -o <output> [--target <target>]`, which must succeed.
async fn compile(component: &str, output: &Path, target: Option<&str>) -> Run {
    let output = output.to_str().unwrap();
    let mut args = vec!["compile", component, "-o", output];
    if let Some(target) = target {
        args.extend(["--target", target]);
    }
    let run = lambda_wasm(&args).await;
    assert!(run.ok, "{}", run.stderr);
    run
}

/// Lambda's name of this machine's architecture and of the other one.
fn host_and_other() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => ("x86_64", "arm64"),
        "aarch64" => ("arm64", "x86_64"),
        other => panic!("the tests run on x86_64 or aarch64, not {other}"),
    }
}

/// Waits (bounded) until a log line satisfies `wanted`, and returns it.
async fn log_line(function: &Function, wanted: impl Fn(&str) -> bool) -> String {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(line) = function.logs().into_iter().find(|l| wanted(l)) {
                return line;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no such log line in {:#?}", function.logs()))
}

/// The `.cwasm` files in `dir`.
fn artifacts_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "cwasm"));
    found
}

#[tokio::test]
async fn a_compiled_component_loads_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = dir.path().join("handler.cwasm");
    let (host, _) = host_and_other();
    let run = compile(ECHO.path, &cwasm, None).await;
    assert!(run.stdout.contains(&format!("for {host} in")), "{}", run.stdout);
    assert!(run.stderr.contains("compiling"), "{}", run.stderr);
    let function = Function::with(&cwasm, &[], Duration::from_secs(60)).await;
    let answer = function.invoke("round trip").await;
    assert_eq!(
        (answer.function_error.as_deref(), answer.body.as_ref()),
        (None, b"round trip".as_slice())
    );
    // The fast path: no compilation, no cache.
    assert!(!function.logs().iter().any(|l| l.contains("compiled handler")));
}

#[tokio::test]
async fn an_artifact_for_the_other_cpu_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = dir.path().join("handler.cwasm");
    let (host, other) = host_and_other();
    compile(ECHO.path, &cwasm, Some(other)).await;
    let function = Function::with(&cwasm, &[], Duration::from_secs(60)).await;
    let body = function
        .invoke("{}")
        .await
        .expect_error("Runtime.IncompatibleArtifact");
    let message = body["errorMessage"].as_str().unwrap();
    let other_arch = if other == "arm64" { "aarch64" } else { "x86_64" };
    assert!(
        message.contains(&format!("another CPU architecture: {other_arch}"))
            && message.contains(&format!("runs on {host}")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "lambda-wasm compile handler.wasm -o handler.cwasm --target {host}"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn an_artifact_of_other_engine_settings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = dir.path().join("handler.cwasm");
    // What another embedder (or `wasmtime compile`) would make: no epoch interruption.
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(false);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let artifact = engine
        .precompile_component(&std::fs::read(ECHO.path).unwrap())
        .unwrap();
    std::fs::write(&cwasm, artifact).unwrap();
    let function = Function::with(&cwasm, &[], Duration::from_secs(60)).await;
    let body = function
        .invoke("{}")
        .await
        .expect_error("Runtime.IncompatibleArtifact");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("other engine settings (epoch interruption differs)"),
        "{message}"
    );
    assert!(message.contains("lambda-wasm compile"), "{message}");
}

#[tokio::test]
async fn a_wasm_compiles_at_init_and_the_next_cold_start_hits_the_cache() {
    let root = TaskRoot::new(ECHO, &[]);
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("cache");
    let env = [("LAMBDA_WASM_CACHE_DIR", cache_dir.to_str().unwrap())];

    let first = Function::with(&root.component(), &env, Duration::from_secs(60)).await;
    let answer = first.invoke("cold").await;
    assert_eq!(answer.body.as_ref(), b"cold");
    let compiled = log_line(&first, |l| l.contains("compiled handler.wasm in")).await;
    let artifacts = artifacts_in(&cache_dir);
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");
    assert!(
        compiled.contains(&format!("cached at {}", artifacts[0].display())),
        "{compiled}"
    );
    assert!(artifacts[0].with_extension("cwasm.sha256").is_file());

    let second = Function::with(&root.component(), &env, Duration::from_secs(60)).await;
    let answer = second.invoke("warm cache").await;
    assert_eq!(answer.body.as_ref(), b"warm cache");
    log_line(&second, |l| {
        l.contains("loaded the compiled handler.wasm from the cache")
    })
    .await;
    assert!(
        !second
            .logs()
            .iter()
            .any(|l| l.contains("compiled handler.wasm in"))
    );
}

#[tokio::test]
async fn a_tampered_cached_artifact_is_deleted_and_compiled_again() {
    let root = TaskRoot::new(ECHO, &[]);
    let cache = tempfile::tempdir().unwrap();
    let env = [("LAMBDA_WASM_CACHE_DIR", cache.path().to_str().unwrap())];
    let first = Function::with(&root.component(), &env, Duration::from_secs(60)).await;
    assert_eq!(first.invoke("one").await.body.as_ref(), b"one");
    log_line(&first, |l| l.contains("compiled handler.wasm in")).await;

    // Flip bytes in the middle of the artifact, keeping its length: only the checksum can tell.
    let artifact = artifacts_in(cache.path()).pop().unwrap();
    let mut bytes = std::fs::read(&artifact).unwrap();
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 64] {
        *byte ^= 0xff;
    }
    std::fs::write(&artifact, &bytes).unwrap();

    let second = Function::with(&root.component(), &env, Duration::from_secs(60)).await;
    assert_eq!(second.invoke("two").await.body.as_ref(), b"two");
    let refused = log_line(&second, |l| l.contains("was not loaded and has been deleted")).await;
    assert!(refused.contains("SHA-256"), "{refused}");
    log_line(&second, |l| l.contains("compiled handler.wasm in")).await;
    assert!(!second.logs().iter().any(|l| l.contains("from the cache")));
    // The entry was written again, whole.
    assert_ne!(std::fs::read(&artifact).unwrap(), bytes);
}

#[tokio::test]
async fn a_handler_that_names_no_file_uses_the_only_component() {
    let root = TaskRoot::new(ECHO, &[("README.txt", "not a component")]);
    // The console's default handler setting.
    let console_default = root.dir.path().join("hello.handler");
    let function = Function::with(&console_default, &[], Duration::from_secs(60)).await;
    assert_eq!(function.invoke("found").await.body.as_ref(), b"found");
    log_line(&function, |l| {
        l.contains("_HANDLER=hello.handler names no file") && l.contains("handler.wasm, the only component")
    })
    .await;

    // Two components: which one is meant is not guessed; the error lists both.
    std::fs::copy(ECHO.path, root.dir.path().join("other.wasm")).unwrap();
    let function = Function::with(&console_default, &[], Duration::from_secs(60)).await;
    let body = function
        .invoke("{}")
        .await
        .expect_error("Runtime.HandlerNotFound");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("hello.handler") && message.contains("2 components: handler.wasm, other.wasm"),
        "{message}"
    );
}

#[tokio::test]
async fn the_zip_has_its_layout_permissions_and_the_same_bytes_twice() {
    let dir = tempfile::tempdir().unwrap();
    // Any executable of this machine stands in for the bootstrap: the layout is what is checked here.
    let bootstrap = workspace_binary("native-echo");
    let bootstrap = bootstrap.to_str().unwrap();
    let (host, _) = host_and_other();
    let mut zips = Vec::new();
    for name in ["a.zip", "b.zip"] {
        let zip = dir.path().join(name);
        let run = lambda_wasm(&[
            "package",
            ECHO.path,
            "-o",
            zip.to_str().unwrap(),
            "--bootstrap",
            bootstrap,
        ])
        .await;
        assert!(run.ok, "{}", run.stderr);
        assert!(
            run.stdout.contains(&format!("for {host}")) && run.stdout.contains("handler handler.cwasm"),
            "{}",
            run.stdout
        );
        zips.push(std::fs::read(&zip).unwrap());
    }
    assert!(zips[0] == zips[1], "two packages of the same inputs differ");

    let cwasm = dir.path().join("handler.cwasm");
    compile(ECHO.path, &cwasm, None).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zips[0])).unwrap();
    assert_eq!(archive.len(), 2);
    let expected = [
        ("bootstrap", 0o100_755, std::fs::read(bootstrap).unwrap()),
        ("handler.cwasm", 0o100_644, std::fs::read(&cwasm).unwrap()),
    ];
    for (i, (name, mode, content)) in expected.into_iter().enumerate() {
        let mut file = archive.by_index(i).unwrap();
        assert_eq!(file.name().unwrap(), name);
        assert_eq!(file.unix_mode(), Some(mode), "{name}");
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated, "{name}");
        assert_eq!(file.last_modified(), Some(zip::DateTime::default()), "{name}");
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut unpacked).unwrap();
        assert!(unpacked == content, "{name} differs from its source");
    }
}

#[tokio::test]
async fn package_refuses_an_artifact_or_a_bootstrap_for_another_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let (host, other) = host_and_other();
    let native = workspace_binary("native-echo");
    let zip = dir.path().join("function.zip");
    let zip = zip.to_str().unwrap();

    let foreign = dir.path().join("foreign.cwasm");
    compile(ECHO.path, &foreign, Some(other)).await;
    let foreign = foreign.to_str().unwrap();
    let run = lambda_wasm(&[
        "package",
        foreign,
        "-o",
        zip,
        "--bootstrap",
        native.to_str().unwrap(),
    ])
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr
            .contains(&format!("was compiled for {other}, not {host}")),
        "{}",
        run.stderr
    );

    let run = lambda_wasm(&[
        "package",
        foreign,
        "-o",
        zip,
        "--target",
        other,
        "--bootstrap",
        native.to_str().unwrap(),
    ])
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr
            .contains(&format!("is a bootstrap for {host}, not {other}")),
        "{}",
        run.stderr
    );
    assert!(!Path::new(zip).exists(), "a refused package left a zip");
}

/// The issue's "done when": `lambda-wasm package` the example, unpack the zip into a fresh folder as Lambda
/// does, and serve its `bootstrap` under `lambda-wasm emulate`.
#[tokio::test]
async fn the_packaged_example_serves_from_a_fresh_folder() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("function.zip");
    // The bootstrap just built (the default would prefer a `make dist` one, which may be older).
    let bootstrap = workspace_binary("bootstrap");
    let run = lambda_wasm(&[
        "package",
        RUST_HELLO.path,
        "-o",
        zip.to_str().unwrap(),
        "--bootstrap",
        bootstrap.to_str().unwrap(),
    ])
    .await;
    assert!(run.ok, "{}", run.stderr);

    let task = dir.path().join("task");
    unpack(&zip, &task);
    let bootstrap = task.join("bootstrap");
    let task_root = format!("LAMBDA_TASK_ROOT={}", task.display());
    let (_emulate, port) = start_cli(&[
        "emulate",
        "--port",
        "0",
        "--env",
        &task_root,
        "--env",
        "_HANDLER=handler.cwasm",
        "--",
        bootstrap.to_str().unwrap(),
    ])
    .await;
    let (ok, out) = invoke_cli(port, r#"{"name":"Lambda"}"#).await;
    assert!(ok, "{out}");
    let body: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(body["message"], "Hello, Lambda!");
}

/// Unpacks `zip` into `dir` as Lambda does: files at their paths, Unix permissions from the archive.
fn unpack(zip: &Path, dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let path = dir.join(file.enclosed_name().unwrap());
        let mut out = std::fs::File::create(&path).unwrap();
        std::io::copy(&mut file, &mut out).unwrap();
        let mode = file.unix_mode().unwrap() & 0o777;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}
