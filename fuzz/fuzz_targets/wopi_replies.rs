//! libFuzzer entry point; the target itself is `oxool_fuzz::wopi_replies`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::wopi_replies(data));
