//! libFuzzer entry point; the target itself is `oxool_fuzz::local_store_token`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::local_store_token(data));
