//! Administration for test suites: ResetStore and snapshots (save while serving, restore,
//! list), through the API (root key only) and through the `ecsnet` command line.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::Value;

const ADMIN: &str = "ecsnet";

/// Each create a writer sent: when (a shared counter) and the id it got, if acknowledged.
type CreateLog = Arc<Mutex<Vec<(u64, Option<String>)>>>;

async fn admin(c: &Client, action: &str, params: &[(&str, &str)]) -> Reply {
    let mut all: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.retain(|(k, _)| k != "Version");
    c.call_v1(action, all, "POST", &[("Version", ADMIN)]).await
}

async fn eni_ids(c: &Client) -> BTreeSet<String> {
    all_pages(c, "DescribeNetworkInterfaces", 100)
        .await
        .iter()
        .flat_map(|page| {
            page["NetworkInterfaceSets"]["NetworkInterfaceSet"]
                .as_array()
                .unwrap()
                .clone()
        })
        .map(|eni| eni["NetworkInterfaceId"].as_str().unwrap().to_string())
        .collect()
}

/// The store file passes SQLite's own checks.
fn assert_store_is_sound(server: &TestServer) {
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let dangling: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(dangling, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_taken_under_concurrent_writes_restores_a_consistent_state() {
    let server = TestServer::start_with(|c| c.limits.enis_per_region = 1000).await;
    let c = server.client();
    let w = world(&c).await;
    // Writers create ENIs without pause; each records when its create was sent and acknowledged.
    let log: CreateLog = Arc::default();
    let clock = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (c, vswitch, group, log, clock, stop) = (
            c.clone(),
            w.vswitch.clone(),
            w.basic[0].clone(),
            log.clone(),
            clock.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let sent = clock.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let reply = c
                    .call(
                        "CreateNetworkInterface",
                        &[
                            ("RegionId", REGION),
                            ("VSwitchId", &vswitch),
                            ("SecurityGroupId", &group),
                        ],
                    )
                    .await;
                let id = reply.body["NetworkInterfaceId"]
                    .as_str()
                    .map(str::to_string);
                log.lock().unwrap().push((sent, id));
            }
        }));
    }
    while log.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let acked_before: BTreeSet<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, id)| id.clone())
        .collect();
    admin(&c, "SaveSnapshot", &[("Name", "mid-run")]).await.ok();
    let saved_at = clock.load(std::sync::atomic::Ordering::SeqCst);
    while log.lock().unwrap().len() < acked_before.len() + 40 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    let log = log.lock().unwrap().clone();
    let acked_all: BTreeSet<String> = log.iter().filter_map(|(_, id)| id.clone()).collect();
    let sent_after: BTreeSet<String> = log
        .iter()
        .filter(|(sent, _)| *sent >= saved_at)
        .filter_map(|(_, id)| id.clone())
        .collect();
    assert_eq!(
        eni_ids(&c).await,
        acked_all,
        "every acknowledged create is there before the restore"
    );

    admin(&c, "RestoreSnapshot", &[("Name", "mid-run")])
        .await
        .ok();
    let restored = eni_ids(&c).await;
    assert!(
        restored.is_superset(&acked_before),
        "the snapshot holds every write acknowledged before it"
    );
    assert!(
        restored.is_disjoint(&sent_after),
        "and none sent after it returned"
    );
    assert!(restored.is_subset(&acked_all));
    assert_store_is_sound(&server);
    // The restored store serves and takes writes as before.
    create_eni(&c, &w.vswitch, &[&w.basic[1]]).await;
    assert_eq!(eni_ids(&c).await.len(), restored.len() + 1);

    let listed = admin(&c, "ListSnapshots", &[]).await;
    let snapshots = listed.ok()["Snapshots"]["Snapshot"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0]["Name"], "mid-run");
    assert!(snapshots[0]["Size"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn reset_empties_the_store_but_keeps_the_accounts() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    admin(&c, "SaveSnapshot", &[("Name", "before-reset")])
        .await
        .ok();
    let before = snapshot(&c).await;
    admin(&c, "ResetStore", &[]).await.ok();
    let after = c
        .call("DescribeSecurityGroups", &[("RegionId", REGION)])
        .await;
    assert_eq!(after.ok()["TotalCount"], 0);
    assert_eq!(eni_ids(&c).await.len(), 0);
    assert_store_is_sound(&server);
    // The same key still works, and a snapshot brings everything back.
    world(&c).await;
    admin(&c, "RestoreSnapshot", &[("Name", "before-reset")])
        .await
        .ok();
    assert_eq!(snapshot(&c).await, before);
}

#[tokio::test]
async fn administration_is_for_the_root_account_and_checks_its_input() {
    let server = TestServer::start().await;
    let c = server.client();
    admin(&c, "RestoreSnapshot", &[("Name", "never-saved")])
        .await
        .err("InvalidSnapshotName.NotFound", 404);
    for bad in ["../escape", ".hidden", "with space", &"x".repeat(65)] {
        admin(&c, "SaveSnapshot", &[("Name", bad)])
            .await
            .err("InvalidParameter", 400);
    }
    admin(&c, "SaveSnapshot", &[])
        .await
        .err("MissingParameter", 400);
    let other: Value = create_account(&server.data_dir).await;
    let stranger = Client::new(
        &server.base,
        other["AccessKeyId"].as_str().unwrap(),
        other["AccessKeySecret"].as_str().unwrap(),
    );
    for action in [
        "ResetStore",
        "SaveSnapshot",
        "RestoreSnapshot",
        "ListSnapshots",
    ] {
        admin(&stranger, action, &[("Name", "x")])
            .await
            .err("Forbidden.SubUser", 403);
    }
    // The admin actions answer only to their own version.
    c.call_v1("ResetStore", vec![], "POST", &[])
        .await
        .err("InvalidVersion", 400);
}

#[tokio::test]
async fn the_cli_saves_restores_lists_and_resets() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let run = |args: &'static [&'static str]| {
        let endpoint = server.base.clone();
        async move {
            let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ecsnet"))
                .args(args)
                .args([
                    "--endpoint",
                    &endpoint,
                    "--access-key-id",
                    KEY_ID,
                    "--access-key-secret",
                    SECRET,
                ])
                .env("ECSNET_CONFIG", "/nonexistent/ecsnet-config.json")
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
    };
    run(&["snapshot", "save", "one"]).await;
    create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    assert!(run(&["snapshot", "list"]).await.contains("\"one\""));
    run(&["snapshot", "restore", "one"]).await;
    assert_eq!(eni_ids(&c).await.len(), 0);
    run(&["reset"]).await;
    let groups = c
        .call("DescribeSecurityGroups", &[("RegionId", REGION)])
        .await;
    assert_eq!(groups.ok()["TotalCount"], 0);
}

