//! Elastic network interfaces end to end: CreateNetworkInterface, DescribeNetworkInterfaces,
//! DescribeNetworkInterfaceAttribute, Attach/Detach/DeleteNetworkInterface and
//! ModifyNetworkInterfaceAttribute. Every refused write is checked to leave the account's
//! state exactly as it was.

mod common;
use common::*;

use serde_json::{json, Value};

/// A refused call: its parameters, and the code and HTTP status it must answer.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, u16);
/// The same with borrowed parameters (for read-only calls).
type ReadCase<'a> = (&'a [(&'a str, &'a str)], &'a str, u16);

const UNKNOWN_GROUP: &str = "sg-bp1nosuchgroup00000000";
const UNKNOWN_INSTANCE: &str = "i-bp1nosuchinstance000000";
const UNKNOWN_ENI: &str = "eni-bp1nosucheni000000000";
const UNKNOWN_VSWITCH: &str = "vsw-bp1nosuchvswitch00000";

/// RegionId plus `extra`.
fn with_region<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![("RegionId", REGION)];
    params.extend_from_slice(extra);
    params
}

/// RegionId, NetworkInterfaceId and `extra`.
fn for_eni<'a>(eni: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = with_region(&[("NetworkInterfaceId", eni)]);
    params.extend_from_slice(extra);
    params
}

fn eni_and_instance<'a>(eni: &'a str, instance: &'a str) -> Vec<(&'a str, &'a str)> {
    with_region(&[("NetworkInterfaceId", eni), ("InstanceId", instance)])
}

async fn attach(c: &Client, eni: &str, instance: &str) {
    c.call("AttachNetworkInterface", &eni_and_instance(eni, instance))
        .await
        .ok();
}

async fn detach(c: &Client, eni: &str, instance: &str) {
    c.call("DetachNetworkInterface", &eni_and_instance(eni, instance))
        .await
        .ok();
}

/// CreateNetworkInterface in `vswitch` with `extra` parameters; the whole answer.
async fn create(c: &Client, vswitch: &str, extra: &[(&str, &str)]) -> Value {
    let mut params = with_region(&[("VSwitchId", vswitch)]);
    params.extend_from_slice(extra);
    c.call("CreateNetworkInterface", &params).await.ok().clone()
}

