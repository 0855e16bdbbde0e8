//! What a running server shares between requests.

use crate::model::catalog::Catalog;
use crate::model::Limits;
use crate::store::Store;
use crate::wire::auth::NonceGuard;

pub struct App {
    pub store: Store,
    pub catalog: Catalog,
    pub limits: Limits,
    /// Development mode: any AccessKeyId is accepted unsigned, its account derived from the id.
    pub accept_any_access_key: bool,
    pub nonces: NonceGuard,
}

/// The replay window for timestamps and nonces.
pub const REPLAY_WINDOW_SECS: i64 = 15 * 60;
