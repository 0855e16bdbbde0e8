//! The embedded SQLite store: schema, migrations, the group-committing writer and the reader
//! pool, and the `Tx` implementation.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use tokio::sync::{mpsc, oneshot, watch};

use super::{
    page_after, with_eni_parts, AccessKey, ClientTokenRecord, EniFilter, EniRevision, Event,
    GroupFilter, InstanceFilter, Page, PageRequest, PendingTransition, StoreFault, TagRow,
    TagRowFilter, Tx, VSwitchFilter, VpcFilter, R,
};
use crate::metrics::{Histogram, BATCH_SIZE_BOUNDS};
use crate::model::permissions::{Direction, NicType, Policy, Protocol, Rule, RuleCounts, RuleSpec};
use crate::model::tags::{Tag, TagMatch, TagResourceType};
use crate::model::transitions::Transition;
use crate::model::{
    net, Eni, EniStatus, EniType, GroupKind, Instance, InstanceStatus, PrivateIp, SecurityGroup,
    VSwitch, Vpc,
};

/// Versioned migrations, applied in order at start; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE TABLE vpcs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    cidr_block TEXT NOT NULL,
    status TEXT NOT NULL,
    vrouter_id TEXT NOT NULL,
    route_table_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX vpcs_by_owner ON vpcs(account_id, region_id, seq);
CREATE TABLE vswitches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL,
    vpc_id TEXT NOT NULL REFERENCES vpcs(id),
    zone_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    cidr_block TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX vswitches_by_owner ON vswitches(account_id, region_id, seq);
CREATE INDEX vswitches_by_vpc ON vswitches(vpc_id);
CREATE TABLE security_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL,
    vpc_id TEXT NOT NULL REFERENCES vpcs(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('normal', 'enterprise')),
    inner_access_policy TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX security_groups_by_owner ON security_groups(account_id, region_id, seq);
CREATE TABLE instances (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    vpc_id TEXT NOT NULL REFERENCES vpcs(id),
    vswitch_id TEXT NOT NULL REFERENCES vswitches(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    host_name TEXT NOT NULL,
    instance_type TEXT NOT NULL,
    image_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER
);
CREATE INDEX instances_by_owner ON instances(account_id, region_id, seq);
CREATE TABLE enis (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    vpc_id TEXT NOT NULL REFERENCES vpcs(id),
    vswitch_id TEXT NOT NULL REFERENCES vswitches(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('Primary', 'Secondary')),
    status TEXT NOT NULL,
    instance_id TEXT REFERENCES instances(id),
    mac_address TEXT NOT NULL,
    delete_on_release INTEGER NOT NULL,
    source_dest_check INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (type = 'Secondary' OR instance_id IS NOT NULL)
);
-- An instance has exactly one primary ENI.
CREATE UNIQUE INDEX enis_one_primary_per_instance ON enis(instance_id) WHERE type = 'Primary';
CREATE INDEX enis_by_owner ON enis(account_id, region_id, seq);
CREATE INDEX enis_by_instance ON enis(instance_id);
CREATE TABLE eni_groups (
    eni_id TEXT NOT NULL REFERENCES enis(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES security_groups(id),
    eni_seq INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (eni_id, group_id)
) WITHOUT ROWID;
CREATE INDEX eni_groups_by_group ON eni_groups(group_id, eni_seq);
CREATE TABLE private_ips (
    vswitch_id TEXT NOT NULL REFERENCES vswitches(id),
    ip INTEGER NOT NULL,
    eni_id TEXT NOT NULL REFERENCES enis(id) ON DELETE CASCADE,
    is_primary INTEGER NOT NULL,
    PRIMARY KEY (vswitch_id, ip)
) WITHOUT ROWID;
CREATE INDEX private_ips_by_eni ON private_ips(eni_id);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_ids TEXT NOT NULL,
    request_id TEXT NOT NULL
);
"#,
    // 2: ENI queue numbers.
    "ALTER TABLE enis ADD COLUMN queue_number INTEGER NOT NULL DEFAULT 1;",
    // 3: security group rules, tags, ClientToken records.
    r#"
CREATE TABLE security_group_rules (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    group_id TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('ingress', 'egress')),
    ip_protocol TEXT NOT NULL,
    port_range TEXT NOT NULL,
    source_port_range TEXT NOT NULL DEFAULT '',
    source_cidr_ip TEXT NOT NULL DEFAULT '',
    ipv6_source_cidr_ip TEXT NOT NULL DEFAULT '',
    source_group_id TEXT NOT NULL DEFAULT '',
    source_group_owner_account TEXT NOT NULL DEFAULT '',
    source_prefix_list_id TEXT NOT NULL DEFAULT '',
    dest_cidr_ip TEXT NOT NULL DEFAULT '',
    ipv6_dest_cidr_ip TEXT NOT NULL DEFAULT '',
    dest_group_id TEXT NOT NULL DEFAULT '',
    dest_group_owner_account TEXT NOT NULL DEFAULT '',
    dest_prefix_list_id TEXT NOT NULL DEFAULT '',
    policy TEXT NOT NULL,
    priority INTEGER NOT NULL,
    nic_type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX security_group_rules_by_group ON security_group_rules(group_id, seq);
-- Which groups a group's rules reference (DeleteSecurityGroup refuses a referenced group).
CREATE INDEX security_group_rules_by_source_group ON security_group_rules(source_group_id) WHERE source_group_id <> '';
CREATE INDEX security_group_rules_by_dest_group ON security_group_rules(dest_group_id) WHERE dest_group_id <> '';
CREATE TABLE tags (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    region_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_id, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key ON tags(account_id, region_id, resource_type, key, value);
-- A creating call's answer by ClientToken: the same token and parameters get it again.
CREATE TABLE client_tokens (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    action TEXT NOT NULL,
    token TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, action, token)
) WITHOUT ROWID;
"#,
    // 4: asynchronous transitions (Attaching, Pending, …) waiting for the settler. The event
    // that started one names its account, region and RequestId; due_at is in milliseconds.
    r#"
CREATE TABLE transitions (
    resource_id TEXT PRIMARY KEY,
    transition TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    event_seq INTEGER NOT NULL REFERENCES events(seq)
) WITHOUT ROWID;
CREATE INDEX transitions_by_due ON transitions(due_at);
"#,
    // 5: the audit trail names the AccessKey that signed the call (NULL for the settler's own
    // events, whose RequestId leads to the starting call's event and its key).
    "ALTER TABLE events ADD COLUMN access_key_id TEXT;",
    // 6: what the write path reads on every create or membership change, kept by triggers so a
    // check reads one row instead of counting (or walking) up to a million: secondary ENIs per
    // account and region (the quota), members per group (capacity), and per vSwitch an address
    // below which every assignable one is taken (allocation starts there). `DERIVED` rebuilds
    // the counts after a reset or restore.
    r#"
CREATE TABLE eni_counts (
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    secondary INTEGER NOT NULL,
    PRIMARY KEY (account_id, region_id)
) WITHOUT ROWID;
CREATE TABLE group_member_counts (
    group_id TEXT PRIMARY KEY,
    members INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE vswitch_taken_below (
    vswitch_id TEXT PRIMARY KEY,
    address INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER enis_counted AFTER INSERT ON enis WHEN NEW.type = 'Secondary' BEGIN
    INSERT INTO eni_counts VALUES (NEW.account_id, NEW.region_id, 1)
        ON CONFLICT DO UPDATE SET secondary = secondary + 1;
END;
CREATE TRIGGER enis_uncounted AFTER DELETE ON enis WHEN OLD.type = 'Secondary' BEGIN
    UPDATE eni_counts SET secondary = secondary - 1
        WHERE account_id = OLD.account_id AND region_id = OLD.region_id;
END;
CREATE TRIGGER members_counted AFTER INSERT ON eni_groups BEGIN
    INSERT INTO group_member_counts VALUES (NEW.group_id, 1)
        ON CONFLICT DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER members_uncounted AFTER DELETE ON eni_groups BEGIN
    UPDATE group_member_counts SET members = members - 1 WHERE group_id = OLD.group_id;
END;
CREATE TRIGGER group_uncounted AFTER DELETE ON security_groups BEGIN
    DELETE FROM group_member_counts WHERE group_id = OLD.id;
END;
CREATE TRIGGER address_freed AFTER DELETE ON private_ips BEGIN
    UPDATE vswitch_taken_below SET address = MIN(address, OLD.ip) WHERE vswitch_id = OLD.vswitch_id;
END;
CREATE TRIGGER vswitch_forgotten AFTER DELETE ON vswitches BEGIN
    DELETE FROM vswitch_taken_below WHERE vswitch_id = OLD.id;
END;
INSERT INTO eni_counts SELECT account_id, region_id, COUNT(*) FROM enis WHERE type = 'Secondary' GROUP BY account_id, region_id;
INSERT INTO group_member_counts SELECT group_id, COUNT(*) FROM eni_groups GROUP BY group_id;
"#,
    // 7: an ENI's addresses and groups in the order they are answered, read straight from an
    // index instead of sorted on every read.
    r#"
DROP INDEX private_ips_by_eni;
CREATE INDEX private_ips_by_eni ON private_ips(eni_id, is_primary DESC, ip);
CREATE INDEX eni_groups_in_order ON eni_groups(eni_id, position, group_id);
"#,
    // 8: each ENI's revision (store::EniRevision), raised by any change to its row, addresses
    // or tags. Its groups change only with its row (write_eni_groups), whose update raises
    // the revision itself rather than through the trigger's second update.
    r#"
ALTER TABLE enis ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER eni_revised AFTER UPDATE ON enis WHEN NEW.revision = OLD.revision BEGIN
    UPDATE enis SET revision = OLD.revision + 1 WHERE seq = NEW.seq;
END;
CREATE TRIGGER eni_address_added AFTER INSERT ON private_ips BEGIN
    UPDATE enis SET revision = revision + 1 WHERE id = NEW.eni_id;
END;
CREATE TRIGGER eni_address_removed AFTER DELETE ON private_ips BEGIN
    UPDATE enis SET revision = revision + 1 WHERE id = OLD.eni_id;
END;
CREATE TRIGGER eni_address_changed AFTER UPDATE ON private_ips BEGIN
    UPDATE enis SET revision = revision + 1 WHERE id IN (OLD.eni_id, NEW.eni_id);
END;
CREATE TRIGGER eni_tag_added AFTER INSERT ON tags WHEN NEW.resource_type = 'eni' BEGIN
    UPDATE enis SET revision = revision + 1 WHERE id = NEW.resource_id;
END;
CREATE TRIGGER eni_tag_removed AFTER DELETE ON tags WHEN OLD.resource_type = 'eni' BEGIN
    UPDATE enis SET revision = revision + 1 WHERE id = OLD.resource_id;
END;
CREATE TRIGGER eni_tag_changed AFTER UPDATE ON tags WHEN 'eni' IN (OLD.resource_type, NEW.resource_type) BEGIN
    UPDATE enis SET revision = revision + 1 WHERE id IN (OLD.resource_id, NEW.resource_id);
END;
"#,
];

/// Rebuilds the counts of migration 6 from the rows they count (after a reset or restore,
/// whose wholesale deletes and copies run the triggers out of step). The allocation hints
/// only ever move down on their own, so emptying them is enough.
const DERIVED: &str = "DELETE FROM eni_counts;
INSERT INTO eni_counts SELECT account_id, region_id, COUNT(*) FROM enis WHERE type = 'Secondary' GROUP BY account_id, region_id;
DELETE FROM group_member_counts;
INSERT INTO group_member_counts SELECT group_id, COUNT(*) FROM eni_groups GROUP BY group_id;
DELETE FROM vswitch_taken_below;";

/// Most operations a writer batch takes before it commits.
const MAX_BATCH: usize = 256;

fn fault(e: impl std::fmt::Display) -> StoreFault {
    StoreFault(e.to_string())
}

/// Prepared statements each connection keeps: the writer runs dozens of distinct ones, and
/// rusqlite's default of 16 made it prepare most of them again on every operation.
const STATEMENT_CACHE: usize = 256;

fn open_connection(path: &Path) -> R<Connection> {
    let conn = Connection::open(path).map_err(fault)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(fault)?;
    Ok(conn)
}

/// How often the checkpointer looks for committed writes to fold into the database.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);
/// WAL frames (pages) beyond which the WAL is rewound (about 32 MB).
const WAL_RESTART_FRAMES: i64 = 8192;
/// Readers map the database file (up to SQLite's build limit of 2 GB) instead of copying
/// pages into each connection's own cache with a read() each: at 1,000,000 ENIs this took a
/// third off a random DescribeNetworkInterfaceAttribute. Writes still go through the WAL.
const READER_SETTINGS: &str = "PRAGMA query_only = ON; PRAGMA mmap_size = 2147418112;";
/// Pages the writer caches (negative: KiB): its index inserts land all over large b-trees.
const WRITER_CACHE: &str = "PRAGMA cache_size = -16384";

/// Folds the WAL into the database on its own connection. SQLite would otherwise checkpoint
/// inside whichever COMMIT crosses 1,000 WAL pages (copying and fsyncing there), stalling that
/// batch's callers; a PASSIVE checkpoint copies without blocking anyone. But the WAL only
/// rewinds when a write begins with every frame copied, which a busy writer racing this thread
/// almost never sees, so it would grow without end (and every page lookup with it). Past
/// `WAL_RESTART_FRAMES` the writer itself runs a RESTART between two batches (a maintenance
/// job): only the frames since the last pass are left to copy, then it waits for readers to
/// leave the WAL. The writer's handle is weak so that it still stops when the server does.
fn run_checkpointer(
    conn: Connection,
    mut commits: watch::Receiver<u64>,
    writer: mpsc::WeakSender<Job>,
) {
    let checkpoint = |mode: &str| {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            r.get::<_, i64>(1)
        })
    };
    let rewind = || -> Job {
        Job::Maintain(Box::new(|conn: &Connection| {
            if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(RESTART)") {
                tracing::warn!(error = %e, "cannot rewind the WAL");
            }
        }))
    };
    loop {
        thread::sleep(CHECKPOINT_INTERVAL);
        match commits.has_changed() {
            Ok(true) => {
                commits.borrow_and_update();
            }
            Ok(false) => continue,
            // The writer has stopped (it checkpoints the rest itself).
            Err(_) => return,
        }
        match checkpoint("PASSIVE") {
            Ok(frames) if frames >= WAL_RESTART_FRAMES => {
                // A full queue means a busy writer: the next pass asks again.
                if let Some(writer) = writer.upgrade() {
                    let _ = writer.try_send(rewind());
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying after the next commit")
            }
        }
    }
}

