//! `ecsnet bench`: a load generator for a running server. Every request is signed (V1, a fresh
//! nonce each, as `ApiClient` does) and sent over keep-alive connections; each line runs at
//! each concurrency for a fixed time and reports throughput, p50, p99 and errors.
//!
//! The fixtures it needs (a VPC, a vSwitch, groups, one ENI and one instance per worker) are
//! created through the API at the start, so it works against any server and account.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use serde_json::{json, Value};

use super::client::ApiClient;
use super::output::lookup;

const ECS: &str = "2014-05-26";
const VPC: &str = "2016-04-28";
const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
/// ENI ids sampled from the store for the by-id line.
const ID_SAMPLE: usize = 1000;

/// The kinds of request the bench can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Line {
    /// ModifyNetworkInterfaceAttribute, each worker swapping its ENI between two groups.
    Modify,
    /// JoinSecurityGroup then LeaveSecurityGroup on each worker's instance (each call counts).
    JoinLeave,
    /// DescribeNetworkInterfaces with SecurityGroupId, a page of 10 (MaxResults).
    DescribeByGroup,
    /// DescribeNetworkInterfaceAttribute of ENIs sampled across the store.
    DescribeById,
    /// DescribeRegions: a signed call that touches no resource (the server's ceiling).
    Noop,
}

impl Line {
    pub const ALL: [Line; 5] = [
        Line::Modify,
        Line::JoinLeave,
        Line::DescribeByGroup,
        Line::DescribeById,
        Line::Noop,
    ];

    fn name(self) -> &'static str {
        match self {
            Line::Modify => "modify",
            Line::JoinLeave => "join-leave",
            Line::DescribeByGroup => "describe-by-group",
            Line::DescribeById => "describe-by-id",
            Line::Noop => "noop",
        }
    }
}

pub struct Options {
    pub lines: Vec<Line>,
    pub concurrency: Vec<usize>,
    pub duration: Duration,
    pub warmup: Duration,
    /// The group of the by-group line; by default the first one named `seed-0` (the largest
    /// that `ecsnet seed --enis` makes), else the bench's own.
    pub group: Option<String>,
    pub json: bool,
}

/// What one line at one concurrency measured.
struct Measured {
    line: Line,
    concurrency: usize,
    requests: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    first_error: Option<String>,
}

impl Measured {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    fn to_json(&self) -> Value {
        json!({
            "line": self.line.name(),
            "concurrency": self.concurrency,
            "requests": self.requests,
            "seconds": self.seconds,
            "throughput": self.throughput(),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors": self.errors,
            "first_error": self.first_error,
        })
    }
}

/// The resources the lines work on, created once and deleted at the end.
struct Fixtures {
    client: ApiClient,
    region: String,
    created: Created,
    describe_group: String,
    sample_ids: Vec<String>,
}

/// What the bench created for this run. The VPC and vSwitch (named `ecsnet-bench`) are kept
/// and found again by the next run: VPCs cannot be deleted through this API.
#[derive(Default)]
struct Created {
    groups: Vec<String>,
    enis: Vec<String>,
    instances: Vec<String>,
}

/// The name of the bench's VPC and vSwitch.
const BENCH_NETWORK: &str = "ecsnet-bench";

impl Fixtures {
    /// A measured call: its answer is checked for success, not parsed.
    async fn call(&self, action: &str, params: &[(&str, &str)]) -> Result<(), String> {
        let (version, all) = call_parameters(&self.region, action, params);
        self.client
            .call_unread(action, version, &all)
            .await
            .map_err(|e| format!("{action}: {e}"))
    }
}

/// The API version of `action` and its parameters with the region.
fn call_parameters(
    region: &str,
    action: &str,
    params: &[(&str, &str)],
) -> (&'static str, Vec<(String, String)>) {
    let version = if matches!(
        action,
        "CreateVpc" | "CreateVSwitch" | "DescribeVpcs" | "DescribeVSwitches"
    ) {
        VPC
    } else {
        ECS
    };
    let mut all: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.push(("RegionId".into(), region.to_string()));
    (version, all)
}

