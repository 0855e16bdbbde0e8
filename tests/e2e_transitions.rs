//! Asynchronous states through the wire: with a transition delay, Attach/Detach/Delete of an
//! ENI and Run/Create/Start/Stop of an instance pass through Attaching, Detaching, Deleting,
//! Pending, Starting and Stopping, refuse conflicting calls with the documented codes, and
//! settle when the (manual) clock reaches the due time, across restarts too. Without a delay
//! every call completes within itself, as before.

mod common;

use std::time::Duration;

use common::*;
use ecsnet::clock::ManualClock;
use serde_json::Value;

const DELAY: Duration = Duration::from_secs(2);
const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";

/// A server whose transitions last `DELAY` on a manual clock.
async fn delayed_server(clock: &ManualClock) -> TestServer {
    let time = clock.clock();
    TestServer::start_with(|config| {
        config.clock = time;
        config.transition_delay = DELAY;
    })
    .await
}

fn eni_params<'a>(eni: &'a str, instance: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("RegionId", REGION),
        ("NetworkInterfaceId", eni),
        ("InstanceId", instance),
    ]
}

/// DescribeNetworkInterfaces for one ENI: its item, or None once it is gone.
async fn eni_item(c: &Client, eni: &str) -> Option<Value> {
    let body = c
        .call(
            "DescribeNetworkInterfaces",
            &[("RegionId", REGION), ("NetworkInterfaceId.1", eni)],
        )
        .await
        .ok()
        .clone();
    let items = body["NetworkInterfaceSets"]["NetworkInterfaceSet"]
        .as_array()
        .unwrap()
        .clone();
    assert!(items.len() <= 1, "one id, one item: {body}");
    items.into_iter().next()
}

async fn eni_status(c: &Client, eni: &str) -> String {
    let item = eni_item(c, eni).await.expect("the ENI exists");
    item["Status"].as_str().unwrap().to_string()
}

async fn instance_item(c: &Client, instance: &str) -> Value {
    let ids = format!("[\"{instance}\"]");
    let body = c
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("InstanceIds", &ids)],
        )
        .await
        .ok()
        .clone();
    body["Instances"]["Instance"][0].clone()
}

