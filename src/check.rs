//! `ecsnet check`: an offline audit of a whole store. It opens the SQLite file read-only (a
//! running server may keep serving; a crashed one's WAL is read as SQLite recovers it), or
//! connects to the PostgreSQL schema the servers share, reads everything in one read
//! transaction, and reports every broken invariant as a line naming the rule and the ids
//! involved.
//!
//! Both backends answer the same SQL (`Source::rows`): every invariant's query is written once.
//! Only the engine's own integrity checks differ (`Source::integrity`): SQLite's
//! `integrity_check` and `foreign_key_check`; on PostgreSQL, which enforces declared foreign
//! keys itself, the ways that enforcement can be off (constraints not validated, disabled
//! triggers, invalid indexes) and the schema's migration record.
//!
//! It reads the tables with its own SQL instead of the store's `Tx` code on purpose: a bug in
//! the queries the server runs cannot hide the state it leaves behind. What it checks is the
//! seed's rules a–j as they apply to stored state (ecs-api.md §5), the limits of `Limits` and
//! the instance types, the placement of addresses, and that no row points at a missing one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use ipnet::Ipv4Net;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::model::catalog::INSTANCE_TYPES;
use crate::model::net;
use crate::model::{EniStatus, EniType, GroupKind, InstanceStatus, Limits};
use crate::store::database_path;

/// One broken invariant: the rule's name and what breaks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

/// What the check read and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub violations: Vec<Violation>,
    /// Rows read per table, in table order.
    pub counts: Vec<(&'static str, u64)>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// One line: the rows read and how many violations.
    pub fn summary(&self) -> String {
        let read: Vec<String> = self
            .counts
            .iter()
            .map(|(table, n)| format!("{n} {table}"))
            .collect();
        format!(
            "checked {}: {} violation{}",
            read.join(", "),
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" }
        )
    }
}

/// Why the check could not run at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckError {
    #[error("no store at {0}")]
    Missing(String),
    #[error("cannot read the store: {0}")]
    Sqlite(String),
    #[error("cannot read the PostgreSQL store: {0}")]
    Postgres(String),
    #[error("the store's schema is not the one the checker reads: {0}")]
    Schema(String),
}

impl From<postgres::Error> for CheckError {
    fn from(e: postgres::Error) -> Self {
        // `postgres::Error` says only "db error"; its source says what.
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        CheckError::Postgres(text)
    }
}

impl From<rusqlite::Error> for CheckError {
    fn from(e: rusqlite::Error) -> Self {
        CheckError::Sqlite(e.to_string())
    }
}

/// Checks the store under `data_dir` without writing to it.
pub fn check_data_dir(data_dir: &Path, limits: &Limits) -> Result<Report, CheckError> {
    let path = database_path(data_dir);
    if !path.is_file() {
        return Err(CheckError::Missing(path.display().to_string()));
    }
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    check_connection(&conn, limits)
}

/// Checks the database behind `conn` (inside one read transaction, so it sees one state).
pub fn check_connection(conn: &Connection, limits: &Limits) -> Result<Report, CheckError> {
    conn.execute_batch("BEGIN DEFERRED")?;
    let outcome = Checker::load(&mut Sqlite(conn), limits).map(Checker::run);
    conn.execute_batch("ROLLBACK")?;
    outcome
}

/// Checks the PostgreSQL store at `url` (`postgres://…`; the schema is the connection's
/// `search_path`, e.g. `?options=-csearch_path%3Dname`) in one READ ONLY REPEATABLE READ
/// transaction, so it sees one state while servers keep writing. The blocking client runs on
/// a thread of its own, so this may be called from anywhere, an async runtime included.
pub fn check_postgres(url: &str, limits: &Limits) -> Result<Report, CheckError> {
    let (url, limits) = (url.to_string(), limits.clone());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let schema: String = tx.query_one("SELECT current_schema()::TEXT", &[])?.get(0);
        let migrated: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_tables
                 WHERE schemaname = current_schema() AND tablename = 'schema_migrations')",
                &[],
            )?
            .get(0);
        if !migrated {
            return Err(CheckError::Missing(format!(
                "PostgreSQL schema {schema} (no schema_migrations)"
            )));
        }
        Checker::load(&mut Postgres(&mut tx), &limits).map(Checker::run)
    })
    .join()
    .unwrap_or_else(|_| Err(CheckError::Postgres("the checker's thread panicked".into())))
}

