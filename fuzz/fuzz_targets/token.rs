#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| authtray_core::fuzzing::token(data));
