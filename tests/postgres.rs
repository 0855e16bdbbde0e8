//! Several servers on one PostgreSQL database (issue 8). Run by `scripts/test-postgres.sh`
//! with `ECSNET_TEST_DATABASE_URL`; without it each test says so and passes, as there is no
//! PostgreSQL to test (CI always sets it, and fails when PostgreSQL is unreachable).
//!
//! Two servers share a schema: writes racing through both never break a rule and never
//! answer 5xx; a SignatureNonce used on one is refused by the other; exactly one settles
//! transitions and another takes over when it stops; a change through one is listed by the
//! other (each keeps its own cache of rendered ENIs); killing one with SIGKILL under load
//! loses no acknowledged write; snapshots answer their documented refusal and reset works.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// The API version of ecsnet's own administration calls.
const ADMIN_VERSION: &str = "ecsnet";

fn postgres_or_skip(test: &str) -> bool {
    if on_postgres() {
        return true;
    }
    eprintln!("{test}: ECSNET_TEST_DATABASE_URL is not set; nothing to test on PostgreSQL");
    false
}

fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecsnet-pg-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Two servers sharing one database schema (the same data dir names the same schema).
async fn two_servers(adjust: impl Fn(&mut ecsnet::server::Config)) -> (TestServer, TestServer) {
    let dir = fresh_dir();
    let a = TestServer::start_in(dir.clone(), &adjust).await;
    let b = TestServer::start_in(dir, &adjust).await;
    (a, b)
}

/// Every ENI of the region (primary ones included) with its groups, instance and status.
async fn all_enis(c: &Client) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let reply = c
            .call(
                "DescribeNetworkInterfaces",
                &[
                    ("RegionId", REGION),
                    ("PageSize", "100"),
                    ("PageNumber", &page.to_string()),
                ],
            )
            .await;
        let items = reply.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"]
            .as_array()
            .unwrap()
            .clone();
        let done = items.len() < 100;
        out.extend(items);
        if done {
            break;
        }
    }
    out
}

