//! ecsnet: a self-hostable implementation of Alibaba Cloud ECS networking (instances, ENIs,
//! security groups) speaking the real ECS OpenAPI. See ARCHITECTURE.md for the code map.

pub mod actions;
pub mod app;
pub mod check;
pub mod cli;
pub mod clock;
pub mod console;
pub mod doc;
pub mod errors;
pub mod metrics;
pub mod model;
pub mod ops;
pub mod server;
pub mod settler;
pub mod store;
pub mod wire;