async fn create_id(c: &Client, vswitch: &str, extra: &[(&str, &str)]) -> String {
    create(c, vswitch, extra).await["NetworkInterfaceId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An instance in the first basic group, its primary ENI, and a secondary ENI in that group.
async fn instance_and_eni(c: &Client, w: &World) -> (String, String, String) {
    let instance = run_instance(c, &w.vswitch, &[&w.basic[0]]).await;
    let primary = primary_eni(c, &instance).await;
    let eni = create_eni(c, &w.vswitch, &[&w.basic[0]]).await;
    (instance, primary, eni)
}

async fn attribute(c: &Client, eni: &str) -> Value {
    c.call(
        "DescribeNetworkInterfaceAttribute",
        &with_region(&[("NetworkInterfaceId", eni)]),
    )
    .await
    .ok()
    .clone()
}

async fn describe(c: &Client, filters: &[(&str, &str)]) -> Value {
    c.call("DescribeNetworkInterfaces", &with_region(filters))
        .await
        .ok()
        .clone()
}

fn ids_of(body: &Value) -> Vec<String> {
    body["NetworkInterfaceSets"]["NetworkInterfaceSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["NetworkInterfaceId"].as_str().unwrap().to_string())
        .collect()
}

/// The ids a filtered DescribeNetworkInterfaces returns.
async fn found(c: &Client, filters: &[(&str, &str)]) -> Vec<String> {
    ids_of(&describe(c, filters).await)
}

/// The instances a DescribeInstances filtered by security group returns.
async fn instances_in(c: &Client, group: &str) -> Vec<String> {
    let reply = c
        .call(
            "DescribeInstances",
            &with_region(&[("SecurityGroupId", group)]),
        )
        .await;
    reply.ok()["Instances"]["Instance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InstanceId"].as_str().unwrap().to_string())
        .collect()
}

fn addresses(eni: &Value) -> Vec<(String, bool)> {
    eni["PrivateIpSets"]["PrivateIpSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ip| {
            (
                ip["PrivateIpAddress"].as_str().unwrap().to_string(),
                ip["Primary"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// `SecurityGroupIds.1..N` (or another list name) for `ids`.
fn numbered(name: &str, ids: &[&str]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("{name}.{}", i + 1), id.to_string()))
        .collect()
}

fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Checks the containers every ENI rendering carries, even when empty.
#[track_caller]
fn assert_eni_containers(eni: &Value) {
    for (list, item) in [
        ("SecurityGroupIds", "SecurityGroupId"),
        ("PrivateIpSets", "PrivateIpSet"),
        ("Ipv6Sets", "Ipv6Set"),
        ("Ipv4PrefixSets", "Ipv4PrefixSet"),
        ("Ipv6PrefixSets", "Ipv6PrefixSet"),
        ("Tags", "Tag"),
    ] {
        assert!(eni[list][item].is_array(), "{list}.{item} missing: {eni}");
    }
}

/// A world with six basic groups (b0..b5), the world's advanced group, and a second VPC with
/// its own vSwitch and basic group.
struct Wide {
    w: World,
    basic: Vec<String>,
    other_vswitch: String,
    other_group: String,
}

async fn wide(c: &Client) -> Wide {
    let w = world(c).await;
    let mut basic = w.basic.clone();
    for _ in 0..4 {
        basic.push(create_group(c, &w.vpc, "normal").await);
    }
    let other_vpc = create_vpc(c, "10.0.0.0/8").await;
    let other_vswitch = create_vswitch(c, &other_vpc, &w.zone, "10.1.0.0/24").await;
    let other_group = create_group(c, &other_vpc, "normal").await;
    Wide {
        w,
        basic,
        other_vswitch,
        other_group,
    }
}

#[tokio::test]
async fn created_enis_carry_every_field() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let created = create(
        &c,
        &w.vswitch,
        &[
            ("SecurityGroupIds.1", b1),
            ("SecurityGroupIds.2", b0),
            ("NetworkInterfaceName", "web-eni:1"),
            ("Description", "serves the web tier"),
            ("SecondaryPrivateIpAddressCount", "2"),
        ],
    )
    .await;
    let id = created["NetworkInterfaceId"].as_str().unwrap().to_string();
    assert!(id.starts_with("eni-bp"), "{id}");
    assert_eq!(created["Status"], "Available");
    assert_eq!(created["Type"], "Secondary");
    assert_eq!(created["NetworkInterfaceName"], "web-eni:1");
    assert_eq!(created["Description"], "serves the web tier");
    assert_eq!(
        (&created["VpcId"], &created["VSwitchId"]),
        (&json!(w.vpc), &json!(w.vswitch))
    );
    assert_eq!(created["ZoneId"], w.zone.as_str());
    assert_eq!(
        created["SecurityGroupIds"],
        json!({ "SecurityGroupId": [b1, b0] })
    );
    assert_eq!(created["PrivateIpAddress"], "192.168.1.1");
    assert_eq!(
        addresses(&created),
        [
            ("192.168.1.1".into(), true),
            ("192.168.1.2".into(), false),
            ("192.168.1.3".into(), false)
        ]
    );
    assert!(created["OwnerId"].is_string(), "OwnerId is a string");
    assert_eq!(created["ServiceID"], json!(0));
    assert_eq!(created["ServiceManaged"], json!(false));
    assert_eq!(created["SourceDestCheck"], json!(false));
    assert_eq!(created["Ipv6Sets"], json!({ "Ipv6Set": [] }));
    assert_eq!(created["Tags"], json!({ "Tag": [] }));
    assert_eni_containers(&created);
    let mac = created["MacAddress"].as_str().unwrap();
    assert_eq!(mac.len(), 17, "{mac}");

    // DescribeNetworkInterfaceAttribute: the same ENI, flat, with its traffic config.
    let attr = attribute(&c, &id).await;
    assert_eni_containers(&attr);
    for key in [
        "NetworkInterfaceId",
        "Status",
        "Type",
        "PrivateIpAddress",
        "MacAddress",
        "SecurityGroupIds",
        "PrivateIpSets",
        "OwnerId",
    ] {
        assert_eq!(attr[key], created[key], "{key}");
    }
    assert_eq!(attr["InstanceId"], "");
    assert_eq!(attr["Attachment"], json!({}));
    assert_eq!(attr["DeleteOnRelease"], json!(false));
    assert_eq!(attr["QueueNumber"], json!(1));
    assert_eq!(
        attr["NetworkInterfaceTrafficConfig"]["NetworkInterfaceTrafficMode"],
        "Standard"
    );
    assert!(attr["NetworkInterfaceTrafficConfig"]["QueueNumber"].is_u64());
    assert!(attr.get("ConnectionTrackingConfiguration").is_none());
    assert_seconds_time(&attr["CreationTime"]);
    let tracked = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &with_region(&[
                ("NetworkInterfaceId", &id),
                ("Attribute", "connectionTrackingConfiguration"),
            ]),
        )
        .await;
    assert_eq!(
        tracked.ok()["ConnectionTrackingConfiguration"]["UdpTimeout"],
        json!(30)
    );

    // DescribeNetworkInterfaces: the same item inside the wrapped list; numbers are numbers.
    let listed = describe(&c, &[]).await;
    assert_eq!(
        (
            &listed["TotalCount"],
            &listed["PageNumber"],
            &listed["PageSize"]
        ),
        (&json!(1), &json!(1), &json!(10))
    );
    let item = &listed["NetworkInterfaceSets"]["NetworkInterfaceSet"][0];
    assert_eni_containers(item);
    assert_eq!(item["SecurityGroupIds"], created["SecurityGroupIds"]);
    assert_eq!(item["PrivateIpSets"], attr["PrivateIpSets"]);
    assert_seconds_time(&item["CreationTime"]);
}

#[tokio::test]
async fn create_options_and_limits_that_are_accepted() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    // A single SecurityGroupId, chosen addresses, a Chinese name and Python-style booleans.
    let chosen = create(
        &c,
        &w.vswitch,
        &[
            ("SecurityGroupId", b0),
            ("PrimaryIpAddress", "192.168.1.100"),
            ("PrivateIpAddress.1", "192.168.1.101"),
            ("PrivateIpAddress.2", "192.168.1.252"),
            ("NetworkInterfaceName", "网卡.一"),
            ("DeleteOnRelease", "True"),
            ("SourceDestCheck", "True"),
            ("InstanceType", "Secondary"),
        ],
    )
    .await;
    assert_eq!(
        chosen["SecurityGroupIds"],
        json!({ "SecurityGroupId": [b0] })
    );
    assert_eq!(
        addresses(&chosen),
        [
            ("192.168.1.100".into(), true),
            ("192.168.1.101".into(), false),
            ("192.168.1.252".into(), false)
        ]
    );
    assert_eq!(chosen["NetworkInterfaceName"], "网卡.一");
    assert_eq!(chosen["SourceDestCheck"], json!(true));
    let id = chosen["NetworkInterfaceId"].as_str().unwrap();
    assert_eq!(attribute(&c, id).await["DeleteOnRelease"], json!(true));
    // The longest name and description, and the most groups an ENI may be in.
    let five: Vec<String> = {
        let mut groups = w.basic.clone();
        for _ in 0..3 {
            groups.push(create_group(&c, &w.vpc, "normal").await);
        }
        groups
    };
    let name = format!("n{}", "a".repeat(127));
    let description = "d".repeat(256);
    let mut params = numbered(
        "SecurityGroupIds",
        &five.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    params.push(("NetworkInterfaceName".into(), name.clone()));
    params.push(("Description".into(), description.clone()));
    params.push(("SecondaryPrivateIpAddressCount".into(), "49".into()));
    let big = create(&c, &w.vswitch, &borrowed(&params)).await;
    assert_eq!(
        big["SecurityGroupIds"]["SecurityGroupId"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        (
            big["NetworkInterfaceName"].as_str(),
            big["Description"].as_str()
        ),
        (Some(name.as_str()), Some(description.as_str()))
    );
    assert_eq!(addresses(&big).len(), 50);
    // The automatic choice skips the taken addresses.
    assert_eq!(big["PrivateIpAddress"], "192.168.1.1");
    let next = create(&c, &w.vswitch, &[("SecurityGroupId", b0)]).await;
    assert_eq!(next["PrivateIpAddress"], "192.168.1.51");
}

#[tokio::test]
async fn create_network_interface_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let x = wide(&c).await;
    let (vsw, b0, b1, adv) = (
        x.w.vswitch.as_str(),
        x.basic[0].as_str(),
        x.basic[1].as_str(),
        x.w.advanced[0].as_str(),
    );
    let instance = run_instance(&c, vsw, &[b0]).await;
    let taken = attribute(&c, &primary_eni(&c, &instance).await).await["PrivateIpAddress"]
        .as_str()
        .unwrap()
        .to_string();
    let six_groups = numbered(
        "SecurityGroupIds",
        &x.basic.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let in_group = |extra: &[(&'static str, &'static str)]| {
        let mut params = vec![
            ("RegionId", REGION),
            ("VSwitchId", vsw),
            ("SecurityGroupId", b0),
        ];
        params.extend_from_slice(extra);
        params
    };
    let long_description = "d".repeat(257);
    let region = ("RegionId", REGION);
    let mut cases: Vec<Case> = vec![
        (
            vec![("VSwitchId", vsw), ("SecurityGroupId", b0)],
            "MissingParameter",
            400,
        ),
        (
            vec![
                ("RegionId", "cn-atlantis"),
                ("VSwitchId", vsw),
                ("SecurityGroupId", b0),
            ],
            "InvalidRegionId.NotFound",
            404,
        ),
        (
            vec![region, ("SecurityGroupId", b0)],
            "MissingParameter",
            400,
        ),
        (vec![region, ("VSwitchId", vsw)], "MissingParameter", 400),
        (
            in_group(&[("SecurityGroupIds.1", "sg-x")]),
            "InvalidParameter.Conflict",
            400,
        ),
        (
            in_group(&[
                ("PrivateIpAddress.1", "192.168.1.9"),
                ("SecondaryPrivateIpAddressCount", "1"),
            ]),
            "InvalidParameter.Conflict",
            400,
        ),
        (
            in_group(&[("InstanceType", "Trunk")]),
            "InvalidParameter",
            400,
        ),
        (
            in_group(&[("SecondaryPrivateIpAddressCount", "0")]),
            "InvalidParameter",
            400,
        ),
        (
            in_group(&[("SecondaryPrivateIpAddressCount", "50")]),
            "InvalidParameter",
            400,
        ),
        (
            in_group(&[("SecondaryPrivateIpAddressCount", "two")]),
            "InvalidParameter",
            400,
        ),
        (
            in_group(&[("PrivateIpAddress.11", "192.168.1.9")]),
            "InvalidParameter",
            400,
        ),
        (
            in_group(&[("DeleteOnRelease", "maybe")]),
            "InvalidParameter",
            400,
        ),
        (
            in_group(&[("NetworkInterfaceName", "e")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            in_group(&[("NetworkInterfaceName", "1eni")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            in_group(&[("NetworkInterfaceName", "https://eni")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            in_group(&[("NetworkInterfaceName", "my eni")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            in_group(&[("Description", "x")]),
            "InvalidDescription.Malformed",
            400,
        ),
        (
            in_group(&[("Description", "http://example.com")]),
            "InvalidDescription.Malformed",
            400,
        ),
        (
            vec![
                region,
                ("VSwitchId", UNKNOWN_VSWITCH),
                ("SecurityGroupId", b0),
            ],
            "InvalidVSwitchId.NotFound",
            404,
        ),
        (
            vec![
                region,
                ("VSwitchId", vsw),
                ("SecurityGroupId", UNKNOWN_GROUP),
            ],
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        (
            vec![
                region,
                ("VSwitchId", vsw),
                ("SecurityGroupIds.1", b0),
                ("SecurityGroupIds.2", b1),
                ("SecurityGroupIds.3", b0),
            ],
            "InvalidParameter.SecurityGroupIdRepeated",
            400,
        ),
        (
            vec![
                region,
                ("VSwitchId", vsw),
                ("SecurityGroupId", &x.other_group),
            ],
            "InvalidOperation.VpcMismatch",
            403,
        ),
        (
            vec![
                region,
                ("VSwitchId", &x.other_vswitch),
                ("SecurityGroupId", b0),
            ],
            "InvalidOperation.VpcMismatch",
            403,
        ),
        (
            vec![
                region,
                ("VSwitchId", vsw),
                ("SecurityGroupIds.1", b0),
                ("SecurityGroupIds.2", adv),
            ],
            "InvalidOperation.MultiGroupType",
            403,
        ),
        (
            in_group(&[("PrimaryIpAddress", "192.168.1.x")]),
            "InvalidIp.Address",
            403,
        ),
        (
            in_group(&[("PrivateIpAddress.1", "not-an-ip")]),
            "InvalidIp.Address",
            403,
        ),
        (
            in_group(&[("PrimaryIpAddress", "192.168.1.0")]),
            "InvalidVSwitchId.IpInvalid",
            403,
        ),
        (
            in_group(&[("PrimaryIpAddress", "192.168.1.253")]),
            "InvalidVSwitchId.IpInvalid",
            403,
        ),
        (
            in_group(&[("PrimaryIpAddress", "10.1.0.5")]),
            "InvalidVSwitchId.IpInvalid",
            403,
        ),
        (
            in_group(&[
                ("PrimaryIpAddress", "192.168.1.50"),
                ("PrivateIpAddress.1", "192.168.1.50"),
            ]),
            "InvalidPrivateIpAddress.Duplicated",
            400,
        ),
        (
            in_group(&[
                ("PrivateIpAddress.1", "192.168.1.60"),
                ("PrivateIpAddress.2", "192.168.1.60"),
            ]),
            "InvalidPrivateIpAddress.Duplicated",
            400,
        ),
        (in_group(&[("DryRun", "true")]), "DryRunOperation", 400),
    ];
    let mut long = in_group(&[]);
    long.push(("Description", &long_description));
    cases.push((long, "InvalidDescription.Malformed", 400));
    let mut six = vec![region, ("VSwitchId", vsw)];
    six.extend(borrowed(&six_groups));
    cases.push((six, "JoinedGroupLimitExceed", 400));
    let mut duplicate = in_group(&[]);
    duplicate.push(("PrimaryIpAddress", &taken));
    cases.push((duplicate, "InvalidPrivateIpAddress.Duplicated", 400));
    let mut duplicate_secondary = in_group(&[]);
    duplicate_secondary.push(("PrivateIpAddress.1", &taken));
    cases.push((
        duplicate_secondary,
        "InvalidPrivateIpAddress.Duplicated",
        400,
    ));
    for (params, code, status) in &cases {
        refused(&c, "CreateNetworkInterface", params, code, *status).await;
    }
}

#[tokio::test]
async fn a_small_vswitch_runs_out_of_addresses() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    // A /29 has eight addresses: the first and the last three are reserved, four remain.
    let small = create_vswitch(&c, &w.vpc, &w.zone, "192.168.2.0/29").await;
    let group = ("SecurityGroupId", w.basic[0].as_str());
    let params = |extra: &[(&'static str, &'static str)]| {
        let mut p = vec![("RegionId", REGION), ("VSwitchId", small.as_str()), group];
        p.extend_from_slice(extra);
        p
    };
    // Five addresses do not fit, and the ENI's first address is given back.
    refused(
        &c,
        "CreateNetworkInterface",
        &params(&[("SecondaryPrivateIpAddressCount", "4")]),
        "InvalidVSwitchId.IpNotEnough",
        403,
    )
    .await;
    refused(
        &c,
        "CreateNetworkInterface",
        &params(&[("PrimaryIpAddress", "192.168.2.5")]),
        "InvalidVSwitchId.IpInvalid",
        403,
    )
    .await;
    let four = create(
        &c,
        &small,
        &[group, ("SecondaryPrivateIpAddressCount", "3")],
    )
    .await;
    let taken: Vec<String> = addresses(&four).into_iter().map(|(ip, _)| ip).collect();
    assert_eq!(
        taken,
        ["192.168.2.1", "192.168.2.2", "192.168.2.3", "192.168.2.4"]
    );
    refused(
        &c,
        "CreateNetworkInterface",
        &params(&[]),
        "InvalidVSwitchId.IpNotEnough",
        403,
    )
    .await;
    // Deleting the ENI frees its addresses.
    let id = four["NetworkInterfaceId"].as_str().unwrap();
    c.call(
        "DeleteNetworkInterface",
        &with_region(&[("NetworkInterfaceId", id)]),
    )
    .await
    .ok();
    create(
        &c,
        &small,
        &[group, ("SecondaryPrivateIpAddressCount", "3")],
    )
    .await;
}

#[tokio::test]
async fn the_region_quota_of_enis_counts_secondary_enis_only() {
    let server = TestServer::start_with(|c| c.limits.enis_per_region = 2).await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    run_instance(&c, &w.vswitch, &[b0]).await;
    run_instance(&c, &w.vswitch, &[b0]).await;
    create_eni(&c, &w.vswitch, &[b0]).await;
    let last = create_eni(&c, &w.vswitch, &[b0]).await;
    let params = with_region(&[("VSwitchId", &w.vswitch), ("SecurityGroupId", b0)]);
    refused(
        &c,
        "CreateNetworkInterface",
        &params,
        "MaxEniCountExceeded",
        403,
    )
    .await;
    c.call(
        "DeleteNetworkInterface",
        &with_region(&[("NetworkInterfaceId", &last)]),
    )
    .await
    .ok();
    c.call("CreateNetworkInterface", &params).await.ok();
}

#[tokio::test]
async fn full_groups_take_no_more_enis() {
    let server = TestServer::start_with(|c| {
        c.limits.basic_group_capacity = 2;
        c.limits.advanced_group_capacity = 2;
    })
    .await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1, adv) = (
        w.basic[0].as_str(),
        w.basic[1].as_str(),
        w.advanced[0].as_str(),
    );
    let adv2 = create_group(&c, &w.vpc, "enterprise").await;
    let full_member = create_eni(&c, &w.vswitch, &[b0]).await;
    run_instance(&c, &w.vswitch, &[b0]).await;
    create_eni(&c, &w.vswitch, &[adv]).await;
    create_eni(&c, &w.vswitch, &[adv]).await;
    let basic_eni = create_eni(&c, &w.vswitch, &[b1]).await;
    let advanced_eni = create_eni(&c, &w.vswitch, &[&adv2]).await;

    let create_in = |group| with_region(&[("VSwitchId", &w.vswitch), ("SecurityGroupId", group)]);
    refused(
        &c,
        "CreateNetworkInterface",
        &create_in(b0),
        "SecurityGroupInstanceLimitExceed",
        403,
    )
    .await;
    refused(
        &c,
        "CreateNetworkInterface",
        &create_in(adv),
        "InvalidOperation.EniCountExceeded",
        403,
    )
    .await;
    let modify =
        |eni, group| with_region(&[("NetworkInterfaceId", eni), ("SecurityGroupId.1", group)]);
    refused(
        &c,
        "ModifyNetworkInterfaceAttribute",
        &modify(&basic_eni, b0),
        "SecurityGroupInstanceLimitExceed",
        403,
    )
    .await;
    refused(
        &c,
        "ModifyNetworkInterfaceAttribute",
        &modify(&advanced_eni, adv),
        "InvalidOperation.EniCountExceeded",
        403,
    )
    .await;
    // A member of a full group may keep it while it joins another.
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &with_region(&[
            ("NetworkInterfaceId", &full_member),
            ("SecurityGroupId.1", b1),
            ("SecurityGroupId.2", b0),
        ]),
    )
    .await
    .ok();
    assert_eq!(eni_groups(&c, &full_member).await, [b1, b0]);
}

#[tokio::test]
async fn describe_network_interfaces_filters() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let other_zone = format!("{REGION}-i");
    let vs2 = create_vswitch(&c, &w.vpc, &other_zone, "192.168.2.0/24").await;
    let i1 = run_instance(&c, &w.vswitch, &[b0]).await;
    let i2 = run_instance(&c, &w.vswitch, &[b0]).await;
    let (p1, p2) = (primary_eni(&c, &i1).await, primary_eni(&c, &i2).await);
    let e1 = create_eni(&c, &w.vswitch, &[b1]).await;
    attach(&c, &e1, &i1).await;
    let e2 = create_id(
        &c,
        &vs2,
        &[("SecurityGroupId", b0), ("NetworkInterfaceName", "spare")],
    )
    .await;
    let e3 = create_id(
        &c,
        &w.vswitch,
        &[
            ("SecurityGroupId", b1),
            ("PrimaryIpAddress", "192.168.1.200"),
            ("PrivateIpAddress.1", "192.168.1.201"),
        ],
    )
    .await;
    let (p1, p2, e1, e2, e3) = (
        p1.as_str(),
        p2.as_str(),
        e1.as_str(),
        e2.as_str(),
        e3.as_str(),
    );

    assert_eq!(found(&c, &[]).await, [p1, p2, e1, e2, e3]);
    assert_eq!(found(&c, &[("Type", "Primary")]).await, [p1, p2]);
    assert_eq!(found(&c, &[("Type", "Secondary")]).await, [e1, e2, e3]);
    assert_eq!(found(&c, &[("Status", "InUse")]).await, [p1, p2, e1]);
    assert_eq!(found(&c, &[("Status", "Available")]).await, [e2, e3]);
    assert_eq!(
        found(&c, &[("Type", "Secondary"), ("Status", "Available")]).await,
        [e2, e3]
    );
    assert_eq!(found(&c, &[("InstanceId", &i1)]).await, [p1, e1]);
    assert_eq!(found(&c, &[("VSwitchId", &vs2)]).await, [e2]);
    assert_eq!(found(&c, &[("VpcId", &w.vpc)]).await.len(), 5);
    assert_eq!(found(&c, &[("NetworkInterfaceName", "spare")]).await, [e2]);
    assert_eq!(
        found(&c, &[("PrimaryIpAddress", "192.168.1.200")]).await,
        [e3]
    );
    assert!(
        found(&c, &[("PrimaryIpAddress", "192.168.1.201")])
            .await
            .is_empty(),
        "a secondary address is not the primary one"
    );
    assert_eq!(
        found(
            &c,
            &[
                ("NetworkInterfaceId.1", e3),
                ("NetworkInterfaceId.2", UNKNOWN_ENI),
                ("NetworkInterfaceId.3", p1)
            ]
        )
        .await,
        [p1, e3]
    );

    // SecurityGroupId matches secondary ENIs only; DescribeInstances finds instances through
    // their primary ENI only.
    assert_eq!(found(&c, &[("SecurityGroupId", b0)]).await, [e2]);
    assert_eq!(found(&c, &[("SecurityGroupId", b1)]).await, [e1, e3]);
    assert_eq!(
        found(&c, &[("SecurityGroupId", b1), ("Status", "InUse")]).await,
        [e1]
    );
    assert_eq!(instances_in(&c, b0).await, [i1.clone(), i2.clone()]);
    assert!(
        instances_in(&c, b1).await.is_empty(),
        "e1 in b1 does not put i1 in it"
    );

    // Filters that match nothing answer an empty list, not an error.
    for filters in [
        &[("NetworkInterfaceId.1", UNKNOWN_ENI)][..],
        &[("InstanceId", UNKNOWN_INSTANCE)],
        &[("VSwitchId", UNKNOWN_VSWITCH)],
        &[("SecurityGroupId", UNKNOWN_GROUP)],
        &[("PrimaryIpAddress", "10.9.9.9")],
        &[("Type", "Primary"), ("Status", "Available")],
    ] {
        let body = describe(&c, filters).await;
        assert_eq!(body["TotalCount"], json!(0), "{filters:?}");
        assert_eq!(
            body["NetworkInterfaceSets"],
            json!({ "NetworkInterfaceSet": [] })
        );
    }

    let region = ("RegionId", REGION);
    let cases: &[ReadCase] = &[
        (&[], "MissingParameter", 400),
        (
            &[("RegionId", "cn-atlantis")],
            "InvalidRegionId.NotFound",
            404,
        ),
        (&[region, ("Type", "Trunk")], "InvalidParameter", 400),
        (&[region, ("Status", "Gone")], "InvalidParameter", 400),
        (
            &[region, ("NextToken", "zz")],
            "InValidParameter.NextToken",
            400,
        ),
        (&[region, ("PageSize", "1001")], "InvalidParameter", 400),
        (
            &[region, ("NetworkInterfaceId.101", "eni-x")],
            "InvalidParameter",
            400,
        ),
    ];
    for (params, code, status) in cases {
        c.call("DescribeNetworkInterfaces", params)
            .await
            .err(code, *status);
    }
    let attribute_cases: &[ReadCase] = &[
        (&[("NetworkInterfaceId", e1)], "MissingParameter", 400),
        (&[region], "MissingParameter", 400),
        (
            &[region, ("NetworkInterfaceId", UNKNOWN_ENI)],
            "InvalidEniId.NotFound",
            404,
        ),
    ];
    for (params, code, status) in attribute_cases {
        c.call("DescribeNetworkInterfaceAttribute", params)
            .await
            .err(code, *status);
    }
}

#[tokio::test]
async fn describe_network_interfaces_pages_both_ways() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let mut all = Vec::new();
    for _ in 0..23 {
        all.push(create_eni(&c, &w.vswitch, &[&w.basic[0]]).await);
    }

    let mut numbered_pages = Vec::new();
    for number in 1..=4u64 {
        let n = number.to_string();
        let body = describe(&c, &[("PageNumber", &n), ("PageSize", "10")]).await;
        assert_eq!(body["TotalCount"], json!(23));
        assert_eq!(
            (&body["PageNumber"], &body["PageSize"]),
            (&json!(number), &json!(10))
        );
        numbered_pages.push(ids_of(&body));
    }
    assert_eq!(
        numbered_pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [10, 10, 3, 0]
    );
    assert_eq!(numbered_pages.concat(), all);
    let default_page = describe(&c, &[]).await;
    assert_eq!(
        (ids_of(&default_page).len(), &default_page["PageSize"]),
        (10, &json!(10))
    );

    let list = (
        "NetworkInterfaceSets",
        "NetworkInterfaceSet",
        "NetworkInterfaceId",
    );
    let pages = token_pages(&c, "DescribeNetworkInterfaces", "10", list).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 3]);
    assert_eq!(pages.concat(), all, "every ENI exactly once, in order");
    // MaxResults below 10 counts as 10; above 500 as 500.
    let pages = token_pages(&c, "DescribeNetworkInterfaces", "3", list).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 3]);
    let pages = token_pages(&c, "DescribeNetworkInterfaces", "9999", list).await;
    assert_eq!(pages, [all.clone()]);
    // A token with filters continues the filtered walk.
    let first = describe(&c, &[("MaxResults", "10"), ("Status", "Available")]).await;
    let token = first["NextToken"].as_str().unwrap().to_string();
    let second = describe(
        &c,
        &[
            ("MaxResults", "10"),
            ("Status", "Available"),
            ("NextToken", &token),
        ],
    )
    .await;
    assert_eq!(ids_of(&second), all[10..20]);
}

/// Attach, detach and delete, as one story.
async fn lifecycle_story(c: Client) {
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    let eni = create_eni(&c, &w.vswitch, &[b1]).await;

    attach(&c, &eni, &instance).await;
    let attr = attribute(&c, &eni).await;
    assert_eq!(
        (&attr["Status"], &attr["InstanceId"]),
        (&json!("InUse"), &json!(instance))
    );
    assert_eq!(attr["Attachment"]["InstanceId"], instance.as_str());
    let described = c
        .call(
            "DescribeInstances",
            &with_region(&[("InstanceIds", &format!("[\"{instance}\"]"))]),
        )
        .await;
    let nics =
        described.ok()["Instances"]["Instance"][0]["NetworkInterfaces"]["NetworkInterface"].clone();
    let kinds: Vec<(&str, &str)> = nics
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["NetworkInterfaceId"].as_str().unwrap(),
                n["Type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds[1], (eni.as_str(), "Secondary"));
    assert_eq!(kinds[0].1, "Primary");
    // An attached ENI keeps its own groups; the instance keeps its own.
    assert_eq!(eni_groups(&c, &eni).await, [b1]);
    assert_eq!(instance_groups(&c, &instance).await, [b0]);

    detach(&c, &eni, &instance).await;
    let attr = attribute(&c, &eni).await;
    assert_eq!(
        (&attr["Status"], &attr["InstanceId"], &attr["Attachment"]),
        (&json!("Available"), &json!(""), &json!({}))
    );

    // A Stopped instance takes ENIs too.
    c.call("StopInstance", &[("InstanceId", &instance)])
        .await
        .ok();
    attach(&c, &eni, &instance).await;
    detach(&c, &eni, &instance).await;

    c.call(
        "DeleteNetworkInterface",
        &with_region(&[("NetworkInterfaceId", &eni)]),
    )
    .await
    .ok();
    c.call(
        "DescribeNetworkInterfaceAttribute",
        &with_region(&[("NetworkInterfaceId", &eni)]),
    )
    .await
    .err("InvalidEniId.NotFound", 404);
    assert!(found(&c, &[("NetworkInterfaceId.1", &eni)])
        .await
        .is_empty());
}

#[tokio::test]
async fn attach_detach_delete_with_v1_signatures() {
    let server = TestServer::start().await;
    lifecycle_story(server.client()).await;
}

#[tokio::test]
async fn attach_detach_delete_with_acs3_signatures() {
    let server = TestServer::start().await;
    lifecycle_story(server.client().acs3()).await;
}

#[tokio::test]
async fn attach_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let x = wide(&c).await;
    let (vsw, b0, adv) = (
        x.w.vswitch.as_str(),
        x.basic[0].as_str(),
        x.w.advanced[0].as_str(),
    );
    let zone_i = create_vswitch(&c, &x.w.vpc, &format!("{REGION}-i"), "192.168.2.0/24").await;
    let instance = run_instance(&c, vsw, &[b0]).await;
    let primary = primary_eni(&c, &instance).await;
    let full = run_instance(&c, vsw, &[b0]).await;
    let on_full = create_eni(&c, vsw, &[b0]).await;
    attach(&c, &on_full, &full).await;
    let small = run_typed(&c, vsw, b0, "ecs.t5-lc1m1.small").await;
    let free = create_eni(&c, vsw, &[b0]).await;
    let in_zone_i = create_eni(&c, &zone_i, &[b0]).await;
    let in_other_vpc = create_eni(&c, &x.other_vswitch, &[&x.other_group]).await;
    let advanced = create_eni(&c, vsw, &[adv]).await;
    // g6.large allows six addresses per ENI.
    let seven_ips = create_id(
        &c,
        vsw,
        &[
            ("SecurityGroupId", b0),
            ("SecondaryPrivateIpAddressCount", "6"),
        ],
    )
    .await;
    let six_ips = create_id(
        &c,
        vsw,
        &[
            ("SecurityGroupId", b0),
            ("SecondaryPrivateIpAddressCount", "5"),
        ],
    )
    .await;
    let (i, f) = (instance.as_str(), free.as_str());

    let cases: Vec<Case> = vec![
        (
            vec![("NetworkInterfaceId", f), ("InstanceId", i)],
            "MissingParameter",
            400,
        ),
        (with_region(&[("InstanceId", i)]), "MissingParameter", 400),
        (
            with_region(&[("NetworkInterfaceId", f)]),
            "MissingParameter",
            400,
        ),
        (
            vec![
                ("RegionId", "cn-atlantis"),
                ("NetworkInterfaceId", f),
                ("InstanceId", i),
            ],
            "InvalidRegionId.NotFound",
            404,
        ),
        (
            eni_and_instance(UNKNOWN_ENI, i),
            "InvalidEniId.NotFound",
            404,
        ),
        (
            eni_and_instance(f, UNKNOWN_INSTANCE),
            "InvalidEcsId.NotFound",
            404,
        ),
        (
            eni_and_instance(&primary, &full),
            "InvalidOperation.InvalidEniType",
            403,
        ),
        (
            eni_and_instance(&on_full, i),
            "InvalidOperation.InvalidEniState",
            400,
        ),
        (
            eni_and_instance(&in_other_vpc, i),
            "InvalidOperation.VpcMismatch",
            403,
        ),
        (
            eni_and_instance(&in_zone_i, i),
            "InvalidOperation.AvailabilityZoneMismatch",
            403,
        ),
        (
            eni_and_instance(&advanced, i),
            "InvalidOperation.MultiGroupType",
            403,
        ),
        (
            eni_and_instance(f, &full),
            "EniPerInstanceLimitExceeded",
            403,
        ),
        (
            eni_and_instance(f, &small),
            "EniPerInstanceLimitExceeded",
            403,
        ),
        (
            eni_and_instance(&seven_ips, i),
            "InvalidOperation.Ipv4CountExceeded",
            403,
        ),
        (
            {
                let mut p = eni_and_instance(f, i);
                p.push(("DryRun", "true"));
                p
            },
            "DryRunOperation",
            400,
        ),
    ];
    for (params, code, status) in &cases {
        refused(&c, "AttachNetworkInterface", params, code, *status).await;
    }
    attach(&c, &six_ips, i).await;

    // The instance must be Running or Stopped.
    let other = run_instance(&c, vsw, &[b0]).await;
    for status in ["Pending", "Starting", "Stopping"] {
        force_status(&server, "instances", &other, status);
        refused(
            &c,
            "AttachNetworkInterface",
            &eni_and_instance(f, &other),
            "InvalidOperation.InvalidEcsState",
            400,
        )
        .await;
    }
    // And the ENI Available.
    force_status(&server, "instances", &other, "Running");
    for status in ["Attaching", "Detaching", "Deleting"] {
        force_status(&server, "enis", f, status);
        refused(
            &c,
            "AttachNetworkInterface",
            &eni_and_instance(f, &other),
            "InvalidOperation.InvalidEniState",
            400,
        )
        .await;
    }
    force_status(&server, "enis", f, "Available");
    attach(&c, f, &other).await;
}

#[tokio::test]
async fn detach_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    let other = run_instance(&c, &w.vswitch, &[b0]).await;
    let primary = primary_eni(&c, &instance).await;
    let attached = create_eni(&c, &w.vswitch, &[b0]).await;
    attach(&c, &attached, &instance).await;
    let free = create_eni(&c, &w.vswitch, &[b0]).await;
    let (i, a) = (instance.as_str(), attached.as_str());

    let cases: Vec<Case> = vec![
        (
            vec![("NetworkInterfaceId", a), ("InstanceId", i)],
            "MissingParameter",
            400,
        ),
        (
            with_region(&[("NetworkInterfaceId", a)]),
            "MissingParameter",
            400,
        ),
        (
            eni_and_instance(UNKNOWN_ENI, i),
            "InvalidEniId.NotFound",
            404,
        ),
        (
            eni_and_instance(a, UNKNOWN_INSTANCE),
            "InvalidEcsId.NotFound",
            404,
        ),
        (
            eni_and_instance(&primary, i),
            "InvalidOperation.DetachPrimaryEniNotAllowed",
            400,
        ),
        (
            eni_and_instance(a, &other),
            "InvalidParameter.EniNotBelongEcs",
            400,
        ),
        (
            eni_and_instance(&free, i),
            "InvalidParameter.EniNotBelongEcs",
            400,
        ),
    ];
    for (params, code, status) in &cases {
        refused(&c, "DetachNetworkInterface", params, code, *status).await;
    }

    let mut dry = eni_and_instance(a, i);
    dry.push(("DryRun", "true"));
    refused(&c, "DetachNetworkInterface", &dry, "DryRunOperation", 400).await;

    force_status(&server, "enis", a, "Attaching");
    refused(
        &c,
        "DetachNetworkInterface",
        &eni_and_instance(a, i),
        "InvalidOperation.InvalidEniState",
        400,
    )
    .await;
    force_status(&server, "enis", a, "InUse");
    for status in ["Pending", "Starting", "Stopping"] {
        force_status(&server, "instances", i, status);
        refused(
            &c,
            "DetachNetworkInterface",
            &eni_and_instance(a, i),
            "InvalidOperation.InvalidEcsState",
            400,
        )
        .await;
    }
    force_status(&server, "instances", i, "Running");
    // A detach stuck in Detaching may be retried.
    force_status(&server, "enis", a, "Detaching");
    detach(&c, a, i).await;
    assert_eq!(attribute(&c, a).await["Status"], "Available");
}

#[tokio::test]
async fn delete_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let b0 = w.basic[0].as_str();
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    let primary = primary_eni(&c, &instance).await;
    let attached = create_eni(&c, &w.vswitch, &[b0]).await;
    attach(&c, &attached, &instance).await;
    let delete = |eni| with_region(&[("NetworkInterfaceId", eni)]);

    let cases: Vec<Case> = vec![
        (
            vec![("NetworkInterfaceId", attached.as_str())],
            "MissingParameter",
            400,
        ),
        (with_region(&[]), "MissingParameter", 400),
        (delete(UNKNOWN_ENI), "InvalidEniId.NotFound", 404),
        (delete(&primary), "InvalidOperation.InvalidEniType", 403),
        (delete(&attached), "InvalidOperation.InvalidEniState", 400),
    ];
    for (params, code, status) in &cases {
        refused(&c, "DeleteNetworkInterface", params, code, *status).await;
    }
    detach(&c, &attached, &instance).await;
    let mut dry = delete(&attached);
    dry.push(("DryRun", "true"));
    refused(&c, "DeleteNetworkInterface", &dry, "DryRunOperation", 400).await;
    for status in ["Attaching", "Detaching"] {
        force_status(&server, "enis", &attached, status);
        refused(
            &c,
            "DeleteNetworkInterface",
            &delete(&attached),
            "InvalidOperation.InvalidEniState",
            400,
        )
        .await;
    }
    // A delete stuck in Deleting may be retried.
    force_status(&server, "enis", &attached, "Deleting");
    c.call("DeleteNetworkInterface", &delete(&attached))
        .await
        .ok();
    refused(
        &c,
        "DeleteNetworkInterface",
        &delete(&attached),
        "InvalidEniId.NotFound",
        404,
    )
    .await;
}

#[tokio::test]
async fn modify_network_interface_attribute() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let (instance, primary, eni) = instance_and_eni(&c, &w).await;
    let modify = |eni: &str, extra: &[(&str, &str)]| {
        let mut params = with_region(&[("NetworkInterfaceId", eni)]);
        params.extend_from_slice(extra);
        let params: Vec<(String, String)> = params
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let c = c.clone();
        async move {
            c.call("ModifyNetworkInterfaceAttribute", &borrowed(&params))
                .await
                .ok()
                .clone()
        }
    };

    let description = "d".repeat(255);
    modify(
        &eni,
        &[
            ("NetworkInterfaceName", "web-eni:1"),
            ("Description", &description),
            ("SecurityGroupId.1", b1),
            ("SecurityGroupId.2", b0),
            ("DeleteOnRelease", "true"),
            ("SourceDestCheck", "True"),
        ],
    )
    .await;
    let attr = attribute(&c, &eni).await;
    assert_eq!(attr["NetworkInterfaceName"], "web-eni:1");
    assert_eq!(attr["Description"], description.as_str());
    assert_eq!(
        attr["SecurityGroupIds"],
        json!({ "SecurityGroupId": [b1, b0] })
    );
    assert_eq!(
        (&attr["DeleteOnRelease"], &attr["SourceDestCheck"]),
        (&json!(true), &json!(true))
    );
    // Absent or empty fields stay as they are; a new group list replaces the old one whole.
    modify(
        &eni,
        &[("NetworkInterfaceName", ""), ("SecurityGroupId.1", b0)],
    )
    .await;
    let attr = attribute(&c, &eni).await;
    assert_eq!(attr["NetworkInterfaceName"], "web-eni:1");
    assert_eq!(attr["SecurityGroupIds"], json!({ "SecurityGroupId": [b0] }));
    // Attached, it may change groups within the instance's kind.
    attach(&c, &eni, &instance).await;
    modify(&eni, &[("SecurityGroupId.1", b1)]).await;
    assert_eq!(eni_groups(&c, &eni).await, [b1]);
    // A primary ENI changes its name and description.
    modify(
        &primary,
        &[
            ("NetworkInterfaceName", "primary-nic"),
            ("Description", "the first"),
        ],
    )
    .await;
    let attr = attribute(&c, &primary).await;
    assert_eq!(
        (&attr["NetworkInterfaceName"], &attr["Description"]),
        (&json!("primary-nic"), &json!("the first"))
    );
    assert_eq!(instance_groups(&c, &instance).await, [b0]);
}

