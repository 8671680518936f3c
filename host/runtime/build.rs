//! With `LAMBDA_WASM_PACK_RELOCS=1` (set by `make dist`, whose `bootstrap` the benchmark measures), `bootstrap`
//! is linked with packed relative relocations (`-z pack-relative-relocs`, DT_RELR): the table of relative relocations a
//! position-independent binary carries shrinks from about 550 KB to a few KB, and the loader applies it in a
//! fraction of the time, on every cold start, with ASLR kept. Opt-in because the loader must know DT_RELR: musl's
//! static-PIE start-up does (since 1.2.4; the Lambda build is static musl), glibc since 2.36 (not Amazon Linux
//! 2023's 2.34, so never for a glibc `bootstrap` meant for Lambda).

fn main() {
    println!("cargo:rerun-if-env-changed=LAMBDA_WASM_PACK_RELOCS");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if std::env::var("LAMBDA_WASM_PACK_RELOCS").as_deref() != Ok("1") {
        return;
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    // lld called directly takes the option as it is; through a C compiler driver it is passed with -Wl.
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_default();
    if linker.ends_with("rust-lld") || linker.ends_with("ld.lld") {
        println!("cargo:rustc-link-arg-bins=-zpack-relative-relocs");
    } else {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
