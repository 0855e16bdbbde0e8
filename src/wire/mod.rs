//! The wire protocol: decoding RPC requests, authenticating them, routing by action, and
//! encoding answers and errors as Alibaba's clients expect them.

pub mod auth;
pub mod encode;
pub mod faults;
pub mod params;
pub mod server;
pub mod sign;
pub mod throttle;
