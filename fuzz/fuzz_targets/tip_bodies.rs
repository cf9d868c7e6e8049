#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jubao::fuzzing::tip_bodies(data));