fn migrate(conn: &mut Connection) -> R<()> {
    let done: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(fault)? as usize;
    if done > MIGRATIONS.len() {
        return Err(StoreFault(format!(
            "the store was written by a newer ecsnet (schema version {done}, this build knows {})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction().map_err(fault)?;
        tx.execute_batch(sql).map_err(fault)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(fault)?;
        tx.commit().map_err(fault)?;
    }
    Ok(())
}

/// A job for the writer: runs one operation and says whether it succeeded; the returned
/// completion is called with the batch's commit outcome.
type WriteJob = Box<dyn FnOnce(&SqliteTx) -> (bool, Completion) + Send>;
type Completion = Box<dyn FnOnce(bool) + Send>;
/// Work on the whole database (snapshots, reset) that must run between batches, outside any
/// transaction, on the writer's connection.
type MaintenanceJob = Box<dyn FnOnce(&Connection) + Send>;

enum Job {
    Write(WriteJob),
    Maintain(MaintenanceJob),
}

/// The handle the server holds. Cloning shares the same writer and readers.
#[derive(Clone)]
pub struct Store {
    writer: mpsc::Sender<Job>,
    readers: Arc<ReaderPool>,
    commits: watch::Receiver<u64>,
    /// How many operations each committed batch held (`/metrics`).
    batch_sizes: Arc<Histogram>,
}

impl Store {
    pub fn open(path: &Path, readers: usize) -> Result<Store, StoreFault> {
        let mut conn = open_connection(path)?;
        migrate(&mut conn)?;
        conn.execute_batch(WRITER_CACHE).map_err(fault)?;
        let (writer, jobs) = mpsc::channel::<Job>(4096);
        let (committed, commits) = watch::channel(0);
        let batch_sizes = Arc::new(Histogram::new(BATCH_SIZE_BOUNDS));
        let observed = Arc::clone(&batch_sizes);
        thread::Builder::new()
            .name("ecsnet-writer".into())
            .spawn(move || run_writer(conn, jobs, committed, &observed))
            .map_err(fault)?;

        let readers = Arc::new(ReaderPool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            keep: readers.max(1),
        });
        let first = readers.open()?;
        readers.put_back(first);
        let conn = open_connection(path)?;
        let (watched, weak_writer) = (commits.clone(), writer.downgrade());
        thread::Builder::new()
            .name("ecsnet-checkpointer".into())
            .spawn(move || run_checkpointer(conn, watched, weak_writer))
            .map_err(fault)?;
        Ok(Store {
            writer,
            readers,
            commits,
            batch_sizes,
        })
    }

    /// The sizes of the batches the writer committed.
    pub fn batch_sizes(&self) -> &Histogram {
        &self.batch_sizes
    }

    /// Ready to serve: the writer runs, a reader answers, and the schema is the one this
    /// build migrates to (a newer ecsnet may have migrated the file further since it opened).
    pub async fn check_ready(&self) -> R<()> {
        if self.writer.is_closed() {
            return Err(StoreFault("the writer has stopped".into()));
        }
        let version = self.readers.run(|tx| {
            tx.conn
                .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
                .map_err(fault)
        })??;
        if version != MIGRATIONS.len() as i64 {
            return Err(StoreFault(format!(
                "the schema version is {version}, this build's is {}",
                MIGRATIONS.len()
            )));
        }
        Ok(())
    }

    /// Counts committed batches: it changes after every COMMIT, so a task can wait for writes
    /// (the settler learns of new transitions this way).
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.clone()
    }

    /// Runs `op` in the writer's transaction under its own SAVEPOINT. `Ok` is answered only
    /// after the batch committed; an `Err` (or a panic) rolls back this operation alone.
    pub async fn write<T, E>(
        &self,
        op: impl FnOnce(&dyn Tx) -> Result<T, E> + Send + 'static,
    ) -> Result<Result<T, E>, StoreFault>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(move |tx: &SqliteTx| {
            let outcome = catch_unwind(AssertUnwindSafe(|| op(tx)));
            let ok = matches!(outcome, Ok(Ok(_)));
            let completion: Completion = Box::new(move |committed| {
                let answer = match outcome {
                    Ok(result) if committed || result.is_err() => Ok(result),
                    Ok(_) => Err(StoreFault("the commit failed".into())),
                    Err(_) => Err(StoreFault("the operation panicked".into())),
                };
                let _ = reply.send(answer);
            });
            (ok, completion)
        });
        self.writer
            .send(Job::Write(job))
            .await
            .map_err(|_| StoreFault("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreFault("the writer dropped the operation".into()))?
    }

    /// Runs `f` on the writer's connection between two batches, outside any transaction:
    /// it sees every acknowledged write and no half-done one.
    async fn maintain<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> R<T> + Send + 'static,
    ) -> R<T> {
        let (reply, answer) = oneshot::channel();
        let job: MaintenanceJob = Box::new(move |conn: &Connection| {
            let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(StoreFault("the maintenance panicked".into())));
            let _ = reply.send(result);
        });
        self.writer
            .send(Job::Maintain(job))
            .await
            .map_err(|_| StoreFault("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreFault("the writer dropped the maintenance".into()))?
    }

    /// A consistent copy of the whole store, taken while serving (`VACUUM INTO`).
    pub async fn save_snapshot(&self, path: PathBuf) -> R<()> {
        self.maintain(move |conn| {
            let partial = path.with_extension("partial");
            let _ = std::fs::remove_file(&partial);
            conn.execute("VACUUM INTO ?", [partial.to_string_lossy()])
                .map_err(fault)?;
            // A snapshot holds the AccessKey secrets too: owner only.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600))
                .map_err(fault)?;
            std::fs::rename(&partial, &path).map_err(fault)
        })
        .await
    }

    /// Replaces every row with the snapshot's, in one transaction. Refuses a snapshot written
    /// by another schema version.
    pub async fn restore_snapshot(&self, path: PathBuf) -> R<()> {
        self.maintain(move |conn| {
            conn.execute("ATTACH DATABASE ? AS snapshot", [path.to_string_lossy()])
                .map_err(fault)?;
            let copied = copy_tables(conn, Some("snapshot"));
            let detached = conn
                .execute_batch("DETACH DATABASE snapshot")
                .map_err(fault);
            copied.and(detached)
        })
        .await
    }

    /// Empties the store but for its accounts and their keys.
    pub async fn reset(&self) -> R<()> {
        self.maintain(|conn| copy_tables(conn, None)).await
    }

    /// Runs `f` in a read transaction on a reader connection (a consistent snapshot), on the
    /// calling thread: reads take microseconds (every list is paged and walks an index), far
    /// less than handing them to another thread and waking the caller again.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Tx) -> R<T> + Send + 'static,
    ) -> R<T> {
        self.readers.run(|tx| {
            catch_unwind(AssertUnwindSafe(|| f(tx)))
                .unwrap_or_else(|_| Err(StoreFault("the read panicked".into())))
        })?
    }
}

/// Read-only connections, taken by the thread that reads and put back after. More are opened
/// when every one is in use; at most `keep` are kept idle.
struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    keep: usize,
}

