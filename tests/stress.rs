//! Concurrent conflict stress (issue 6): many clients, each on its own connection, send
//! randomized and deliberately conflicting writes at the SAME instances, ENIs and groups —
//! join, leave, replace a set, attach, detach, delete, create, ModifyInstanceAttribute,
//! assign and unassign addresses, start, stop, release. Every answer must be a success or a
//! documented error (a row of `errors::Code::ALL`, with its status), never a 5xx; the
//! invariant checker (`ecsnet::check`) audits the store while the load runs and at the end,
//! and must find nothing.
//!
//! Each client's stream of operations is fixed by the seed: operation kinds, parameters and
//! the picks that choose among the shared resources. Which ids a pick lands on depends on
//! what exists when the operation runs (that is the point: the clients race each other).
//!
//! Knobs (environment): `ECSNET_STRESS_SEED` (default 0x5EED), `ECSNET_STRESS_OPS` (operations
//! of the main run, default 100,000; the run with a transition delay does a tenth),
//! `ECSNET_STRESS_CLIENTS` (default 40). Longer: `ECSNET_STRESS_OPS=1000000 cargo test
//! --release --test stress -- --nocapture`.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, TestServer, KEY_ID, REGION, SECRET};
use ecsnet::errors::Code;
use ecsnet::model::Limits;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        }
        Err(_) => default,
    }
}

/// Small limits, so that the group limits, capacities and quotas are reached all the time.
fn limits() -> Limits {
    Limits {
        groups_per_instance: 4,
        groups_per_eni: 3,
        basic_group_capacity: 14,
        advanced_group_capacity: 12,
        security_groups_per_region: 14,
        enis_per_region: 60,
        ..Limits::default()
    }
}

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
/// Types with 4, 2, 8 and 1 ENIs; the last cannot be in advanced groups.
const TYPES: [&str; 4] = [
    "ecs.g7.xlarge",
    "ecs.g6.large",
    "ecs.g8i.4xlarge",
    "ecs.t5-lc1m1.small",
];
const MAX_INSTANCES: usize = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Basic,
    Advanced,
}

impl Kind {
    fn api(self) -> &'static str {
        match self {
            Kind::Basic => "normal",
            Kind::Advanced => "enterprise",
        }
    }
}

#[derive(Debug, Clone)]
struct GroupRef {
    id: String,
    kind: Kind,
    /// In the main VPC (else in the other one, for VPC mismatches).
    home: bool,
}

#[derive(Debug, Clone)]
struct InstanceRef {
    id: String,
    primary_eni: String,
}

/// The shared resources every client picks from, and hints learnt from answers (which
/// instance an ENI was attached to, which secondary addresses it got). Hints may be stale:
/// other clients race on the same resources.
struct Pools {
    groups: Mutex<Vec<GroupRef>>,
    instances: Mutex<Vec<InstanceRef>>,
    enis: Mutex<Vec<String>>,
    attached_to: Mutex<HashMap<String, String>>,
    addresses: Mutex<HashMap<String, Vec<String>>>,
    home_vpc: String,
    /// vSwitches of the main VPC (zones h and i) and of the other VPC.
    home_vswitches: [String; 2],
    other_vswitch: String,
}

fn pick<T: Clone>(pool: &Mutex<Vec<T>>, n: u64) -> Option<T> {
    let pool = pool.lock().unwrap();
    (!pool.is_empty()).then(|| pool[(n % pool.len() as u64) as usize].clone())
}

/// One operation of a client's stream: the kind and the numbers that choose its targets.
#[derive(Debug, Clone, Copy)]
enum Op {
    JoinInstance(u64, u64),
    LeaveInstance(u64, u64),
    JoinEni(u64, u64),
    LeaveEni(u64, u64),
    ModifyEniGroups(u64, GroupSet),
    ModifyInstanceGroups(u64, GroupSet),
    Attach(u64, u64),
    Detach(u64, u64),
    DeleteEni(u64),
    CreateEni(u64, GroupSet),
    Assign(u64, u32),
    Unassign(u64, u64),
    RunInstance(u64, GroupSet),
    DeleteInstance(u64, bool),
    StopInstance(u64),
    StartInstance(u64),
    CreateGroup(u64),
    DeleteGroup(u64),
    DescribeEnis(u64),
    DescribeInstances,
}

