//! libFuzzer entry point; the target itself is `oxool_fuzz::proto_frame`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxool_fuzz::proto_frame(data));
