//! `lambda-wasm new <dir> --lang <language> [--streaming]`: a project that builds against the SDK, with a unit
//! test, a sample event and a README, in a folder that must not exist yet or be empty.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::{Language, PROJECT_FILE};

/// Arguments of `new`.
#[derive(clap::Args)]
pub struct NewArgs {
    /// The project's folder (made; it must not exist, or be empty). Its name is the project's name.
    dir: PathBuf,
    /// The handler's language.
    #[arg(long, value_enum)]
    lang: Language,
    /// A streaming handler (world `streaming-handler`: Function URLs, InvokeWithResponseStream). Rust and Python.
    #[arg(long)]
    streaming: bool,
    /// The lambda-wasm checkout to build with (default: `LAMBDA_WASM_SDK`, else the one this CLI was built from).
    #[arg(long)]
    sdk: Option<PathBuf>,
}

/// One file of a template: its path in the project and its text, with `{{name}}` and `{{sdk}}` to fill.
type File = (&'static str, &'static str);

const SAMPLE_EVENT: File = ("events/sample.json", "{\"name\": \"Ada\"}\n");
const GITIGNORE: File = (".gitignore", "target/\nnode_modules/\ndist/\n__pycache__/\n");

fn template(language: Language, streaming: bool) -> Vec<File> {
    // What only a new project needs (its manifest, where the SDK is) is in `templates/`; the handlers and their
    // tests are the hello examples themselves, which `make test` builds and runs.
    macro_rules! t {
        ($path:literal, $source:literal) => {
            ($path, include_str!(concat!("../../templates/", $source)))
        };
    }
    macro_rules! example {
        ($path:literal, $source:literal) => {
            (
                $path,
                include_str!(concat!("../../../../examples/", $source)),
            )
        };
    }
    match (language, streaming) {
        (Language::Rust, false) => vec![
            t!("Cargo.toml", "rust/Cargo.toml"),
            example!("src/lib.rs", "rust-hello/src/lib.rs"),
        ],
        (Language::Rust, true) => vec![
            t!("Cargo.toml", "rust/Cargo.toml"),
            t!("src/lib.rs", "rust-streaming/lib.rs"),
        ],
        (Language::Python, false) => vec![
            t!("app.py", "python/app.py"),
            t!("test_app.py", "python/test_app.py"),
            t!("requirements.txt", "python/requirements.txt"),
        ],
        (Language::Python, true) => vec![
            t!("app.py", "python-streaming/app.py"),
            t!("test_app.py", "python-streaming/test_app.py"),
            t!("requirements.txt", "python/requirements.txt"),
        ],
        (Language::Js, _) => vec![
            example!("app.js", "js-hello/app.js"),
            example!("app.test.js", "js-hello/app.test.js"),
            t!("package.json", "js/package.json"),
        ],
        (Language::Ts, _) => vec![
            example!("app.ts", "ts-hello/app.ts"),
            example!("app.test.ts", "ts-hello/app.test.ts"),
            t!("package.json", "ts/package.json"),
            example!("tsconfig.json", "ts-hello/tsconfig.json"),
        ],
        (Language::C, _) => vec![
            example!("app.c", "c-hello/app.c"),
            t!("test_app.c", "c/test_app.c"),
            t!("test.sh", "c/test.sh"),
        ],
    }
}

/// How the README tells the user to run the unit tests.
fn test_command(language: Language) -> &'static str {
    match language {
        Language::Rust => "cargo test",
        Language::Python => "python3 -m unittest",
        Language::Js | Language::Ts => {
            "npm test        # after `lambda-wasm build`, which installs the packages"
        }
        Language::C => "./test.sh       # after `lambda-wasm build`, which writes the bindings",
    }
}

/// Makes the project.
pub fn new(args: NewArgs) -> anyhow::Result<ExitCode> {
    if args.streaming && !args.lang.streams() {
        bail!(
            "--streaming: the {} SDK has no streaming handler yet (Rust and Python have one)",
            args.lang.name()
        );
    }
    let sdk = super::checkout(args.sdk.as_deref())?;
    let dir = std::path::absolute(&args.dir).with_context(|| format!("resolving {}", args.dir.display()))?;
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!("{} exists and is not an empty folder", dir.display());
    }
    let name = project_name(&dir)?;
    let world = if args.streaming {
        "streaming-handler"
    } else {
        "handler"
    };
    let fill = |text: &str| {
        text.replace("{{name}}", &name)
            .replace("{{sdk}}", &sdk.display().to_string())
    };
    let mut files: Vec<(String, String)> = template(args.lang, args.streaming)
        .into_iter()
        .chain([SAMPLE_EVENT, GITIGNORE])
        .map(|(path, text)| (path.to_owned(), fill(text)))
        .collect();
    let project = serde_json::json!({
        "language": args.lang.name(),
        "world": world,
        "sdk": sdk.display().to_string(),
    });
    files.push((PROJECT_FILE.to_owned(), format!("{project:#}\n")));
    if args.lang == Language::Rust {
        // The toolchain the SDK is built and tested with, and the component target.
        let toolchain = std::fs::read_to_string(sdk.join("rust-toolchain.toml"))
            .context("reading the checkout's rust-toolchain.toml")?;
        files.push(("rust-toolchain.toml".to_owned(), toolchain));
    }
    files.push(("README.md".to_owned(), readme(&name, args.lang, world)));
    for (path, text) in &files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("making {}", parent.display()))?;
        }
        std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
        if path.ends_with(".sh") {
            make_executable(&target)?;
        }
    }
    println!(
        "lambda-wasm: made {} ({} handler, world {world}); next: cd {} && lambda-wasm build",
        dir.display(),
        args.lang.name(),
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The folder's name, as a package name: lowercase letters, digits and `-`.
fn project_name(dir: &Path) -> anyhow::Result<String> {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        bail!("`{raw}` does not make a package name: start the folder's name with a letter");
    }
    Ok(name)
}

fn readme(name: &str, language: Language, world: &str) -> String {
    format!(
        "# {name}\n\nA {lang} handler for AWS Lambda, as a WebAssembly component run by lambda-wasm's `bootstrap` \
         (world `{world}`).\n\n```sh\nlambda-wasm build                 # -> target/lambda-wasm/handler.wasm\n\
         {test}\nlambda-wasm serve target/lambda-wasm/handler.wasm    # then, in another terminal:\n\
         lambda-wasm invoke --data \"$(cat events/sample.json)\"\nlambda-wasm watch                 # serve, \
         rebuild and swap on every change\nlambda-wasm package target/lambda-wasm/handler.wasm --target arm64 -o \
         function.zip\n```\n",
        lang = language.name(),
        test = test_command(language),
    )
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_package_names() -> anyhow::Result<()> {
        assert_eq!(project_name(Path::new("/x/My Handler"))?, "my-handler");
        assert_eq!(project_name(Path::new("/x/api_v2"))?, "api-v2");
        assert!(project_name(Path::new("/x/2fast")).is_err());
        assert!(project_name(Path::new("/x/__")).is_err());
        Ok(())
    }
}