/// A set of groups to ask for: its size, picks, and whether to keep it to one kind (mostly,
/// so that sets are often valid) and to the main VPC.
#[derive(Debug, Clone, Copy)]
struct GroupSet {
    size: usize,
    picks: [u64; 6],
    same_kind: bool,
    kind: u64,
    home_only: bool,
}

fn group_set(rng: &mut StdRng) -> GroupSet {
    GroupSet {
        size: *[1, 1, 2, 2, 3, 4, 5, 6]
            .get(rng.gen_range(0..8))
            .expect("in range"),
        picks: rng.gen(),
        same_kind: rng.gen_bool(0.85),
        kind: rng.gen(),
        home_only: rng.gen_bool(0.95),
    }
}

fn next_op(rng: &mut StdRng) -> Op {
    let (a, b): (u64, u64) = (rng.gen(), rng.gen());
    match rng.gen_range(0..1000) {
        0..=119 => Op::JoinInstance(a, b),
        120..=219 => Op::LeaveInstance(a, b),
        220..=319 => Op::JoinEni(a, b),
        320..=399 => Op::LeaveEni(a, b),
        400..=519 => Op::ModifyEniGroups(a, group_set(rng)),
        520..=579 => Op::ModifyInstanceGroups(a, group_set(rng)),
        580..=679 => Op::Attach(a, b),
        680..=759 => Op::Detach(a, b),
        760..=789 => Op::DeleteEni(a),
        790..=839 => Op::CreateEni(a, group_set(rng)),
        840..=869 => Op::Assign(a, rng.gen_range(1..=3)),
        870..=899 => Op::Unassign(a, b),
        900..=914 => Op::RunInstance(a, group_set(rng)),
        915..=929 => Op::DeleteInstance(a, rng.gen_bool(0.7)),
        930..=944 => Op::StopInstance(a),
        945..=959 => Op::StartInstance(a),
        960..=969 => Op::CreateGroup(a),
        970..=979 => Op::DeleteGroup(a),
        980..=989 => Op::DescribeEnis(a),
        _ => Op::DescribeInstances,
    }
}

impl Pools {
    fn groups_for(&self, set: &GroupSet) -> Vec<String> {
        let groups = self.groups.lock().unwrap();
        let kind = if set.kind.is_multiple_of(2) {
            Kind::Basic
        } else {
            Kind::Advanced
        };
        let candidates: Vec<&GroupRef> = groups
            .iter()
            .filter(|g| !set.same_kind || g.kind == kind)
            .filter(|g| !set.home_only || g.home)
            .collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut ids: Vec<String> = Vec::new();
        for n in &set.picks[..set.size] {
            let id = &candidates[(n % candidates.len() as u64) as usize].id;
            // A repeated pick is kept now and then: a repeated id is a rule too.
            if !ids.contains(id) || n % 7 == 0 {
                ids.push(id.clone());
            }
        }
        ids
    }

    fn eni(&self, n: u64) -> Option<String> {
        // One pick in ten names a primary ENI (rule h), one in a hundred an unknown id.
        match n % 100 {
            0 => Some("eni-bp1nonexistent0000".to_string()),
            1..=10 => pick(&self.instances, n / 100).map(|i| i.primary_eni),
            _ => pick(&self.enis, n / 100),
        }
    }

    fn instance(&self, n: u64) -> Option<String> {
        match n % 100 {
            0 => Some("i-bp1nonexistent000000".to_string()),
            _ => pick(&self.instances, n / 100).map(|i| i.id),
        }
    }

    fn group(&self, n: u64) -> Option<String> {
        pick(&self.groups, n).map(|g| g.id)
    }
}

fn numbered(prefix: &str, ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("{prefix}.{}", i + 1), id.clone()))
        .collect()
}

/// Everything the run saw: answers per action and code, and the answers that break the
/// promise (a 5xx, or a code/status pair that is not in the error table).
#[derive(Default)]
struct Tally {
    by_code: BTreeMap<(String, String), u64>,
    bad: Vec<String>,
    ops: u64,
}

