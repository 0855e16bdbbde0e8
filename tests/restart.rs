//! State survives a restart: what the Describe calls show before stopping a server is exactly
//! what a new server on the same data dir shows. The first start's generated key pair is
//! written to `<data_dir>/credentials`; restarts never create another account.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use serde_json::Value;

/// Every list call in every region the state touches, then the attribute call of every ENI.
async fn snapshot(c: &Client) -> Vec<(String, Value)> {
    let lists = [
        ("DescribeVpcs", "Vpcs", "Vpc"),
        ("DescribeVSwitches", "VSwitches", "VSwitch"),
        ("DescribeSecurityGroups", "SecurityGroups", "SecurityGroup"),
        ("DescribeInstances", "Instances", "Instance"),
        (
            "DescribeNetworkInterfaces",
            "NetworkInterfaceSets",
            "NetworkInterfaceSet",
        ),
    ];
    let mut shots = Vec::new();
    let mut enis = Vec::new();
    for region in [REGION, "cn-shanghai"] {
        for (action, wrapper, item) in lists {
            let body = answer(c, action, &[("RegionId", region), ("PageSize", "50")]).await;
            if action == "DescribeNetworkInterfaces" {
                for eni in body[wrapper][item].as_array().unwrap() {
                    let id = eni["NetworkInterfaceId"].as_str().unwrap().to_string();
                    enis.push((region, id));
                }
            }
            shots.push((format!("{action} {region}"), body));
        }
    }
    for (region, eni) in enis {
        let params = [("RegionId", region), ("NetworkInterfaceId", eni.as_str())];
        let body = answer(c, "DescribeNetworkInterfaceAttribute", &params).await;
        shots.push((format!("DescribeNetworkInterfaceAttribute {eni}"), body));
    }
    shots
}

/// A successful answer without its RequestId (the one thing that differs per call).
async fn answer(c: &Client, action: &str, params: &[(&str, &str)]) -> Value {
    let mut body = c.call(action, params).await.ok().clone();
    body.as_object_mut().unwrap().remove("RequestId");
    body
}

async fn call_ok(c: &Client, action: &str, params: &[(&str, &str)]) {
    c.call(action, params).await.ok();
}

/// Resources of every kind, in states reached through every kind of change.
async fn build_state(c: &Client) {
    let w = world(c).await;
    let (sg_a, sg_b, sg_adv) = (w.basic[0].as_str(), w.basic[1].as_str(), &w.advanced[0]);
    let web = run_instance(c, &w.vswitch, &[sg_a]).await;
    let db = run_instance(c, &w.vswitch, &[sg_adv]).await;
    call_ok(c, "StopInstance", &[("InstanceId", &db)]).await;

    let attached = create_eni(c, &w.vswitch, &[sg_a]).await;
    let spare = create_eni(c, &w.vswitch, &[sg_adv]).await;
    let region = ("RegionId", REGION);
    let changes: &[(&str, Vec<(&str, &str)>)] = &[
        (
            "AttachNetworkInterface",
            vec![
                region,
                ("NetworkInterfaceId", &attached),
                ("InstanceId", &web),
            ],
        ),
        (
            "JoinSecurityGroup",
            vec![region, ("InstanceId", &web), ("SecurityGroupId", sg_b)],
        ),
        (
            "LeaveSecurityGroup",
            vec![region, ("InstanceId", &web), ("SecurityGroupId", sg_a)],
        ),
        (
            "ModifyNetworkInterfaceAttribute",
            vec![
                region,
                ("NetworkInterfaceId", &attached),
                ("NetworkInterfaceName", "web-eni"),
                ("Description", "survives restarts"),
                ("SecurityGroupId.1", sg_b),
                ("SecurityGroupId.2", sg_a),
            ],
        ),
        (
            "ModifyNetworkInterfaceAttribute",
            vec![
                region,
                ("NetworkInterfaceId", &spare),
                ("NetworkInterfaceName", "spare"),
            ],
        ),
        (
            "ModifySecurityGroupAttribute",
            vec![
                region,
                ("SecurityGroupId", sg_a),
                ("SecurityGroupName", "renamed"),
            ],
        ),
    ];
    for (action, params) in changes {
        call_ok(c, action, params).await;
    }
    // A gone instance and a gone ENI must stay gone.
    let short_lived = run_instance(c, &w.vswitch, &[sg_b]).await;
    let params = [("InstanceId", short_lived.as_str()), ("Force", "true")];
    call_ok(c, "DeleteInstance", &params).await;
    let deleted = create_eni(c, &w.vswitch, &[sg_b]).await;
    call_ok(
        c,
        "DeleteNetworkInterface",
        &[region, ("NetworkInterfaceId", &deleted)],
    )
    .await;
    // Something in a second region.
    let elsewhere = c
        .call(
            "CreateVpc",
            &[("RegionId", "cn-shanghai"), ("VpcName", "far")],
        )
        .await;
    elsewhere.ok();
}

