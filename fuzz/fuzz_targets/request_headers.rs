#![no_main]

use jubao_fuzz as _;

libfuzzer_sys::fuzz_target!(|data: &[u8]| jubao::fuzzing::request_headers(data));
