//! The access matrix: for every action in `actions::TABLE`, a request with no signature, a
//! bad signature, an expired timestamp, a replayed nonce, an unknown key or a disabled key,
//! and one by another account naming this account's resources, is refused with its code and
//! status and changes nothing (the event log keeps its length, and both accounts' state as
//! the Describe calls show it stays the same). An action without an entry in `entry` fails
//! the test: a new action must say how another account would call it.

mod common;

use std::time::Duration;

use common::*;
use ecsnet::actions::TABLE;
use ecsnet::wire::sign;
use serde_json::Value;

/// Account A's resources, which account B names in its calls.
struct Owned {
    vpc: String,
    vswitch: String,
    zone: String,
    group: String,
    empty_group: String,
    instance: String,
    eni: String,
    eni_address: String,
    rule: String,
}

type Params = Vec<(&'static str, String)>;

/// What another account's call with A's ids must get.
enum Foreign {
    /// Refused with this code and status.
    Refused(Params, &'static str, u16),
    /// Answered, but the list at this JSON pointer shows none of A's resources.
    Hidden(Params, &'static str),
    /// An administration call: only the store's first account may make it.
    RootOnly(Params),
    /// The action names no resource of an account (the reason is the documentation).
    NoResourceIds(Params, &'static str),
}

impl Foreign {
    fn params(&self) -> &Params {
        match self {
            Foreign::Refused(p, ..)
            | Foreign::Hidden(p, _)
            | Foreign::RootOnly(p)
            | Foreign::NoResourceIds(p, _) => p,
        }
    }
}

fn p(pairs: &[(&'static str, &str)]) -> Params {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// How account B calls each action with A's ids; `None` for an action the matrix lacks.
fn entry(action: &str, a: &Owned) -> Option<Foreign> {
    use Foreign::*;
    let r = REGION;
    let group = a.group.as_str();
    let eni = a.eni.as_str();
    let instance = a.instance.as_str();
    let permission = [
        ("RegionId", r),
        ("SecurityGroupId", group),
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
    ];
    Some(match action {
        "DescribeRegions" => NoResourceIds(p(&[]), "the catalog is the same for everyone"),
        "DescribeZones" => NoResourceIds(p(&[("RegionId", r)]), "the catalog"),
        "DescribeInstanceTypes" => NoResourceIds(p(&[]), "the catalog"),
        "DescribeImages" => NoResourceIds(p(&[("RegionId", r)]), "the catalog"),
        "CreateVpc" => NoResourceIds(
            p(&[("RegionId", r), ("CidrBlock", "10.0.0.0/8")]),
            "creates a VPC in the caller's own account",
        ),
        "DescribeVpcs" => Hidden(p(&[("RegionId", r), ("VpcId", &a.vpc)]), "/Vpcs/Vpc"),
        "CreateVSwitch" => Refused(
            p(&[
                ("RegionId", r),
                ("VpcId", &a.vpc),
                ("ZoneId", &a.zone),
                ("CidrBlock", "192.168.9.0/24"),
            ]),
            "InvalidVpcId.NotFound",
            404,
        ),
        "DescribeVSwitches" => Hidden(
            p(&[("RegionId", r), ("VSwitchId", &a.vswitch)]),
            "/VSwitches/VSwitch",
        ),
        "CreateSecurityGroup" => Refused(
            p(&[("RegionId", r), ("VpcId", &a.vpc)]),
            "InvalidVpcId.NotFound",
            404,
        ),
        "DescribeSecurityGroups" => Hidden(
            p(&[
                ("RegionId", r),
                ("SecurityGroupIds", &format!("[\"{group}\"]")),
            ]),
            "/SecurityGroups/SecurityGroup",
        ),
        "ModifySecurityGroupAttribute" => Refused(
            p(&[
                ("RegionId", r),
                ("SecurityGroupId", group),
                ("Description", "x"),
            ]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "DeleteSecurityGroup" => Refused(
            p(&[("RegionId", r), ("SecurityGroupId", &a.empty_group)]),
            "InvalidSecurityGroup.NotFound",
            404,
        ),
        "JoinSecurityGroup" => Refused(
            p(&[
                ("RegionId", r),
                ("InstanceId", instance),
                ("SecurityGroupId", &a.empty_group),
            ]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "LeaveSecurityGroup" => Refused(
            p(&[
                ("RegionId", r),
                ("InstanceId", instance),
                ("SecurityGroupId", group),
            ]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "RunInstances" | "CreateInstance" => Refused(
            p(&[
                ("RegionId", r),
                ("VSwitchId", &a.vswitch),
                ("SecurityGroupId", group),
                ("InstanceType", "ecs.g6.large"),
                ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
            ]),
            "InvalidVSwitchId.NotFound",
            404,
        ),
        "DescribeInstances" => Hidden(
            p(&[
                ("RegionId", r),
                ("InstanceIds", &format!("[\"{instance}\"]")),
            ]),
            "/Instances/Instance",
        ),
        "StartInstance" | "StopInstance" | "DeleteInstance" => Refused(
            p(&[("InstanceId", instance)]),
            "InvalidInstanceId.NotFound",
            404,
        ),
        "DeleteInstances" => Refused(
            p(&[
                ("RegionId", r),
                ("InstanceId.1", instance),
                ("Force", "true"),
            ]),
            "InvalidInstanceId.NotFound",
            404,
        ),
        "ModifyInstanceAttribute" => Refused(
            p(&[("InstanceId", instance), ("InstanceName", "taken")]),
            "InvalidInstanceId.NotFound",
            404,
        ),
        "AssignPrivateIpAddresses" => Refused(
            p(&[
                ("RegionId", r),
                ("NetworkInterfaceId", eni),
                ("SecondaryPrivateIpAddressCount", "1"),
            ]),
            "InvalidEniId.NotFound",
            404,
        ),
        "UnassignPrivateIpAddresses" => Refused(
            p(&[
                ("RegionId", r),
                ("NetworkInterfaceId", eni),
                ("PrivateIpAddress.1", &a.eni_address),
            ]),
            "InvalidEniId.NotFound",
            404,
        ),
        "CreateNetworkInterface" => Refused(
            p(&[
                ("RegionId", r),
                ("VSwitchId", &a.vswitch),
                ("SecurityGroupId", group),
            ]),
            "InvalidVSwitchId.NotFound",
            404,
        ),
        "DescribeNetworkInterfaces" => Hidden(
            p(&[("RegionId", r), ("NetworkInterfaceId.1", eni)]),
            "/NetworkInterfaceSets/NetworkInterfaceSet",
        ),
        "DescribeNetworkInterfaceAttribute" | "DeleteNetworkInterface" => Refused(
            p(&[("RegionId", r), ("NetworkInterfaceId", eni)]),
            "InvalidEniId.NotFound",
            404,
        ),
        "AttachNetworkInterface" | "DetachNetworkInterface" => Refused(
            p(&[
                ("RegionId", r),
                ("NetworkInterfaceId", eni),
                ("InstanceId", instance),
            ]),
            "InvalidEniId.NotFound",
            404,
        ),
        "ModifyNetworkInterfaceAttribute" => Refused(
            p(&[
                ("RegionId", r),
                ("NetworkInterfaceId", eni),
                ("SecurityGroupId.1", &a.empty_group),
            ]),
            "InvalidEniId.NotFound",
            404,
        ),
        "TagResources" => Refused(
            p(&[
                ("RegionId", r),
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", group),
                ("Tag.1.Key", "owner"),
                ("Tag.1.Value", "b"),
            ]),
            "InvalidResourceId.NotFound",
            404,
        ),
        "UntagResources" => Refused(
            p(&[
                ("RegionId", r),
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", group),
                ("TagKey.1", "team"),
            ]),
            "InvalidResourceId.NotFound",
            404,
        ),
        "ListTagResources" => Hidden(
            p(&[
                ("RegionId", r),
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", group),
            ]),
            "/TagResources/TagResource",
        ),
        "AuthorizeSecurityGroup" => Refused(
            p(&[&permission[..], &[("SourceCidrIp", "10.0.0.0/8")]].concat()),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "AuthorizeSecurityGroupEgress" => Refused(
            p(&[&permission[..], &[("DestCidrIp", "10.0.0.0/8")]].concat()),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "RevokeSecurityGroup" | "RevokeSecurityGroupEgress" => Refused(
            p(&[
                ("RegionId", r),
                ("SecurityGroupId", group),
                ("SecurityGroupRuleId.1", &a.rule),
            ]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "ModifySecurityGroupRule" | "ModifySecurityGroupEgressRule" => Refused(
            p(&[
                ("RegionId", r),
                ("SecurityGroupId", group),
                ("SecurityGroupRuleId", &a.rule),
                ("Description", "taken"),
            ]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "DescribeSecurityGroupAttribute" => Refused(
            p(&[("RegionId", r), ("SecurityGroupId", group)]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "ModifySecurityGroupPolicy" => Refused(
            p(&[
                ("RegionId", r),
                ("SecurityGroupId", group),
                ("InnerAccessPolicy", "Drop"),
            ]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        "ResetStore" | "ListSnapshots" => RootOnly(p(&[])),
        "SaveSnapshot" | "RestoreSnapshot" => RootOnly(p(&[("Name", "matrix")])),
        _ => return None,
    })
}

/// A V1 request exactly as sent, so that it can be sent again (the replay).
#[derive(Clone)]
struct Request {
    query: String,
}

/// Builds a V1 POST for `action` by `key_id`: signed with `secret` unless `None`, at
/// `timestamp`, with a fresh nonce.
fn v1_request(
    action: &str,
    params: &Params,
    key_id: &str,
    secret: Option<&str>,
    timestamp: chrono::DateTime<chrono::Utc>,
) -> Request {
    let version = ecsnet::actions::find(action).unwrap().api.version();
    let mut all: Vec<(String, String)> = [
        ("Action", action.to_string()),
        ("Version", version.to_string()),
        ("Format", "JSON".to_string()),
        ("AccessKeyId", key_id.to_string()),
        ("SignatureMethod", "HMAC-SHA1".to_string()),
        ("SignatureVersion", "1.0".to_string()),
        ("SignatureNonce", uuid::Uuid::new_v4().simple().to_string()),
        (
            "Timestamp",
            timestamp.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    all.extend(params.iter().map(|(k, v)| (k.to_string(), v.clone())));
    if let Some(secret) = secret {
        let sts = sign::v1_string_to_sign("POST", &all);
        all.push(("Signature".into(), sign::v1_signature(secret, &sts)));
    }
    let query = all
        .iter()
        .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request { query }
}

async fn send(http: &reqwest::Client, base: &str, request: &Request) -> Reply {
    let response = http
        .post(format!("{base}/?{}", request.query))
        .send()
        .await
        .expect("request sent");
    Client::reply(response).await
}

fn event_count(server: &TestServer) -> i64 {
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

fn key_command(server: &TestServer, command: &str, key_id: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args(["account", command, "--data-dir"])
        .arg(&server.data_dir)
        .args(["--access-key-id", key_id])
        .output()
        .expect("ecsnet runs");
    assert!(output.status.success(), "{output:?}");
}

async fn build_owned(a: &Client) -> Owned {
    let w = world(a).await;
    let instance = run_instance(a, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(a, &w.vswitch, &[&w.basic[0]]).await;
    let eni_address = a
        .call(
            "AssignPrivateIpAddresses",
            &[
                ("RegionId", REGION),
                ("NetworkInterfaceId", &eni),
                ("SecondaryPrivateIpAddressCount", "1"),
            ],
        )
        .await
        .ok()["AssignedPrivateIpAddressesSet"]["PrivateIpSet"]["PrivateIpAddress"][0]
        .as_str()
        .expect("an assigned address")
        .to_string();
    let group = w.basic[0].clone();
    a.call(
        "AuthorizeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &group),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
        ],
    )
    .await
    .ok();
    let rule = a
        .call(
            "DescribeSecurityGroupAttribute",
            &[("RegionId", REGION), ("SecurityGroupId", &group)],
        )
        .await
        .ok()["Permissions"]["Permission"][0]["SecurityGroupRuleId"]
        .as_str()
        .expect("a rule id")
        .to_string();
    a.call(
        "TagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "securitygroup"),
            ("ResourceId.1", &group),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "a"),
        ],
    )
    .await
    .ok();
    Owned {
        vpc: w.vpc,
        vswitch: w.vswitch,
        zone: w.zone,
        group,
        empty_group: w.basic[1].clone(),
        instance,
        eni,
        eni_address,
        rule,
    }
}

#[tokio::test]
async fn every_action_refuses_every_unauthorised_request_and_changes_nothing() {
    let server = TestServer::start().await;
    let a = server.client();
    let owned = build_owned(&a).await;

    let b_key = create_account(&server.data_dir).await;
    let b_id = b_key["AccessKeyId"].as_str().unwrap().to_string();
    let b_secret = b_key["AccessKeySecret"].as_str().unwrap().to_string();
    let b = Client::new(&server.base, &b_id, &b_secret);

    // C's key works until it is disabled, and again once enabled.
    let c_key = create_account(&server.data_dir).await;
    let c_id = c_key["AccessKeyId"].as_str().unwrap().to_string();
    let c_secret = c_key["AccessKeySecret"].as_str().unwrap().to_string();
    let c = Client::new(&server.base, &c_id, &c_secret);
    c.call("DescribeRegions", &[]).await.ok();
    key_command(&server, "disable-key", &c_id);
    c.call("DescribeRegions", &[])
        .await
        .err("InvalidAccessKeyId.Inactive", 400);
    key_command(&server, "enable-key", &c_id);
    c.call("DescribeRegions", &[]).await.ok();
    key_command(&server, "disable-key", &c_id);

    let missing: Vec<&str> = TABLE
        .iter()
        .filter(|def| entry(def.name, &owned).is_none())
        .map(|def| def.name)
        .collect();
    assert!(
        missing.is_empty(),
        "actions missing from the access matrix (add an entry saying how another account calls them): {missing:?}"
    );

    let http = reqwest::Client::new();
    let now = chrono::Utc::now;
    let mut checked = 0;
    for def in TABLE {
        let action = def.name;
        let foreign = entry(action, &owned).unwrap();
        let params = foreign.params().clone();

        // Another account naming A's resources.
        let mut events = event_count(&server);
        let before_a = snapshot(&a).await;
        let by_b = v1_request(action, &params, &b_id, Some(&b_secret), now());
        let reply = send(&http, &server.base, &by_b).await;
        match &foreign {
            Foreign::Refused(_, code, status) => {
                reply.err(code, *status);
            }
            Foreign::RootOnly(_) => {
                reply.err("Forbidden.SubUser", 403);
            }
            Foreign::Hidden(_, list) => {
                let items = reply.ok().pointer(list).and_then(Value::as_array);
                assert_eq!(
                    items.map(Vec::len),
                    Some(0),
                    "{action} shows another account's resources: {}",
                    reply.text
                );
            }
            Foreign::NoResourceIds(_, why) => {
                assert_eq!(reply.status, 200, "{action} ({why}): {}", reply.text);
                reply.ok();
                // It may have changed B's own state; compare from here on.
                events = event_count(&server);
            }
        }
        assert_eq!(
            event_count(&server),
            events,
            "{action} by another account wrote"
        );
        let before_b = snapshot(&b).await;

        let cases: Vec<(&str, Request, &str, u16)> = vec![
            (
                "no signature",
                v1_request(action, &params, KEY_ID, None, now()),
                "MissingParameter",
                400,
            ),
            (
                "a bad signature",
                v1_request(action, &params, KEY_ID, Some("not-the-secret"), now()),
                "SignatureDoesNotMatch",
                400,
            ),
            (
                "an expired timestamp",
                v1_request(
                    action,
                    &params,
                    KEY_ID,
                    Some(SECRET),
                    now() - chrono::TimeDelta::minutes(20),
                ),
                "InvalidTimeStamp.Expired",
                400,
            ),
            ("a replayed nonce", by_b.clone(), "SignatureNonceUsed", 400),
            (
                "an unknown key",
                v1_request(
                    action,
                    &params,
                    "LTAI5tNoSuchKey00000000",
                    Some(SECRET),
                    now(),
                ),
                "InvalidAccessKeyId.NotFound",
                404,
            ),
            (
                "a disabled key",
                v1_request(action, &params, &c_id, Some(&c_secret), now()),
                "InvalidAccessKeyId.Inactive",
                400,
            ),
        ];
        for (case, request, code, status) in cases {
            let reply = send(&http, &server.base, &request).await;
            assert_eq!(
                (reply.code(), reply.status),
                (code, status),
                "{action} with {case}: {}",
                reply.text
            );
            reply.err(code, status);
            assert_eq!(event_count(&server), events, "{action} with {case} wrote");
            checked += 1;
        }
        assert_eq!(snapshot(&a).await, before_a, "{action}: A's state changed");
        assert_eq!(snapshot(&b).await, before_b, "{action}: B's state changed");
        checked += 1;
    }
    assert_eq!(checked, TABLE.len() * 7);
}
