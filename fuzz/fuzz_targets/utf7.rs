//! libFuzzer entry point; the target itself is `oxool_fuzz::utf7`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::utf7(data));