/// One client: its own connection, and the calls it made.
struct Worker {
    client: Client,
    calls: u64,
}

struct Stress {
    pools: Pools,
    documented: HashSet<(&'static str, u16)>,
    tally: Mutex<Tally>,
}

impl Stress {
    async fn send(&self, c: &mut Worker, action: &str, params: Vec<(String, String)>) -> Value {
        c.calls += 1;
        let mut all = vec![("RegionId".to_string(), REGION.to_string())];
        all.extend(params);
        let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply = c.client.call(action, &refs).await;
        let code = reply.code().to_string();
        let mut tally = self.tally.lock().unwrap();
        tally.ops += 1;
        let outcome = if reply.status == 200 && code.is_empty() {
            "200".to_string()
        } else {
            code.clone()
        };
        *tally
            .by_code
            .entry((action.to_string(), outcome))
            .or_default() += 1;
        let documented = self.documented.contains(&(code.as_str(), reply.status));
        let broken = reply.status >= 500 || (reply.status != 200 && !documented);
        if broken && tally.bad.len() < 50 {
            tally.bad.push(format!(
                "{action} {all:?} -> {} {}",
                reply.status, reply.text
            ));
        }
        if reply.status == 200 {
            reply.body
        } else {
            Value::Null
        }
    }

    async fn run(&self, c: &mut Worker, op: Op) {
        let pools = &self.pools;
        let s = |v: &str| v.to_string();
        match op {
            Op::JoinInstance(i, g) | Op::LeaveInstance(i, g) => {
                let (Some(instance), Some(group)) = (pools.instance(i), pools.group(g)) else {
                    return;
                };
                let action = match op {
                    Op::JoinInstance(..) => "JoinSecurityGroup",
                    _ => "LeaveSecurityGroup",
                };
                let params = vec![(s("InstanceId"), instance), (s("SecurityGroupId"), group)];
                self.send(c, action, params).await;
            }
            Op::JoinEni(e, g) | Op::LeaveEni(e, g) => {
                let (Some(eni), Some(group)) = (pools.eni(e), pools.group(g)) else {
                    return;
                };
                let action = match op {
                    Op::JoinEni(..) => "JoinSecurityGroup",
                    _ => "LeaveSecurityGroup",
                };
                let params = vec![
                    (s("NetworkInterfaceId"), eni),
                    (s("SecurityGroupId"), group),
                ];
                self.send(c, action, params).await;
            }
            Op::ModifyEniGroups(e, set) => {
                let Some(eni) = pools.eni(e) else { return };
                let groups = pools.groups_for(&set);
                if groups.is_empty() {
                    return;
                }
                let mut params = vec![(s("NetworkInterfaceId"), eni)];
                params.extend(numbered("SecurityGroupId", &groups));
                self.send(c, "ModifyNetworkInterfaceAttribute", params)
                    .await;
            }
            Op::ModifyInstanceGroups(i, set) => {
                let Some(instance) = pools.instance(i) else {
                    return;
                };
                let groups = pools.groups_for(&set);
                if groups.is_empty() {
                    return;
                }
                let mut params = vec![(s("InstanceId"), instance)];
                params.extend(numbered("SecurityGroupIds", &groups));
                self.send(c, "ModifyInstanceAttribute", params).await;
            }
            Op::Attach(e, i) => {
                let (Some(eni), Some(instance)) = (pools.eni(e), pools.instance(i)) else {
                    return;
                };
                let params = vec![
                    (s("NetworkInterfaceId"), eni.clone()),
                    (s("InstanceId"), instance.clone()),
                ];
                if !self
                    .send(c, "AttachNetworkInterface", params)
                    .await
                    .is_null()
                {
                    pools.attached_to.lock().unwrap().insert(eni, instance);
                }
            }
            Op::Detach(e, i) => {
                let Some(eni) = pools.eni(e) else { return };
                let hint = pools.attached_to.lock().unwrap().get(&eni).cloned();
                let instance = match hint {
                    Some(instance) if i % 4 != 0 => instance,
                    _ => match pools.instance(i) {
                        Some(instance) => instance,
                        None => return,
                    },
                };
                let params = vec![(s("NetworkInterfaceId"), eni), (s("InstanceId"), instance)];
                self.send(c, "DetachNetworkInterface", params).await;
            }
            Op::DeleteEni(e) => {
                let Some(eni) = pools.eni(e) else { return };
                let params = vec![(s("NetworkInterfaceId"), eni.clone())];
                if !self
                    .send(c, "DeleteNetworkInterface", params)
                    .await
                    .is_null()
                {
                    pools.enis.lock().unwrap().retain(|id| *id != eni);
                }
            }
            Op::CreateEni(v, set) => {
                let groups = pools.groups_for(&set);
                if groups.is_empty() {
                    return;
                }
                let vswitch = match v % 10 {
                    0 => pools.other_vswitch.clone(),
                    1..=2 => pools.home_vswitches[1].clone(),
                    _ => pools.home_vswitches[0].clone(),
                };
                let mut params = vec![(s("VSwitchId"), vswitch)];
                params.extend(numbered("SecurityGroupIds", &groups));
                let body = self.send(c, "CreateNetworkInterface", params).await;
                if let Some(id) = body["NetworkInterfaceId"].as_str() {
                    pools.enis.lock().unwrap().push(id.to_string());
                }
            }
            Op::Assign(e, count) => {
                let Some(eni) = pools.eni(e) else { return };
                let params = vec![
                    (s("NetworkInterfaceId"), eni.clone()),
                    (s("SecondaryPrivateIpAddressCount"), count.to_string()),
                ];
                let body = self.send(c, "AssignPrivateIpAddresses", params).await;
                let assigned =
                    &body["AssignedPrivateIpAddressesSet"]["PrivateIpSet"]["PrivateIpAddress"];
                if let Some(list) = assigned.as_array() {
                    let mut addresses = pools.addresses.lock().unwrap();
                    let known = addresses.entry(eni).or_default();
                    known.extend(list.iter().filter_map(|a| a.as_str().map(String::from)));
                }
            }
            Op::Unassign(e, n) => {
                let Some(eni) = pools.eni(e) else { return };
                let known = pools.addresses.lock().unwrap().get(&eni).cloned();
                let address = match known {
                    Some(list) if !list.is_empty() && n % 5 != 0 => {
                        list[(n % list.len() as u64) as usize].clone()
                    }
                    // Not a secondary address of this ENI (most likely): refused.
                    _ => format!("172.16.0.{}", 1 + n % 200),
                };
                let params = vec![
                    (s("NetworkInterfaceId"), eni.clone()),
                    (s("PrivateIpAddress.1"), address.clone()),
                ];
                if !self
                    .send(c, "UnassignPrivateIpAddresses", params)
                    .await
                    .is_null()
                {
                    if let Some(list) = pools.addresses.lock().unwrap().get_mut(&eni) {
                        list.retain(|a| *a != address);
                    }
                }
            }
            Op::RunInstance(t, set) => {
                if pools.instances.lock().unwrap().len() >= MAX_INSTANCES {
                    return;
                }
                let groups = pools.groups_for(&set);
                if groups.is_empty() {
                    return;
                }
                let mut params = vec![
                    (
                        s("VSwitchId"),
                        pools.home_vswitches[(t % 2) as usize].clone(),
                    ),
                    (s("InstanceType"), s(TYPES[(t / 2 % 4) as usize])),
                    (s("ImageId"), s(IMAGE)),
                ];
                params.extend(numbered("SecurityGroupIds", &groups));
                let body = self.send(c, "RunInstances", params).await;
                if let Some(id) = body["InstanceIdSets"]["InstanceIdSet"][0].as_str() {
                    if let Some(found) = self.describe_instance(c, id).await {
                        pools.instances.lock().unwrap().push(found);
                    }
                }
            }
            Op::DeleteInstance(i, force) => {
                let Some(instance) = pools.instance(i) else {
                    return;
                };
                let params = vec![
                    (s("InstanceId"), instance.clone()),
                    (s("Force"), force.to_string()),
                ];
                if !self.send(c, "DeleteInstance", params).await.is_null() {
                    pools.instances.lock().unwrap().retain(|i| i.id != instance);
                }
            }
            Op::StopInstance(i) | Op::StartInstance(i) => {
                let Some(instance) = pools.instance(i) else {
                    return;
                };
                let action = match op {
                    Op::StopInstance(_) => "StopInstance",
                    _ => "StartInstance",
                };
                self.send(c, action, vec![(s("InstanceId"), instance)])
                    .await;
            }
            Op::CreateGroup(k) => {
                let kind = if k % 2 == 0 {
                    Kind::Basic
                } else {
                    Kind::Advanced
                };
                let params = vec![
                    (s("VpcId"), pools.home_vpc.clone()),
                    (s("SecurityGroupType"), s(kind.api())),
                ];
                let body = self.send(c, "CreateSecurityGroup", params).await;
                if let Some(id) = body["SecurityGroupId"].as_str() {
                    pools.groups.lock().unwrap().push(GroupRef {
                        id: id.to_string(),
                        kind,
                        home: true,
                    });
                }
            }
            Op::DeleteGroup(g) => {
                let Some(group) = pools.group(g) else { return };
                let params = vec![(s("SecurityGroupId"), group.clone())];
                if !self.send(c, "DeleteSecurityGroup", params).await.is_null() {
                    pools.groups.lock().unwrap().retain(|g| g.id != group);
                }
            }
            Op::DescribeEnis(g) => {
                let mut params = vec![(s("PageSize"), s("100"))];
                if g % 2 == 0 {
                    if let Some(group) = pools.group(g) {
                        params.push((s("SecurityGroupId"), group));
                    }
                }
                self.send(c, "DescribeNetworkInterfaces", params).await;
            }
            Op::DescribeInstances => {
                let params = vec![(s("PageSize"), s("100"))];
                self.send(c, "DescribeInstances", params).await;
            }
        }
    }