#[tokio::test]
async fn a_restart_shows_exactly_the_same_state() {
    let mut server = TestServer::start().await;
    let c = server.client();
    build_state(&c).await;
    let before = snapshot(&c).await;
    let total = |name: &str| {
        let (_, body) = before.iter().find(|(n, _)| n == name).unwrap();
        body["TotalCount"].as_u64().unwrap()
    };
    assert_eq!(total("DescribeInstances cn-hangzhou"), 2);
    assert_eq!(total("DescribeNetworkInterfaces cn-hangzhou"), 4);
    assert_eq!(total("DescribeVpcs cn-shanghai"), 1);
    server.stop().await;

    let again = TestServer::start_in(server.data_dir.clone(), |_| {}).await;
    let c = again.client();
    let after = snapshot(&c).await;
    assert_eq!(before.len(), after.len());
    for ((name, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{name} changed across the restart");
    }

    // The restarted server keeps allocating where the old one left off.
    let vswitch = before
        .iter()
        .find(|(name, _)| name.starts_with("DescribeVSwitches"))
        .map(|(_, body)| body["VSwitches"]["VSwitch"][0]["VSwitchId"].clone())
        .unwrap();
    let group = before
        .iter()
        .find(|(name, _)| name.starts_with("DescribeSecurityGroups"))
        .map(|(_, body)| body["SecurityGroups"]["SecurityGroup"][0]["SecurityGroupId"].clone())
        .unwrap();
    let taken: Vec<Value> = after
        .iter()
        .filter(|(name, _)| name.starts_with("DescribeNetworkInterfaceAttribute"))
        .map(|(_, body)| body["PrivateIpAddress"].clone())
        .collect();
    let eni = create_eni(&c, vswitch.as_str().unwrap(), &[group.as_str().unwrap()]).await;
    let fresh = answer(
        &c,
        "DescribeNetworkInterfaceAttribute",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
    )
    .await;
    assert!(
        !taken.contains(&fresh["PrivateIpAddress"]),
        "{} was handed out twice",
        fresh["PrivateIpAddress"]
    );
}

/// The accounts in a data dir (read with the server stopped).
async fn account_count(data_dir: &Path) -> u64 {
    let store = ecsnet::server::open_store(data_dir, 1).unwrap();
    ecsnet::ops::accounts::count(&store).await.unwrap()
}

fn client_from_credentials(server: &TestServer) -> (Client, String) {
    let path = server.data_dir.join("credentials");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "credentials must be private");
    let text = std::fs::read_to_string(&path).unwrap();
    let key: Value = serde_json::from_str(&text).unwrap();
    let account = key["AccountId"].as_str().unwrap();
    assert!(
        account.len() == 16 && account.chars().all(|c| c.is_ascii_digit()),
        "{account}"
    );
    let (id, secret) = (
        key["AccessKeyId"].as_str().unwrap(),
        key["AccessKeySecret"].as_str().unwrap(),
    );
    assert!(id.starts_with("LTAI") && id.len() == 24, "{id}");
    assert_eq!(secret.len(), 30);
    (Client::new(&server.base, id, secret), text)
}

#[tokio::test]
async fn the_first_start_writes_working_credentials_and_a_restart_keeps_them() {
    let mut server = TestServer::start_with(|c| c.root_key = None).await;
    let (c, written) = client_from_credentials(&server);
    let vpc = create_vpc(&c, "10.0.0.0/16").await;
    c.acs3().call("DescribeRegions", &[]).await.ok();
    // No root key was configured, so the harness's default key means nothing here.
    server
        .client()
        .call("DescribeRegions", &[])
        .await
        .err("InvalidAccessKeyId.NotFound", 404);
    server.stop().await;

    let mut again = TestServer::start_in(server.data_dir.clone(), |c| c.root_key = None).await;
    let (c, rewritten) = client_from_credentials(&again);
    assert_eq!(written, rewritten, "the key pair is made once");
    let reply = c
        .call("DescribeVpcs", &[("RegionId", REGION), ("VpcId", &vpc)])
        .await;
    assert_eq!(reply.ok()["TotalCount"], 1);
    again.stop().await;
    assert_eq!(account_count(&again.data_dir).await, 1);
}

#[tokio::test]
async fn a_restart_with_another_root_key_creates_no_second_account() {
    let mut server = TestServer::start().await;
    let vpc = create_vpc(&server.client(), "10.0.0.0/16").await;
    server.stop().await;

    let mut again = TestServer::start_in(server.data_dir.clone(), |c| {
        c.root_key = Some(("LTAI5tAnotherRootKey0002".into(), "another-secret".into()))
    })
    .await;
    Client::new(&again.base, "LTAI5tAnotherRootKey0002", "another-secret")
        .call("DescribeRegions", &[])
        .await
        .err("InvalidAccessKeyId.NotFound", 404);
    let reply = again
        .client()
        .call("DescribeVpcs", &[("RegionId", REGION), ("VpcId", &vpc)])
        .await;
    assert_eq!(reply.ok()["TotalCount"], 1);
    assert!(!again.data_dir.join("credentials").exists());
    again.stop().await;
    assert_eq!(account_count(&again.data_dir).await, 1);
}
