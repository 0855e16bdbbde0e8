//! Raw HTTP requests through the request decoder: query and form pairs, the limits, typed
//! parameters, flattened lists and JSON-array strings.
//! The properties live in `ecsnet::wire::fuzz_targets::request_decoder`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ecsnet::wire::fuzz_targets::request_decoder(data));
