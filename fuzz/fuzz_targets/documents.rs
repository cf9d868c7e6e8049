#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jubao_fuzz::targets::documents(data));
