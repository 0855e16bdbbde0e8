//! `Store`: the handle the server holds, over either backend, with one async API. Callers
//! write, read and wait for commits the same way on both; only snapshots (SQLite files) and
//! the shared state of several servers (nonces, the settler's lease) differ.

use std::path::{Path, PathBuf};

use tokio::sync::watch;

use super::postgres::PgStore;
use super::sqlite;
use super::{StoreFault, Tx, R};
use crate::metrics::Histogram;

/// The store of a running server. Cloning shares the same connections.
#[derive(Clone)]
pub enum Store {
    /// The embedded store of one server (the default).
    Sqlite(sqlite::Store),
    /// A PostgreSQL database that several servers may share.
    Postgres(PgStore),
}

/// Why an administration call cannot run on this backend.
pub const SNAPSHOTS_NEED_SQLITE: &str = "snapshots are files of the SQLite store";

impl Store {
    /// Opens (creating and migrating if needed) the SQLite store at `path`.
    pub fn open(path: &Path, readers: usize) -> R<Store> {
        sqlite::Store::open(path, readers).map(Store::Sqlite)
    }

    /// Connects to a PostgreSQL database (`postgres://…`), applies its migrations, and pools
    /// at most `connections` connections.
    pub async fn open_postgres(url: &str, connections: usize) -> R<Store> {
        PgStore::open(url, connections).await.map(Store::Postgres)
    }

    /// Runs `op` in one transaction; `Ok` is answered only after it committed durably and an
    /// `Err` leaves nothing behind. On PostgreSQL a conflicting transaction runs `op` again
    /// (a clone of it), so an operation must not act outside the transaction.
    pub async fn write<T, E>(
        &self,
        op: impl FnOnce(&dyn Tx) -> Result<T, E> + Clone + Send + 'static,
    ) -> Result<Result<T, E>, StoreFault>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.write(op).await,
            Store::Postgres(s) => s.write(op).await,
        }
    }

    /// Runs `f` in one read transaction (a consistent snapshot).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Tx) -> R<T> + Send + 'static,
    ) -> R<T> {
        match self {
            Store::Sqlite(s) => s.read(f).await,
            Store::Postgres(s) => s.read(f).await,
        }
    }

    /// Changes after writes commit. SQLite: after every COMMIT. PostgreSQL: after every
    /// commit of this process, and on a periodic tick for the other servers' commits.
    pub fn commits(&self) -> watch::Receiver<u64> {
        match self {
            Store::Sqlite(s) => s.commits(),
            Store::Postgres(s) => s.commits(),
        }
    }

    /// Operations per committed batch (always one on PostgreSQL: no group commit).
    pub fn batch_sizes(&self) -> &Histogram {
        match self {
            Store::Sqlite(s) => s.batch_sizes(),
            Store::Postgres(s) => s.batch_sizes(),
        }
    }

    pub async fn check_ready(&self) -> R<()> {
        match self {
            Store::Sqlite(s) => s.check_ready().await,
            Store::Postgres(s) => s.check_ready().await,
        }
    }

    /// Whether SaveSnapshot/RestoreSnapshot work (SQLite only; use pg_dump on PostgreSQL).
    pub fn has_snapshots(&self) -> bool {
        matches!(self, Store::Sqlite(_))
    }

    pub async fn save_snapshot(&self, path: PathBuf) -> R<()> {
        match self {
            Store::Sqlite(s) => s.save_snapshot(path).await,
            Store::Postgres(_) => Err(StoreFault(SNAPSHOTS_NEED_SQLITE.into())),
        }
    }

    pub async fn restore_snapshot(&self, path: PathBuf) -> R<()> {
        match self {
            Store::Sqlite(s) => s.restore_snapshot(path).await,
            Store::Postgres(_) => Err(StoreFault(SNAPSHOTS_NEED_SQLITE.into())),
        }
    }

    /// Empties the store but for its accounts and their keys.
    pub async fn reset(&self) -> R<()> {
        match self {
            Store::Sqlite(s) => s.reset().await,
            Store::Postgres(s) => s.reset().await,
        }
    }

    /// The PostgreSQL store, when several servers may share this one.
    pub fn shared(&self) -> Option<&PgStore> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(s) => Some(s),
        }
    }

    /// Whether this server may run the background work that must run on one server at a
    /// time (the settler): always on SQLite; on PostgreSQL while it holds the lease.
    pub async fn may_settle(&self) -> R<bool> {
        match self {
            Store::Sqlite(_) => Ok(true),
            Store::Postgres(s) => s.hold_settler_lease().await,
        }
    }
}
