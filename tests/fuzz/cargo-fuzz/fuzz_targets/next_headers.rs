//! libFuzzer entry for `lambda_wasm_fuzz::next_headers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_wasm_fuzz::next_headers(data));