/// A restore brings an ENI back at an earlier store revision; a change after it reaches the
/// revision the cache of listed ENIs (`actions::cache`) already holds an answer for, from
/// before the restore. That answer must not be served.
#[tokio::test]
async fn a_restore_does_not_bring_back_listed_answers() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    let rename = |name: &'static str| {
        let (c, eni) = (c.clone(), eni.clone());
        async move {
            let params = [
                ("RegionId", REGION),
                ("NetworkInterfaceId", eni.as_str()),
                ("NetworkInterfaceName", name),
            ];
            c.call("ModifyNetworkInterfaceAttribute", &params)
                .await
                .ok();
        }
    };
    let listed_name = || async {
        let params = [("RegionId", REGION), ("NetworkInterfaceId.1", eni.as_str())];
        let listed = c.call("DescribeNetworkInterfaces", &params).await;
        listed.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"][0]["NetworkInterfaceName"]
            .as_str()
            .unwrap()
            .to_string()
    };
    admin(&c, "SaveSnapshot", &[("Name", "before-rename")])
        .await
        .ok();
    rename("first").await;
    assert_eq!(listed_name().await, "first");
    admin(&c, "RestoreSnapshot", &[("Name", "before-rename")])
        .await
        .ok();
    assert_eq!(listed_name().await, "");
    rename("second").await;
    assert_eq!(listed_name().await, "second");
}
