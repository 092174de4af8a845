//! libFuzzer entry point; the target itself is `oxool_fuzz::discovery_host`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::discovery_host(data));