impl ReaderPool {
    fn open(&self) -> R<Connection> {
        let conn = open_connection(&self.path)?;
        conn.execute_batch(READER_SETTINGS).map_err(fault)?;
        Ok(conn)
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.keep {
            idle.push(conn);
        }
    }

    /// Runs `f` inside BEGIN … COMMIT on an idle connection.
    fn run<T>(&self, f: impl FnOnce(&SqliteTx) -> T) -> R<T> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => self.open()?,
        };
        let tx = SqliteTx { conn: &conn };
        let began = tx.exec("BEGIN", []).is_ok();
        let result = f(&tx);
        if began && tx.exec("COMMIT", []).is_err() {
            // A connection left inside a transaction would pin an old snapshot: drop it.
            return Ok(result);
        }
        self.put_back(conn);
        Ok(result)
    }
}

/// Tables that survive a reset and that a restore leaves alone: who may sign in.
const ACCOUNT_TABLES: &[&str] = &["accounts", "access_keys"];

/// Deletes every resource row and, with a `source` schema attached, copies its rows in, all in
/// one transaction (foreign keys are checked at the end, across the whole copy).
fn copy_tables(conn: &Connection, source: Option<&str>) -> R<()> {
    if let Some(source) = source {
        let version = |schema: &str| {
            conn.query_row(&format!("PRAGMA {schema}.user_version"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(fault)
        };
        let (ours, theirs) = (version("main")?, version(source)?);
        if ours != theirs {
            return Err(StoreFault(format!(
                "the snapshot has schema version {theirs}, this store {ours}"
            )));
        }
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
        .map_err(fault)?;
    conn.execute_batch("BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;")
        .map_err(fault)?;
    let copy = || -> rusqlite::Result<()> {
        for table in tables
            .iter()
            .filter(|t| !ACCOUNT_TABLES.contains(&t.as_str()))
        {
            conn.execute(&format!("DELETE FROM main.{table}"), [])?;
            if let Some(source) = source {
                conn.execute(
                    &format!("INSERT INTO main.{table} SELECT * FROM {source}.{table}"),
                    [],
                )?;
            }
        }
        // Sequences go with their rows, so later ids and pages continue where they were.
        conn.execute("DELETE FROM main.sqlite_sequence", [])?;
        if let Some(source) = source {
            conn.execute(
                &format!("INSERT INTO main.sqlite_sequence SELECT * FROM {source}.sqlite_sequence"),
                [],
            )?;
        }
        conn.execute_batch(DERIVED)?;
        Ok(())
    };
    match copy().and_then(|()| conn.execute_batch("COMMIT")) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(fault(e))
        }
    }
}

fn run_writer(
    conn: Connection,
    mut jobs: mpsc::Receiver<Job>,
    commits: watch::Sender<u64>,
    batch_sizes: &Histogram,
) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = Vec::new();
        let mut maintenance = None;
        match first {
            Job::Write(job) => batch.push(job),
            Job::Maintain(job) => maintenance = Some(job),
        }
        while maintenance.is_none() && batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(Job::Write(job)) => batch.push(job),
                Ok(Job::Maintain(job)) => maintenance = Some(job),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            run_batch(&conn, batch, &commits, batch_sizes);
        }
        if let Some(job) = maintenance {
            job(&conn);
            // What the store holds may have changed wholesale: wake whoever waits on commits.
            commits.send_modify(|n| *n = n.wrapping_add(1));
        }
    }
    // All senders are gone: the server is shutting down. Fold the WAL into the database.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