    async fn describe_instance(&self, c: &mut Worker, id: &str) -> Option<InstanceRef> {
        let params = vec![("InstanceIds".to_string(), format!("[\"{id}\"]"))];
        let body = self.send(c, "DescribeInstances", params).await;
        let nics = body["Instances"]["Instance"][0]["NetworkInterfaces"]["NetworkInterface"]
            .as_array()?
            .clone();
        let primary = nics.iter().find(|n| n["Type"] == "Primary")?;
        Some(InstanceRef {
            id: id.to_string(),
            primary_eni: primary["NetworkInterfaceId"].as_str()?.to_string(),
        })
    }
}

/// The shared world: a main VPC with vSwitches in zones h and i, four basic and three
/// advanced groups; another VPC with one group of each kind; instances of every type; ENIs.
async fn setup(c: &Client) -> Pools {
    let vpc = common::create_vpc(c, "172.16.0.0/12").await;
    let zone = |z: &str| format!("{REGION}-{z}");
    let home_vswitches = [
        common::create_vswitch(c, &vpc, &zone("h"), "172.16.0.0/20").await,
        common::create_vswitch(c, &vpc, &zone("i"), "172.17.0.0/20").await,
    ];
    let other_vpc = common::create_vpc(c, "192.168.0.0/16").await;
    let other_vswitch = common::create_vswitch(c, &other_vpc, &zone("h"), "192.168.0.0/24").await;
    let mut groups = Vec::new();
    for (kind, n) in [(Kind::Basic, 4), (Kind::Advanced, 3)] {
        for _ in 0..n {
            let id = common::create_group(c, &vpc, kind.api()).await;
            groups.push(GroupRef {
                id,
                kind,
                home: true,
            });
        }
    }
    for kind in [Kind::Basic, Kind::Advanced] {
        let id = common::create_group(c, &other_vpc, kind.api()).await;
        groups.push(GroupRef {
            id,
            kind,
            home: false,
        });
    }
    let of = |kind: Kind, n: usize| -> Vec<&str> {
        groups
            .iter()
            .filter(|g| g.home && g.kind == kind)
            .map(|g| g.id.as_str())
            .cycle()
            .skip(n)
            .take(1 + n % 2)
            .collect()
    };
    let mut instances = Vec::new();
    for n in 0..12 {
        let itype = TYPES[n % 4];
        let kind = if n % 2 == 0 || itype.starts_with("ecs.t5") {
            Kind::Basic
        } else {
            Kind::Advanced
        };
        let mut params = vec![
            ("RegionId", REGION),
            ("VSwitchId", home_vswitches[n / 8].as_str()),
            ("InstanceType", itype),
            ("ImageId", IMAGE),
        ];
        let names: Vec<String> = (1..=3).map(|i| format!("SecurityGroupIds.{i}")).collect();
        let chosen = of(kind, n);
        for (name, id) in names.iter().zip(&chosen) {
            params.push((name.as_str(), id));
        }
        let reply = c.call("RunInstances", &params).await;
        let id = reply.ok()["InstanceIdSets"]["InstanceIdSet"][0]
            .as_str()
            .unwrap()
            .to_string();
        let primary_eni = common::primary_eni(c, &id).await;
        instances.push(InstanceRef { id, primary_eni });
    }
    let mut enis = Vec::new();
    for n in 0..24 {
        let kind = if n % 3 == 0 {
            Kind::Advanced
        } else {
            Kind::Basic
        };
        let vswitch = &home_vswitches[usize::from(n % 5 == 4)];
        enis.push(common::create_eni(c, vswitch, &of(kind, n)[..1]).await);
    }
    Pools {
        groups: Mutex::new(groups),
        instances: Mutex::new(instances),
        enis: Mutex::new(enis),
        attached_to: Mutex::new(HashMap::new()),
        addresses: Mutex::new(HashMap::new()),
        home_vpc: vpc,
        home_vswitches,
        other_vswitch,
    }
}

/// Runs the checker on the live store (read-only, one consistent snapshot): the SQLite file
/// in the data dir, or the PostgreSQL schema the server keeps its state in.
async fn audit(server: &TestServer) -> Vec<String> {
    let dir = server.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        let report = match common::test_database(&dir) {
            Some(url) => ecsnet::check::check_postgres(&url, &limits()),
            None => ecsnet::check::check_data_dir(&dir, &limits()),
        }
        .expect("the checker runs");
        report.violations.iter().map(|v| v.to_string()).collect()
    })
    .await
    .unwrap()
}