#[tokio::test]
async fn modify_network_interface_attribute_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let x = wide(&c).await;
    let (vsw, b0, b1, adv) = (
        x.w.vswitch.as_str(),
        x.basic[0].as_str(),
        x.basic[1].as_str(),
        x.w.advanced[0].as_str(),
    );
    let instance = run_instance(&c, vsw, &[b0]).await;
    let primary = primary_eni(&c, &instance).await;
    let eni = create_eni(&c, vsw, &[b0]).await;
    let attached = create_eni(&c, vsw, &[b0]).await;
    attach(&c, &attached, &instance).await;
    let (e, p) = (eni.as_str(), primary.as_str());
    let long_description = "d".repeat(256);
    let six = numbered(
        "SecurityGroupId",
        &x.basic.iter().map(String::as_str).collect::<Vec<_>>(),
    );

    let mut cases: Vec<Case> = vec![
        (vec![("NetworkInterfaceId", e)], "MissingParameter", 400),
        (with_region(&[]), "MissingParameter", 400),
        (
            for_eni(UNKNOWN_ENI, &[("NetworkInterfaceName", "fine")]),
            "InvalidEniId.NotFound",
            404,
        ),
        (
            for_eni(e, &[("NetworkInterfaceName", "e")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            for_eni(e, &[("NetworkInterfaceName", "-eni")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            for_eni(e, &[("NetworkInterfaceName", "eni/1")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            for_eni(p, &[("NetworkInterfaceName", "http://eni")]),
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            for_eni(e, &[("Description", "x")]),
            "InvalidDescription.Malformed",
            400,
        ),
        (
            for_eni(p, &[("Description", "HTTPS://example.com")]),
            "InvalidDescription.Malformed",
            400,
        ),
        (
            for_eni(e, &[("SecurityGroupId.1", UNKNOWN_GROUP)]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        (
            for_eni(e, &[("SecurityGroupId.1", b1), ("SecurityGroupId.2", b1)]),
            "InvalidParameter.SecurityGroupIdRepeated",
            404,
        ),
        (
            for_eni(e, &[("SecurityGroupId.1", &x.other_group)]),
            "InvalidOperation.VpcMismatch",
            403,
        ),
        (
            for_eni(e, &[("SecurityGroupId.1", b0), ("SecurityGroupId.2", adv)]),
            "InvalidOperation.MultiGroupType",
            403,
        ),
        // Rule c: an attached ENI keeps the kind of its instance's groups.
        (
            for_eni(&attached, &[("SecurityGroupId.1", adv)]),
            "InvalidOperation.MultiGroupType",
            403,
        ),
        (
            for_eni(p, &[("SecurityGroupId.1", b1)]),
            "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
            404,
        ),
        (
            for_eni(
                p,
                &[
                    ("NetworkInterfaceName", "fine"),
                    ("DeleteOnRelease", "false"),
                ],
            ),
            "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
            404,
        ),
        (
            for_eni(p, &[("SourceDestCheck", "true")]),
            "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
            404,
        ),
        (for_eni(e, &[("QueueNumber", "0")]), "InvalidParameter", 400),
        (
            for_eni(e, &[("DeleteOnRelease", "maybe")]),
            "InvalidParameter",
            400,
        ),
        (
            for_eni(e, &[("SecurityGroupId.101", b0)]),
            "InvalidParameter",
            400,
        ),
        (
            for_eni(e, &[("NetworkInterfaceName", "fine"), ("DryRun", "true")]),
            "DryRunOperation",
            400,
        ),
    ];
    let mut long = for_eni(e, &[]);
    long.push(("Description", &long_description));
    cases.push((long, "InvalidDescription.Malformed", 400));
    let mut too_many = for_eni(e, &[]);
    too_many.extend(borrowed(&six));
    cases.push((too_many, "JoinedGroupLimitExceed", 400));
    for (params, code, status) in &cases {
        refused(&c, "ModifyNetworkInterfaceAttribute", params, code, *status).await;
    }
    // After a refusal, a valid change still goes through.
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &for_eni(e, &[("SecurityGroupId.1", b1)]),
    )
    .await
    .ok();
    assert_eq!(eni_groups(&c, e).await, [b1]);
}

#[tokio::test]
async fn answers_in_xml() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let created = xml(
        &c,
        "CreateNetworkInterface",
        &with_region(&[
            ("VSwitchId", &w.vswitch),
            ("SecurityGroupIds.1", b0),
            ("SecurityGroupIds.2", b1),
            ("SecondaryPrivateIpAddressCount", "1"),
        ]),
    )
    .await;
    assert_eq!(created.status, 200);
    let text = &created.text;
    assert!(
        text.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateNetworkInterfaceResponse><RequestId>"
        ),
        "{text}"
    );
    let id = elements(text, "NetworkInterfaceId")[0].to_string();
    assert_eq!(elements(text, "SecurityGroupId"), [b0, b1]);
    assert_eq!(elements(text, "PrivateIpSet").len(), 2);
    assert!(
        text.contains("<Ipv6Sets></Ipv6Sets>") && text.contains("<Tags></Tags>"),
        "{text}"
    );
    run_instance(&c, &w.vswitch, &[b0]).await;

    let listed = xml(&c, "DescribeNetworkInterfaces", &with_region(&[])).await;
    let text = &listed.text;
    assert!(
        text.contains("<DescribeNetworkInterfacesResponse><RequestId>"),
        "{text}"
    );
    assert!(text.ends_with("</DescribeNetworkInterfacesResponse>"));
    assert_eq!(elements(text, "NetworkInterfaceSets").len(), 1);
    let items = elements(text, "NetworkInterfaceSet");
    assert_eq!(
        items.len(),
        2,
        "one element per ENI, repeated under the wrapper"
    );
    assert!(items[0].contains(&format!("<NetworkInterfaceId>{id}</NetworkInterfaceId>")));
    assert!(items[0].contains(&format!("<SecurityGroupIds><SecurityGroupId>{b0}</SecurityGroupId><SecurityGroupId>{b1}</SecurityGroupId></SecurityGroupIds>")), "{}", items[0]);
    assert!(items[1].contains("<Type>Primary</Type>"));
    assert_eq!(elements(text, "TotalCount"), ["2"]);

    let attr = xml(
        &c,
        "DescribeNetworkInterfaceAttribute",
        &with_region(&[("NetworkInterfaceId", &id)]),
    )
    .await;
    assert!(
        attr.text
            .contains("<DescribeNetworkInterfaceAttributeResponse><RequestId>"),
        "{}",
        attr.text
    );
    assert_eq!(elements(&attr.text, "Status"), ["Available"]);

    let none = xml(
        &c,
        "DescribeNetworkInterfaces",
        &with_region(&[("InstanceId", UNKNOWN_INSTANCE)]),
    )
    .await;
    assert!(
        none.text
            .contains("<NetworkInterfaceSets></NetworkInterfaceSets>"),
        "{}",
        none.text
    );

    let missing = xml(
        &c,
        "DeleteNetworkInterface",
        &with_region(&[("NetworkInterfaceId", UNKNOWN_ENI)]),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.text.contains("<Error><RequestId>"),
        "{}",
        missing.text
    );
    assert_eq!(elements(&missing.text, "Code"), ["InvalidEniId.NotFound"]);
}

/// DescribeNetworkInterfaces reuses an ENI's rendered answer while the ENI stands at one store
/// revision (`actions::cache`). After every kind of change to an ENI, its listed answer must be
/// what DescribeNetworkInterfaceAttribute (never cached) shows, in JSON and in XML.
#[tokio::test]
async fn listed_enis_follow_every_change() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let b1 = w.basic[1].as_str();
    let (instance, primary, eni) = instance_and_eni(&c, &w).await;

    /// The listed answer of `eni` (asked twice: the second comes from the cache) against its
    /// attribute answer, field by field.
    async fn agrees(c: &Client, eni: &str, change: &str) {
        let attribute = attribute(c, eni).await;
        for _ in 0..2 {
            let listed = describe(c, &[("NetworkInterfaceId.1", eni)]).await;
            assert_eq!(ids_of(&listed), [eni]);
            let item = &listed["NetworkInterfaceSets"]["NetworkInterfaceSet"][0];
            for (key, value) in item.as_object().unwrap() {
                assert_eq!(&attribute[key], value, "{key} of {eni} after {change}");
            }
            let xml_items = |text: &str| {
                elements(text, "NetworkInterfaceSet")
                    .into_iter()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            let by_id = with_region(&[("NetworkInterfaceId.1", eni)]);
            let listed_xml = xml(c, "DescribeNetworkInterfaces", &by_id).await;
            let attribute_xml =
                xml(c, "DescribeNetworkInterfaceAttribute", &for_eni(eni, &[])).await;
            let item_xml = &xml_items(&listed_xml.text)[0];
            // The attribute answer repeats some names further on (NetworkInterfaceTrafficConfig).
            for key in item.as_object().unwrap().keys() {
                let (listed, shown) = (elements(item_xml, key), elements(&attribute_xml.text, key));
                assert!(
                    !listed.is_empty() && shown.starts_with(&listed),
                    "XML {key} of {eni} after {change}: {listed:?} vs {shown:?}"
                );
            }
        }
    }
    async fn changed(c: &Client, action: &str, params: &[(&str, &str)], eni: &str) {
        c.call(action, &with_region(params)).await.ok();
        agrees(c, eni, action).await;
    }

    agrees(&c, &eni, "creation").await;
    agrees(&c, &primary, "launch").await;
    for (key, value) in [
        ("NetworkInterfaceName", "renamed"),
        ("Description", "described"),
        ("SecurityGroupId.1", b1),
        ("QueueNumber", "2"),
    ] {
        let params = [("NetworkInterfaceId", eni.as_str()), (key, value)];
        changed(&c, "ModifyNetworkInterfaceAttribute", &params, &eni).await;
    }
    let tag = [
        ("ResourceType", "eni"),
        ("ResourceId.1", eni.as_str()),
        ("Tag.1.Key", "team"),
        ("Tag.1.Value", "net"),
    ];
    changed(&c, "TagResources", &tag, &eni).await;
    let untag = [
        ("ResourceType", "eni"),
        ("ResourceId.1", eni.as_str()),
        ("TagKey.1", "team"),
    ];
    changed(&c, "UntagResources", &untag, &eni).await;
    let assigned = c
        .call(
            "AssignPrivateIpAddresses",
            &for_eni(&eni, &[("SecondaryPrivateIpAddressCount", "1")]),
        )
        .await
        .ok()["AssignedPrivateIpAddressesSet"]["PrivateIpSet"]["PrivateIpAddress"][0]
        .as_str()
        .unwrap()
        .to_string();
    agrees(&c, &eni, "AssignPrivateIpAddresses").await;
    let unassign = [
        ("NetworkInterfaceId", eni.as_str()),
        ("PrivateIpAddress.1", &assigned),
    ];
    changed(&c, "UnassignPrivateIpAddresses", &unassign, &eni).await;
    // The seed's rule b: the instance's group calls change its primary ENI.
    let member = [("InstanceId", instance.as_str()), ("SecurityGroupId", b1)];
    changed(&c, "JoinSecurityGroup", &member, &primary).await;
    changed(&c, "LeaveSecurityGroup", &member, &primary).await;
    attach(&c, &eni, &instance).await;
    agrees(&c, &eni, "AttachNetworkInterface").await;
    detach(&c, &eni, &instance).await;
    agrees(&c, &eni, "DetachNetworkInterface").await;
}
