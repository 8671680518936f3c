//! libFuzzer entry for `lambda_wasm_fuzz::allow_list`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_wasm_fuzz::allow_list(data));
