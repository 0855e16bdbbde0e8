use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use ecsnet::clock;
use ecsnet::model::catalog::Catalog;
use ecsnet::ops::accounts;
use ecsnet::server::{self, Config, DEFAULT_DATA_DIR, DEFAULT_LISTEN};
use ecsnet::wire::faults::FaultConfig;
use ecsnet::wire::limits::WireLimits;
use ecsnet::wire::throttle::ThrottleConfig;

/// glibc's allocator spent about a third of a no-op request's time in malloc under load;
/// mimalloc's per-thread free lists suit the many small short-lived allocations of a request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ecsnet",
    version,
    about = "Alibaba Cloud ECS networking (instances, ENIs, security groups), self-hosted"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the ECS and VPC OpenAPI on one HTTP port.
    Serve(ServeArgs),
    /// Manage accounts and their AccessKey pairs.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Apply the PostgreSQL schema migrations this build knows (servers also apply them at
    /// start; safe while other servers run or start).
    Migrate {
        #[arg(long, env = "ECSNET_DATABASE_URL")]
        database: String,
    },
    /// Check a store offline (read-only): SQLite integrity, foreign keys and every invariant
    /// of the rules; prints each violation and a summary, exits non-zero if any.
    Check(CheckArgs),
    #[command(flatten)]
    Client(ecsnet::cli::ClientCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completion { shell: clap_complete::Shell },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Directory of the embedded SQLite store (created if missing).
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// INSECURE, for development only: accept any AccessKeyId without checking signatures;
    /// each key id gets its own account.
    #[arg(long)]
    accept_any_access_key: bool,
    /// Replace the built-in regions with a JSON file
    /// (`[{"RegionId","LocalName","IdCode","Zones":[{"ZoneId","LocalName"}]}]`).
    #[arg(long)]
    regions: Option<PathBuf>,
    /// Quota: ENIs per account and region.
    #[arg(long, default_value_t = 100)]
    max_enis_per_region: u64,
    /// Quota: security groups per account and region.
    #[arg(long, default_value_t = 100)]
    max_security_groups_per_region: u64,
    /// Reader connections of the store.
    #[arg(long, default_value_t = 4)]
    readers: usize,
    /// How long asynchronous states last (Attaching, Detaching, Deleting, Pending, Starting,
    /// Stopping), e.g. `2s` or `500ms`; 0 completes them within the call.
    #[arg(long, default_value = "0", value_parser = clock::parse_duration)]
    transition_delay: Duration,
    /// Calls per second allowed per account and action; beyond it `Throttling.User`.
    /// Unlimited when absent.
    #[arg(long)]
    throttle_rate: Option<f64>,
    /// Calls a caller may make at once before the rate applies (default: one second's worth).
    #[arg(long, requires = "throttle_rate")]
    throttle_burst: Option<u32>,
    /// The share of calls (0.0 to 1.0) answered `ServiceUnavailable` before anything is written.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault draws, to repeat a run's faults.
    #[arg(long)]
    fault_seed: Option<u64>,
    /// Largest request body in bytes; beyond it `RequestEntityTooLarge` (413).
    #[arg(long, default_value_t = WireLimits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Most parameters in query and body together; beyond it `TooManyParameters` (400).
    #[arg(long, default_value_t = WireLimits::default().max_parameters)]
    max_parameters: usize,
    /// Highest index N of a flattened list parameter (`X.N`).
    #[arg(long, default_value_t = WireLimits::default().max_list_items)]
    max_list_items: usize,
    /// Largest request line and headers in bytes (at least 8192); beyond it 431.
    #[arg(long, default_value_t = WireLimits::default().max_header_bytes)]
    max_header_bytes: usize,
    /// Time a client may take to send a request's headers, e.g. `30s`.
    #[arg(long, default_value = "30s", value_parser = clock::parse_duration)]
    header_timeout: Duration,
    /// Time a client may take to send a request's body once its headers arrived.
    #[arg(long, default_value = "30s", value_parser = clock::parse_duration)]
    body_timeout: Duration,
    /// Time a connection may stay open with no request.
    #[arg(long, default_value = "120s", value_parser = clock::parse_duration)]
    idle_timeout: Duration,
    /// Most connections served at once; one more is answered `ServiceUnavailable` (503).
    #[arg(long, default_value_t = WireLimits::default().max_connections)]
    max_connections: usize,
    /// Keep the state in this PostgreSQL database (`postgres://user@host:5432/db`), which
    /// several servers may share, instead of the SQLite store in --data-dir.
    #[arg(long, env = "ECSNET_DATABASE_URL")]
    database: Option<String>,
    /// Most PostgreSQL connections this server opens at once.
    #[arg(long, default_value_t = 16)]
    database_connections: usize,
    /// ENIs whose rendered answer DescribeNetworkInterfaces keeps and reuses until the ENI
    /// changes (0: none, every page is read and rendered).
    #[arg(long, default_value_t = server::DEFAULT_ENI_ANSWER_CACHE)]
    eni_answer_cache: usize,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Directory of the store to check.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Check this PostgreSQL store instead (`postgres://user@host:5432/db`; a schema other
    /// than the default as `?options=-csearch_path%3Dname`).
    #[arg(long, conflicts_with = "data_dir")]
    database: Option<String>,
    /// The quota the server runs with: ENIs per account and region.
    #[arg(long, default_value_t = 100)]
    max_enis_per_region: u64,
    /// The quota the server runs with: security groups per account and region.
    #[arg(long, default_value_t = 100)]
    max_security_groups_per_region: u64,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account and print its key pair as JSON.
    Create {
        #[arg(long, default_value = DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
    },
    /// Disable an AccessKey: its calls are answered InvalidAccessKeyId.Inactive (works while
    /// the server runs).
    DisableKey {
        #[arg(long, default_value = DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
        #[arg(long)]
        access_key_id: String,
    },
    /// Enable a disabled AccessKey again.
    EnableKey {
        #[arg(long, default_value = DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
        #[arg(long)]
        access_key_id: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ECSNET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or a collector gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Account {
                command: AccountCommand::Create { data_dir },
            } => create_account(data_dir).await,
            Command::Account {
                command:
                    AccountCommand::DisableKey {
                        data_dir,
                        access_key_id,
                    },
            } => set_key_enabled(data_dir, &access_key_id, false).await,
            Command::Account {
                command:
                    AccountCommand::EnableKey {
                        data_dir,
                        access_key_id,
                    },
            } => set_key_enabled(data_dir, &access_key_id, true).await,
            Command::Check(args) => check_store(args),
            Command::Migrate { database } => migrate(&database).await,
            Command::Client(command) => ecsnet::cli::run(command).await,
            Command::Completion { shell } => {
                use clap::CommandFactory;
                clap_complete::generate(
                    shell,
                    &mut Cli::command(),
                    "ecsnet",
                    &mut std::io::stdout(),
                );
                Ok(())
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root_key_from_env() -> Result<Option<(String, String)>, String> {
    let id = std::env::var("ECSNET_ROOT_ACCESS_KEY_ID")
        .ok()
        .filter(|v| !v.is_empty());
    let secret = std::env::var("ECSNET_ROOT_ACCESS_KEY_SECRET")
        .ok()
        .filter(|v| !v.is_empty());
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        (None, None) => Ok(None),
        _ => Err(
            "set both ECSNET_ROOT_ACCESS_KEY_ID and ECSNET_ROOT_ACCESS_KEY_SECRET, or neither"
                .into(),
        ),
    }
}

async fn migrate(url: &str) -> Result<(), String> {
    let applied = ecsnet::store::PgStore::migrate_only(url)
        .await
        .map_err(|e| e.to_string())?;
    println!("applied {applied} migration(s); the schema is up to date");
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = Config::new(args.listen, args.data_dir);
    config.root_key = root_key_from_env()?;
    config.accept_any_access_key = args.accept_any_access_key;
    config.readers = args.readers;
    config.database = args.database;
    config.database_connections = args.database_connections;
    config.eni_answer_cache = args.eni_answer_cache;
    config.limits.enis_per_region = args.max_enis_per_region;
    config.limits.security_groups_per_region = args.max_security_groups_per_region;
    config.transition_delay = args.transition_delay;
    config.throttle = args.throttle_rate.map(|rate| match args.throttle_burst {
        Some(burst) => ThrottleConfig { rate, burst },
        None => ThrottleConfig::per_second(rate),
    });
    config.faults = FaultConfig {
        rate: args.fault_rate,
        seed: args.fault_seed,
    };
    config.wire_limits = WireLimits {
        max_body_bytes: args.max_body_bytes,
        max_parameters: args.max_parameters,
        max_list_items: args.max_list_items,
        max_header_bytes: args.max_header_bytes,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        idle_timeout: args.idle_timeout,
        max_connections: args.max_connections,
    };
    if let Some(path) = args.regions {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        config.catalog =
            Catalog::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let running = server::start(config).await?;
    running
        .run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn set_key_enabled(data_dir: PathBuf, key_id: &str, enabled: bool) -> Result<(), String> {
    let store = server::open_store(&data_dir, 1)?;
    accounts::set_key_enabled(&store, key_id, enabled).await?;
    let state = if enabled { "enabled" } else { "disabled" };
    println!("{key_id} is {state}");
    Ok(())
}

fn check_store(args: CheckArgs) -> Result<(), String> {
    let limits = ecsnet::model::Limits {
        enis_per_region: args.max_enis_per_region,
        security_groups_per_region: args.max_security_groups_per_region,
        ..Default::default()
    };
    let report = match &args.database {
        Some(url) => ecsnet::check::check_postgres(url, &limits),
        None => ecsnet::check::check_data_dir(&args.data_dir, &limits),
    }
    .map_err(|e| e.to_string())?;
    for violation in &report.violations {
        println!("{violation}");
    }
    println!("{}", report.summary());
    match report.violations.len() {
        0 => Ok(()),
        n => Err(format!("the store breaks {n} invariant(s)")),
    }
}

async fn create_account(data_dir: PathBuf) -> Result<(), String> {
    let store = server::open_store(&data_dir, 1)?;
    let (key_id, secret) = accounts::generate_key();
    let key = accounts::create(&store, accounts::generate_account_id(), key_id, secret)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", server::key_json(&key));
    Ok(())
}
