//! `lambda-wasm watch [dir]`: serves a project and swaps in a new component on every change, without the invoke
//! endpoint going down.
//!
//! A front server owns the public port and forwards each request to the current backend: an emulator with its
//! own `bootstrap` on an internal port. On a change (file events from `notify`, debounced, `target/`,
//! `node_modules/` and the like ignored) new requests are held, the project is rebuilt and compiled, a new backend
//! is started on it, and the held requests go to the new one; the old backend gets no more requests and is shut
//! down (SIGTERM, then its grace) once those it is answering are done. When the build fails its errors are shown,
//! the held requests go to the old code, and the next change tries again. An invocation's timeout starts when
//! its backend receives it, not while it is held.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lambda_wasm_emulator::Emulator;
use tokio::sync::watch;

use super::Project;
use crate::serve::{EmulatorArgs, default_bootstrap, serve_config};

/// Arguments of `watch`.
#[derive(clap::Args)]
pub struct WatchArgs {
    /// The project's folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The lambda-wasm checkout to build with (as for `build`).
    #[arg(long)]
    sdk: Option<PathBuf>,
    /// The `bootstrap` to run (default: the one next to `lambda-wasm`).
    #[arg(long)]
    bootstrap: Option<PathBuf>,
    #[command(flatten)]
    emulator: EmulatorArgs,
}

/// Quiet time after the last file event before a rebuild starts: an editor's save is several events.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// The largest request body forwarded (Lambda's event limit with room for a Function URL's envelope).
const MAX_REQUEST: usize = 8 * 1024 * 1024;
/// Folders whose changes never trigger a rebuild: build output, packages, caches, version control.
const IGNORED: [&str; 7] = [
    "target",
    "node_modules",
    "dist",
    "__pycache__",
    ".git",
    ".venv",
    ".pytest_cache",
];

/// One emulator and its `bootstrap`, serving one build of the project.
struct Backend {
    addr: SocketAddr,
    emulator: Mutex<Option<Emulator>>,
}

