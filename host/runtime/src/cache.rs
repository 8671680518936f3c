//! The compile cache (feature `compiler`): a `.wasm` handler compiled at INIT is kept as a `.cwasm` in a host
//! folder the guest cannot see (`LAMBDA_WASM_CACHE_DIR`, default `/tmp/lambda-wasm/cache`; refused inside the
//! guest's `/tmp`), so the next cold start in the same execution environment loads it instead of compiling.
//!
//! - The key is the component's SHA-256 and the engine's compatibility hash (wasmtime's exact version, target,
//!   CPU flags and settings): another component or another engine never finds the entry.
//! - A sidecar `<key>.cwasm.sha256` holds the artifact's own SHA-256, checked before the artifact is loaded:
//!   loading a `.cwasm` runs its code, so a truncated or corrupted file is deleted and compiled again, never
//!   loaded. This guards against damage, not against someone who can write the folder: the guest cannot, and
//!   whoever else can already controls the function.
//! - Files are written under a temporary name and renamed into place, checksum first, so a reader never sees
//!   half an artifact; two environments racing on one key write the same bytes (compilation is
//!   deterministic).

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The cache folder of one `bootstrap`.
#[derive(Debug, Clone)]
pub struct Cache {
    /// Where the artifacts and their checksums live.
    dir: PathBuf,
}

/// What a lookup found.
pub enum Lookup {
    /// A verified artifact, loaded.
    Hit(Component),
    /// No entry for this key.
    Miss,
    /// An entry that failed verification or did not load, with why; it has been deleted.
    Rejected(String),
}

impl Cache {
    /// The cache in `dir` (created on the first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The key of `component` compiled by `engine`: `<component sha256>-<engine hash, 16 hex digits>`.
    pub fn key(engine: &Engine, component: &[u8]) -> String {
        let mut engine_hash = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut engine_hash);
        let engine_hex = hex(&engine_hash.0.finalize());
        format!("{}-{}", hex(&Sha256::digest(component)), &engine_hex[..16])
    }

    /// The artifact's path for `key`.
    pub fn artifact_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.cwasm"))
    }

    /// The artifact's checksum file for `key`.
    pub fn checksum_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.cwasm.sha256"))
    }

    /// Loads the artifact of `key` if it is there and its bytes match the checksum written with it. The
    /// verified bytes themselves are loaded (not the file again), so nothing can change between check and load.
    pub fn lookup(&self, engine: &Engine, key: &str) -> Lookup {
        let bytes = match std::fs::read(self.artifact_path(key)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return self.reject(key, format!("reading it failed: {e}")),
        };
        let expected = match std::fs::read_to_string(self.checksum_path(key)) {
            Ok(text) => text.trim().to_owned(),
            Err(e) => return self.reject(key, format!("its checksum file cannot be read: {e}")),
        };
        let actual = hex(&Sha256::digest(&bytes));
        if actual != expected {
            return self.reject(
                key,
                format!(
                    "its SHA-256 is {actual}, not the {expected} written with it; {} bytes",
                    bytes.len()
                ),
            );
        }
        // SAFETY: these are the bytes this cache wrote, verified against the checksum written with them, from a
        // folder the guest cannot reach; wasmtime also checks the version, target and settings they record.
        match unsafe { Component::deserialize(engine, &bytes) } {
            Ok(component) => Lookup::Hit(component),
            Err(e) => self.reject(key, format!("wasmtime refused it: {e:#}")),
        }
    }

    /// Deletes the entry of `key` (what can be deleted) and reports why.
    fn reject(&self, key: &str, why: String) -> Lookup {
        let _ = std::fs::remove_file(self.artifact_path(key));
        let _ = std::fs::remove_file(self.checksum_path(key));
        Lookup::Rejected(why)
    }

    /// Stores `artifact` under `key`: the checksum, then the artifact, each renamed into place.
    pub fn store(&self, key: &str, artifact: &[u8]) -> io::Result<PathBuf> {
        // Owner-only: the folder holds code the host will run.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let checksum = format!("{}\n", hex(&Sha256::digest(artifact)));
        write_atomically(&self.checksum_path(key), checksum.as_bytes())?;
        let path = self.artifact_path(key);
        write_atomically(&path, artifact)?;
        Ok(path)
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it to `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Feeds a [`Hash`] into SHA-256, so the engine's compatibility hash becomes a stable file-name part.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component: just the header.
    const EMPTY_COMPONENT: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    #[test]
    fn keys_follow_the_component_and_the_engine() -> anyhow::Result<()> {
        let engine = Engine::new(&crate::engine::config())?;
        let mut config = crate::engine::config();
        config.epoch_interruption(false);
        let other = Engine::new(&config)?;
        let key = Cache::key(&engine, &EMPTY_COMPONENT);
        assert_eq!(key, Cache::key(&engine, &EMPTY_COMPONENT));
        assert_ne!(key, Cache::key(&other, &EMPTY_COMPONENT));
        assert_ne!(key, Cache::key(&engine, b"\0asm\x0d\0\x01\0\0"));
        assert_eq!(key.len(), 64 + 1 + 16);
        Ok(())
    }

    #[test]
    fn a_damaged_entry_is_deleted_and_never_loaded() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("lw-cache-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = Cache::new(&dir);
        let engine = Engine::new(&crate::engine::config())?;
        let key = Cache::key(&engine, &EMPTY_COMPONENT);
        assert!(matches!(cache.lookup(&engine, &key), Lookup::Miss));
        let artifact = engine.precompile_component(&EMPTY_COMPONENT)?;
        cache.store(&key, &artifact)?;
        assert!(matches!(cache.lookup(&engine, &key), Lookup::Hit(_)));
        // Truncated: refused and deleted, then a miss.
        std::fs::write(cache.artifact_path(&key), &artifact[..artifact.len() / 2])?;
        assert!(matches!(cache.lookup(&engine, &key), Lookup::Rejected(_)));
        assert!(!cache.artifact_path(&key).exists() && !cache.checksum_path(&key).exists());
        assert!(matches!(cache.lookup(&engine, &key), Lookup::Miss));
        // No checksum file: refused too.
        std::fs::write(cache.artifact_path(&key), &artifact)?;
        assert!(matches!(cache.lookup(&engine, &key), Lookup::Rejected(_)));
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
