//! Replays every fuzz target's committed corpus (`tests/fuzz/corpus/<target>/`) on the stable toolchain, so
//! `make test` checks each input the fuzzer kept, and every crash it found and was fixed, again. An empty or
//! missing corpus fails: a target nobody ran is not a target.
#![allow(clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;

#[test]
fn every_corpus_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, target) in lambda_wasm_fuzz::TARGETS {
        let folder = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.is_file())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{} holds no input", folder.display());
        for input in &inputs {
            let data = std::fs::read(input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
            target(&data);
        }
        println!("{name}: {} inputs replayed", inputs.len());
    }
}