type Current = watch::Receiver<Option<Arc<Backend>>>;
type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Serves the project until Ctrl-C, rebuilding on change.
pub async fn watch(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let project = Arc::new(Project::open(&args.dir, args.sdk.as_deref())?);
    let bootstrap = match &args.bootstrap {
        Some(path) => path.clone(),
        None => default_bootstrap()?,
    };
    let first = build_backend(&project, &bootstrap, &args.emulator)
        .await
        .context("the first build failed: fix it and run `lambda-wasm watch` again")?;
    let (publish, current) = watch::channel(Some(first));

    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.emulator.port)))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.emulator.port))?;
    let addr = listener.local_addr().context("the front server's address")?;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    tokio::spawn(serve_front(listener, current.clone(), client));
    let url = format!("http://{addr}/2015-03-31/functions/function/invocations");
    println!("lambda-wasm: watching {}", project.dir.display());
    println!("lambda-wasm: invoke URL: {url}");
    println!("lambda-wasm: edit the handler and invoke again; Ctrl-C stops");

    let mut changes = file_changes(&project.dir)?;
    let grace = Duration::from_secs(args.emulator.timeout) + Duration::from_secs(5);
    loop {
        tokio::select! {
            change = changes.recv() => {
                let Some(path) = change else { break };
                println!("lambda-wasm: {} changed: rebuilding (requests wait for it)", path.display());
                let old = publish.send_replace(None);
                match build_backend(&project, &bootstrap, &args.emulator).await {
                    Ok(new) => {
                        publish.send_replace(Some(new));
                        println!("lambda-wasm: serving the new build");
                        if let Some(old) = old {
                            tokio::spawn(drain(old, grace));
                        }
                    }
                    Err(error) => {
                        println!("lambda-wasm: the build failed, still serving the previous one: {error:#}");
                        publish.send_replace(old);
                    }
                }
            }
            signal = tokio::signal::ctrl_c() => {
                signal.context("waiting for Ctrl-C")?;
                break;
            }
        }
    }
    if let Some(last) = publish.send_replace(None) {
        drain(last, grace).await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the project, compiles its component and starts an emulator with a `bootstrap` on it.
async fn build_backend(
    project: &Arc<Project>,
    bootstrap: &Path,
    args: &EmulatorArgs,
) -> anyhow::Result<Arc<Backend>> {
    let building = project.clone();
    let component = tokio::task::spawn_blocking(move || super::build::component(&building))
        .await
        .context("the build task")??;
    let mut config = {
        let bootstrap = bootstrap.to_path_buf();
        let component = component.clone();
        let args = args.clone();
        tokio::task::spawn_blocking(move || serve_config(&component, bootstrap, &args))
            .await
            .context("the compile task")??
    };
    config.invoke_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let emulator = Emulator::start(config).await?;
    Ok(Arc::new(Backend {
        addr: emulator.invoke_addr(),
        emulator: Mutex::new(Some(emulator)),
    }))
}

/// Shuts `backend` down once no request holds it any more (bounded by `grace`).
async fn drain(backend: Arc<Backend>, grace: Duration) {
    let deadline = tokio::time::Instant::now() + grace;
    while Arc::strong_count(&backend) > 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let emulator = backend
        .emulator
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
}

/// Accepts connections on the public port, forever.
async fn serve_front(listener: tokio::net::TcpListener, current: Current, client: HttpClient) {
    while let Ok((stream, _)) = listener.accept().await {
        let current = current.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let current = current.clone();
                let client = client.clone();
                async move { Ok::<_, Infallible>(forward(request, current, client).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Forwards one request to the current backend, waiting while a build is in progress; the response streams
/// through, and keeps its backend alive until its body ends.
async fn forward(
    request: Request<Incoming>,
    mut current: Current,
    client: HttpClient,
) -> Response<BoxBody<Bytes, hyper::Error>> {
    let backend = loop {
        if let Some(backend) = current.borrow_and_update().clone() {
            break backend;
        }
        if current.changed().await.is_err() {
            return plain(StatusCode::SERVICE_UNAVAILABLE, "lambda-wasm watch is stopping");
        }
    };
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body: {error}"),
            );
        }
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = Request::builder()
        .method(parts.method)
        .uri(format!("http://{}{path}", backend.addr));
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(outgoing) = outgoing.body(Full::new(body)) else {
        return plain(StatusCode::BAD_REQUEST, "the request could not be forwarded");
    };
    match client.request(outgoing).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let body = body.map_frame(move |frame| {
                let _serving = &backend;
                frame
            });
            Response::from_parts(parts, body.boxed())
        }
        Err(error) => plain(
            StatusCode::BAD_GATEWAY,
            &format!("the function's emulator: {error}"),
        ),
    }
}

fn plain(status: StatusCode, message: &str) -> Response<BoxBody<Bytes, hyper::Error>> {
    let mut response = Response::new(
        Full::new(Bytes::from(format!("{message}\n")))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
}

/// The project's changes, debounced: one path per burst of file events, ignored folders left out.
fn file_changes(dir: &Path) -> anyhow::Result<tokio::sync::mpsc::Receiver<PathBuf>> {
    use notify::Watcher as _;
    let (events, raw) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(events).context("watching the project's files")?;
    watcher
        .watch(dir, notify::RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", dir.display()))?;
    let (sender, changes) = tokio::sync::mpsc::channel(1);
    let root = dir.to_path_buf();
    std::thread::spawn(move || {
        // The watcher lives as long as this thread.
        let _watcher = watcher;
        let relevant = |event: &notify::Result<notify::Event>| -> Option<PathBuf> {
            let event = event.as_ref().ok()?;
            if event.kind.is_access() {
                return None;
            }
            event.paths.iter().find(|p| counts(&root, p)).cloned()
        };
        while let Ok(event) = raw.recv() {
            let Some(first) = relevant(&event) else { continue };
            // Let the burst settle: a save is several events, a `git checkout` many.
            while raw.recv_timeout(DEBOUNCE).is_ok() {}
            if sender.blocking_send(first).is_err() {
                return;
            }
        }
    });
    Ok(changes)
}

/// Whether a change at `path` (under `root`) is the project's source, not build output or packages.
fn counts(root: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    !relative.components().any(|c| match c {
        Component::Normal(name) => IGNORED.iter().any(|ignored| name == *ignored),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_packages_do_not_trigger_a_rebuild() {
        let root = Path::new("/p");
        assert!(counts(root, Path::new("/p/src/lib.rs")));
        assert!(counts(root, Path::new("/p/app.py")));
        for ignored in [
            "/p/target/lambda-wasm/handler.wasm",
            "/p/node_modules/x/index.js",
            "/p/dist/app.js",
            "/p/__pycache__/app.cpython-313.pyc",
            "/p/.git/index",
        ] {
            assert!(!counts(root, Path::new(ignored)), "{ignored}");
        }
    }
}
