//! libFuzzer entry point; the target itself is `oxool_fuzz::client_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::client_message(data));