async fn call(
    client: &ApiClient,
    region: &str,
    action: &str,
    params: &[(&str, &str)],
) -> Result<Value, String> {
    let (version, all) = call_parameters(region, action, params);
    client
        .call(action, version, &all)
        .await
        .map_err(|e| format!("{action}: {e}"))
}

async fn id_of(
    client: &ApiClient,
    region: &str,
    action: &str,
    params: &[(&str, &str)],
    path: &str,
) -> Result<String, String> {
    let answer = call(client, region, action, params).await?;
    lookup(&answer, path)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("{action} answered without {path}"))
}

fn strings(answer: &Value, path: &str, field: &str) -> Vec<String> {
    lookup(answer, path)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The bench's VPC and vSwitch from an earlier run, or new ones.
async fn network(c: &ApiClient, r: &str) -> Result<(String, String), String> {
    let vpcs = call(c, r, "DescribeVpcs", &[("VpcName", BENCH_NETWORK)]).await?;
    let vpc = match strings(&vpcs, "Vpcs.Vpc", "VpcId").into_iter().next() {
        Some(vpc) => vpc,
        None => {
            let params = [("CidrBlock", "172.16.0.0/12"), ("VpcName", BENCH_NETWORK)];
            id_of(c, r, "CreateVpc", &params, "VpcId").await?
        }
    };
    let vswitches = call(c, r, "DescribeVSwitches", &[("VpcId", &vpc)]).await?;
    if let Some(vswitch) = strings(&vswitches, "VSwitches.VSwitch", "VSwitchId")
        .into_iter()
        .next()
    {
        return Ok((vpc, vswitch));
    }
    let zones = call(c, r, "DescribeZones", &[]).await?;
    let zone = strings(&zones, "Zones.Zone", "ZoneId")
        .into_iter()
        .next()
        .ok_or_else(|| format!("region {r} has no zones"))?;
    let params = [
        ("VpcId", vpc.as_str()),
        ("ZoneId", &zone),
        ("CidrBlock", "172.16.0.0/16"),
        ("VSwitchName", BENCH_NETWORK),
    ];
    let vswitch = id_of(c, r, "CreateVSwitch", &params, "VSwitchId").await?;
    Ok((vpc, vswitch))
}

/// Creates the groups, ENIs and instances of the lines in `opts`, recording each in
/// `created` as it goes, so that a failure part-way still deletes what exists.
async fn setup(
    c: &ApiClient,
    r: &str,
    workers: usize,
    opts: &Options,
    created: &mut Created,
) -> Result<(String, Vec<String>), String> {
    let (vpc, vswitch) = network(c, r).await?;
    for name in ["bench-a", "bench-b"] {
        let params = [
            ("VpcId", vpc.as_str()),
            ("SecurityGroupType", "enterprise"),
            ("SecurityGroupName", name),
        ];
        let group = id_of(c, r, "CreateSecurityGroup", &params, "SecurityGroupId").await?;
        created.groups.push(group);
    }
    let wanted = |line| opts.lines.contains(&line);
    for _ in 0..workers {
        if wanted(Line::Modify) {
            let params = [
                ("VSwitchId", vswitch.as_str()),
                ("SecurityGroupId", &created.groups[0]),
            ];
            let path = "NetworkInterfaceId";
            let eni = id_of(c, r, "CreateNetworkInterface", &params, path).await?;
            created.enis.push(eni);
        }
        if wanted(Line::JoinLeave) {
            let params = [
                ("VSwitchId", vswitch.as_str()),
                ("SecurityGroupId", &created.groups[0]),
                ("InstanceType", "ecs.g6.large"),
                ("ImageId", IMAGE),
                ("InstanceName", "bench"),
            ];
            let path = "InstanceIdSets.InstanceIdSet[0]";
            created
                .instances
                .push(id_of(c, r, "RunInstances", &params, path).await?);
        }
    }
    let describe_group = match &opts.group {
        Some(group) => group.clone(),
        None => {
            let seeded = call(
                c,
                r,
                "DescribeSecurityGroups",
                &[("SecurityGroupName", "seed-0"), ("PageSize", "1")],
            )
            .await?;
            strings(&seeded, "SecurityGroups.SecurityGroup", "SecurityGroupId")
                .into_iter()
                .next()
                .unwrap_or_else(|| created.groups[0].clone())
        }
    };
    let sample_ids = if wanted(Line::DescribeById) {
        sample_enis(c, r).await?
    } else {
        Vec::new()
    };
    Ok((describe_group, sample_ids))
}

/// Deletes what `setup` created: instances (with their primary ENIs), ENIs, then groups.
async fn teardown(c: &ApiClient, r: &str, created: &Created) -> Result<(), String> {
    for ids in created.instances.chunks(100) {
        let keys: Vec<String> = (1..=ids.len()).map(|n| format!("InstanceId.{n}")).collect();
        let mut params: Vec<(&str, &str)> = keys
            .iter()
            .map(String::as_str)
            .zip(ids.iter().map(String::as_str))
            .collect();
        params.push(("Force", "true"));
        call(c, r, "DeleteInstances", &params).await?;
    }
    for eni in &created.enis {
        call(
            c,
            r,
            "DeleteNetworkInterface",
            &[("NetworkInterfaceId", eni)],
        )
        .await?;
    }
    for group in &created.groups {
        call(c, r, "DeleteSecurityGroup", &[("SecurityGroupId", group)]).await?;
    }
    Ok(())
}

/// Up to `ID_SAMPLE` ENI ids spread over the whole store (pages at evenly spaced numbers),
/// so the by-id line does not read only the first, hottest rows.
async fn sample_enis(c: &ApiClient, r: &str) -> Result<Vec<String>, String> {
    const PAGE: u64 = 100;
    const PAGES: u64 = (ID_SAMPLE as u64).div_ceil(PAGE);
    let path = "NetworkInterfaceSets.NetworkInterfaceSet";
    let size = PAGE.to_string();
    let first = call(c, r, "DescribeNetworkInterfaces", &[("PageSize", &size)]).await?;
    let total = first["TotalCount"].as_u64().unwrap_or(0);
    let mut ids = strings(&first, path, "NetworkInterfaceId");
    let last_page = total.div_ceil(PAGE).max(1);
    for k in 1..PAGES.min(last_page) {
        let number = (1 + k * last_page / PAGES).to_string();
        let page = call(
            c,
            r,
            "DescribeNetworkInterfaces",
            &[("PageSize", &size), ("PageNumber", &number)],
        )
        .await?;
        ids.extend(strings(&page, path, "NetworkInterfaceId"));
    }
    if ids.is_empty() {
        return Err("the store has no ENI to describe".into());
    }
    Ok(ids)
}

/// The request worker `w` sends on its `i`th iteration of `line`.
fn request(f: &Fixtures, line: Line, w: usize, i: u64) -> (&'static str, Vec<(&str, &str)>) {
    match line {
        Line::Modify => {
            let group = &f.created.groups[(i % 2) as usize];
            (
                "ModifyNetworkInterfaceAttribute",
                vec![
                    ("NetworkInterfaceId", &f.created.enis[w]),
                    ("SecurityGroupId.1", group),
                ],
            )
        }
        Line::JoinLeave => {
            let action = if i.is_multiple_of(2) {
                "JoinSecurityGroup"
            } else {
                "LeaveSecurityGroup"
            };
            (
                action,
                vec![
                    ("InstanceId", &f.created.instances[w]),
                    ("SecurityGroupId", &f.created.groups[1]),
                ],
            )
        }
        Line::DescribeByGroup => (
            "DescribeNetworkInterfaces",
            vec![("SecurityGroupId", &f.describe_group), ("MaxResults", "10")],
        ),
        Line::DescribeById => {
            // Workers walk the sample from different places.
            let n = (w as u64 * 7919 + i) as usize % f.sample_ids.len();
            (
                "DescribeNetworkInterfaceAttribute",
                vec![("NetworkInterfaceId", &f.sample_ids[n])],
            )
        }
        Line::Noop => ("DescribeRegions", vec![]),
    }
}

/// What one worker saw inside the measured window.
#[derive(Default)]
struct WorkerLog {
    micros: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

async fn worker(
    f: Arc<Fixtures>,
    line: Line,
    w: usize,
    measure_from: Instant,
    until: Instant,
) -> WorkerLog {
    let mut log = WorkerLog::default();
    let mut i = 0u64;
    // A join-leave worker finishes its pair, so the next run finds its instance as it was.
    while Instant::now() < until || (line == Line::JoinLeave && i % 2 == 1) {
        let (action, params) = request(&f, line, w, i);
        let sent = Instant::now();
        let outcome = f.call(action, &params).await;
        let done = Instant::now();
        // A pair's second call must follow its first, so a failure restarts the pair.
        i = if outcome.is_ok() || line != Line::JoinLeave {
            i + 1
        } else {
            0
        };
        // Counted when it completes inside the window, so slow calls at high concurrency
        // still count toward the steady-state rate.
        if done < measure_from || done > until {
            continue;
        }
        match outcome {
            Ok(_) => log
                .micros
                .push(done.duration_since(sent).as_micros().min(u32::MAX as u128) as u32),
            Err(e) => {
                log.errors += 1;
                log.first_error.get_or_insert(e);
            }
        }
    }
    log
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

async fn measure(f: &Arc<Fixtures>, line: Line, concurrency: usize, opts: &Options) -> Measured {
    let measure_from = Instant::now() + opts.warmup;
    let until = measure_from + opts.duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|w| tokio::spawn(worker(f.clone(), line, w, measure_from, until)))
        .collect();
    let mut micros = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for task in tasks {
        let log = task.await.unwrap_or_else(|e| WorkerLog {
            errors: 1,
            first_error: Some(e.to_string()),
            ..WorkerLog::default()
        });
        micros.extend(log.micros);
        errors += log.errors;
        first_error = first_error.or(log.first_error);
    }
    micros.sort_unstable();
    Measured {
        line,
        concurrency,
        requests: micros.len() as u64,
        seconds: opts.duration.as_secs_f64(),
        p50_ms: percentile(&micros, 0.50),
        p99_ms: percentile(&micros, 0.99),
        errors,
        first_error,
    }
}

fn table_row(m: &Measured) -> String {
    let mut row = format!(
        "{:<18} {:>4} {:>10.0} {:>9.2} {:>9.2} {:>7}",
        m.line.name(),
        m.concurrency,
        m.throughput(),
        m.p50_ms,
        m.p99_ms,
        m.errors
    );
    if let Some(e) = &m.first_error {
        let _ = write!(row, "  first error: {e}");
    }
    row
}

/// Sets up the fixtures, runs every line at every concurrency, and prints one row (or one JSON
/// object with `--json`) per measurement. Errors are reported, not fatal.
pub async fn run(client: ApiClient, region: String, opts: Options) -> Result<(), String> {
    let workers = opts.concurrency.iter().copied().max().unwrap_or(1).max(1);
    let started = Instant::now();
    let mut created = Created::default();
    let (describe_group, sample_ids) =
        match setup(&client, &region, workers, &opts, &mut created).await {
            Ok(found) => found,
            Err(e) => {
                if let Err(cleanup) = teardown(&client, &region, &created).await {
                    eprintln!("bench: could not delete its fixtures: {cleanup}");
                }
                return Err(e);
            }
        };
    eprintln!(
        "bench: fixtures ready in {:.1}s (by-group line on {describe_group}, {} sampled ENI ids)",
        started.elapsed().as_secs_f64(),
        sample_ids.len()
    );
    let fixtures = Arc::new(Fixtures {
        client,
        region,
        created,
        describe_group,
        sample_ids,
    });
    if !opts.json {
        println!(
            "{:<18} {:>4} {:>10} {:>9} {:>9} {:>7}",
            "line", "conc", "req/s", "p50 ms", "p99 ms", "errors"
        );
    }
    for &line in &opts.lines {
        for &concurrency in &opts.concurrency {
            let m = measure(&fixtures, line, concurrency.max(1), &opts).await;
            if opts.json {
                println!("{}", m.to_json());
            } else {
                println!("{}", table_row(&m));
            }
        }
    }
    teardown(&fixtures.client, &fixtures.region, &fixtures.created)
        .await
        .map_err(|e| format!("deleting the bench's fixtures: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile(&sorted, 0.50), 50.0);
        assert_eq!(percentile(&sorted, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.99), 0.0);
        assert_eq!(percentile(&[2500], 0.99), 2.5);
    }
}