/// One group commit: a SAVEPOINT per operation, one COMMIT, then every caller is answered.
fn run_batch(
    conn: &Connection,
    batch: Vec<WriteJob>,
    commits: &watch::Sender<u64>,
    batch_sizes: &Histogram,
) {
    let tx = SqliteTx { conn };
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot begin a write transaction");
        // Nothing ran: fail every operation of the batch without running it.
        for job in batch {
            let _ = conn.execute_batch("SAVEPOINT op");
            let (_, done) = job(&tx);
            let _ = conn.execute_batch("ROLLBACK TO op; RELEASE op");
            done(false);
        }
        return;
    }
    let mut completions = Vec::with_capacity(batch.len());
    for job in batch {
        let savepoint_ok = conn.execute_batch("SAVEPOINT op").is_ok();
        let (ok, done) = job(&tx);
        let end = if ok && savepoint_ok {
            "RELEASE op"
        } else {
            "ROLLBACK TO op; RELEASE op"
        };
        let ended = conn.execute_batch(end).is_ok();
        completions.push((done, savepoint_ok && ended));
    }
    let committed = match conn.execute_batch("COMMIT") {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch is rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            false
        }
    };
    // Counted before anyone is answered, so an answered write is always in the metrics.
    if committed {
        batch_sizes.observe(completions.len() as u64);
    }
    for (done, clean) in completions {
        done(committed && clean);
    }
    if committed {
        commits.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A transaction on one connection: the writer's (inside a SAVEPOINT) or a reader's.
pub struct SqliteTx<'c> {
    conn: &'c Connection,
}

/// A SELECT built from optional filters.
struct Select {
    sql: String,
    args: Vec<Value>,
}

impl Select {
    fn new(sql: &str, args: Vec<Value>) -> Self {
        Select {
            sql: sql.to_string(),
            args,
        }
    }

    fn and(&mut self, clause: &str, arg: impl Into<Value>) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
        self.args.push(arg.into());
    }

    fn and_opt(&mut self, clause: &str, arg: &Option<String>) {
        if let Some(v) = arg {
            self.and(clause, v.clone());
        }
    }

    fn and_in(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let marks = vec!["?"; values.len()].join(",");
        self.sql.push_str(&format!(" AND {column} IN ({marks})"));
        self.args
            .extend(values.iter().map(|v| Value::Text(v.clone())));
    }

    /// Rows whose `id_column` names a resource of `resource_type` carrying every tag of `tags`
    /// (a condition without a value matches any value).
    fn and_tags(
        &mut self,
        id_column: &str,
        (account, region): (&str, &str),
        resource_type: TagResourceType,
        tags: &[TagMatch],
    ) {
        for tag in tags {
            self.sql.push_str(&format!(
                " AND {id_column} IN (SELECT resource_id FROM tags WHERE account_id = ? AND region_id = ? AND resource_type = ? AND key = ?"
            ));
            self.args.extend([
                text(account),
                text(region),
                text(resource_type.api_name()),
                text(&tag.key),
            ]);
            if let Some(value) = &tag.value {
                self.sql.push_str(" AND value = ?");
                self.args.push(text(value));
            }
            self.sql.push(')');
        }
    }
}

fn text(v: &str) -> Value {
    Value::Text(v.to_string())
}

fn bool_of(row: &Row, idx: impl rusqlite::RowIndex) -> rusqlite::Result<bool> {
    Ok(row.get::<_, i64>(idx)? != 0)
}

fn decode<T>(value: &str, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    parse(value).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unexpected stored value {value:?}").into(),
        )
    })
}

