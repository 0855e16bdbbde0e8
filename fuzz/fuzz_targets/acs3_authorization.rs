//! `Authorization` header values through `sign::parse_acs3_authorization`.
//! The properties live in `ecsnet::wire::fuzz_targets::acs3_authorization`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ecsnet::wire::fuzz_targets::acs3_authorization(data));
