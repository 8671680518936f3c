//! libFuzzer entry for `lambda_wasm_fuzz::guest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_wasm_fuzz::guest(data));
