//! A handler project, from `new` to the component: its language and world (recorded by `new` in
//! `lambda-wasm.json`, or recognised from its files), the lambda-wasm checkout whose SDKs and toolchain scripts it
//! builds with, and where its component goes (`target/lambda-wasm/handler.wasm`, whatever the language).
//!
//! Layout: `new` (the scaffold, from `templates/`), `build` (each language's build), `watch` (rebuild and swap
//! on change).

pub mod build;
pub mod new;
pub mod watch;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// The file `new` writes with what `build` needs to know.
pub const PROJECT_FILE: &str = "lambda-wasm.json";

/// A language `new` and `build` know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    /// Rust, with the `lambda-wasm-sdk` crate (cargo, `wasm32-wasip2`).
    Rust,
    /// Python, with `lambda_wasm` (componentize-py).
    Python,
    /// JavaScript, with `lambda-wasm-sdk` (esbuild + componentize-js).
    Js,
    /// TypeScript: tsc, then as JavaScript.
    Ts,
    /// C, with `lambda_wasm.h` (clang-19 + wasi-libc).
    C,
}

impl Language {
    /// The name used in `lambda-wasm.json` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Js => "js",
            Self::Ts => "ts",
            Self::C => "c",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Rust, Self::Python, Self::Js, Self::Ts, Self::C]
            .into_iter()
            .find(|l| l.name() == name)
    }

    /// Whether the language's SDK has a streaming handler.
    pub fn streams(self) -> bool {
        matches!(self, Self::Rust | Self::Python)
    }
}

/// A project on disk.
#[derive(Debug)]
pub struct Project {
    /// Its folder, absolute.
    pub dir: PathBuf,
    /// Its language.
    pub language: Language,
    /// Whether its handler streams (world `streaming-handler`).
    pub streaming: bool,
    /// The lambda-wasm checkout it builds with.
    pub sdk: PathBuf,
}

impl Project {
    /// The project in `dir`: from its `lambda-wasm.json`, or recognised from its files (`Cargo.toml`,
    /// `tsconfig.json`, `package.json`, `*.py`, `*.c`). `sdk` overrides the checkout.
    pub fn open(dir: &Path, sdk: Option<&Path>) -> anyhow::Result<Self> {
        let dir = std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?;
        if !dir.is_dir() {
            bail!("no project folder at {}", dir.display());
        }
        let recorded = read_project_file(&dir)?;
        let language = match recorded.as_ref().map(|r| r.0) {
            Some(language) => language,
            None => recognise(&dir)?,
        };
        let streaming = recorded.as_ref().is_some_and(|r| r.1);
        let sdk = match (sdk, recorded.and_then(|r| r.2)) {
            (Some(path), _) => checkout(Some(path))?,
            (None, Some(path)) if path.join("guest-sdk").is_dir() => path,
            _ => checkout(None)?,
        };
        Ok(Self {
            dir,
            language,
            streaming,
            sdk,
        })
    }

    /// Where `build` puts the component.
    pub fn component(&self) -> PathBuf {
        self.dir.join("target").join("lambda-wasm").join("handler.wasm")
    }

    /// The world the component exports.
    pub fn world(&self) -> &'static str {
        if self.streaming {
            "streaming-handler"
        } else {
            "handler"
        }
    }
}

/// (language, streaming, checkout) from `lambda-wasm.json`, when there is one.
fn read_project_file(dir: &Path) -> anyhow::Result<Option<(Language, bool, Option<PathBuf>)>> {
    let path = dir.join(PROJECT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let name = value["language"].as_str().unwrap_or_default();
    let Some(language) = Language::from_name(name) else {
        bail!(
            "{}: \"language\" is `{name}`; expected rust, python, js, ts or c",
            path.display()
        );
    };
    let streaming = value["world"].as_str() == Some("streaming-handler");
    let sdk = value["sdk"].as_str().map(PathBuf::from);
    Ok(Some((language, streaming, sdk)))
}

/// The language of a project without `lambda-wasm.json`, from its files.
fn recognise(dir: &Path) -> anyhow::Result<Language> {
    let has = |name: &str| dir.join(name).is_file();
    let any_with = |extension: &str| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == extension))
        })
    };
    if has("Cargo.toml") {
        Ok(Language::Rust)
    } else if has("tsconfig.json") {
        Ok(Language::Ts)
    } else if has("package.json") {
        Ok(Language::Js)
    } else if has("app.py") || has("requirements.txt") || has("pyproject.toml") || any_with("py") {
        Ok(Language::Python)
    } else if any_with("c") {
        Ok(Language::C)
    } else {
        bail!(
            "cannot tell the language of {}: no {PROJECT_FILE}, Cargo.toml, tsconfig.json, package.json, .py or .c \
             file (make a project with `lambda-wasm new`)",
            dir.display()
        )
    }
}

/// The lambda-wasm checkout the SDKs and toolchain scripts come from: `explicit`, else `LAMBDA_WASM_SDK`, else the
/// checkout this CLI was built from. The SDKs are published nowhere yet: a project points at a checkout.
pub fn checkout(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let from_env = std::env::var_os("LAMBDA_WASM_SDK").map(PathBuf::from);
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (path, source) = match (explicit, from_env) {
        (Some(path), _) => (path.to_path_buf(), "--sdk"),
        (None, Some(path)) => (path, "LAMBDA_WASM_SDK"),
        (None, None) => (built_from, "the checkout this lambda-wasm was built from"),
    };
    let path = std::fs::canonicalize(&path)
        .with_context(|| format!("{source}: no lambda-wasm checkout at {}", path.display()))?;
    if !path.join("guest-sdk").join("rust").join("Cargo.toml").is_file() {
        bail!(
            "{source}: {} is not a lambda-wasm checkout (no guest-sdk/rust); pass --sdk <checkout>",
            path.display()
        );
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_without_its_file_is_recognised_by_its_files() -> anyhow::Result<()> {
        let cases: [(&str, Language); 5] = [
            ("Cargo.toml", Language::Rust),
            ("tsconfig.json", Language::Ts),
            ("package.json", Language::Js),
            ("handler.py", Language::Python),
            ("main.c", Language::C),
        ];
        for (file, language) in cases {
            let dir = tempfile::tempdir()?;
            std::fs::write(dir.path().join(file), "")?;
            assert_eq!(recognise(dir.path())?, language, "{file}");
        }
        let empty = tempfile::tempdir()?;
        assert!(recognise(empty.path()).is_err());
        Ok(())
    }

    #[test]
    fn the_project_file_names_the_language_and_world() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join(PROJECT_FILE),
            r#"{"language": "python", "world": "streaming-handler"}"#,
        )?;
        let (language, streaming, sdk) = read_project_file(dir.path())?.unwrap_or((Language::C, false, None));
        assert_eq!((language, streaming, sdk), (Language::Python, true, None));
        std::fs::write(dir.path().join(PROJECT_FILE), r#"{"language": "cobol"}"#)?;
        assert!(read_project_file(dir.path()).is_err());
        Ok(())
    }
}