async fn instance_status(c: &Client, instance: &str) -> String {
    instance_item(c, instance).await["Status"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn call_ok(c: &Client, action: &str, params: &[(&str, &str)]) {
    c.call(action, params).await.ok();
}

async fn create_instance(c: &Client, vswitch: &str, group: &str) -> String {
    c.call(
        "CreateInstance",
        &[
            ("RegionId", REGION),
            ("VSwitchId", vswitch),
            ("SecurityGroupId", group),
            ("InstanceType", "ecs.g6.large"),
            ("ImageId", IMAGE),
        ],
    )
    .await
    .ok()["InstanceId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The calls an instance in a transitional state refuses, with their answers.
async fn instance_refuses(c: &Client, instance: &str, eni: &str, group: &str, membership: &str) {
    let by_instance = [("InstanceId", instance), ("SecurityGroupId", group)];
    refused(c, "JoinSecurityGroup", &by_instance, membership, 403).await;
    refused(c, "LeaveSecurityGroup", &by_instance, membership, 403).await;
    let id = [("InstanceId", instance)];
    refused(c, "StartInstance", &id, "IncorrectInstanceStatus", 403).await;
    refused(c, "StopInstance", &id, "IncorrectInstanceStatus", 403).await;
    refused(c, "DeleteInstance", &id, "IncorrectInstanceStatus", 403).await;
    refused(
        c,
        "AttachNetworkInterface",
        &eni_params(eni, instance),
        "InvalidOperation.InvalidEcsState",
        400,
    )
    .await;
}

/// The calls an ENI in a transitional state refuses (all but Delete's retry of a Deleting ENI).
async fn eni_refuses(c: &Client, eni: &str, attach_to: &str, join: &str, leave: &str) {
    const STATE: &str = "InvalidOperation.InvalidEniState";
    let attach = eni_params(eni, attach_to);
    refused(c, "AttachNetworkInterface", &attach, STATE, 400).await;
    let rename = [
        ("RegionId", REGION),
        ("NetworkInterfaceId", eni),
        ("NetworkInterfaceName", "renamed"),
    ];
    refused(c, "ModifyNetworkInterfaceAttribute", &rename, STATE, 400).await;
    for (action, group) in [("JoinSecurityGroup", join), ("LeaveSecurityGroup", leave)] {
        let params = [
            ("RegionId", REGION),
            ("NetworkInterfaceId", eni),
            ("SecurityGroupId", group),
        ];
        refused(c, action, &params, STATE, 400).await;
    }
}

#[tokio::test]
async fn without_a_delay_every_call_completes_within_itself() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    assert_eq!(instance_status(&c, &instance).await, "Running");
    let created = create_instance(&c, &w.vswitch, b0).await;
    assert_eq!(instance_status(&c, &created).await, "Stopped");
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    assert_eq!(eni_status(&c, &eni).await, "Available");

    call_ok(&c, "AttachNetworkInterface", &eni_params(&eni, &instance)).await;
    let item = eni_item(&c, &eni).await.unwrap();
    assert_eq!(item["Status"], "InUse");
    assert_eq!(item["Attachment"]["InstanceId"], instance.as_str());
    call_ok(&c, "DetachNetworkInterface", &eni_params(&eni, &instance)).await;
    let item = eni_item(&c, &eni).await.unwrap();
    assert_eq!(item["Status"], "Available");
    assert_eq!(item["InstanceId"], "");
    call_ok(&c, "StopInstance", &[("InstanceId", &instance)]).await;
    assert_eq!(instance_status(&c, &instance).await, "Stopped");
    call_ok(&c, "StartInstance", &[("InstanceId", &instance)]).await;
    assert_eq!(instance_status(&c, &instance).await, "Running");
    let delete = [("RegionId", REGION), ("NetworkInterfaceId", eni.as_str())];
    call_ok(&c, "DeleteNetworkInterface", &delete).await;
    assert!(eni_item(&c, &eni).await.is_none());

    assert_eq!(pending_transitions(&server), 0, "nothing is left to settle");
}

#[tokio::test]
async fn run_instances_is_pending_until_due() {
    let clock = ManualClock::new();
    let server = delayed_server(&clock).await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let reply = c
        .call(
            "RunInstances",
            &[
                ("RegionId", REGION),
                ("VSwitchId", &w.vswitch),
                ("SecurityGroupId", b0),
                ("InstanceType", "ecs.g6.large"),
                ("ImageId", IMAGE),
                ("Amount", "2"),
            ],
        )
        .await;
    let ids: Vec<String> = reply.ok()["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    let instance = ids[0].as_str();
    for id in &ids {
        let item = instance_item(&c, id).await;
        assert_eq!(item["Status"], "Pending");
        assert_eq!(item["StartTime"], "", "not started yet");
    }
    // Its primary ENI is InUse from the start.
    let primary = primary_eni(&c, instance).await;
    assert_eq!(eni_status(&c, &primary).await, "InUse");
    let pending = c
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("Status", "Pending")],
        )
        .await;
    assert_eq!(pending.ok()["TotalCount"], 2);

    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    instance_refuses(&c, instance, &eni, b1, "Forbidden.InstanceIsBeingCreated").await;

    server
        .advance(&clock, DELAY - Duration::from_millis(1))
        .await;
    assert_eq!(instance_status(&c, instance).await, "Pending");
    server.advance(&clock, Duration::from_millis(1)).await;
    for id in &ids {
        let item = instance_item(&c, id).await;
        assert_eq!(item["Status"], "Running");
        assert_ne!(item["StartTime"], "", "started when it settled");
    }
    assert_eq!(pending_transitions(&server), 0);
    call_ok(
        &c,
        "JoinSecurityGroup",
        &[("InstanceId", instance), ("SecurityGroupId", b1)],
    )
    .await;
}

#[tokio::test]
async fn create_start_and_stop_pass_through_their_states() {
    let clock = ManualClock::new();
    let server = delayed_server(&clock).await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = create_instance(&c, &w.vswitch, b0).await;
    assert_eq!(instance_status(&c, &instance).await, "Pending");
    server.advance(&clock, DELAY).await;
    assert_eq!(instance_status(&c, &instance).await, "Stopped");

    let (eni, free) = (
        create_eni(&c, &w.vswitch, &[b0]).await,
        create_eni(&c, &w.vswitch, &[b0]).await,
    );
    let id = [("InstanceId", instance.as_str())];
    call_ok(&c, "StartInstance", &id).await;
    assert_eq!(instance_status(&c, &instance).await, "Starting");
    instance_refuses(&c, &instance, &free, b1, "IncorrectInstanceStatus").await;
    server.advance(&clock, DELAY).await;
    let item = instance_item(&c, &instance).await;
    assert_eq!(item["Status"], "Running");
    assert_ne!(item["StartTime"], "");

    // An ENI attached while Running cannot be detached while the instance is Stopping.
    call_ok(&c, "AttachNetworkInterface", &eni_params(&eni, &instance)).await;
    server.advance(&clock, DELAY).await;
    assert_eq!(eni_status(&c, &eni).await, "InUse");
    call_ok(&c, "StopInstance", &id).await;
    assert_eq!(instance_status(&c, &instance).await, "Stopping");
    instance_refuses(&c, &instance, &free, b1, "IncorrectInstanceStatus").await;
    refused(
        &c,
        "DetachNetworkInterface",
        &eni_params(&eni, &instance),
        "InvalidOperation.InvalidEcsState",
        400,
    )
    .await;
    server.advance(&clock, DELAY).await;
    assert_eq!(instance_status(&c, &instance).await, "Stopped");
    assert_eq!(pending_transitions(&server), 0);
}

#[tokio::test]
async fn a_forced_release_ends_the_transitions_of_the_instance_and_its_enis() {
    let clock = ManualClock::new();
    let server = delayed_server(&clock).await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    server.advance(&clock, DELAY).await;
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    call_ok(&c, "AttachNetworkInterface", &eni_params(&eni, &instance)).await;
    call_ok(&c, "StopInstance", &[("InstanceId", &instance)]).await;
    assert_eq!(pending_transitions(&server), 2);

    let release = [("InstanceId", instance.as_str()), ("Force", "true")];
    call_ok(&c, "DeleteInstance", &release).await;
    assert_eq!(pending_transitions(&server), 0);
    let item = eni_item(&c, &eni).await.unwrap();
    assert_eq!(item["Status"], "Available", "released back, not attached");
    assert_eq!(item["InstanceId"], "");
    server.advance(&clock, DELAY).await;
    assert_eq!(eni_status(&c, &eni).await, "Available");
    let ids = format!("[\"{instance}\"]");
    let gone = c
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("InstanceIds", &ids)],
        )
        .await;
    assert_eq!(gone.ok()["TotalCount"], 0);
}