/// One value as either backend returns it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// One row of a query's answer.
struct Row(Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell, CheckError> {
        self.0
            .get(i)
            .ok_or_else(|| CheckError::Schema(format!("no column {i}")))
    }

    fn text(&self, i: usize) -> Result<String, CheckError> {
        match self.cell(i)? {
            Cell::Text(t) => Ok(t.clone()),
            other => Err(CheckError::Schema(format!(
                "column {i} is {other:?}, not text"
            ))),
        }
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, CheckError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    fn int(&self, i: usize) -> Result<i64, CheckError> {
        match self.cell(i)? {
            Cell::Int(n) => Ok(*n),
            other => Err(CheckError::Schema(format!(
                "column {i} is {other:?}, not an integer"
            ))),
        }
    }
}

/// What the checker reads: the SQL both backends agree on, and each engine's own checks.
trait Source {
    /// Every row `sql` returns (text, integer, boolean as 0/1, or NULL columns).
    fn rows(&mut self, sql: &str) -> Result<Vec<Row>, CheckError>;

    /// The engine's own integrity checks: (rule, detail) for each problem.
    fn integrity(&mut self) -> Result<Vec<(&'static str, String)>, CheckError>;
}

struct Sqlite<'a>(&'a Connection);

impl Source for Sqlite<'_> {
    fn rows(&mut self, sql: &str) -> Result<Vec<Row>, CheckError> {
        let mut stmt = self.0.prepare(sql)?;
        let n = stmt.column_count();
        let rows = stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => Cell::Null,
                        ValueRef::Integer(v) => Cell::Int(v),
                        ValueRef::Real(v) => Cell::Text(v.to_string()),
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            Cell::Text(String::from_utf8_lossy(t).into_owned())
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Row)
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The file's structure, and every declared foreign key.
    fn integrity(&mut self) -> Result<Vec<(&'static str, String)>, CheckError> {
        let mut found = Vec::new();
        for row in self.rows("PRAGMA integrity_check")? {
            let line = row.text(0)?;
            if line != "ok" {
                found.push(("integrity", line));
            }
        }
        for row in self.rows("PRAGMA foreign_key_check")? {
            found.push((
                "foreign-key",
                format!(
                    "a row of {} (rowid {:?}) names a missing {} row",
                    row.text(0)?,
                    row.cell(1)?,
                    row.text(2)?
                ),
            ));
        }
        Ok(found)
    }
}

struct Postgres<'a, 'b>(&'a mut postgres::Transaction<'b>);

/// The checks of PostgreSQL's own: declared foreign keys are enforced by the server unless a
/// constraint was added NOT VALID or its triggers were disabled; an index left invalid (a
/// failed concurrent build) no longer backs its uniqueness.
const PG_INTEGRITY: &[(&str, &str)] = &[
    (
        "foreign-key",
        "SELECT 'constraint ' || c.conname::TEXT || ' of ' || c.conrelid::regclass::TEXT || ' is not validated'
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = current_schema() AND NOT c.convalidated",
    ),
    (
        "foreign-key",
        "SELECT 'table ' || t.tgrelid::regclass::TEXT || ' has ' || COUNT(*) || ' disabled triggers'
             || ' (its foreign keys are not enforced)'
         FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = r.relnamespace
         WHERE n.nspname = current_schema() AND t.tgenabled = 'D'
         GROUP BY t.tgrelid ORDER BY 1",
    ),
    (
        "integrity",
        "SELECT 'index ' || i.indexrelid::regclass::TEXT || ' is not valid'
         FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = r.relnamespace
         WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)",
    ),
    (
        "integrity",
        "SELECT 'schema_migrations records no migration' WHERE NOT EXISTS (SELECT 1 FROM schema_migrations)",
    ),
];

