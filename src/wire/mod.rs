//! The wire protocol: decoding RPC requests, authenticating them, routing by action, and
//! encoding answers and errors as Alibaba's clients expect them.

pub mod auth;
pub mod encode;
pub mod faults;
pub mod fuzz_targets;
pub mod health;
pub mod limits;
pub mod listener;
pub mod params;
pub mod server;
pub mod sign;
pub mod throttle;