fn groups_of(eni: &Value) -> Vec<String> {
    eni["SecurityGroupIds"]["SecurityGroupId"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_racing_through_two_servers_never_break_a_rule() {
    if !postgres_or_skip("writes_racing_through_two_servers_never_break_a_rule") {
        return;
    }
    const CAPACITY: u64 = 6;
    let (a, b) = two_servers(|config| config.limits.basic_group_capacity = CAPACITY).await;
    let c = a.client();
    let w = world(&c).await;
    let basic = vec![
        w.basic[0].clone(),
        w.basic[1].clone(),
        create_group(&c, &w.vpc, "normal").await,
    ];
    let advanced = vec![
        w.advanced[0].clone(),
        create_group(&c, &w.vpc, "enterprise").await,
    ];
    let kind: HashMap<String, &str> = basic
        .iter()
        .map(|g| (g.clone(), "normal"))
        .chain(advanced.iter().map(|g| (g.clone(), "enterprise")))
        .collect();
    let mut instances = Vec::new();
    for n in 0..4 {
        let group = if n % 2 == 0 {
            &advanced[0]
        } else {
            &advanced[1]
        };
        instances.push(run_instance(&c, &w.vswitch, &[group]).await);
    }
    let mut enis = Vec::new();
    for n in 0..8 {
        enis.push(create_eni(&c, &w.vswitch, &[&advanced[n % 2]]).await);
    }
    let groups: Vec<String> = basic.iter().chain(&advanced).cloned().collect();
    let faults = Arc::new(Mutex::new(Vec::<String>::new()));
    let successes = Arc::new(Mutex::new(0u64));
    let mut tasks = Vec::new();
    for worker in 0..12u64 {
        // Half the workers talk to each server.
        let base = if worker % 2 == 0 { &a.base } else { &b.base };
        let client = Client::new(base, KEY_ID, SECRET);
        let (instances, enis, groups) = (instances.clone(), enis.clone(), groups.clone());
        let (faults, successes) = (Arc::clone(&faults), Arc::clone(&successes));
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(0x9E37 ^ worker);
            for _ in 0..60 {
                let eni = &enis[rng.gen_range(0..enis.len())];
                let instance = &instances[rng.gen_range(0..instances.len())];
                let group = &groups[rng.gen_range(0..groups.len())];
                let other = &groups[rng.gen_range(0..groups.len())];
                let reply = match rng.gen_range(0..5) {
                    0 => {
                        client
                            .call(
                                "ModifyNetworkInterfaceAttribute",
                                &[
                                    ("RegionId", REGION),
                                    ("NetworkInterfaceId", eni),
                                    ("SecurityGroupId.1", group),
                                    ("SecurityGroupId.2", other),
                                ],
                            )
                            .await
                    }
                    1 => {
                        client
                            .call(
                                "JoinSecurityGroup",
                                &[
                                    ("RegionId", REGION),
                                    ("InstanceId", instance),
                                    ("SecurityGroupId", group),
                                ],
                            )
                            .await
                    }
                    2 => {
                        client
                            .call(
                                "LeaveSecurityGroup",
                                &[
                                    ("RegionId", REGION),
                                    ("InstanceId", instance),
                                    ("SecurityGroupId", group),
                                ],
                            )
                            .await
                    }
                    3 => {
                        client
                            .call(
                                "AttachNetworkInterface",
                                &[
                                    ("RegionId", REGION),
                                    ("NetworkInterfaceId", eni),
                                    ("InstanceId", instance),
                                ],
                            )
                            .await
                    }
                    _ => {
                        client
                            .call(
                                "DetachNetworkInterface",
                                &[
                                    ("RegionId", REGION),
                                    ("NetworkInterfaceId", eni),
                                    ("InstanceId", instance),
                                ],
                            )
                            .await
                    }
                };
                if reply.status >= 500 {
                    faults
                        .lock()
                        .unwrap()
                        .push(format!("{}: {}", reply.status, reply.body));
                } else if reply.status == 200 {
                    *successes.lock().unwrap() += 1;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a worker panicked");
    }
    let faults = faults.lock().unwrap().clone();
    assert!(faults.is_empty(), "server faults: {faults:#?}");
    assert!(*successes.lock().unwrap() > 0, "no write succeeded");

    // The rules, read back through the other server.
    let enis_now = all_enis(&b.client()).await;
    let mut members: HashMap<String, u64> = HashMap::new();
    let mut primary_kind: HashMap<String, &str> = HashMap::new();
    for eni in &enis_now {
        let id = eni["NetworkInterfaceId"].as_str().unwrap();
        let groups = groups_of(eni);
        assert!(!groups.is_empty(), "{id} is in no group");
        assert!(groups.len() <= 5, "{id} is in {} groups", groups.len());
        let kinds: HashSet<&str> = groups.iter().map(|g| kind[g]).collect();
        assert_eq!(kinds.len(), 1, "{id} mixes group kinds: {groups:?}");
        for g in groups {
            *members.entry(g).or_default() += 1;
        }
        if eni["Type"] == "Primary" {
            let instance = eni["InstanceId"].as_str().unwrap().to_string();
            primary_kind.insert(instance, kinds.into_iter().next().unwrap());
        }
    }
    for eni in enis_now.iter().filter(|e| e["Type"] == "Secondary") {
        if let Some(instance) = eni["InstanceId"].as_str().filter(|i| !i.is_empty()) {
            let groups = groups_of(eni);
            assert_eq!(
                primary_kind[instance], kind[&groups[0]],
                "{} is attached to {instance} of another group kind",
                eni["NetworkInterfaceId"]
            );
        }
    }
    for g in &basic {
        let n = members.get(g).copied().unwrap_or(0);
        assert!(n <= CAPACITY, "{g} holds {n} members, capacity {CAPACITY}");
    }
}

#[tokio::test]
async fn a_nonce_used_on_one_server_is_refused_by_the_other() {
    if !postgres_or_skip("a_nonce_used_on_one_server_is_refused_by_the_other") {
        return;
    }
    let (a, b) = two_servers(|_| {}).await;
    let (ca, cb) = (a.client(), b.client());
    let params = ca.v1_common("DescribeRegions");
    ca.send_v1(params.clone(), "GET").await.ok();
    cb.send_v1(params, "GET")
        .await
        .err("SignatureNonceUsed", 400);
}

/// Each server keeps its own cache of rendered ENI answers; a change made through the other
/// raises the ENI's revision in the shared database, so it is never answered stale.
#[tokio::test]
async fn a_change_through_one_server_is_listed_by_the_other() {
    if !postgres_or_skip("a_change_through_one_server_is_listed_by_the_other") {
        return;
    }
    let (a, b) = two_servers(|_| {}).await;
    let (ca, cb) = (a.client(), b.client());
    let w = world(&ca).await;
    let eni = create_eni(&ca, &w.vswitch, &[&w.basic[0]]).await;
    let listed = |c: &Client| {
        let (c, eni) = (c.clone(), eni.clone());
        async move {
            let params = [("RegionId", REGION), ("NetworkInterfaceId.1", eni.as_str())];
            let reply = c.call("DescribeNetworkInterfaces", &params).await;
            reply.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"][0].clone()
        }
    };
    for _ in 0..2 {
        assert_eq!(groups_of(&listed(&ca).await), [w.basic[0].clone()]);
    }
    let modify = [
        ("RegionId", REGION),
        ("NetworkInterfaceId", eni.as_str()),
        ("NetworkInterfaceName", "renamed"),
        ("SecurityGroupId.1", w.basic[1].as_str()),
    ];
    cb.call("ModifyNetworkInterfaceAttribute", &modify)
        .await
        .ok();
    let seen = listed(&ca).await;
    assert_eq!(seen["NetworkInterfaceName"], "renamed");
    assert_eq!(groups_of(&seen), [w.basic[1].clone()]);
    let tag = [
        ("RegionId", REGION),
        ("ResourceType", "eni"),
        ("ResourceId.1", eni.as_str()),
        ("Tag.1.Key", "team"),
        ("Tag.1.Value", "net"),
    ];
    cb.call("TagResources", &tag).await.ok();
    assert_eq!(
        listed(&ca).await["Tags"]["Tag"],
        serde_json::json!([{"TagKey": "team", "TagValue": "net"}])
    );
}

#[tokio::test]
async fn one_server_settles_and_another_takes_over_when_it_stops() {
    if !postgres_or_skip("one_server_settles_and_another_takes_over_when_it_stops") {
        return;
    }
    let delay = Duration::from_millis(300);
    let (mut a, b) = two_servers(|config| config.transition_delay = delay).await;
    let c = b.client();
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    wait_for_status(&c, &eni, "Available").await;
    wait_for_instance(&c, &instance, "Running").await;
    // The first server holds the lease; stopping it ends its connection, and the second
    // settles the next transition.
    a.stop().await;
    c.call(
        "AttachNetworkInterface",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("InstanceId", &instance),
        ],
    )
    .await
    .ok();
    wait_for_status(&c, &eni, "InUse").await;
}

async fn wait_for_status(c: &Client, eni: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = c
            .call(
                "DescribeNetworkInterfaceAttribute",
                &[("RegionId", REGION), ("NetworkInterfaceId", eni)],
            )
            .await;
        if reply.ok()["Status"] == status {
            return;
        }
        assert!(Instant::now() < deadline, "{eni} never became {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_instance(c: &Client, instance: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let ids = format!("[\"{instance}\"]");
    loop {
        let reply = c
            .call(
                "DescribeInstances",
                &[("RegionId", REGION), ("InstanceIds", &ids)],
            )
            .await;
        if reply.ok()["Instances"]["Instance"][0]["Status"] == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{instance} never became {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn snapshots_are_refused_and_reset_empties_the_database() {
    if !postgres_or_skip("snapshots_are_refused_and_reset_empties_the_database") {
        return;
    }
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    for (action, params) in [
        ("SaveSnapshot", vec![("Name", "s")]),
        ("RestoreSnapshot", vec![("Name", "s")]),
        ("ListSnapshots", vec![]),
    ] {
        admin(&c, action, &params)
            .await
            .err("OperationDenied.SnapshotsUnavailable", 400);
    }
    admin(&c, "ResetStore", &[]).await.ok();
    assert!(all_enis(&c).await.is_empty());
    let groups = c
        .call("DescribeSecurityGroups", &[("RegionId", REGION)])
        .await;
    assert_eq!(groups.ok()["TotalCount"], 0);
    // The account survives, and sequences start again.
    world(&c).await;
}

/// An administration call (ecsnet's own API version).
async fn admin(c: &Client, action: &str, params: &[(&str, &str)]) -> Reply {
    let all = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    c.call_v1(action, all, "POST", &[("Version", ADMIN_VERSION)])
        .await
}

/// A free local port (bound and released: the server binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_server(url: &str, dir: &std::path::Path, port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir)
        .args(["--database", url])
        .env("ECSNET_ROOT_ACCESS_KEY_ID", KEY_ID)
        .env("ECSNET_ROOT_ACCESS_KEY_SECRET", SECRET)
        .env("ECSNET_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ecsnet starts")
}

async fn wait_until_serving(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let client = reqwest::Client::new();
        if let Ok(r) = client.get(format!("{}/healthz", c.base)).send().await {
            if r.status().as_u16() < 500 {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{} never served", c.base);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_one_of_two_servers_under_load_loses_no_acknowledged_write() {
    if !postgres_or_skip("killing_one_of_two_servers_under_load_loses_no_acknowledged_write") {
        return;
    }
    let dir = fresh_dir();
    let url = test_database(&dir).unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    let mut victim = spawn_server(&url, &dir, port_a);
    let mut survivor = spawn_server(&url, &dir, port_b);
    let ca = Client::new(&format!("http://127.0.0.1:{port_a}"), KEY_ID, SECRET);
    let cb = Client::new(&format!("http://127.0.0.1:{port_b}"), KEY_ID, SECRET);
    wait_until_serving(&ca).await;
    wait_until_serving(&cb).await;
    let w = world(&cb).await;

    // Writers create ENIs through both servers and remember every acknowledged one.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let survivor_faults = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for n in 0..8 {
        let to_victim = n % 2 == 0;
        let client = if to_victim { ca.clone() } else { cb.clone() };
        let (vswitch, group) = (w.vswitch.clone(), w.basic[0].clone());
        let (acknowledged, survivor_faults) =
            (Arc::clone(&acknowledged), Arc::clone(&survivor_faults));
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                let call = {
                    let (client, vswitch, group) = (client.clone(), vswitch.clone(), group.clone());
                    // A call to a killed server panics in the client; that task's panic is
                    // the refused or cut connection.
                    tokio::spawn(async move {
                        client
                            .call(
                                "CreateNetworkInterface",
                                &[
                                    ("RegionId", REGION),
                                    ("VSwitchId", &vswitch),
                                    ("SecurityGroupId", &group),
                                ],
                            )
                            .await
                    })
                };
                let Ok(reply) = call.await else {
                    // The victim is gone: its connection was refused or cut.
                    continue;
                };
                if reply.status == 200 {
                    let id = reply.ok()["NetworkInterfaceId"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    acknowledged.lock().unwrap().push(id);
                } else if !to_victim && reply.status >= 500 {
                    survivor_faults.lock().unwrap().push(reply.body.to_string());
                }
            }
        }));
    }
    // Killed mid-load once 100 of the 200 writes were acknowledged, however busy the machine.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 100 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    victim.kill().expect("SIGKILL");
    victim.wait().unwrap();
    for task in tasks {
        task.await.expect("a writer panicked");
    }
    let faults = survivor_faults.lock().unwrap().clone();
    assert!(
        faults.is_empty(),
        "the surviving server failed: {faults:#?}"
    );
    let stored: HashSet<String> = all_enis(&cb)
        .await
        .iter()
        .map(|e| e["NetworkInterfaceId"].as_str().unwrap().to_string())
        .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 100,
        "only {} writes",
        acknowledged.len()
    );
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged {id} was lost");
    }
    survivor.kill().unwrap();
    survivor.wait().unwrap();
}
