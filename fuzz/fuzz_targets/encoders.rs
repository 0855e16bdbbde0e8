//! JSON bodies built from the input, rendered by `wire::encode::render` as JSON and XML.
//! The properties live in `ecsnet::wire::fuzz_targets::encoders`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ecsnet::wire::fuzz_targets::encoders(data));