#[tokio::test]
async fn enis_pass_through_attaching_detaching_and_deleting() {
    let clock = ManualClock::new();
    let server = delayed_server(&clock).await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    server.advance(&clock, DELAY).await;
    let other = run_instance(&c, &w.vswitch, &[b0]).await;
    server.advance(&clock, DELAY).await;
    // CreateNetworkInterface is synchronous.
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    assert_eq!(eni_status(&c, &eni).await, "Available");

    let delete = [("RegionId", REGION), ("NetworkInterfaceId", eni.as_str())];
    let eni_state = "InvalidOperation.InvalidEniState";

    // Attaching → InUse.
    call_ok(&c, "AttachNetworkInterface", &eni_params(&eni, &instance)).await;
    let item = eni_item(&c, &eni).await.unwrap();
    assert_eq!(item["Status"], "Attaching");
    assert_eq!(item["Attachment"]["InstanceId"], instance.as_str());
    eni_refuses(&c, &eni, &other, b1, b0).await;
    let detach = eni_params(&eni, &instance);
    refused(&c, "DetachNetworkInterface", &detach, eni_state, 400).await;
    refused(&c, "DeleteNetworkInterface", &delete, eni_state, 400).await;
    server.advance(&clock, DELAY).await;
    assert_eq!(eni_status(&c, &eni).await, "InUse");

    // Detaching → Available; the attachment shows until it settles, and a retry is allowed.
    call_ok(&c, "DetachNetworkInterface", &eni_params(&eni, &instance)).await;
    let item = eni_item(&c, &eni).await.unwrap();
    assert_eq!(item["Status"], "Detaching");
    assert_eq!(item["InstanceId"], instance.as_str());
    eni_refuses(&c, &eni, &other, b1, b0).await;
    refused(&c, "DeleteNetworkInterface", &delete, eni_state, 400).await;
    server.advance(&clock, DELAY / 2).await;
    call_ok(&c, "DetachNetworkInterface", &eni_params(&eni, &instance)).await;
    server.advance(&clock, DELAY / 2).await;
    assert_eq!(
        eni_status(&c, &eni).await,
        "Detaching",
        "the retry restarted it"
    );
    server.advance(&clock, DELAY / 2).await;
    let item = eni_item(&c, &eni).await.unwrap();
    assert_eq!(item["Status"], "Available");
    assert_eq!(item["InstanceId"], "");
    assert_eq!(item["Attachment"], serde_json::json!({}));

    // Deleting → gone.
    call_ok(&c, "DeleteNetworkInterface", &delete).await;
    assert_eq!(eni_status(&c, &eni).await, "Deleting");
    eni_refuses(&c, &eni, &instance, b1, b0).await;
    let detach = eni_params(&eni, &instance);
    refused(
        &c,
        "DetachNetworkInterface",
        &detach,
        "InvalidParameter.EniNotBelongEcs",
        400,
    )
    .await;
    let deleting = c
        .call(
            "DescribeNetworkInterfaces",
            &[("RegionId", REGION), ("Status", "Deleting")],
        )
        .await;
    assert_eq!(deleting.ok()["TotalCount"], 1);
    server.advance(&clock, DELAY).await;
    assert!(eni_item(&c, &eni).await.is_none());
    refused(
        &c,
        "DescribeNetworkInterfaceAttribute",
        &delete,
        "InvalidEniId.NotFound",
        404,
    )
    .await;
    assert_eq!(pending_transitions(&server), 0);
}