fn vpc_row(row: &Row) -> rusqlite::Result<Vpc> {
    Ok(Vpc {
        id: row.get("id")?,
        region_id: row.get("region_id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        cidr_block: row.get("cidr_block")?,
        status: row.get("status")?,
        vrouter_id: row.get("vrouter_id")?,
        route_table_id: row.get("route_table_id")?,
        created_at: row.get("created_at")?,
    })
}

fn vswitch_row(row: &Row) -> rusqlite::Result<VSwitch> {
    Ok(VSwitch {
        id: row.get("id")?,
        region_id: row.get("region_id")?,
        vpc_id: row.get("vpc_id")?,
        zone_id: row.get("zone_id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        cidr_block: row.get("cidr_block")?,
        status: row.get("status")?,
        created_at: row.get("created_at")?,
    })
}

fn group_row(row: &Row) -> rusqlite::Result<SecurityGroup> {
    let kind: String = row.get("kind")?;
    Ok(SecurityGroup {
        id: row.get("id")?,
        region_id: row.get("region_id")?,
        vpc_id: row.get("vpc_id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        kind: decode(&kind, GroupKind::from_api_name)?,
        inner_access_policy: row.get("inner_access_policy")?,
        created_at: row.get("created_at")?,
    })
}

fn instance_row(row: &Row) -> rusqlite::Result<Instance> {
    let status: String = row.get("status")?;
    Ok(Instance {
        id: row.get("id")?,
        region_id: row.get("region_id")?,
        zone_id: row.get("zone_id")?,
        vpc_id: row.get("vpc_id")?,
        vswitch_id: row.get("vswitch_id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        host_name: row.get("host_name")?,
        instance_type: row.get("instance_type")?,
        image_id: row.get("image_id")?,
        status: decode(&status, InstanceStatus::from_api_name)?,
        created_at: row.get("created_at")?,
        started_at: row.get("started_at")?,
    })
}

/// A transition with the account, region and RequestId of the event that started it.
const PENDING_TRANSITIONS: &str = "SELECT t.resource_id, t.transition, t.due_at, t.event_seq, e.account_id, e.region_id, e.request_id FROM transitions t JOIN events e ON e.seq = t.event_seq";

fn transition_row(row: &Row) -> rusqlite::Result<PendingTransition> {
    let name: String = row.get("transition")?;
    Ok(PendingTransition {
        resource_id: row.get("resource_id")?,
        transition: decode(&name, Transition::from_name)?,
        due_at: row.get("due_at")?,
        event_seq: row.get("event_seq")?,
        account_id: row.get("account_id")?,
        region_id: row.get("region_id")?,
        request_id: row.get("request_id")?,
    })
}

/// The columns `eni_row` reads, by position (looking a column up by name compares it with
/// every column's name, on every row): an ENI without its addresses and groups, which
/// `load_eni_parts` adds.
const ENI_COLUMNS: &str = "enis.id, enis.region_id, enis.zone_id, enis.vpc_id, enis.vswitch_id, enis.name, enis.description, enis.type, enis.status, enis.instance_id, enis.mac_address, enis.delete_on_release, enis.source_dest_check, enis.queue_number, enis.created_at";

fn eni_row(row: &Row) -> rusqlite::Result<Eni> {
    let eni_type: String = row.get(7)?;
    let status: String = row.get(8)?;
    Ok(Eni {
        id: row.get(0)?,
        region_id: row.get(1)?,
        zone_id: row.get(2)?,
        vpc_id: row.get(3)?,
        vswitch_id: row.get(4)?,
        name: row.get(5)?,
        description: row.get(6)?,
        eni_type: decode(&eni_type, EniType::from_api_name)?,
        status: decode(&status, EniStatus::from_api_name)?,
        instance_id: row.get(9)?,
        mac_address: row.get(10)?,
        private_ips: Vec::new(),
        security_group_ids: Vec::new(),
        delete_on_release: bool_of(row, 11)?,
        source_dest_check: bool_of(row, 12)?,
        queue_number: row.get::<_, i64>(13)? as u32,
        created_at: row.get(14)?,
    })
}

fn rule_row(row: &Row) -> rusqlite::Result<Rule> {
    let direction: String = row.get("direction")?;
    let protocol: String = row.get("ip_protocol")?;
    let policy: String = row.get("policy")?;
    let nic_type: String = row.get("nic_type")?;
    Ok(Rule {
        id: row.get("id")?,
        group_id: row.get("group_id")?,
        spec: RuleSpec {
            direction: decode(&direction, Direction::from_api_name)?,
            protocol: decode(&protocol, Protocol::parse)?,
            port_range: row.get("port_range")?,
            source_port_range: row.get("source_port_range")?,
            source_cidr_ip: row.get("source_cidr_ip")?,
            ipv6_source_cidr_ip: row.get("ipv6_source_cidr_ip")?,
            source_group_id: row.get("source_group_id")?,
            source_group_owner_account: row.get("source_group_owner_account")?,
            source_prefix_list_id: row.get("source_prefix_list_id")?,
            dest_cidr_ip: row.get("dest_cidr_ip")?,
            ipv6_dest_cidr_ip: row.get("ipv6_dest_cidr_ip")?,
            dest_group_id: row.get("dest_group_id")?,
            dest_group_owner_account: row.get("dest_group_owner_account")?,
            dest_prefix_list_id: row.get("dest_prefix_list_id")?,
            policy: decode(&policy, Policy::parse)?,
            priority: row.get("priority")?,
            nic_type: decode(&nic_type, NicType::parse)?,
        },
        description: row.get("description")?,
        created_at: row.get("created_at")?,
    })
}

impl SqliteTx<'_> {
    fn one<T>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        map: impl FnOnce(&Row) -> rusqlite::Result<T>,
    ) -> R<Option<T>> {
        self.conn
            .prepare_cached(sql)
            .map_err(fault)?
            .query_row(args, map)
            .optional()
            .map_err(fault)
    }

    fn all<T>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        map: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> R<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(fault)?;
        let rows = stmt.query_map(args, map).map_err(fault)?;
        rows.collect::<rusqlite::Result<Vec<T>>>().map_err(fault)
    }

    fn exec(&self, sql: &str, args: impl rusqlite::Params) -> R<usize> {
        self.conn
            .prepare_cached(sql)
            .map_err(fault)?
            .execute(args)
            .map_err(fault)
    }

    fn count(&self, sql: &str, args: impl rusqlite::Params) -> R<u64> {
        Ok(self.one(sql, args, |r| r.get::<_, i64>(0))?.unwrap_or(0) as u64)
    }

    /// Runs a filtered list query (over a table whose rows have `seq`): the selected page of
    /// rows, `columns` of them mapped by `map`, plus the total or the continuation point.
    ///
    /// `select` is `SELECT <key> FROM <table or join> WHERE ...`, `<key>` being the table's
    /// `seq` (or a column equal to it, in an index that leads the join). The page reads the
    /// rows straight from that query in key order, so an index on the filter walks only as far
    /// as the page: its cost follows the page, not the store.
    fn page<T>(
        &self,
        columns: &str,
        mut select: Select,
        page: PageRequest,
        map: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> R<Page<T>> {
        let (key, from) = select
            .sql
            .strip_prefix("SELECT ")
            .and_then(|rest| rest.split_once(" FROM "))
            .map(|(key, from)| (key.to_string(), from.to_string()))
            .ok_or_else(|| StoreFault(format!("not a paged query: {}", select.sql)))?;
        match page {
            PageRequest::Numbered { offset, limit } => {
                let total = self.count(
                    &format!("SELECT COUNT(*) FROM {from}"),
                    params_from_iter(select.args.iter()),
                )?;
                select.sql =
                    format!("SELECT {columns} FROM {from} ORDER BY {key} LIMIT ? OFFSET ?");
                select.args.push(Value::Integer(limit as i64));
                select.args.push(Value::Integer(offset as i64));
                let items = self.all(&select.sql, params_from_iter(select.args.iter()), map)?;
                Ok(Page {
                    items,
                    total: Some(total),
                    next_after: None,
                })
            }
            PageRequest::After { after, limit } => {
                select.sql = format!(
                    "SELECT {columns}, {key} AS page_seq FROM {from} AND {key} > ? ORDER BY {key} LIMIT ?"
                );
                select.args.push(Value::Integer(after));
                select.args.push(Value::Integer(limit as i64 + 1));
                let mut map = map;
                let rows = self.all(&select.sql, params_from_iter(select.args.iter()), |row| {
                    // page_seq is the last column.
                    let page_seq = row.as_ref().column_count() - 1;
                    Ok((row.get::<_, i64>(page_seq)?, map(row)?))
                })?;
                Ok(page_after(rows, limit))
            }
        }
    }

    /// Fills in the addresses and groups of `enis`. One small query per ENI and part: each
    /// reads its rows in order from an index (migration 7), which costs less than one query
    /// for the whole page, whose IN list and sort build temporary tables.
    fn load_eni_parts(&self, mut enis: Vec<Eni>) -> R<Vec<Eni>> {
        for eni in &mut enis {
            eni.private_ips = self.all(
                "SELECT ip, is_primary FROM private_ips WHERE eni_id = ? ORDER BY is_primary DESC, ip",
                [&eni.id],
                |r| {
                    Ok(PrivateIp {
                        address: net::ip_to_string(r.get::<_, i64>(0)? as u32),
                        primary: r.get::<_, i64>(1)? != 0,
                    })
                },
            )?;
            eni.security_group_ids = self.all(
                "SELECT group_id FROM eni_groups WHERE eni_id = ? ORDER BY position",
                [&eni.id],
                |r| r.get(0),
            )?;
        }
        Ok(enis)
    }

    /// The only writer of eni_groups, called with the ENI's row written (migration 8 counts on
    /// that to raise the ENI's revision).
    fn write_eni_groups(&self, eni: &Eni) -> R<()> {
        self.exec("DELETE FROM eni_groups WHERE eni_id = ?", [&eni.id])?;
        let seq = self
            .one("SELECT seq FROM enis WHERE id = ?", [&eni.id], |r| {
                r.get::<_, i64>(0)
            })?
            .ok_or_else(|| StoreFault(format!("ENI {} vanished", eni.id)))?;
        for (position, group_id) in eni.security_group_ids.iter().enumerate() {
            self.exec(
                "INSERT INTO eni_groups (eni_id, group_id, eni_seq, position) VALUES (?, ?, ?, ?)",
                params![eni.id, group_id, seq, position as i64],
            )?;
        }
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    fn access_key(&self, id: &str) -> R<Option<AccessKey>> {
        self.one(
            "SELECT id, secret, account_id, enabled FROM access_keys WHERE id = ?",
            [id],
            |r| {
                Ok(AccessKey {
                    id: r.get(0)?,
                    secret: r.get(1)?,
                    account_id: r.get(2)?,
                    enabled: r.get::<_, i64>(3)? != 0,
                })
            },
        )
    }

    fn insert_account(&self, account_id: &str, key: &AccessKey, now: i64) -> R<()> {
        self.exec(
            "INSERT INTO accounts (id, created_at) VALUES (?, ?)",
            params![account_id, now],
        )?;
        self.exec(
            "INSERT INTO access_keys (id, secret, account_id, enabled, created_at) VALUES (?, ?, ?, ?, ?)",
            params![key.id, key.secret, account_id, key.enabled as i64, now],
        )?;
        Ok(())
    }

    fn set_access_key_enabled(&self, id: &str, enabled: bool) -> R<bool> {
        let changed = self.exec(
            "UPDATE access_keys SET enabled = ? WHERE id = ?",
            params![enabled as i64, id],
        )?;
        Ok(changed == 1)
    }

    fn root_account(&self) -> R<Option<String>> {
        self.one("SELECT id FROM accounts ORDER BY rowid LIMIT 1", [], |r| {
            r.get(0)
        })
    }

    fn account_count(&self) -> R<u64> {
        self.count("SELECT COUNT(*) FROM accounts", [])
    }

    fn insert_vpc(&self, account: &str, v: &Vpc) -> R<()> {
        self.exec(
            "INSERT INTO vpcs (id, account_id, region_id, name, description, cidr_block, status, vrouter_id, route_table_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![v.id, account, v.region_id, v.name, v.description, v.cidr_block, v.status, v.vrouter_id, v.route_table_id, v.created_at],
        )?;
        Ok(())
    }

    fn vpc(&self, account: &str, region: &str, id: &str) -> R<Option<Vpc>> {
        self.one(
            "SELECT * FROM vpcs WHERE id = ? AND account_id = ? AND region_id = ?",
            [id, account, region],
            vpc_row,
        )
    }

    fn vpcs(
        &self,
        account: &str,
        region: &str,
        filter: &VpcFilter,
        page: PageRequest,
    ) -> R<Page<Vpc>> {
        let mut s = Select::new(
            "SELECT seq FROM vpcs WHERE account_id = ? AND region_id = ?",
            vec![text(account), text(region)],
        );
        s.and_in("id", &filter.ids);
        s.and_opt("name = ?", &filter.name);
        self.page("vpcs.*", s, page, vpc_row)
    }

    fn count_vpcs(&self, account: &str, region: &str) -> R<u64> {
        self.count(
            "SELECT COUNT(*) FROM vpcs WHERE account_id = ? AND region_id = ?",
            [account, region],
        )
    }

    fn vswitch_ids_of_vpc(&self, vpc_id: &str) -> R<Vec<String>> {
        self.all(
            "SELECT id FROM vswitches WHERE vpc_id = ? ORDER BY seq",
            [vpc_id],
            |r| r.get(0),
        )
    }

    fn insert_vswitch(&self, account: &str, v: &VSwitch) -> R<()> {
        self.exec(
            "INSERT INTO vswitches (id, account_id, region_id, vpc_id, zone_id, name, description, cidr_block, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![v.id, account, v.region_id, v.vpc_id, v.zone_id, v.name, v.description, v.cidr_block, v.status, v.created_at],
        )?;
        Ok(())
    }

    fn vswitch(&self, account: &str, region: &str, id: &str) -> R<Option<VSwitch>> {
        self.one(
            "SELECT * FROM vswitches WHERE id = ? AND account_id = ? AND region_id = ?",
            [id, account, region],
            vswitch_row,
        )
    }

    fn vswitches(
        &self,
        account: &str,
        region: &str,
        filter: &VSwitchFilter,
        page: PageRequest,
    ) -> R<Page<VSwitch>> {
        let mut s = Select::new(
            "SELECT seq FROM vswitches WHERE account_id = ? AND region_id = ?",
            vec![text(account), text(region)],
        );
        s.and_in("id", &filter.ids);
        s.and_opt("vpc_id = ?", &filter.vpc_id);
        s.and_opt("zone_id = ?", &filter.zone_id);
        s.and_opt("name = ?", &filter.name);
        self.page("vswitches.*", s, page, vswitch_row)
    }

    fn vswitch_cidrs_of_vpc(&self, vpc_id: &str) -> R<Vec<String>> {
        self.all(
            "SELECT cidr_block FROM vswitches WHERE vpc_id = ?",
            [vpc_id],
            |r| r.get(0),
        )
    }

    fn used_ip_count(&self, vswitch_id: &str) -> R<u64> {
        self.count(
            "SELECT COUNT(*) FROM private_ips WHERE vswitch_id = ?",
            [vswitch_id],
        )
    }

    fn insert_group(&self, account: &str, g: &SecurityGroup) -> R<()> {
        self.exec(
            "INSERT INTO security_groups (id, account_id, region_id, vpc_id, name, description, kind, inner_access_policy, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![g.id, account, g.region_id, g.vpc_id, g.name, g.description, g.kind.api_name(), g.inner_access_policy, g.created_at],
        )?;
        Ok(())
    }

    fn group(&self, account: &str, region: &str, id: &str) -> R<Option<SecurityGroup>> {
        self.one(
            "SELECT * FROM security_groups WHERE id = ? AND account_id = ? AND region_id = ?",
            [id, account, region],
            group_row,
        )
    }

    fn update_group(&self, g: &SecurityGroup) -> R<()> {
        self.exec(
            "UPDATE security_groups SET name = ?, description = ?, inner_access_policy = ? WHERE id = ?",
            params![g.name, g.description, g.inner_access_policy, g.id],
        )?;
        Ok(())
    }

    fn delete_group(&self, id: &str) -> R<()> {
        // Tags go with their resource (the tags table has no foreign key to resources).
        self.remove_tags(id, None)?;
        self.exec("DELETE FROM security_groups WHERE id = ?", [id])?;
        Ok(())
    }

    fn groups(
        &self,
        account: &str,
        region: &str,
        filter: &GroupFilter,
        page: PageRequest,
    ) -> R<Page<SecurityGroup>> {
        let mut s = Select::new(
            "SELECT seq FROM security_groups WHERE account_id = ? AND region_id = ?",
            vec![text(account), text(region)],
        );
        s.and_in("id", &filter.ids);
        s.and_opt("vpc_id = ?", &filter.vpc_id);
        s.and_opt("name = ?", &filter.name);
        if let Some(kind) = filter.kind {
            s.and("kind = ?", kind.api_name().to_string());
        }
        s.and_tags(
            "id",
            (account, region),
            TagResourceType::SecurityGroup,
            &filter.tags,
        );
        self.page("security_groups.*", s, page, group_row)
    }

    fn count_groups(&self, account: &str, region: &str) -> R<u64> {
        self.count(
            "SELECT COUNT(*) FROM security_groups WHERE account_id = ? AND region_id = ?",
            [account, region],
        )
    }

    fn member_count(&self, group_id: &str) -> R<u64> {
        self.count(
            "SELECT members FROM group_member_counts WHERE group_id = ?",
            [group_id],
        )
    }

    // Security group rules.
    fn insert_rule(&self, r: &Rule) -> R<()> {
        let s = &r.spec;
        self.exec(
            "INSERT INTO security_group_rules (id, group_id, direction, ip_protocol, port_range, source_port_range, source_cidr_ip, ipv6_source_cidr_ip, source_group_id, source_group_owner_account, source_prefix_list_id, dest_cidr_ip, ipv6_dest_cidr_ip, dest_group_id, dest_group_owner_account, dest_prefix_list_id, policy, priority, nic_type, description, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![r.id, r.group_id, s.direction.api_name(), s.protocol.api_name(), s.port_range, s.source_port_range, s.source_cidr_ip, s.ipv6_source_cidr_ip, s.source_group_id, s.source_group_owner_account, s.source_prefix_list_id, s.dest_cidr_ip, s.ipv6_dest_cidr_ip, s.dest_group_id, s.dest_group_owner_account, s.dest_prefix_list_id, s.policy.api_name(), s.priority, s.nic_type.api_name(), r.description, r.created_at],
        )?;
        Ok(())
    }

    fn rules_of_group(&self, group_id: &str) -> R<Vec<Rule>> {
        self.all(
            "SELECT * FROM security_group_rules WHERE group_id = ? ORDER BY seq",
            [group_id],
            rule_row,
        )
    }

    fn rules(
        &self,
        group_id: &str,
        direction: Option<Direction>,
        page: PageRequest,
    ) -> R<Page<Rule>> {
        let mut s = Select::new(
            "SELECT seq FROM security_group_rules WHERE group_id = ?",
            vec![text(group_id)],
        );
        if let Some(direction) = direction {
            s.and("direction = ?", direction.api_name().to_string());
        }
        self.page("security_group_rules.*", s, page, rule_row)
    }

    fn update_rule(&self, r: &Rule) -> R<()> {
        let s = &r.spec;
        self.exec(
            "UPDATE security_group_rules SET ip_protocol = ?, port_range = ?, source_port_range = ?, source_cidr_ip = ?, ipv6_source_cidr_ip = ?, source_group_id = ?, source_group_owner_account = ?, source_prefix_list_id = ?, dest_cidr_ip = ?, ipv6_dest_cidr_ip = ?, dest_group_id = ?, dest_group_owner_account = ?, dest_prefix_list_id = ?, policy = ?, priority = ?, nic_type = ?, description = ? WHERE id = ?",
            params![s.protocol.api_name(), s.port_range, s.source_port_range, s.source_cidr_ip, s.ipv6_source_cidr_ip, s.source_group_id, s.source_group_owner_account, s.source_prefix_list_id, s.dest_cidr_ip, s.ipv6_dest_cidr_ip, s.dest_group_id, s.dest_group_owner_account, s.dest_prefix_list_id, s.policy.api_name(), s.priority, s.nic_type.api_name(), r.description, r.id],
        )?;
        Ok(())
    }

    fn delete_rule(&self, id: &str) -> R<()> {
        self.exec("DELETE FROM security_group_rules WHERE id = ?", [id])?;
        Ok(())
    }

    fn rule_counts(&self, group_id: &str) -> R<RuleCounts> {
        let counts = self.one(
            "SELECT COUNT(*), COALESCE(SUM(source_group_id <> '' OR dest_group_id <> ''), 0)
             FROM security_group_rules WHERE group_id = ?",
            [group_id],
            |r| {
                Ok(RuleCounts {
                    rules: r.get::<_, i64>(0)? as u64,
                    group_rules: r.get::<_, i64>(1)? as u64,
                })
            },
        )?;
        Ok(counts.unwrap_or_default())
    }

    fn referencing_rule_count(&self, group_id: &str) -> R<u64> {
        // The `<> ''` terms let SQLite use the partial indexes on the referenced group.
        self.count(
            "SELECT COUNT(*) FROM security_group_rules
             WHERE group_id <> ?1
               AND ((source_group_id = ?1 AND source_group_id <> '')
                 OR (dest_group_id = ?1 AND dest_group_id <> ''))",
            [group_id],
        )
    }

    fn insert_instance(&self, account: &str, i: &Instance) -> R<()> {
        self.exec(
            "INSERT INTO instances (id, account_id, region_id, zone_id, vpc_id, vswitch_id, name, description, host_name, instance_type, image_id, status, created_at, started_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![i.id, account, i.region_id, i.zone_id, i.vpc_id, i.vswitch_id, i.name, i.description, i.host_name, i.instance_type, i.image_id, i.status.api_name(), i.created_at, i.started_at],
        )?;
        Ok(())
    }

    fn instance(&self, account: &str, region: Option<&str>, id: &str) -> R<Option<Instance>> {
        match region {
            Some(region) => self.one(
                "SELECT * FROM instances WHERE id = ? AND account_id = ? AND region_id = ?",
                [id, account, region],
                instance_row,
            ),
            None => self.one(
                "SELECT * FROM instances WHERE id = ? AND account_id = ?",
                [id, account],
                instance_row,
            ),
        }
    }

    fn update_instance(&self, i: &Instance) -> R<()> {
        self.exec(
            "UPDATE instances SET name = ?, description = ?, host_name = ?, status = ?, started_at = ? WHERE id = ?",
            params![i.name, i.description, i.host_name, i.status.api_name(), i.started_at, i.id],
        )?;
        Ok(())
    }

    fn delete_instance(&self, id: &str) -> R<()> {
        self.remove_tags(id, None)?;
        self.exec("DELETE FROM instances WHERE id = ?", [id])?;
        Ok(())
    }

    fn instances(
        &self,
        account: &str,
        region: &str,
        filter: &InstanceFilter,
        page: PageRequest,
    ) -> R<Page<Instance>> {
        let mut s = Select::new(
            "SELECT seq FROM instances WHERE account_id = ? AND region_id = ?",
            vec![text(account), text(region)],
        );
        s.and_in("id", &filter.ids);
        s.and_opt("vpc_id = ?", &filter.vpc_id);
        s.and_opt("vswitch_id = ?", &filter.vswitch_id);
        s.and_opt("zone_id = ?", &filter.zone_id);
        s.and_opt("instance_type = ?", &filter.instance_type);
        s.and_opt("image_id = ?", &filter.image_id);
        if let Some(name) = &filter.name {
            // The API's `*` wildcard becomes GLOB's.
            s.and("name GLOB ?", name.clone());
        }
        if let Some(status) = filter.status {
            s.and("status = ?", status.api_name().to_string());
        }
        if let Some(group) = &filter.security_group_id {
            s.and(
                "id IN (SELECT e.instance_id FROM eni_groups g JOIN enis e ON e.id = g.eni_id WHERE g.group_id = ? AND e.type = 'Primary')",
                group.clone(),
            );
        }
        if !filter.private_ips.is_empty() {
            let ips: Vec<String> = filter
                .private_ips
                .iter()
                .filter_map(|ip| net::ip_to_u32(ip).map(|n| n.to_string()))
                .collect();
            let marks = vec!["?"; ips.len().max(1)].join(",");
            s.sql.push_str(&format!(
                " AND id IN (SELECT e.instance_id FROM private_ips p JOIN enis e ON e.id = p.eni_id WHERE e.type = 'Primary' AND p.ip IN ({marks}))"
            ));
            if ips.is_empty() {
                s.args.push(Value::Null);
            }
            s.args
                .extend(ips.iter().map(|n| Value::Integer(n.parse().unwrap_or(0))));
        }
        s.and_tags(
            "id",
            (account, region),
            TagResourceType::Instance,
            &filter.tags,
        );
        self.page("instances.*", s, page, instance_row)
    }

    fn insert_eni(&self, account: &str, e: &Eni) -> R<()> {
        self.exec(
            "INSERT INTO enis (id, account_id, region_id, zone_id, vpc_id, vswitch_id, name, description, type, status, instance_id, mac_address, delete_on_release, source_dest_check, queue_number, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![e.id, account, e.region_id, e.zone_id, e.vpc_id, e.vswitch_id, e.name, e.description, e.eni_type.api_name(), e.status.api_name(), e.instance_id, e.mac_address, e.delete_on_release as i64, e.source_dest_check as i64, e.queue_number as i64, e.created_at],
        )?;
        for ip in &e.private_ips {
            let n = net::ip_to_u32(&ip.address)
                .ok_or_else(|| StoreFault(format!("bad address {}", ip.address)))?;
            self.exec(
                "INSERT INTO private_ips (vswitch_id, ip, eni_id, is_primary) VALUES (?, ?, ?, ?)",
                params![e.vswitch_id, n as i64, e.id, ip.primary as i64],
            )?;
        }
        self.write_eni_groups(e)
    }

    fn eni(&self, account: &str, region: &str, id: &str) -> R<Option<Eni>> {
        let row = self.one(
            &format!(
                "SELECT {ENI_COLUMNS} FROM enis WHERE id = ? AND account_id = ? AND region_id = ?"
            ),
            [id, account, region],
            eni_row,
        )?;
        Ok(self.load_eni_parts(row.into_iter().collect())?.pop())
    }

    fn update_eni(&self, e: &Eni) -> R<()> {
        self.exec(
            "UPDATE enis SET name = ?, description = ?, status = ?, instance_id = ?, delete_on_release = ?, source_dest_check = ?, queue_number = ?, revision = revision + 1 WHERE id = ?",
            params![e.name, e.description, e.status.api_name(), e.instance_id, e.delete_on_release as i64, e.source_dest_check as i64, e.queue_number as i64, e.id],
        )?;
        self.write_eni_groups(e)
    }

    fn delete_eni(&self, id: &str) -> R<()> {
        self.remove_tags(id, None)?;
        self.exec("DELETE FROM enis WHERE id = ?", [id])?;
        Ok(())
    }

    fn enis(
        &self,
        account: &str,
        region: &str,
        filter: &EniFilter,
        page: PageRequest,
        known: &mut dyn FnMut(&EniRevision) -> bool,
    ) -> R<Page<(EniRevision, Option<Eni>)>> {
        let mut s = Select::new(
            "SELECT seq FROM enis WHERE account_id = ? AND region_id = ?",
            vec![text(account), text(region)],
        );
        if let Some(group) = &filter.security_group_id {
            // Driven by eni_groups_by_group (group_id, eni_seq): CROSS JOIN keeps that index
            // as the outer loop, so a page walks only its own members in order.
            s = Select::new(
                "SELECT g.eni_seq FROM eni_groups g CROSS JOIN enis ON enis.seq = g.eni_seq WHERE g.group_id = ? AND enis.type = 'Secondary' AND enis.account_id = ? AND enis.region_id = ?",
                vec![text(group), text(account), text(region)],
            );
        }
        s.and_in("id", &filter.ids);
        s.and_opt("instance_id = ?", &filter.instance_id);
        s.and_opt("vpc_id = ?", &filter.vpc_id);
        s.and_opt("vswitch_id = ?", &filter.vswitch_id);
        s.and_opt("name = ?", &filter.name);
        if let Some(t) = filter.eni_type {
            s.and("type = ?", t.api_name().to_string());
        }
        if let Some(st) = filter.status {
            s.and("status = ?", st.api_name().to_string());
        }
        if let Some(ip) = &filter.primary_ip {
            s.and(
                "id IN (SELECT eni_id FROM private_ips WHERE is_primary = 1 AND ip = ?)",
                net::ip_to_u32(ip).map(i64::from).unwrap_or(-1),
            );
        }
        for ip in &filter.private_ips {
            s.and(
                "id IN (SELECT eni_id FROM private_ips WHERE is_primary = 0 AND ip = ?)",
                net::ip_to_u32(ip).map(i64::from).unwrap_or(-1),
            );
        }
        s.and_tags("id", (account, region), TagResourceType::Eni, &filter.tags);
        // The revision follows the ENI's own columns (eni_row reads those by position).
        let columns = format!("{ENI_COLUMNS}, enis.revision");
        let page = self.page(&columns, s, page, |r| {
            let revision = EniRevision {
                id: r.get(0)?,
                revision: r.get(15)?,
            };
            let eni = (!known(&revision)).then(|| eni_row(r)).transpose()?;
            Ok((revision, eni))
        })?;
        with_eni_parts(page, |enis| self.load_eni_parts(enis))
    }

    fn enis_of_instance(&self, instance_id: &str) -> R<Vec<Eni>> {
        let rows = self.all(
            &format!("SELECT {ENI_COLUMNS} FROM enis WHERE instance_id = ? ORDER BY type = 'Secondary', seq"),
            [instance_id],
            eni_row,
        )?;
        self.load_eni_parts(rows)
    }

    fn count_enis(&self, account: &str, region: &str) -> R<u64> {
        self.count(
            "SELECT secondary FROM eni_counts WHERE account_id = ? AND region_id = ?",
            [account, region],
        )
    }

    fn add_private_ip(&self, eni: &Eni, address: &str) -> R<()> {
        let n =
            net::ip_to_u32(address).ok_or_else(|| StoreFault(format!("bad address {address}")))?;
        self.exec(
            "INSERT INTO private_ips (vswitch_id, ip, eni_id, is_primary) VALUES (?, ?, ?, 0)",
            params![eni.vswitch_id, n as i64, eni.id],
        )?;
        Ok(())
    }

    fn remove_private_ip(&self, vswitch_id: &str, ip: u32) -> R<()> {
        self.exec(
            "DELETE FROM private_ips WHERE vswitch_id = ? AND ip = ?",
            params![vswitch_id, ip as i64],
        )?;
        Ok(())
    }

    fn ip_taken(&self, vswitch_id: &str, ip: u32) -> R<bool> {
        Ok(self
            .one(
                "SELECT 1 FROM private_ips WHERE vswitch_id = ? AND ip = ?",
                params![vswitch_id, ip as i64],
                |_| Ok(()),
            )?
            .is_some())
    }

    fn allocation_hint(&self, vswitch_id: &str) -> R<Option<u32>> {
        self.one(
            "SELECT address FROM vswitch_taken_below WHERE vswitch_id = ?",
            [vswitch_id],
            |r| Ok(r.get::<_, i64>(0)? as u32),
        )
    }

    fn set_allocation_hint(&self, vswitch_id: &str, address: u32) -> R<()> {
        self.exec(
            "INSERT INTO vswitch_taken_below (vswitch_id, address) VALUES (?, ?)
             ON CONFLICT DO UPDATE SET address = excluded.address",
            params![vswitch_id, address as i64],
        )?;
        Ok(())
    }

    fn free_ip_after_taken(&self, vswitch_id: &str, start: u32, last: u32) -> R<Option<u32>> {
        self.one(
            "SELECT p.ip + 1 FROM private_ips p
             WHERE p.vswitch_id = ?1 AND p.ip >= ?2 AND p.ip < ?3
               AND NOT EXISTS (SELECT 1 FROM private_ips q WHERE q.vswitch_id = ?1 AND q.ip = p.ip + 1)
             ORDER BY p.ip LIMIT 1",
            params![vswitch_id, start as i64, last as i64],
            |r| Ok(r.get::<_, i64>(0)? as u32),
        )
    }

    // Tags and ClientToken records.
    fn tags_of_each(&self, resource_ids: &[&str]) -> R<Vec<Vec<Tag>>> {
        let tags_of = |id: &str| {
            self.all(
                "SELECT key, value FROM tags WHERE resource_id = ? ORDER BY key",
                [id],
                |r| {
                    Ok(Tag {
                        key: r.get(0)?,
                        value: r.get(1)?,
                    })
                },
            )
        };
        resource_ids.iter().map(|id| tags_of(id)).collect()
    }

    fn put_tags(
        &self,
        account: &str,
        region: &str,
        resource_type: TagResourceType,
        resource_id: &str,
        tags: &[Tag],
    ) -> R<()> {
        for tag in tags {
            self.exec(
                "INSERT INTO tags (account_id, region_id, resource_type, resource_id, key, value) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (resource_id, key) DO UPDATE SET value = excluded.value",
                params![account, region, resource_type.api_name(), resource_id, tag.key, tag.value],
            )?;
        }
        Ok(())
    }

    fn remove_tags(&self, resource_id: &str, keys: Option<&[String]>) -> R<()> {
        match keys {
            None => {
                self.exec("DELETE FROM tags WHERE resource_id = ?", [resource_id])?;
            }
            Some(keys) => {
                for key in keys {
                    self.exec(
                        "DELETE FROM tags WHERE resource_id = ? AND key = ?",
                        [resource_id, key],
                    )?;
                }
            }
        }
        Ok(())
    }

    fn tag_rows(
        &self,
        account: &str,
        region: &str,
        filter: &TagRowFilter,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> R<Vec<TagRow>> {
        let mut s = Select::new(
            "SELECT resource_id, resource_type, key, value FROM tags WHERE account_id = ? AND region_id = ? AND resource_type = ?",
            vec![text(account), text(region), text(filter.resource_type.api_name())],
        );
        s.and_in("resource_id", &filter.resource_ids);
        s.and_tags(
            "resource_id",
            (account, region),
            filter.resource_type,
            &filter.having,
        );
        if let Some((resource_id, key)) = after {
            s.sql.push_str(" AND (resource_id, key) > (?, ?)");
            s.args.extend([text(resource_id), text(key)]);
        }
        s.sql.push_str(" ORDER BY resource_id, key LIMIT ?");
        s.args.push(Value::Integer(limit as i64));
        self.all(&s.sql, params_from_iter(s.args.iter()), |r| {
            let resource_type: String = r.get(1)?;
            Ok(TagRow {
                resource_id: r.get(0)?,
                resource_type: decode(&resource_type, TagResourceType::from_api_name)?,
                tag: Tag {
                    key: r.get(2)?,
                    value: r.get(3)?,
                },
            })
        })
    }

    fn client_token(
        &self,
        account: &str,
        action: &str,
        token: &str,
    ) -> R<Option<ClientTokenRecord>> {
        self.one(
            "SELECT token, fingerprint, answer, created_at FROM client_tokens WHERE account_id = ? AND action = ? AND token = ?",
            [account, action, token],
            |r| {
                Ok(ClientTokenRecord {
                    token: r.get(0)?,
                    fingerprint: r.get(1)?,
                    answer: r.get(2)?,
                    created_at: r.get(3)?,
                })
            },
        )
    }

    fn insert_client_token(
        &self,
        account: &str,
        action: &str,
        record: &ClientTokenRecord,
    ) -> R<()> {
        self.exec(
            "INSERT INTO client_tokens (account_id, action, token, fingerprint, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            params![account, action, record.token, record.fingerprint, record.answer, record.created_at],
        )?;
        Ok(())
    }

    fn append_event(&self, e: &Event) -> R<i64> {
        self.exec(
            "INSERT INTO events (at, account_id, access_key_id, region_id, action, resource_ids, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            params![e.at, e.account_id, e.access_key_id, e.region_id, e.action, e.resource_ids.join(","), e.request_id],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn insert_transition(
        &self,
        resource_id: &str,
        transition: Transition,
        due_at: i64,
        event_seq: i64,
    ) -> R<()> {
        self.exec(
            "INSERT OR REPLACE INTO transitions (resource_id, transition, due_at, event_seq) VALUES (?, ?, ?, ?)",
            params![resource_id, transition.name(), due_at, event_seq],
        )?;
        Ok(())
    }

    fn transition(&self, resource_id: &str) -> R<Option<PendingTransition>> {
        self.one(
            &format!("{PENDING_TRANSITIONS} WHERE t.resource_id = ?"),
            [resource_id],
            transition_row,
        )
    }

    fn delete_transition(&self, resource_id: &str) -> R<()> {
        self.exec(
            "DELETE FROM transitions WHERE resource_id = ?",
            [resource_id],
        )?;
        Ok(())
    }

    fn due_transitions(&self, now: i64, limit: u64) -> R<Vec<PendingTransition>> {
        self.all(
            &format!(
                "{PENDING_TRANSITIONS} WHERE t.due_at <= ? ORDER BY t.due_at, t.event_seq LIMIT ?"
            ),
            params![now, limit as i64],
            transition_row,
        )
    }

    fn next_transition_due(&self) -> R<Option<i64>> {
        self.one("SELECT MIN(due_at) FROM transitions", [], |r| r.get(0))
            .map(Option::flatten)
    }
}
