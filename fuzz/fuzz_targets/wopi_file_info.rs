//! libFuzzer entry point; the target itself is `oxool_fuzz::wopi_file_info`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::wopi_file_info(data));
