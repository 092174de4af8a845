//! libFuzzer entry point; the target itself is `oxool_fuzz::convert_form`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::convert_form(data));
