//! What a running server shares between requests.

use std::time::Duration;

use crate::actions::cache::EniAnswers;
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::model::catalog::Catalog;
use crate::model::Limits;
use crate::store::Store;
use crate::wire::auth::NonceGuard;
use crate::wire::faults::Faults;
use crate::wire::limits::WireLimits;
use crate::wire::throttle::Throttle;

pub struct App {
    pub store: Store,
    /// Where the store lives; snapshots are kept in its `snapshots` folder.
    pub data_dir: std::path::PathBuf,
    pub catalog: Catalog,
    pub limits: Limits,
    /// Development mode: any AccessKeyId is accepted unsigned, its account derived from the id.
    pub accept_any_access_key: bool,
    pub nonces: NonceGuard,
    /// The server's time (request timestamps are checked against the system clock instead).
    pub clock: Clock,
    /// How long asynchronous states last (Attaching, Pending, …); zero completes them within
    /// the call.
    pub transition_delay: Duration,
    pub throttle: Option<Throttle>,
    pub faults: Option<Faults>,
    /// Request size, parameter and connection limits (`wire::limits`).
    pub wire_limits: WireLimits,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// Rendered ENIs that DescribeNetworkInterfaces reuses while they stand at one revision.
    pub eni_answers: EniAnswers,
}

impl App {
    /// When a transition started at `now_ms` settles, or `None` when it completes at once.
    pub fn settles_at(&self, now_ms: i64) -> Option<i64> {
        let delay = i64::try_from(self.transition_delay.as_millis()).unwrap_or(i64::MAX);
        (delay > 0).then(|| now_ms.saturating_add(delay))
    }
}

/// The replay window for timestamps and nonces.
pub const REPLAY_WINDOW_SECS: i64 = 15 * 60;