/// The client pattern 2 (Terraform's ENI attachment): Attach → poll until InUse with
/// Attachment.InstanceId → Detach → poll until Available, with a 2 s delay. Between polls the
/// client waits half a second, which here is an advance of the manual clock.
#[tokio::test]
async fn eni_attachment_pattern_with_a_2s_delay() {
    const POLL: Duration = Duration::from_millis(500);
    let clock = ManualClock::new();
    let server = delayed_server(&clock).await;
    let c = server.client().acs3();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    server.advance(&clock, DELAY).await;
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;

    let reply = c
        .call("AttachNetworkInterface", &eni_params(&eni, &instance))
        .await;
    assert_eq!(reply.ok().as_object().unwrap().len(), 1, "only RequestId");
    let mut seen = Vec::new();
    loop {
        let item = eni_item(&c, &eni).await.unwrap();
        let status = item["Status"].as_str().unwrap().to_string();
        assert_eq!(item["Attachment"]["InstanceId"], instance.as_str());
        assert_eq!(item["InstanceId"], instance.as_str());
        seen.push(status.clone());
        if status == "InUse" {
            break;
        }
        assert!(seen.len() < 10, "never InUse: {seen:?}");
        server.advance(&clock, POLL).await;
    }
    assert_eq!(
        seen,
        ["Attaching", "Attaching", "Attaching", "Attaching", "InUse"]
    );

    let reply = c
        .call("DetachNetworkInterface", &eni_params(&eni, &instance))
        .await;
    assert_eq!(reply.ok().as_object().unwrap().len(), 1, "only RequestId");
    let mut seen = Vec::new();
    loop {
        let item = eni_item(&c, &eni).await.unwrap();
        let status = item["Status"].as_str().unwrap().to_string();
        seen.push(status.clone());
        if status == "Available" {
            assert_eq!(item["InstanceId"], "");
            assert_eq!(item["Attachment"], serde_json::json!({}));
            break;
        }
        assert_eq!(item["InstanceId"], instance.as_str());
        assert!(seen.len() < 10, "never Available: {seen:?}");
        server.advance(&clock, POLL).await;
    }
    assert_eq!(
        seen,
        [
            "Detaching",
            "Detaching",
            "Detaching",
            "Detaching",
            "Available"
        ]
    );
}

#[tokio::test]
async fn transitions_survive_a_restart() {
    let clock = ManualClock::new();
    let mut server = delayed_server(&clock).await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    let running = run_instance(&c, &w.vswitch, &[b0]).await;
    server.advance(&clock, DELAY).await;
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    call_ok(&c, "AttachNetworkInterface", &eni_params(&eni, &running)).await;
    let pending = run_instance(&c, &w.vswitch, &[b0]).await;
    server.advance(&clock, DELAY / 2).await;
    server.stop().await;

    // Restarted before the due time: still in transition, and settled when it comes.
    let time = clock.clock();
    let mut server = TestServer::start_in(server.data_dir.clone(), |config| {
        config.clock = time;
        config.transition_delay = DELAY;
    })
    .await;
    let c = server.client();
    assert_eq!(eni_status(&c, &eni).await, "Attaching");
    assert_eq!(instance_status(&c, &pending).await, "Pending");
    server.advance(&clock, DELAY / 2).await;
    assert_eq!(eni_status(&c, &eni).await, "InUse");
    assert_eq!(instance_status(&c, &pending).await, "Running");

    // Due while the server was down, and restarted without a delay: settled on start.
    call_ok(&c, "StopInstance", &[("InstanceId", &pending)]).await;
    call_ok(&c, "DetachNetworkInterface", &eni_params(&eni, &running)).await;
    server.stop().await;
    clock.advance(DELAY * 3);
    let time = clock.clock();
    let server = TestServer::start_in(server.data_dir.clone(), |config| {
        config.clock = time;
    })
    .await;
    server.settled().await;
    let c = server.client();
    assert_eq!(instance_status(&c, &pending).await, "Stopped");
    assert_eq!(eni_status(&c, &eni).await, "Available");
    assert_eq!(pending_transitions(&server), 0);
}

/// The settler on the system clock: a short real delay settles by itself, no advance needed.
#[tokio::test]
async fn the_system_clock_settles_by_itself() {
    let server = TestServer::start_with(|config| {
        config.transition_delay = Duration::from_secs(1);
    })
    .await;
    let c = server.client();
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    assert_eq!(instance_status(&c, &instance).await, "Pending");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while instance_status(&c, &instance).await != "Running" {
        assert!(std::time::Instant::now() < deadline, "never settled");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
