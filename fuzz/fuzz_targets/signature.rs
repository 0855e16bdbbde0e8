//! A secret line then a raw HTTP request, through `wire::auth::claim` and `verify` (V1 and
//! ACS3), re-signed correctly and with another secret.
//! The properties live in `ecsnet::wire::fuzz_targets::signature`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ecsnet::wire::fuzz_targets::signature(data));