impl Source for Postgres<'_, '_> {
    fn rows(&mut self, sql: &str) -> Result<Vec<Row>, CheckError> {
        use postgres::types::Type;
        let mut out = Vec::new();
        for row in self.0.query(sql, &[])? {
            let mut cells = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                let cell = if *ty == Type::INT8 {
                    row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
                } else if *ty == Type::INT4 {
                    row.try_get::<_, Option<i32>>(i)?
                        .map(|v| Cell::Int(v.into()))
                } else if *ty == Type::INT2 {
                    row.try_get::<_, Option<i16>>(i)?
                        .map(|v| Cell::Int(v.into()))
                } else if *ty == Type::BOOL {
                    row.try_get::<_, Option<bool>>(i)?
                        .map(|v| Cell::Int(v.into()))
                } else {
                    row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
                };
                cells.push(cell.unwrap_or(Cell::Null));
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn integrity(&mut self) -> Result<Vec<(&'static str, String)>, CheckError> {
        let mut found = Vec::new();
        for (rule, sql) in PG_INTEGRITY {
            for row in self.rows(sql)? {
                found.push((*rule, row.text(0)?));
            }
        }
        Ok(found)
    }
}

struct Group {
    account: String,
    region: String,
    vpc: String,
    kind: Option<GroupKind>,
}

struct VSwitch {
    vpc: String,
    zone: String,
    cidr: Option<Ipv4Net>,
}

struct Instance {
    account: String,
    region: String,
    zone: String,
    vpc: String,
    vswitch: String,
    instance_type: String,
    status: String,
}

struct Eni {
    account: String,
    region: String,
    zone: String,
    vpc: String,
    vswitch: String,
    eni_type: Option<EniType>,
    status: Option<EniStatus>,
    instance: Option<String>,
    groups: Vec<String>,
    /// (address, primary)
    addresses: Vec<(u32, bool)>,
}

struct Checker<'a> {
    db: &'a mut dyn Source,
    limits: &'a Limits,
    vpcs: HashSet<String>,
    vswitches: HashMap<String, VSwitch>,
    groups: HashMap<String, Group>,
    instances: BTreeMap<String, Instance>,
    enis: BTreeMap<String, Eni>,
    counts: Vec<(&'static str, u64)>,
    violations: Vec<Violation>,
}

/// Addresses an unattached ENI may carry (as `ops::addresses` allows).
const UNATTACHED_ADDRESS_LIMIT: usize = 50;

impl<'a> Checker<'a> {
    fn load(db: &'a mut dyn Source, limits: &'a Limits) -> Result<Self, CheckError> {
        let mut c = Checker {
            db,
            limits,
            vpcs: HashSet::new(),
            vswitches: HashMap::new(),
            groups: HashMap::new(),
            instances: BTreeMap::new(),
            enis: BTreeMap::new(),
            counts: Vec::new(),
            violations: Vec::new(),
        };
        for (rule, detail) in c.db.integrity()? {
            c.violation(rule, detail);
        }
        c.vpcs = c.strings("SELECT id FROM vpcs")?.into_iter().collect();
        for r in
            c.db.rows("SELECT id, vpc_id, zone_id, cidr_block FROM vswitches")?
        {
            let vswitch = VSwitch {
                vpc: r.text(1)?,
                zone: r.text(2)?,
                cidr: r.text(3)?.parse().ok(),
            };
            c.vswitches.insert(r.text(0)?, vswitch);
        }
        for r in
            c.db.rows("SELECT id, account_id, region_id, vpc_id, kind FROM security_groups")?
        {
            let group = Group {
                account: r.text(1)?,
                region: r.text(2)?,
                vpc: r.text(3)?,
                kind: GroupKind::from_api_name(&r.text(4)?),
            };
            c.groups.insert(r.text(0)?, group);
        }
        for r in c.db.rows(
            "SELECT id, account_id, region_id, zone_id, vpc_id, vswitch_id, instance_type, status
             FROM instances",
        )? {
            let instance = Instance {
                account: r.text(1)?,
                region: r.text(2)?,
                zone: r.text(3)?,
                vpc: r.text(4)?,
                vswitch: r.text(5)?,
                instance_type: r.text(6)?,
                status: r.text(7)?,
            };
            c.instances.insert(r.text(0)?, instance);
        }
        for r in c.db.rows(
            "SELECT id, account_id, region_id, zone_id, vpc_id, vswitch_id, type, status,
                    instance_id FROM enis",
        )? {
            let eni = Eni {
                account: r.text(1)?,
                region: r.text(2)?,
                zone: r.text(3)?,
                vpc: r.text(4)?,
                vswitch: r.text(5)?,
                eni_type: EniType::from_api_name(&r.text(6)?),
                status: EniStatus::from_api_name(&r.text(7)?),
                instance: r.opt_text(8)?,
                groups: Vec::new(),
                addresses: Vec::new(),
            };
            c.enis.insert(r.text(0)?, eni);
        }
        let memberships =
            c.db.rows("SELECT eni_id, group_id FROM eni_groups ORDER BY eni_id, position")?
                .iter()
                .map(|r| Ok((r.text(0)?, r.text(1)?)))
                .collect::<Result<Vec<_>, CheckError>>()?;
        for (eni_id, group_id) in &memberships {
            match c.enis.get_mut(eni_id) {
                Some(eni) => eni.groups.push(group_id.clone()),
                None => c.violation(
                    "orphan",
                    format!("eni_groups row ({eni_id}, {group_id}) names a missing ENI"),
                ),
            }
        }
        let addresses =
            c.db.rows("SELECT vswitch_id, ip, eni_id, is_primary FROM private_ips")?
                .iter()
                .map(|r| Ok((r.text(0)?, r.int(1)?, r.text(2)?, r.int(3)? != 0)))
                .collect::<Result<Vec<_>, CheckError>>()?;
        c.check_addresses(&addresses);
        c.counts = vec![
            ("vpcs", c.vpcs.len() as u64),
            ("vswitches", c.vswitches.len() as u64),
            ("security groups", c.groups.len() as u64),
            ("instances", c.instances.len() as u64),
            ("ENIs", c.enis.len() as u64),
            ("memberships", memberships.len() as u64),
            ("private addresses", addresses.len() as u64),
            ("rules", c.count("security_group_rules")?),
            ("tags", c.count("tags")?),
            ("transitions", c.count("transitions")?),
            ("events", c.count("events")?),
        ];
        c.orphans()?;
        Ok(c)
    }

    fn run(mut self) -> Report {
        self.check_instances();
        self.check_enis();
        self.check_groups();
        self.check_quotas();
        Report {
            violations: self.violations,
            counts: self.counts,
        }
    }

    fn violation(&mut self, rule: &'static str, detail: String) {
        self.violations.push(Violation { rule, detail });
    }

    fn strings(&mut self, sql: &str) -> Result<Vec<String>, CheckError> {
        self.db.rows(sql)?.iter().map(|r| r.text(0)).collect()
    }

    fn count(&mut self, table: &str) -> Result<u64, CheckError> {
        let rows = self.db.rows(&format!("SELECT COUNT(*) FROM {table}"))?;
        match rows.first() {
            Some(row) => Ok(row.int(0)? as u64),
            None => Ok(0),
        }
    }

    /// Rows that point at rows that do not exist, including the references that have no
    /// declared foreign key (tags, transitions, rules naming other groups).
    fn orphans(&mut self) -> Result<(), CheckError> {
        const QUERIES: &[(&str, &str)] = &[
            (
                "SELECT 'tag ' || key || ' of ' || resource_type || ' ' || resource_id FROM tags t
                 WHERE NOT CASE resource_type
                     WHEN 'instance' THEN EXISTS (SELECT 1 FROM instances WHERE id = t.resource_id)
                     WHEN 'eni' THEN EXISTS (SELECT 1 FROM enis WHERE id = t.resource_id)
                     WHEN 'securitygroup' THEN EXISTS (SELECT 1 FROM security_groups WHERE id = t.resource_id)
                     ELSE FALSE END",
                "names a missing resource",
            ),
            (
                "SELECT 'transition ' || transition || ' of ' || resource_id FROM transitions t
                 WHERE NOT EXISTS (SELECT 1 FROM instances WHERE id = t.resource_id)
                   AND NOT EXISTS (SELECT 1 FROM enis WHERE id = t.resource_id)",
                "names a missing resource",
            ),
            (
                "SELECT 'transition ' || transition || ' of ' || resource_id FROM transitions t
                 WHERE NOT EXISTS (SELECT 1 FROM events WHERE seq = t.event_seq)",
                "names a missing event",
            ),
            (
                "SELECT 'rule ' || id || ' of ' || group_id FROM security_group_rules r
                 WHERE NOT EXISTS (SELECT 1 FROM security_groups WHERE id = r.group_id)",
                "belongs to a missing group",
            ),
            (
                "SELECT 'rule ' || id || ' of ' || group_id || ' (source ' || source_group_id || ')'
                 FROM security_group_rules r
                 WHERE source_group_id <> '' AND source_group_owner_account = ''
                   AND NOT EXISTS (SELECT 1 FROM security_groups WHERE id = r.source_group_id)",
                "names a missing source group",
            ),
            (
                "SELECT 'rule ' || id || ' of ' || group_id || ' (destination ' || dest_group_id || ')'
                 FROM security_group_rules r
                 WHERE dest_group_id <> '' AND dest_group_owner_account = ''
                   AND NOT EXISTS (SELECT 1 FROM security_groups WHERE id = r.dest_group_id)",
                "names a missing destination group",
            ),
            (
                "SELECT 'membership (' || eni_id || ', ' || group_id || ')' FROM eni_groups m
                 WHERE NOT EXISTS (SELECT 1 FROM security_groups WHERE id = m.group_id)",
                "names a missing group",
            ),
            (
                "SELECT 'address ' || ip || ' of ' || eni_id FROM private_ips p
                 WHERE NOT EXISTS (SELECT 1 FROM enis WHERE id = p.eni_id)",
                "belongs to a missing ENI",
            ),
            (
                "SELECT 'ENI ' || id || ' (instance ' || instance_id || ')' FROM enis e
                 WHERE instance_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM instances WHERE id = e.instance_id)",
                "is attached to a missing instance",
            ),
            (
                "SELECT 'instance ' || id FROM instances i
                 WHERE NOT EXISTS (SELECT 1 FROM vswitches WHERE id = i.vswitch_id AND vpc_id = i.vpc_id)",
                "is in a missing vSwitch or VPC",
            ),
            (
                "SELECT 'ENI ' || id FROM enis e
                 WHERE NOT EXISTS (SELECT 1 FROM vswitches WHERE id = e.vswitch_id AND vpc_id = e.vpc_id)",
                "is in a missing vSwitch or VPC",
            ),
            (
                "SELECT 'security group ' || id FROM security_groups g
                 WHERE NOT EXISTS (SELECT 1 FROM vpcs WHERE id = g.vpc_id)",
                "is in a missing VPC",
            ),
            (
                "SELECT 'vSwitch ' || id FROM vswitches s
                 WHERE NOT EXISTS (SELECT 1 FROM vpcs WHERE id = s.vpc_id)",
                "is in a missing VPC",
            ),
            (
                "SELECT 'access key ' || id FROM access_keys k
                 WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE id = k.account_id)",
                "belongs to a missing account",
            ),
            (
                "SELECT kind || ' ' || id FROM (
                     SELECT 'VPC' AS kind, id, account_id FROM vpcs
                     UNION ALL SELECT 'vSwitch', id, account_id FROM vswitches
                     UNION ALL SELECT 'security group', id, account_id FROM security_groups
                     UNION ALL SELECT 'instance', id, account_id FROM instances
                     UNION ALL SELECT 'ENI', id, account_id FROM enis) r
                 WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id)",
                "belongs to a missing account",
            ),
        ];
        for (sql, what) in QUERIES {
            for subject in self.strings(sql)? {
                self.violation("orphan", format!("{subject} {what}"));
            }
        }
        Ok(())
    }

    /// Every address inside its vSwitch's assignable range, on its ENI's vSwitch, unique in
    /// its VPC; every ENI with exactly one primary address.
    fn check_addresses(&mut self, rows: &[(String, i64, String, bool)]) {
        let mut seen: HashMap<(String, i64), &str> = HashMap::new();
        let mut found = Vec::new();
        for (vswitch_id, ip, eni_id, primary) in rows {
            let shown = u32::try_from(*ip)
                .map(net::ip_to_string)
                .unwrap_or_else(|_| ip.to_string());
            match self.vswitches.get(vswitch_id) {
                None => found.push((
                    "orphan",
                    format!("address {shown} of {eni_id} is in a missing vSwitch {vswitch_id}"),
                )),
                Some(vswitch) => {
                    let inside = vswitch.cidr.is_some_and(|cidr| {
                        let first = u32::from(cidr.network()) as i64 + 1;
                        let last = u32::from(cidr.broadcast()) as i64 - 3;
                        (first..=last).contains(ip)
                    });
                    if !inside {
                        found.push((
                            "address-in-vswitch",
                            format!("address {shown} of {eni_id} is outside vSwitch {vswitch_id}"),
                        ));
                    }
                    if let Some(previous) = seen.insert((vswitch.vpc.clone(), *ip), eni_id) {
                        found.push((
                            "address-unique",
                            format!("address {shown} is held by {previous} and {eni_id}"),
                        ));
                    }
                }
            }
            if let Some(eni) = self.enis.get_mut(eni_id) {
                if eni.vswitch != *vswitch_id {
                    found.push((
                        "address-in-vswitch",
                        format!(
                            "address {shown} of {eni_id} is in vSwitch {vswitch_id}, the ENI in {}",
                            eni.vswitch
                        ),
                    ));
                }
                eni.addresses.push((*ip as u32, *primary));
            }
        }
        for (rule, detail) in found {
            self.violation(rule, detail);
        }
    }

    /// The kind of a set of groups: `Ok(None)` for no group, `Err` when they mix kinds.
    fn kind_of(&self, groups: &[String]) -> Result<Option<GroupKind>, ()> {
        let mut kinds = groups
            .iter()
            .filter_map(|g| self.groups.get(g).and_then(|g| g.kind));
        let first = kinds.next();
        if kinds.any(|k| Some(k) != first) {
            return Err(());
        }
        Ok(first)
    }

    /// Rules h (one primary ENI, InUse on its instance), a, the ENIs-per-type limit, and the
    /// primary ENI's placement.
    fn check_instances(&mut self) {
        let mut by_instance: HashMap<&str, Vec<(&String, &Eni)>> = HashMap::new();
        for (id, eni) in &self.enis {
            if let Some(instance) = &eni.instance {
                by_instance.entry(instance).or_default().push((id, eni));
            }
        }
        let mut found = Vec::new();
        for (id, instance) in &self.instances {
            if InstanceStatus::from_api_name(&instance.status).is_none() {
                found.push((
                    "status",
                    format!("instance {id} has status {:?}", instance.status),
                ));
            }
            let attached = by_instance.remove(id.as_str()).unwrap_or_default();
            let primaries: Vec<&(&String, &Eni)> = attached
                .iter()
                .filter(|(_, e)| e.eni_type == Some(EniType::Primary))
                .collect();
            let itype = INSTANCE_TYPES
                .iter()
                .find(|t| t.id == instance.instance_type);
            match itype {
                None => found.push((
                    "instance-type",
                    format!("instance {id} has unknown type {}", instance.instance_type),
                )),
                Some(t) if attached.len() > t.eni_quantity as usize => found.push((
                    "enis-per-instance",
                    format!(
                        "instance {id} ({}) has {} ENIs, its type allows {}",
                        t.id,
                        attached.len(),
                        t.eni_quantity
                    ),
                )),
                Some(_) => {}
            }
            let [(primary_id, primary)] = primaries.as_slice() else {
                let ids: Vec<&str> = primaries.iter().map(|(id, _)| id.as_str()).collect();
                found.push((
                    "primary-eni",
                    format!(
                        "instance {id} has {} primary ENIs {ids:?}, not one",
                        primaries.len()
                    ),
                ));
                continue;
            };
            if primary.status != Some(EniStatus::InUse) {
                found.push((
                    "primary-eni",
                    format!(
                        "primary ENI {primary_id} of instance {id} is {:?}, not InUse",
                        primary.status
                    ),
                ));
            }
            if (
                &primary.account,
                &primary.region,
                &primary.vpc,
                &primary.vswitch,
                &primary.zone,
            ) != (
                &instance.account,
                &instance.region,
                &instance.vpc,
                &instance.vswitch,
                &instance.zone,
            ) {
                found.push((
                    "primary-eni",
                    format!("primary ENI {primary_id} is not placed where instance {id} is"),
                ));
            }
            let kind = self.kind_of(&primary.groups);
            if let (Some(t), Ok(Some(GroupKind::Advanced))) = (itype, kind) {
                if !t.supports_advanced_groups {
                    found.push((
                        "instance-type",
                        format!(
                            "instance {id} ({}) is in advanced groups its type cannot use",
                            t.id
                        ),
                    ));
                }
            }
            for (eni_id, eni) in attached
                .iter()
                .filter(|(_, e)| e.eni_type == Some(EniType::Secondary))
            {
                let eni_kind = self.kind_of(&eni.groups);
                if let (Ok(Some(instance_kind)), Ok(Some(eni_kind))) = (kind, eni_kind) {
                    if instance_kind != eni_kind {
                        found.push((
                            "attach-kind",
                            format!(
                                "ENI {eni_id} ({}) is attached to instance {id} ({})",
                                eni_kind.api_name(),
                                instance_kind.api_name()
                            ),
                        ));
                    }
                }
                if (&eni.account, &eni.region, &eni.vpc, &eni.zone)
                    != (
                        &instance.account,
                        &instance.region,
                        &instance.vpc,
                        &instance.zone,
                    )
                {
                    found.push((
                        "attach-placement",
                        format!("ENI {eni_id} is attached to instance {id} in another VPC or zone"),
                    ));
                }
                if let Some(t) = itype {
                    if eni.addresses.len() > t.private_ips_per_eni as usize {
                        found.push((
                            "addresses-per-eni",
                            format!(
                                "ENI {eni_id} carries {} addresses, instance {id} ({}) allows {}",
                                eni.addresses.len(),
                                t.id,
                                t.private_ips_per_eni
                            ),
                        ));
                    }
                }
            }
        }
        for (rule, detail) in found {
            self.violation(rule, detail);
        }
    }

    /// Rules b, d, e and f per ENI (a primary ENI's groups are its instance's), the states an
    /// attachment allows, and the primary address.
    fn check_enis(&mut self) {
        let mut found = Vec::new();
        for (id, eni) in &self.enis {
            let (Some(eni_type), Some(status)) = (eni.eni_type, eni.status) else {
                found.push(("status", format!("ENI {id} has an unknown type or status")));
                continue;
            };
            let owner = match (eni_type, &eni.instance) {
                (EniType::Primary, Some(instance)) => {
                    format!("instance {instance} (primary ENI {id})")
                }
                _ => format!("ENI {id}"),
            };
            if eni.groups.is_empty() {
                found.push(("no-group", format!("{owner} is in no security group")));
            }
            if self.kind_of(&eni.groups).is_err() {
                found.push((
                    "mixed-kinds",
                    format!("{owner} is in basic and advanced groups {:?}", eni.groups),
                ));
            }
            let limit = match eni_type {
                EniType::Primary => self.limits.groups_per_instance,
                EniType::Secondary => self.limits.groups_per_eni,
            };
            if eni.groups.len() > limit {
                found.push((
                    "groups-per-resource",
                    format!(
                        "{owner} is in {} groups, the limit is {limit}",
                        eni.groups.len()
                    ),
                ));
            }
            for group_id in &eni.groups {
                if let Some(g) = self.groups.get(group_id) {
                    if (&g.account, &g.region, &g.vpc) != (&eni.account, &eni.region, &eni.vpc) {
                        found.push((
                            "group-vpc",
                            format!(
                                "{owner} is in group {group_id} of another account, region or VPC"
                            ),
                        ));
                    }
                }
            }
            match self.vswitches.get(&eni.vswitch) {
                Some(v) if (&v.vpc, &v.zone) != (&eni.vpc, &eni.zone) => found.push((
                    "eni-placement",
                    format!(
                        "ENI {id} is not in the VPC and zone of its vSwitch {}",
                        eni.vswitch
                    ),
                )),
                _ => {}
            }
            let attached_states = [EniStatus::Attaching, EniStatus::InUse, EniStatus::Detaching];
            match (eni_type, &eni.instance) {
                (EniType::Primary, None) => {
                    found.push(("primary-eni", format!("primary ENI {id} has no instance")))
                }
                (EniType::Secondary, Some(instance)) if !attached_states.contains(&status) => {
                    found.push((
                        "attach-state",
                        format!(
                            "ENI {id} is attached to {instance} but {}",
                            status.api_name()
                        ),
                    ))
                }
                (EniType::Secondary, None)
                    if !matches!(status, EniStatus::Available | EniStatus::Deleting) =>
                {
                    found.push((
                        "attach-state",
                        format!("ENI {id} is attached to nothing but {}", status.api_name()),
                    ))
                }
                (EniType::Secondary, None) if eni.addresses.len() > UNATTACHED_ADDRESS_LIMIT => {
                    found.push((
                        "addresses-per-eni",
                        format!(
                            "ENI {id} carries {} addresses, the most an unattached ENI may have is {UNATTACHED_ADDRESS_LIMIT}",
                            eni.addresses.len()
                        ),
                    ))
                }
                _ => {}
            }
            let primaries = eni.addresses.iter().filter(|(_, primary)| *primary).count();
            if primaries != 1 {
                found.push((
                    "address-primary",
                    format!("ENI {id} has {primaries} primary addresses, not one"),
                ));
            }
        }
        for (rule, detail) in found {
            self.violation(rule, detail);
        }
    }

    /// Rule g: no group holds more members than its kind's capacity.
    fn check_groups(&mut self) {
        let mut members: HashMap<&str, u64> = HashMap::new();
        for eni in self.enis.values() {
            for g in &eni.groups {
                *members.entry(g.as_str()).or_default() += 1;
            }
        }
        let mut found = Vec::new();
        for (id, group) in &self.groups {
            let Some(kind) = group.kind else {
                found.push(("status", format!("security group {id} has an unknown kind")));
                continue;
            };
            let capacity = match kind {
                GroupKind::Basic => self.limits.basic_group_capacity,
                GroupKind::Advanced => self.limits.advanced_group_capacity,
            };
            let n = members.get(id.as_str()).copied().unwrap_or(0);
            if n > capacity {
                found.push((
                    "group-capacity",
                    format!(
                        "{} group {id} has {n} members, its capacity is {capacity}",
                        kind.api_name()
                    ),
                ));
            }
        }
        found.sort();
        for (rule, detail) in found {
            self.violation(rule, detail);
        }
    }

    /// The per-account, per-region quotas on secondary ENIs and security groups.
    fn check_quotas(&mut self) {
        let mut enis: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for eni in self.enis.values() {
            if eni.eni_type == Some(EniType::Secondary) {
                *enis.entry((&eni.account, &eni.region)).or_default() += 1;
            }
        }
        let mut groups: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for g in self.groups.values() {
            *groups.entry((&g.account, &g.region)).or_default() += 1;
        }
        let mut found = Vec::new();
        for ((account, region), n) in enis {
            if n > self.limits.enis_per_region {
                found.push(format!(
                    "account {account} has {n} ENIs in {region}, the quota is {}",
                    self.limits.enis_per_region
                ));
            }
        }
        for ((account, region), n) in groups {
            if n > self.limits.security_groups_per_region {
                found.push(format!(
                    "account {account} has {n} security groups in {region}, the quota is {}",
                    self.limits.security_groups_per_region
                ));
            }
        }
        for detail in found {
            self.violation("quota", detail);
        }
    }
}

#[cfg(test)]
mod tests;