fn configure(config: &mut ecsnet::server::Config, transition_delay: Duration) {
    config.limits = limits();
    config.transition_delay = transition_delay;
}

async fn stress(label: &str, transition_delay: Duration, total_ops: u64) {
    let server = TestServer::start_with(|config| configure(config, transition_delay)).await;
    drive(label, &[&server], transition_delay, total_ops).await;
}

/// The load: at least 32 clients, each on its own connection to one of `servers` (round
/// robin; all of them share one store), `total_ops` calls in all, the store audited while
/// it runs and at the end.
async fn drive(label: &str, servers: &[&TestServer], transition_delay: Duration, total_ops: u64) {
    let seed = env_u64("ECSNET_STRESS_SEED", 0x5EED);
    let clients = env_u64("ECSNET_STRESS_CLIENTS", 40).max(32);
    let server = servers[0];
    let setup_client = Client::new(&server.base, KEY_ID, SECRET);
    let stress = Arc::new(Stress {
        pools: setup(&setup_client).await,
        documented: Code::ALL.iter().map(|c| (c.code(), c.status())).collect(),
        tally: Mutex::new(Tally::default()),
    });

    let started = Instant::now();
    let per_client = total_ops.div_ceil(clients);
    let mut tasks = Vec::new();
    for n in 0..clients {
        let stress = Arc::clone(&stress);
        // Its own reqwest client: its own connection.
        let base = &servers[n as usize % servers.len()].base;
        let mut worker = Worker {
            client: Client::new(base, KEY_ID, SECRET),
            calls: 0,
        };
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed ^ (n + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            while worker.calls < per_client {
                let op = next_op(&mut rng);
                stress.run(&mut worker, op).await;
            }
        }));
    }
    // Audit the store while the load runs: every committed state must hold the invariants.
    let mut audits = 0;
    let mut violations = Vec::new();
    let mut last_audit = Instant::now();
    while !tasks.iter().all(|t| t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if last_audit.elapsed() >= Duration::from_secs(3) {
            violations.extend(audit(server).await);
            audits += 1;
            last_audit = Instant::now();
        }
    }
    for task in tasks {
        task.await.expect("a client panicked");
    }
    let elapsed = started.elapsed();
    // Let delayed transitions settle, then audit the final state.
    if !transition_delay.is_zero() {
        let deadline = Instant::now() + Duration::from_secs(30);
        while common::pending_transitions(server) > 0 {
            assert!(Instant::now() < deadline, "transitions never settled");
            tokio::time::sleep(transition_delay).await;
        }
    }
    violations.extend(audit(server).await);

    let tally = stress.tally.lock().unwrap();
    let mut by_action: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((action, code), n) in &tally.by_code {
        by_action
            .entry(action)
            .or_default()
            .push(format!("{code} {n}"));
    }
    eprintln!(
        "stress[{label}]: seed {seed:#x}, {clients} clients on {} server(s), {} calls in {:.1}s ({:.0}/s), {audits} audits while running",
        servers.len(),
        tally.ops,
        elapsed.as_secs_f64(),
        tally.ops as f64 / elapsed.as_secs_f64()
    );
    for (action, codes) in &by_action {
        eprintln!("  {action}: {}", codes.join(", "));
    }
    assert!(
        tally.bad.is_empty(),
        "seed {seed:#x}: undocumented answers or server faults:\n{}",
        tally.bad.join("\n")
    );
    assert!(
        violations.is_empty(),
        "seed {seed:#x}: the store breaks invariants:\n{}",
        violations.join("\n")
    );
    assert!(tally.ops >= total_ops, "only {} calls were made", tally.ops);
    // The load must have done real work, not only collected refusals.
    let successes = |action: &str| {
        tally
            .by_code
            .get(&(action.to_string(), "200".to_string()))
            .copied()
            .unwrap_or(0)
    };
    for action in [
        "JoinSecurityGroup",
        "LeaveSecurityGroup",
        "ModifyNetworkInterfaceAttribute",
        "ModifyInstanceAttribute",
        "AttachNetworkInterface",
        "DetachNetworkInterface",
        "CreateNetworkInterface",
        "DeleteNetworkInterface",
    ] {
        assert!(successes(action) > 0, "no {action} ever succeeded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_writes_never_break_a_rule() {
    stress(
        "no delay",
        Duration::ZERO,
        env_u64("ECSNET_STRESS_OPS", 100_000),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_writes_with_transition_delay_never_break_a_rule() {
    stress(
        "30ms transitions",
        Duration::from_millis(30),
        env_u64("ECSNET_STRESS_OPS", 100_000) / 10,
    )
    .await;
}

/// Issue 8: two servers on ONE PostgreSQL schema, the clients split between them, the same
/// generator, and the checker over that schema. Run by `scripts/test-postgres.sh` (CI);
/// without `ECSNET_TEST_DATABASE_URL` there is no PostgreSQL and it says so. Fewer calls
/// than on SQLite by default (`ECSNET_STRESS_PG_OPS`, default 20,000), to fit CI.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_writes_through_two_postgres_servers_never_break_a_rule() {
    if !common::on_postgres() {
        eprintln!(
            "conflicting_writes_through_two_postgres_servers_never_break_a_rule: skipped, \
             ECSNET_TEST_DATABASE_URL is not set (scripts/test-postgres.sh runs it on PostgreSQL)"
        );
        return;
    }
    // The same data dir names the same schema: both servers share one store.
    let dir = std::env::temp_dir().join(format!("ecsnet-stress-pg-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = TestServer::start_in(dir.clone(), |c| configure(c, Duration::ZERO)).await;
    let b = TestServer::start_in(dir, |c| configure(c, Duration::ZERO)).await;
    drive(
        "two servers, one PostgreSQL schema",
        &[&a, &b],
        Duration::ZERO,
        env_u64("ECSNET_STRESS_PG_OPS", 20_000),
    )
    .await;
}
