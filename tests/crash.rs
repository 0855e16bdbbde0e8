//! Crash safety (issue 6): the real binary (`ecsnet serve`) takes write load from several
//! writers and is killed with SIGKILL at a random moment, again and again, then restarted on
//! the same data directory. After every kill:
//! - `ecsnet check` passes on the crashed store as it lies (SQLite integrity, foreign keys,
//!   every invariant), before anything recovers it by writing;
//! - after the restart, every acknowledged write is there, and the one write a writer had in
//!   flight when the server died either happened completely or not at all: an ENI whose
//!   creation was not acknowledged is absent or present with all its groups and addresses,
//!   a group change is the old set or the new one, never a mix.
//!
//! Each writer owns its instance and ENIs, so the state each one expects is exact.
//! Knobs: `ECSNET_CRASH_SEED` (default 0xC4A5), `ECSNET_CRASH_CYCLES` (kills, default 24).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Client, KEY_ID, REGION, SECRET};
use ecsnet::wire::sign;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const WRITERS: usize = 8;
const MAX_ENIS_PER_WRITER: usize = 3;
const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            let v = v.trim().to_string();
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            }
            .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        })
        .unwrap_or(default)
}

/// The server process on a port of its own.
struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(data_dir: &Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .env("ECSNET_ROOT_ACCESS_KEY_ID", KEY_ID)
        .env("ECSNET_ROOT_ACCESS_KEY_SECRET", SECRET)
        .env("ECSNET_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ecsnet serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let probe = reqwest::Client::new().get(format!("{base}/")).send().await;
        if probe.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Server { child, base }
}

impl Server {
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

/// `ecsnet check` on the store; panics with its output unless it passes.
fn check(data_dir: &Path, context: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args(["check", "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("ecsnet check runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{context}: ecsnet check failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct EniState {
    groups: Vec<String>,
    attached: bool,
    addresses: usize,
}

/// What one writer expects of its resources: the acknowledged state, and the state its
/// in-flight write would have made if it happened.
#[derive(Debug, Clone, Default)]
struct Expected<T> {
    acked: T,
    in_flight: Option<T>,
}

impl<T: Clone + PartialEq + std::fmt::Debug> Expected<T> {
    /// After a restart: the state found must be one of the two; it becomes the acked one.
    /// Answers, when a write was in flight, whether it happened.
    fn settle(&mut self, found: T, what: &str) -> Option<bool> {
        let allowed = found == self.acked || self.in_flight.as_ref() == Some(&found);
        assert!(
            allowed,
            "{what}: found {found:?}, acknowledged {:?}, in flight {:?}",
            self.acked, self.in_flight
        );
        let happened = self
            .in_flight
            .take()
            .map(|next| next == found && next != self.acked);
        self.acked = found;
        happened
    }
}

struct Writer {
    n: usize,
    rng: StdRng,
    instance: String,
    instance_groups: Expected<Vec<String>>,
    /// ENI id → its state (None: deleted).
    enis: BTreeMap<String, Expected<Option<EniState>>>,
    /// A creation in flight when the server died: its name and the ENI it would be.
    pending_create: Option<(String, EniState)>,
    created: u64,
    acknowledged: u64,
    /// Writes in flight at a kill that turned out to have happened, and that had not.
    lost_happened: u64,
    lost_absent: u64,
}

enum Outcome {
    Done(Value),
    Refused,
    /// No answer: the server died around this call.
    Lost,
}

/// A signed V1 call that reports a dead server instead of panicking.
async fn send(c: &Client, action: &str, params: &[(String, String)]) -> Outcome {
    let mut all = c.v1_common(action);
    all.push(("RegionId".to_string(), REGION.to_string()));
    all.extend(params.iter().cloned());
    let string_to_sign = sign::v1_string_to_sign("POST", &all);
    all.push((
        "Signature".to_string(),
        sign::v1_signature(&c.secret, &string_to_sign),
    ));
    let query: Vec<String> = all
        .iter()
        .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
        .collect();
    let url = format!("{}/?{}", c.base, query.join("&"));
    let Ok(response) = reqwest::Client::new().post(url).send().await else {
        return Outcome::Lost;
    };
    let status = response.status().as_u16();
    let Ok(text) = response.text().await else {
        return Outcome::Lost;
    };
    match status {
        200 => Outcome::Done(serde_json::from_str(&text).expect("a JSON answer")),
        s if s < 500 => Outcome::Refused,
        _ => panic!("{action} answered a server fault: {text}"),
    }
}

fn numbered(prefix: &str, ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("{prefix}.{}", i + 1), id.clone()))
        .collect()
}

impl Writer {
    fn live_enis(&self) -> Vec<(String, EniState)> {
        self.enis
            .iter()
            .filter_map(|(id, e)| e.acked.clone().map(|s| (id.clone(), s)))
            .collect()
    }

    fn group_set(&mut self, groups: &[String]) -> Vec<String> {
        let n = self.rng.gen_range(1..=groups.len().min(3));
        let mut set: Vec<String> = Vec::new();
        while set.len() < n {
            let g = groups[self.rng.gen_range(0..groups.len())].clone();
            if !set.contains(&g) {
                set.push(g);
            }
        }
        set
    }

    /// One write against its own resources. Returns false once the server is gone.
    async fn step(
        &mut self,
        c: &Client,
        vswitch: &str,
        basic: &[String],
        advanced: &[String],
    ) -> bool {
        let instance_kind_basic = basic.contains(&self.instance_groups.acked[0]);
        let same_kind = if instance_kind_basic { basic } else { advanced };
        let enis = self.live_enis();
        let choice = self.rng.gen_range(0..100);
        let s = |k: &str, v: &str| (k.to_string(), v.to_string());
        if enis.len() < MAX_ENIS_PER_WRITER && choice < 25 || enis.is_empty() {
            self.created += 1;
            let name = format!("crash-w{}-c{}", self.n, self.created);
            let groups = self.group_set(same_kind);
            let mut params = vec![
                s("VSwitchId", vswitch),
                s("NetworkInterfaceName", &name),
                s("SecondaryPrivateIpAddressCount", "1"),
            ];
            params.extend(numbered("SecurityGroupIds", &groups));
            let state = EniState {
                groups,
                attached: false,
                addresses: 2,
            };
            return match send(c, "CreateNetworkInterface", &params).await {
                Outcome::Done(body) => {
                    let id = body["NetworkInterfaceId"].as_str().unwrap().to_string();
                    self.acknowledged += 1;
                    self.enis.insert(
                        id,
                        Expected {
                            acked: Some(state),
                            in_flight: None,
                        },
                    );
                    true
                }
                Outcome::Refused => true,
                Outcome::Lost => {
                    self.pending_create = Some((name, state));
                    false
                }
            };
        }
        let (eni, state) = enis[self.rng.gen_range(0..enis.len())].clone();
        let (action, params, next_eni, next_instance) = match choice {
            0..=29 => {
                // A new set of groups for the ENI (another kind only while unattached).
                let pool = if state.attached || self.rng.gen_bool(0.5) {
                    same_kind
                } else {
                    advanced
                };
                let groups = self.group_set(pool);
                let mut params = vec![s("NetworkInterfaceId", &eni)];
                params.extend(numbered("SecurityGroupId", &groups));
                let next = EniState {
                    groups,
                    ..state.clone()
                };
                (
                    "ModifyNetworkInterfaceAttribute",
                    params,
                    Some(Some(next)),
                    None,
                )
            }
            30..=44 => {
                // Join or leave one group of the ENI.
                let g = same_kind[self.rng.gen_range(0..same_kind.len())].clone();
                let mut groups = state.groups.clone();
                let action = if groups.contains(&g) {
                    groups.retain(|x| *x != g);
                    "LeaveSecurityGroup"
                } else {
                    groups.push(g.clone());
                    "JoinSecurityGroup"
                };
                let params = vec![s("NetworkInterfaceId", &eni), s("SecurityGroupId", &g)];
                let next = EniState {
                    groups,
                    ..state.clone()
                };
                (action, params, Some(Some(next)), None)
            }
            45..=59 => {
                // Join or leave one group of the instance.
                let g = same_kind[self.rng.gen_range(0..same_kind.len())].clone();
                let mut groups = self.instance_groups.acked.clone();
                let action = if groups.contains(&g) {
                    groups.retain(|x| *x != g);
                    "LeaveSecurityGroup"
                } else {
                    groups.push(g.clone());
                    "JoinSecurityGroup"
                };
                let params = vec![s("InstanceId", &self.instance), s("SecurityGroupId", &g)];
                (action, params, None, Some(groups))
            }
            60..=64 => {
                // The instance's whole set, possibly of the other kind.
                let pool = if self.rng.gen_bool(0.5) {
                    basic
                } else {
                    advanced
                };
                let groups = self.group_set(pool);
                let mut params = vec![s("InstanceId", &self.instance)];
                params.extend(numbered("SecurityGroupIds", &groups));
                ("ModifyInstanceAttribute", params, None, Some(groups))
            }
            65..=79 => {
                let action = if state.attached {
                    "DetachNetworkInterface"
                } else {
                    "AttachNetworkInterface"
                };
                let params = vec![
                    s("NetworkInterfaceId", &eni),
                    s("InstanceId", &self.instance),
                ];
                let next = EniState {
                    attached: !state.attached,
                    ..state.clone()
                };
                (action, params, Some(Some(next)), None)
            }
            80..=89 => {
                let params = vec![
                    s("NetworkInterfaceId", &eni),
                    s("SecondaryPrivateIpAddressCount", "1"),
                ];
                let next = EniState {
                    addresses: state.addresses + 1,
                    ..state.clone()
                };
                ("AssignPrivateIpAddresses", params, Some(Some(next)), None)
            }
            _ => {
                let params = vec![s("NetworkInterfaceId", &eni)];
                ("DeleteNetworkInterface", params, Some(None), None)
            }
        };
        let outcome = send(c, action, &params).await;
        let alive = !matches!(outcome, Outcome::Lost);
        let done = matches!(outcome, Outcome::Done(_));
        if let Some(next) = next_eni {
            let expected = self.enis.get_mut(&eni).unwrap();
            match (done, alive) {
                (true, _) => expected.acked = next,
                (false, false) => expected.in_flight = Some(next),
                _ => {}
            }
        }
        if let Some(next) = next_instance {
            match (done, alive) {
                (true, _) => self.instance_groups.acked = next,
                (false, false) => self.instance_groups.in_flight = Some(next),
                _ => {}
            }
        }
        if done {
            self.acknowledged += 1;
        }
        alive
    }

    /// After a restart: everything acknowledged is there, the in-flight write is whole or
    /// absent.
    async fn verify(&mut self, c: &Client, cycle: u64) {
        let what = format!("cycle {cycle}, writer {}", self.n);
        let ids = format!("[\"{}\"]", self.instance);
        let reply = c
            .call(
                "DescribeInstances",
                &[("RegionId", REGION), ("InstanceIds", &ids)],
            )
            .await;
        let found =
            strings(&reply.ok()["Instances"]["Instance"][0]["SecurityGroupIds"]["SecurityGroupId"]);
        let mut outcomes = vec![self
            .instance_groups
            .settle(found, &format!("{what}: instance {}", self.instance))];
        for (id, expected) in self.enis.iter_mut() {
            let found = eni_state(c, id, &self.instance).await;
            outcomes.push(expected.settle(found, &format!("{what}: ENI {id}")));
        }
        self.enis.retain(|_, e| e.acked.is_some());
        if let Some((name, state)) = &self.pending_create {
            let reply = c
                .call(
                    "DescribeNetworkInterfaces",
                    &[("RegionId", REGION), ("NetworkInterfaceName", name)],
                )
                .await;
            let list = reply.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"]
                .as_array()
                .unwrap()
                .clone();
            assert!(list.len() <= 1, "{what}: {name} created twice");
            if let Some(e) = list.first() {
                let id = e["NetworkInterfaceId"].as_str().unwrap().to_string();
                let found = eni_state(c, &id, &self.instance).await;
                assert_eq!(
                    found.as_ref(),
                    Some(state),
                    "{what}: unacknowledged {id} is half-present"
                );
                self.enis.insert(
                    id,
                    Expected {
                        acked: found,
                        in_flight: None,
                    },
                );
            }
            outcomes.push(Some(!list.is_empty()));
            self.pending_create = None;
        }
        for happened in outcomes.into_iter().flatten() {
            if happened {
                self.lost_happened += 1;
            } else {
                self.lost_absent += 1;
            }
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn eni_state(c: &Client, id: &str, instance: &str) -> Option<EniState> {
    let reply = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", id)],
        )
        .await;
    if reply.status == 404 {
        return None;
    }
    let e = reply.ok();
    let attached_to = e["InstanceId"].as_str().unwrap_or("");
    assert!(
        attached_to.is_empty() || attached_to == instance,
        "{id} is attached to another writer's instance"
    );
    Some(EniState {
        groups: strings(&e["SecurityGroupIds"]["SecurityGroupId"]),
        attached: !attached_to.is_empty(),
        addresses: e["PrivateIpSets"]["PrivateIpSet"].as_array().unwrap().len(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_and_nothing_is_half_done() {
    let seed = env_u64("ECSNET_CRASH_SEED", 0xC4A5);
    let cycles = env_u64("ECSNET_CRASH_CYCLES", 24).max(20);
    let data_dir = std::env::temp_dir().join(format!("ecsnet-crash-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut rng = StdRng::seed_from_u64(seed);

    let server = start(&data_dir).await;
    let c = Client::new(&server.base, KEY_ID, SECRET);
    let vpc = common::create_vpc(&c, "172.16.0.0/12").await;
    let vswitch = common::create_vswitch(&c, &vpc, &format!("{REGION}-h"), "172.16.0.0/20").await;
    let mut basic = Vec::new();
    for _ in 0..3 {
        basic.push(common::create_group(&c, &vpc, "normal").await);
    }
    let mut advanced = Vec::new();
    for _ in 0..2 {
        advanced.push(common::create_group(&c, &vpc, "enterprise").await);
    }
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let params = [
            ("RegionId", REGION),
            ("VSwitchId", vswitch.as_str()),
            ("InstanceType", "ecs.g7.xlarge"),
            ("ImageId", IMAGE),
            ("SecurityGroupId", basic[n % 3].as_str()),
        ];
        let reply = c.call("RunInstances", &params).await;
        let instance = reply.ok()["InstanceIdSets"]["InstanceIdSet"][0]
            .as_str()
            .unwrap()
            .to_string();
        writers.push(Writer {
            n,
            rng: StdRng::seed_from_u64(seed ^ ((n as u64 + 1) << 32)),
            instance,
            instance_groups: Expected {
                acked: vec![basic[n % 3].clone()],
                in_flight: None,
            },
            enis: BTreeMap::new(),
            pending_create: None,
            created: 0,
            acknowledged: 0,
            lost_happened: 0,
            lost_absent: 0,
        });
    }

    let started = Instant::now();
    let mut server = Some(server);
    for cycle in 1..=cycles {
        let running = server.take().expect("a server runs");
        let base = running.base.clone();
        let mut tasks = Vec::new();
        for mut writer in writers.drain(..) {
            let (basic, advanced, vswitch, base) = (
                basic.clone(),
                advanced.clone(),
                vswitch.clone(),
                base.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let c = Client::new(&base, KEY_ID, SECRET);
                while writer.step(&c, &vswitch, &basic, &advanced).await {}
                writer
            }));
        }
        // Kill at a random moment of the load.
        tokio::time::sleep(Duration::from_millis(rng.gen_range(30..500))).await;
        running.kill();
        for task in tasks {
            writers.push(task.await.expect("a writer panicked"));
        }
        check(&data_dir, &format!("cycle {cycle}, the crashed store"));
        let restarted = start(&data_dir).await;
        let c = Client::new(&restarted.base, KEY_ID, SECRET);
        for writer in writers.iter_mut() {
            writer.verify(&c, cycle).await;
        }
        server = Some(restarted);
    }
    server.take().unwrap().kill();
    let summary = check(&data_dir, "the final store");
    let acknowledged: u64 = writers.iter().map(|w| w.acknowledged).sum();
    let happened: u64 = writers.iter().map(|w| w.lost_happened).sum();
    let absent: u64 = writers.iter().map(|w| w.lost_absent).sum();
    eprintln!(
        "crash: seed {seed:#x}, {cycles} SIGKILLs survived in {:.1}s, {acknowledged} acknowledged writes all present; \
         of the writes in flight at a kill {happened} happened whole and {absent} not at all; {}",
        started.elapsed().as_secs_f64(),
        summary.trim()
    );
    assert!(
        acknowledged > cycles * 10,
        "too little load: {acknowledged} writes"
    );
}

#[tokio::test]
async fn ecsnet_check_names_each_violation_and_fails() {
    let mut server = common::TestServer::start().await;
    let c = server.client();
    let world = common::world(&c).await;
    let instance = common::run_instance(&c, &world.vswitch, &[&world.basic[0]]).await;
    let primary = common::primary_eni(&c, &instance).await;
    server.stop().await;
    let clean = check(&server.data_dir, "a store written through the API");
    assert!(clean.ends_with("0 violations\n"), "{clean}");

    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.execute("DELETE FROM eni_groups WHERE eni_id = ?1", [&primary])
        .unwrap();
    drop(conn);
    let output = Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args(["check", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "no-group: instance {instance} (primary ENI {primary}) is in no security group\n"
        )),
        "{stdout}"
    );
    assert!(stdout.contains(": 1 violation\n"), "{stdout}");

    let missing = server.data_dir.join("nothing-here");
    let output = Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args(["check", "--data-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!missing.exists(), "check must not create a store");
}
