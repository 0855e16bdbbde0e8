//! Starting and stopping a server: open the store, make sure an account exists, bind, serve
//! until told to stop, then finish in-flight requests.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::actions::cache::EniAnswers;
use crate::app::{App, REPLAY_WINDOW_SECS};
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::model::catalog::Catalog;
use crate::model::Limits;
use crate::ops::accounts;
use crate::settler::Settler;
use crate::store;
use crate::wire::auth::NonceGuard;
use crate::wire::faults::{FaultConfig, Faults};
use crate::wire::limits::WireLimits;
use crate::wire::listener;
use crate::wire::throttle::{Throttle, ThrottleConfig};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9300";
pub const DEFAULT_DATA_DIR: &str = "./ecsnet-data";

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The first account's key pair (from ECSNET_ROOT_ACCESS_KEY_ID/SECRET); generated if None.
    pub root_key: Option<(String, String)>,
    pub accept_any_access_key: bool,
    pub catalog: Catalog,
    pub limits: Limits,
    pub readers: usize,
    /// The server's time; tests inject a `clock::ManualClock` here and advance it.
    pub clock: Clock,
    /// How long asynchronous states (Attaching, Pending, Stopping, …) last; zero (the default)
    /// completes them within the call.
    pub transition_delay: Duration,
    /// Calls per second allowed per account and action; unlimited when `None`.
    pub throttle: Option<ThrottleConfig>,
    /// The share of calls answered ServiceUnavailable (none by default).
    pub faults: FaultConfig,
    /// Request size, parameter, timeout and connection limits.
    pub wire_limits: WireLimits,
    /// A PostgreSQL database (`postgres://…`) shared with other servers, instead of the
    /// SQLite store in `data_dir`.
    pub database: Option<String>,
    /// Most PostgreSQL connections this server opens at once.
    pub database_connections: usize,
    /// ENIs whose rendered answer DescribeNetworkInterfaces keeps (`actions::cache`); 0 none.
    pub eni_answer_cache: usize,
}

impl Config {
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Config {
            listen,
            data_dir: data_dir.into(),
            root_key: None,
            accept_any_access_key: false,
            catalog: Catalog::builtin(),
            limits: Limits::default(),
            readers: 4,
            clock: Clock::system(),
            transition_delay: Duration::ZERO,
            throttle: None,
            faults: FaultConfig::default(),
            wire_limits: WireLimits::default(),
            database: None,
            database_connections: 16,
            eni_answer_cache: DEFAULT_ENI_ANSWER_CACHE,
        }
    }
}

/// ENIs whose answers are kept by default: at about 1.3 KB each, some 65 MB at most (an entry
/// also keeps its XML once an XML answer needed it, about as much again).
pub const DEFAULT_ENI_ANSWER_CACHE: usize = 50_000;

/// A server accepting connections.
pub struct Running {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    settler: Settler,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, and waits for the server to end.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        let served = self.task.await.map_err(std::io::Error::other);
        self.settler.stop().await;
        served?
    }

    /// Resolves once every transition due at the server clock's current time has settled
    /// (after a test advanced its manual clock, say).
    pub async fn settled(&self) {
        self.settler.settled().await
    }

    /// Serves until `signal` resolves, then stops gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        signal.await;
        self.stop().await
    }
}

/// The credentials file a generated first key pair is written to.
pub fn credentials_path(data_dir: &Path) -> PathBuf {
    data_dir.join("credentials")
}

/// Writes a key pair as `{"AccountId", "AccessKeyId", "AccessKeySecret"}` readable only by the owner.
fn write_credentials(path: &Path, key: &store::AccessKey) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{}", key_json(key))
}

pub fn key_json(key: &store::AccessKey) -> String {
    serde_json::json!({
        "AccountId": key.account_id,
        "AccessKeyId": key.id,
        "AccessKeySecret": key.secret,
    })
    .to_string()
}

/// Opens the store under `data_dir`, creating the directory.
pub fn open_store(data_dir: &Path, readers: usize) -> Result<store::Store, String> {
    use std::os::unix::fs::PermissionsExt;
    store::create_private_dir(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    // The database holds AccessKey secrets: owner only. Created so before SQLite opens it,
    // since SQLite gives the -wal and -shm files it creates the database's mode.
    let db = store::database_path(data_dir);
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&db)
            .map_err(|e| format!("cannot create {}: {e}", db.display()))?;
    }
    let store = store::open(data_dir, readers).map_err(|e| e.to_string())?;
    // A store made by an older ecsnet may have readable -wal and -shm files.
    for path in [
        db.clone(),
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
        }
    }
    Ok(store)
}

/// On the first start, creates the first account with the configured or a generated key.
async fn bootstrap(config: &Config, store: &store::Store) -> Result<(), String> {
    if accounts::count(store).await.map_err(|e| e.to_string())? > 0 {
        return Ok(());
    }
    let generated = config.root_key.is_none();
    let (key_id, secret) = config
        .root_key
        .clone()
        .unwrap_or_else(accounts::generate_key);
    let key = store::AccessKey {
        id: key_id,
        secret,
        account_id: accounts::generate_account_id(),
        enabled: true,
    };
    if !accounts::create_first(store, key.clone())
        .await
        .map_err(|e| e.to_string())?
    {
        // Another server sharing the database created it meanwhile.
        return Ok(());
    }
    if generated {
        let path = credentials_path(&config.data_dir);
        write_credentials(&path, &key)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        // Printed once, on the very first start; the file keeps it.
        println!(
            "Created the first account. Its AccessKey pair (also in {}):",
            path.display()
        );
        println!("{}", key_json(&key));
    } else {
        tracing::info!(access_key_id = %key.id, "created the first account from ECSNET_ROOT_ACCESS_KEY_ID");
    }
    Ok(())
}

pub async fn start(config: Config) -> Result<Running, String> {
    if let Some(throttle) = &config.throttle {
        throttle.check()?;
    }
    config.faults.check()?;
    config.wire_limits.check()?;
    let store = match &config.database {
        Some(url) => {
            store::create_private_dir(&config.data_dir)
                .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
            store::Store::open_postgres(url, config.database_connections)
                .await
                .map_err(|e| format!("cannot open the PostgreSQL store: {e}"))?
        }
        None => open_store(&config.data_dir, config.readers)?,
    };
    bootstrap(&config, &store).await?;
    if config.accept_any_access_key {
        tracing::warn!("--accept-any-access-key: every AccessKeyId is accepted WITHOUT checking signatures; never expose this server");
    }
    let app = Arc::new(App {
        store,
        data_dir: config.data_dir.clone(),
        catalog: config.catalog.clone(),
        limits: config.limits.clone(),
        accept_any_access_key: config.accept_any_access_key,
        nonces: NonceGuard::new(REPLAY_WINDOW_SECS),
        clock: config.clock.clone(),
        transition_delay: config.transition_delay,
        throttle: config
            .throttle
            .map(|limit| Throttle::new(limit, config.clock.clone())),
        faults: Faults::new(config.faults),
        wire_limits: config.wire_limits.clone(),
        metrics: Metrics::default(),
        eni_answers: EniAnswers::new(config.eni_answer_cache),
    });
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let settler = Settler::spawn(Arc::clone(&app));
    let (stop, stopped) = oneshot::channel::<()>();
    let router = crate::wire::server::router(app);
    let task = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        listener::serve(listener, router, config.wire_limits, stopped).await
    });
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "ecsnet is serving");
    Ok(Running {
        addr,
        stop,
        task,
        settler,
    })
}
