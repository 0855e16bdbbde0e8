//! The catalog, the VPC API (VPCs and vSwitches with their CIDR rules and quotas) and the
//! instance calls (RunInstances, CreateInstance, DescribeInstances, Start/Stop/DeleteInstance)
//! end to end: ecs-api.md §3.4, §3.7, §4.17–§4.23.

mod common;

use common::*;
use serde_json::Value;

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
const TYPE: &str = "ecs.g6.large";
/// An instance type that cannot be in advanced groups.
const OLD_TYPE: &str = "ecs.t5-lc1m1.small";

// ---------------------------------------------------------------------------------------------
// Helpers: owned parameter lists, so cases can carry the ids a test made.
// ---------------------------------------------------------------------------------------------

type Params = Vec<(&'static str, String)>;

fn params(pairs: &[(&'static str, &str)]) -> Params {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

async fn call(c: &Client, action: &str, params: &[(&'static str, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.call(action, &refs).await
}

/// `base` with `change` applied: a name in `change` replaces the base's value; an empty value
/// removes the parameter.
fn changed(base: &Params, change: &Params) -> Params {
    let mut out: Params = base
        .iter()
        .filter(|(k, _)| !change.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    out.extend(change.iter().filter(|(_, v)| !v.is_empty()).cloned());
    out
}

/// One refused call: what it shows, the parameters that differ from a valid base, the answer.
struct Refusal {
    what: &'static str,
    change: Params,
    code: &'static str,
    status: u16,
}

fn refusal(what: &'static str, change: Params, code: &'static str, status: u16) -> Refusal {
    Refusal {
        what,
        change,
        code,
        status,
    }
}

/// Checks every case of `cases` against `action` with `base` parameters.
async fn check_refusals(c: &Client, action: &str, base: &Params, cases: &[Refusal]) {
    for case in cases {
        let reply = call(c, action, &changed(base, &case.change)).await;
        assert_eq!(
            (reply.code(), reply.status),
            (case.code, case.status),
            "{action}: {}: {}",
            case.what,
            reply.text
        );
        reply.err(case.code, case.status);
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn id_list(ids: &[&str]) -> String {
    serde_json::to_string(ids).unwrap()
}

async fn describe_instances(c: &Client, filters: &[(&'static str, &str)]) -> Vec<Value> {
    let mut all = params(&[("RegionId", REGION), ("PageSize", "100")]);
    all.extend(params(filters));
    let reply = call(c, "DescribeInstances", &all).await;
    reply.ok()["Instances"]["Instance"]
        .as_array()
        .unwrap()
        .clone()
}

async fn instance(c: &Client, id: &str) -> Value {
    let found = describe_instances(c, &[("InstanceIds", &id_list(&[id]))]).await;
    assert_eq!(found.len(), 1, "{id}");
    found[0].clone()
}

async fn status_of(c: &Client, id: &str) -> String {
    instance(c, id).await["Status"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn vswitch(c: &Client, id: &str) -> Value {
    let reply = c
        .call(
            "DescribeVSwitches",
            &[("RegionId", REGION), ("VSwitchId", id)],
        )
        .await;
    reply.ok()["VSwitches"]["VSwitch"][0].clone()
}

async fn free_addresses(c: &Client, vswitch_id: &str) -> u64 {
    vswitch(c, vswitch_id).await["AvailableIpAddressCount"]
        .as_u64()
        .unwrap()
}

/// RunInstances with the world's vSwitch and one basic group, plus `extra`.
async fn run(c: &Client, w: &World, extra: &[(&'static str, &str)]) -> Vec<String> {
    let base = params(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("InstanceType", TYPE),
        ("ImageId", IMAGE),
        ("SecurityGroupId", &w.basic[0]),
    ]);
    let reply = call(c, "RunInstances", &changed(&base, &params(extra))).await;
    strings(&reply.ok()["InstanceIdSets"]["InstanceIdSet"])
}

fn primary_ip(instance: &Value) -> String {
    instance["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
        .as_str()
        .unwrap()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// The catalog.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_catalog_lists_regions_zones_instance_types_and_images() {
    let server = TestServer::start().await;
    let c = server.client();

    let reply = c.call("DescribeRegions", &[]).await;
    let regions = reply.ok()["Regions"]["Region"].as_array().unwrap().clone();
    let ids: Vec<&str> = regions
        .iter()
        .map(|r| r["RegionId"].as_str().unwrap())
        .collect();
    for builtin in [
        "cn-hangzhou",
        "cn-shanghai",
        "cn-beijing",
        "ap-southeast-1",
        "us-west-1",
        "eu-central-1",
    ] {
        assert!(ids.contains(&builtin), "{builtin} in {ids:?}");
    }
    for region in &regions {
        let id = region["RegionId"].as_str().unwrap();
        assert_eq!(region["RegionEndpoint"], format!("ecs.{id}.aliyuncs.com"));
        assert_eq!(region["Status"], "available");
        assert!(region["LocalName"].is_string());
    }

    let reply = c.call("DescribeZones", &[("RegionId", REGION)]).await;
    let zones = reply.ok()["Zones"]["Zone"].as_array().unwrap().clone();
    let zone_ids: Vec<&str> = zones
        .iter()
        .map(|z| z["ZoneId"].as_str().unwrap())
        .collect();
    assert_eq!(
        zone_ids,
        [
            "cn-hangzhou-h",
            "cn-hangzhou-i",
            "cn-hangzhou-j",
            "cn-hangzhou-k"
        ]
    );
    let resources = &zones[0]["AvailableResources"]["ResourcesInfo"][0];
    assert_eq!(
        resources["NetworkTypes"]["supportedNetworkCategory"],
        serde_json::json!(["vpc"])
    );
    assert!(strings(&zones[0]["AvailableInstanceTypes"]["InstanceTypes"]).contains(&TYPE.into()));
    c.call("DescribeZones", &[("RegionId", "cn-nowhere")])
        .await
        .err("InvalidRegionId.NotFound", 404);
    c.call("DescribeZones", &[])
        .await
        .err("MissingParameter", 400);

    let reply = c.call("DescribeInstanceTypes", &[]).await;
    assert!(
        reply.ok()["InstanceTypes"]["InstanceType"]
            .as_array()
            .unwrap()
            .len()
            > 5
    );
    let reply = c
        .call(
            "DescribeInstanceTypes",
            &[("InstanceTypes.1", TYPE), ("InstanceTypes.2", OLD_TYPE)],
        )
        .await;
    let types = reply.ok()["InstanceTypes"]["InstanceType"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(types.len(), 2);
    let g6 = types.iter().find(|t| t["InstanceTypeId"] == TYPE).unwrap();
    assert_eq!(g6["InstanceTypeFamily"], "ecs.g6");
    assert_eq!(g6["EniQuantity"], 2);
    assert_eq!(g6["CpuCoreCount"], 2);

    let reply = c.call("DescribeImages", &[("RegionId", REGION)]).await;
    let images = reply.ok()["Images"]["Image"].as_array().unwrap().clone();
    assert!(images.iter().any(|i| i["ImageId"] == IMAGE));
    assert_eq!(reply.body["TotalCount"], images.len());
    let reply = c
        .call(
            "DescribeImages",
            &[("RegionId", REGION), ("ImageId", IMAGE)],
        )
        .await;
    assert_eq!(reply.ok()["Images"]["Image"][0]["OSType"], "linux");
    assert_eq!(reply.body["TotalCount"], 1);
}

// ---------------------------------------------------------------------------------------------
// VPCs and vSwitches.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_vpc_checks_its_block_name_and_description() {
    let server = TestServer::start().await;
    let c = server.client();
    let long = "v".repeat(129);
    let base = params(&[("RegionId", REGION), ("CidrBlock", "10.0.0.0/16")]);
    let cidr = |v: &str| params(&[("CidrBlock", v)]);
    let cases = [
        refusal("not a block", cidr("nonsense"), "InvalidParameter", 400),
        refusal(
            "host bits set",
            cidr("10.0.0.1/16"),
            "InvalidParameter",
            400,
        ),
        refusal(
            "shared range",
            cidr("100.64.0.0/16"),
            "InvalidParameter",
            400,
        ),
        refusal("loopback", cidr("127.0.0.0/16"), "InvalidParameter", 400),
        refusal(
            "link-local",
            cidr("169.254.0.0/16"),
            "InvalidParameter",
            400,
        ),
        refusal("multicast", cidr("224.0.0.0/8"), "InvalidParameter", 400),
        refusal(
            "mask too long",
            cidr("192.168.0.0/29"),
            "IllegalParam.CidrBlockMask",
            400,
        ),
        refusal(
            "mask too short",
            cidr("10.0.0.0/7"),
            "IllegalParam.CidrBlockMask",
            400,
        ),
        refusal(
            "name is a URL",
            params(&[("VpcName", "http://vpc")]),
            "InvalidVpcName.Malformed",
            400,
        ),
        refusal(
            "name too long",
            params(&[("VpcName", &long)]),
            "InvalidVpcName.Malformed",
            400,
        ),
        refusal(
            "description is a URL",
            params(&[("Description", "https://vpc")]),
            "InvalidVpcDiscription.Malformed",
            400,
        ),
        refusal(
            "unknown region",
            params(&[("RegionId", "cn-nowhere")]),
            "InvalidRegionId.NotFound",
            404,
        ),
        refusal(
            "no region",
            params(&[("RegionId", "")]),
            "MissingParameter",
            400,
        ),
    ];
    check_refusals(&c, "CreateVpc", &base, &cases).await;
    let none = c.call("DescribeVpcs", &[("RegionId", REGION)]).await;
    assert_eq!(
        none.ok()["TotalCount"],
        0,
        "a refused create leaves nothing"
    );

    // Without a block the VPC gets 172.16.0.0/12; a one-character name is fine.
    let reply = c
        .call("CreateVpc", &[("RegionId", REGION), ("VpcName", "v")])
        .await;
    let created = reply.ok().clone();
    for field in ["VpcId", "VRouterId", "RouteTableId"] {
        assert!(
            created[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}"
        );
    }
    let vpc = created["VpcId"].as_str().unwrap();
    assert!(vpc.starts_with("vpc-bp"), "{vpc}");
    let reply = c
        .call("DescribeVpcs", &[("RegionId", REGION), ("VpcId", vpc)])
        .await;
    let shown = &reply.ok()["Vpcs"]["Vpc"][0];
    assert_eq!(shown["CidrBlock"], "172.16.0.0/12");
    assert_eq!(shown["VpcName"], "v");
    assert_eq!(shown["VRouterId"], created["VRouterId"]);
    assert_eq!(
        shown["RouterTableIds"]["RouterTableIds"],
        serde_json::json!([created["RouteTableId"]])
    );
}

#[tokio::test]
async fn the_vpc_quota_counts_per_region() {
    let server = TestServer::start_with(|c| c.limits.vpcs_per_region = 1).await;
    let c = server.client();
    create_vpc(&c, "10.0.0.0/16").await;
    c.call("CreateVpc", &[("RegionId", REGION)])
        .await
        .err("QuotaExceeded.Vpc", 400);
    c.call("CreateVpc", &[("RegionId", "cn-shanghai")])
        .await
        .ok();
}

#[tokio::test]
async fn create_vswitch_checks_its_block_against_the_vpc_and_its_siblings() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let long = "s".repeat(129);
    let base = params(&[
        ("RegionId", REGION),
        ("VpcId", &w.vpc),
        ("ZoneId", &w.zone),
        ("CidrBlock", "192.168.2.0/24"),
    ]);
    let cidr = |v: &str| params(&[("CidrBlock", v)]);
    let cases = [
        refusal(
            "not a block",
            cidr("192.168.2"),
            "InvalidCidrBlock.Malformed",
            400,
        ),
        refusal(
            "host bits set",
            cidr("192.168.2.1/24"),
            "InvalidCidrBlock.Malformed",
            400,
        ),
        refusal(
            "mask too long",
            cidr("192.168.2.0/30"),
            "InvalidCirdrBlock.MaskLength",
            400,
        ),
        refusal(
            "mask too short",
            cidr("192.168.0.0/15"),
            "InvalidCirdrBlock.MaskLength",
            400,
        ),
        refusal(
            "outside the VPC",
            cidr("10.0.0.0/24"),
            "InvalidParameter",
            400,
        ),
        refusal(
            "inside a sibling",
            cidr("192.168.1.128/25"),
            "InvalidCidrBlock.Overlapped",
            400,
        ),
        refusal(
            "around a sibling",
            cidr("192.168.0.0/23"),
            "InvalidCidrBlock.Overlapped",
            400,
        ),
        refusal(
            "unknown VPC",
            params(&[("VpcId", "vpc-bp1nosuchvpc0000000000")]),
            "InvalidVpcId.NotFound",
            404,
        ),
        refusal(
            "unknown zone",
            params(&[("ZoneId", "cn-hangzhou-z")]),
            "InvalidZoneId.NotFound",
            404,
        ),
        refusal(
            "zone of another region",
            params(&[("ZoneId", "cn-shanghai-e")]),
            "InvalidZoneId.NotFound",
            404,
        ),
        refusal(
            "name is a URL",
            params(&[("VSwitchName", "http://vsw")]),
            "InvalidVSwitchName.Malformed",
            400,
        ),
        refusal(
            "name too long",
            params(&[("VSwitchName", &long)]),
            "InvalidVSwitchName.Malformed",
            400,
        ),
        refusal(
            "description is a URL",
            params(&[("Description", "https://vsw")]),
            "InvalidVSwitchDiscription.Malformed",
            400,
        ),
        refusal("no block", cidr(""), "MissingParameter", 400),
        refusal(
            "no zone",
            params(&[("ZoneId", "")]),
            "MissingParameter",
            400,
        ),
    ];
    check_refusals(&c, "CreateVSwitch", &base, &cases).await;
    let outside = call(&c, "CreateVSwitch", &changed(&base, &cidr("10.0.0.0/24"))).await;
    assert!(
        outside.message().contains("not valid in VPC"),
        "{}",
        outside.text
    );
    // The same block next to its sibling is fine, with a name and description.
    let named = changed(
        &base,
        &params(&[("VSwitchName", "web tier"), ("Description", "d")]),
    );
    let id = call(&c, "CreateVSwitch", &named).await.ok()["VSwitchId"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = vswitch(&c, &id).await;
    assert_eq!(shown["VSwitchName"], "web tier");
    assert_eq!(shown["Description"], "d");
}

#[tokio::test]
async fn the_vswitch_quota_counts_per_vpc() {
    let server = TestServer::start_with(|c| c.limits.vswitches_per_vpc = 1).await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let zone = format!("{REGION}-h");
    create_vswitch(&c, &vpc, &zone, "192.168.1.0/24").await;
    c.call(
        "CreateVSwitch",
        &[
            ("RegionId", REGION),
            ("VpcId", &vpc),
            ("ZoneId", &zone),
            ("CidrBlock", "192.168.2.0/24"),
        ],
    )
    .await
    .err("QuotaExceeded.VSwitch", 400);
    // Another VPC has its own allowance.
    let other = create_vpc(&c, "10.0.0.0/16").await;
    create_vswitch(&c, &other, &zone, "10.0.1.0/24").await;
}

#[tokio::test]
async fn describe_vpcs_and_vswitches_show_what_was_created() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let second = create_vswitch(&c, &w.vpc, &format!("{REGION}-i"), "192.168.2.0/24").await;
    let other_vpc = create_vpc(&c, "10.0.0.0/16").await;

    let reply = c
        .call("DescribeVpcs", &[("RegionId", REGION), ("VpcId", &w.vpc)])
        .await;
    let body = reply.ok();
    assert_eq!(body["TotalCount"], 1);
    let vpc = &body["Vpcs"]["Vpc"][0];
    assert_eq!(vpc["CidrBlock"], "192.168.0.0/16");
    assert_eq!(vpc["Status"], "Available");
    assert_eq!(vpc["RegionId"], REGION);
    assert_eq!(vpc["IsDefault"], false);
    assert_eq!(
        strings(&vpc["VSwitchIds"]["VSwitchId"]),
        [w.vswitch.clone(), second.clone()]
    );
    for (wrapper, item) in [
        ("UserCidrs", "UserCidr"),
        ("SecondaryCidrBlocks", "SecondaryCidrBlock"),
        ("NatGatewayIds", "NatGatewayIds"),
        ("Tags", "Tag"),
    ] {
        assert!(vpc[wrapper][item].is_array(), "{wrapper}.{item}");
    }
    assert_seconds(&vpc["CreationTime"]);

    let both = format!("{},{}", w.vpc, other_vpc);
    let reply = c
        .call("DescribeVpcs", &[("RegionId", REGION), ("VpcId", &both)])
        .await;
    assert_eq!(reply.ok()["TotalCount"], 2);
    let reply = c.call("DescribeVpcs", &[("RegionId", "cn-shanghai")]).await;
    assert_eq!(reply.ok()["TotalCount"], 0);

    let reply = c
        .call(
            "DescribeVSwitches",
            &[("RegionId", REGION), ("VpcId", &w.vpc)],
        )
        .await;
    let body = reply.ok();
    assert_eq!(body["TotalCount"], 2);
    let first = &body["VSwitches"]["VSwitch"][0];
    assert_eq!(first["VSwitchId"], w.vswitch.as_str());
    assert_eq!(first["VpcId"], w.vpc.as_str());
    assert_eq!(first["ZoneId"], w.zone.as_str());
    assert_eq!(first["CidrBlock"], "192.168.1.0/24");
    assert_eq!(first["Status"], "Available");
    assert!(first["Tags"]["Tag"].is_array());
    assert_seconds(&first["CreationTime"]);
    let reply = c
        .call(
            "DescribeVSwitches",
            &[("RegionId", REGION), ("ZoneId", &format!("{REGION}-i"))],
        )
        .await;
    assert_eq!(
        reply.ok()["VSwitches"]["VSwitch"][0]["VSwitchId"],
        second.as_str()
    );
    // DescribeVSwitches needs a RegionId or a VpcId, not both.
    let reply = c.call("DescribeVSwitches", &[("VpcId", &w.vpc)]).await;
    assert_eq!(reply.ok()["TotalCount"], 2);
    let ghost = c
        .call(
            "DescribeVSwitches",
            &[("VpcId", "vpc-bp1nosuchvpc0000000000")],
        )
        .await;
    assert_eq!(ghost.ok()["TotalCount"], 0);
    c.call("DescribeVSwitches", &[])
        .await
        .err("MissingParameter", 400);
}

fn assert_seconds(time: &Value) {
    let text = time.as_str().unwrap();
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

fn assert_minutes(time: &Value) {
    let text = time.as_str().unwrap();
    assert_eq!(text.len(), "2017-12-10T04:04Z".len(), "{text}");
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%MZ")
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

#[tokio::test]
async fn available_addresses_shrink_as_they_are_taken_and_grow_as_they_are_freed() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    // A /24 keeps its first address and its last three.
    assert_eq!(free_addresses(&c, &w.vswitch).await, 252);
    let instances = run(&c, &w, &[("Amount", "3")]).await;
    assert_eq!(free_addresses(&c, &w.vswitch).await, 249);
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    assert_eq!(free_addresses(&c, &w.vswitch).await, 248);
    c.call(
        "DeleteInstance",
        &[("InstanceId", &instances[0]), ("Force", "true")],
    )
    .await
    .ok();
    assert_eq!(free_addresses(&c, &w.vswitch).await, 249);
    c.call(
        "DeleteNetworkInterface",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
    )
    .await
    .ok();
    assert_eq!(free_addresses(&c, &w.vswitch).await, 250);
}

// ---------------------------------------------------------------------------------------------
// RunInstances and CreateInstance.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn run_instances_gives_each_instance_a_primary_eni_in_its_groups() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let groups = [w.basic[0].as_str(), w.basic[1].as_str()];
    let ids = run(
        &c,
        &w,
        &[
            ("SecurityGroupId", ""),
            ("SecurityGroupIds.1", groups[0]),
            ("SecurityGroupIds.2", groups[1]),
            ("Amount", "3"),
        ],
    )
    .await;
    assert_eq!(ids.len(), 3);
    for id in &ids {
        assert!(id.starts_with("i-bp"), "{id}");
        let found = instance(&c, id).await;
        assert_eq!(found["Status"], "Running");
        assert_eq!(
            found["InstanceName"],
            id.as_str(),
            "the name defaults to the id"
        );
        assert_eq!(
            strings(&found["SecurityGroupIds"]["SecurityGroupId"]),
            groups
        );
        let enis = enis_of(&c, id).await;
        assert_eq!(enis.len(), 1);
        let primary = &enis[0];
        assert_eq!(primary["Type"], "Primary");
        assert_eq!(primary["Status"], "InUse");
        assert_eq!(primary["InstanceId"], id.as_str());
        assert_eq!(primary["VSwitchId"], w.vswitch.as_str());
        assert_eq!(
            strings(&primary["SecurityGroupIds"]["SecurityGroupId"]),
            groups
        );
        assert_eq!(primary["PrivateIpAddress"], primary_ip(&found).as_str());
    }
    // Each group lists all three through DescribeInstances' SecurityGroupId filter.
    for group in groups {
        let members = describe_instances(&c, &[("SecurityGroupId", group)]).await;
        assert_eq!(members.len(), 3, "{group}");
    }
    // Amount defaults to 1.
    assert_eq!(run(&c, &w, &[]).await.len(), 1);
}

#[tokio::test]
async fn a_private_ip_address_starts_a_run_of_consecutive_addresses() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let ids = run(
        &c,
        &w,
        &[("PrivateIpAddress", "192.168.1.10"), ("Amount", "3")],
    )
    .await;
    let mut addresses = Vec::new();
    for id in &ids {
        addresses.push(primary_ip(&instance(&c, id).await));
    }
    addresses.sort();
    assert_eq!(addresses, ["192.168.1.10", "192.168.1.11", "192.168.1.12"]);
    // DescribeInstances finds the middle one by its address.
    let found = describe_instances(
        &c,
        &[
            ("InstanceNetworkType", "vpc"),
            ("PrivateIpAddresses", r#"["192.168.1.11"]"#),
        ],
    )
    .await;
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn run_instances_refuses_what_the_reference_refuses() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (basic, advanced) = (w.basic[0].clone(), w.advanced[0].clone());
    let elsewhere = create_vpc(&c, "10.0.0.0/16").await;
    let foreign_group = create_group(&c, &elsewhere, "normal").await;
    let tiny = create_vswitch(&c, &w.vpc, &w.zone, "192.168.2.0/29").await;
    let mut six = w.basic.clone();
    for _ in 0..4 {
        six.push(create_group(&c, &w.vpc, "normal").await);
    }
    run(&c, &w, &[("PrivateIpAddress", "192.168.1.50")]).await;
    let before = describe_instances(&c, &[]).await.len();

    let base = params(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("InstanceType", TYPE),
        ("ImageId", IMAGE),
        ("SecurityGroupId", &basic),
    ]);
    let set = |pairs: &[(&'static str, &str)]| params(pairs);
    let mut six_groups = set(&[("SecurityGroupId", "")]);
    let names = [
        "SecurityGroupIds.1",
        "SecurityGroupIds.2",
        "SecurityGroupIds.3",
        "SecurityGroupIds.4",
        "SecurityGroupIds.5",
        "SecurityGroupIds.6",
    ];
    six_groups.extend(names.iter().zip(&six).map(|(k, v)| (*k, v.clone())));
    let cases = [
        refusal(
            "both group forms",
            set(&[("SecurityGroupIds.1", &w.basic[1])]),
            "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            400,
        ),
        refusal(
            "a group twice",
            set(&[
                ("SecurityGroupId", ""),
                ("SecurityGroupIds.1", &basic),
                ("SecurityGroupIds.2", &basic),
            ]),
            "InvalidParameter.SecurityGroupIdRepeated",
            400,
        ),
        refusal(
            "basic and advanced groups",
            set(&[
                ("SecurityGroupId", ""),
                ("SecurityGroupIds.1", &basic),
                ("SecurityGroupIds.2", &advanced),
            ]),
            "EnterpriseGroupLimited.MutliGroupType",
            403,
        ),
        refusal(
            "advanced group for an old type",
            set(&[("SecurityGroupId", &advanced), ("InstanceType", OLD_TYPE)]),
            "EnterpriseGroupLimited.InstanceType",
            403,
        ),
        refusal(
            "group of another VPC",
            set(&[("SecurityGroupId", &foreign_group)]),
            "InvalidParameter.Mismatch",
            400,
        ),
        refusal(
            "zone other than the vSwitch's",
            set(&[("ZoneId", "cn-hangzhou-i")]),
            "InvalidParameter.Mismatch",
            400,
        ),
        refusal("six groups", six_groups, "JoinedGroupLimitExceed", 400),
        refusal(
            "unknown type",
            set(&[("InstanceType", "ecs.nope.large")]),
            "InvalidInstanceType.ValueNotSupported",
            400,
        ),
        refusal(
            "unknown image",
            set(&[("ImageId", "m-bp1nosuchimage")]),
            "InvalidImageId.NotFound",
            404,
        ),
        refusal(
            "unknown zone",
            set(&[("ZoneId", "cn-hangzhou-z")]),
            "InvalidZoneId.NotFound",
            404,
        ),
        refusal(
            "unknown region",
            set(&[("RegionId", "cn-nowhere")]),
            "InvalidRegionId.NotFound",
            404,
        ),
        refusal(
            "unknown vSwitch",
            set(&[("VSwitchId", "vsw-bp1nosuchvsw0000000000")]),
            "InvalidVSwitchId.NotFound",
            404,
        ),
        refusal(
            "unknown group",
            set(&[("SecurityGroupId", "sg-bp1nosuchgroup00000000")]),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        refusal(
            "name starting with a digit",
            set(&[("InstanceName", "1web")]),
            "InvalidInstanceName.Malformed",
            400,
        ),
        refusal(
            "name with a space",
            set(&[("InstanceName", "web server")]),
            "InvalidInstanceName.Malformed",
            400,
        ),
        refusal(
            "address outside the vSwitch",
            set(&[("PrivateIpAddress", "192.168.3.5")]),
            "InvalidPrivateIpAddress",
            400,
        ),
        refusal(
            "reserved last address",
            set(&[("PrivateIpAddress", "192.168.1.255")]),
            "InvalidPrivateIpAddress",
            400,
        ),
        refusal(
            "not an address",
            set(&[("PrivateIpAddress", "192.168.1.x")]),
            "InvalidPrivateIpAddress.Malformed",
            400,
        ),
        refusal(
            "address taken",
            set(&[("PrivateIpAddress", "192.168.1.50")]),
            "InvalidPrivateIpAddress.Duplicated",
            400,
        ),
        refusal(
            "a later address of the run taken",
            set(&[("PrivateIpAddress", "192.168.1.49"), ("Amount", "2")]),
            "InvalidPrivateIpAddress.Duplicated",
            400,
        ),
        refusal(
            "more instances than free addresses",
            set(&[("VSwitchId", &tiny), ("Amount", "5")]),
            "QuotaExceeded.PrivateIpAddress",
            400,
        ),
        refusal(
            "no group",
            set(&[("SecurityGroupId", "")]),
            "MissingParameter",
            400,
        ),
        refusal(
            "no vSwitch",
            set(&[("VSwitchId", "")]),
            "MissingParameter",
            400,
        ),
        refusal("Amount 0", set(&[("Amount", "0")]), "InvalidParameter", 400),
        refusal(
            "Amount 101",
            set(&[("Amount", "101")]),
            "InvalidParameter",
            400,
        ),
    ];
    check_refusals(&c, "RunInstances", &base, &cases).await;
    // All or nothing: no refused call left an instance or took an address.
    assert_eq!(describe_instances(&c, &[]).await.len(), before);
    assert_eq!(free_addresses(&c, &tiny).await, 4);
    assert_eq!(free_addresses(&c, &w.vswitch).await, 251);
    // The tiny vSwitch takes exactly four.
    let four = run(&c, &w, &[("VSwitchId", &tiny), ("Amount", "4")]).await;
    assert_eq!(four.len(), 4);
    assert_eq!(free_addresses(&c, &tiny).await, 0);
}

#[tokio::test]
async fn a_full_group_takes_no_new_instances() {
    let server = TestServer::start_with(|c| {
        c.limits.basic_group_capacity = 2;
        c.limits.advanced_group_capacity = 2;
    })
    .await;
    let c = server.client();
    let w = world(&c).await;
    let (basic, advanced) = (w.basic[0].as_str(), w.advanced[0].as_str());
    let base = params(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("InstanceType", TYPE),
        ("ImageId", IMAGE),
        ("SecurityGroupId", basic),
    ]);
    let cases = [
        refusal(
            "three into a basic group of two",
            params(&[("Amount", "3")]),
            "SecurityGroupInstanceLimitExceed",
            403,
        ),
        refusal(
            "three into an advanced group of two",
            params(&[("SecurityGroupId", advanced), ("Amount", "3")]),
            "InvalidOperation.EniCountExceeded",
            403,
        ),
    ];
    check_refusals(&c, "RunInstances", &base, &cases).await;
    assert_eq!(run(&c, &w, &[("Amount", "2")]).await.len(), 2);
    check_refusals(
        &c,
        "RunInstances",
        &base,
        &[refusal(
            "one more into the full group",
            params(&[]),
            "SecurityGroupInstanceLimitExceed",
            403,
        )],
    )
    .await;
    check_refusals(
        &c,
        "CreateInstance",
        &base,
        &[refusal(
            "one more into the full group",
            params(&[]),
            "SecurityGroupInstanceLimitExceed",
            403,
        )],
    )
    .await;
}

#[tokio::test]
async fn create_instance_makes_one_stopped_instance() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let base = params(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("InstanceType", TYPE),
        ("ImageId", IMAGE),
        ("SecurityGroupId", &w.advanced[0]),
        ("InstanceName", "db-1"),
        ("PrivateIpAddress", "192.168.1.20"),
    ]);
    let reply = call(&c, "CreateInstance", &base).await;
    let id = reply.ok()["InstanceId"].as_str().unwrap().to_string();
    let found = instance(&c, &id).await;
    assert_eq!(found["Status"], "Stopped");
    assert_eq!(found["InstanceName"], "db-1");
    assert_eq!(found["StartTime"], "");
    assert_eq!(primary_ip(&found), "192.168.1.20");
    assert_eq!(
        strings(&found["SecurityGroupIds"]["SecurityGroupId"]),
        [w.advanced[0].clone()]
    );

    let cases = [
        refusal(
            "advanced group for an old type",
            params(&[("InstanceType", OLD_TYPE)]),
            "EnterpriseGroupLimited.InstanceType",
            403,
        ),
        refusal(
            "address taken",
            params(&[]),
            "InvalidPrivateIpAddress.Duplicated",
            400,
        ),
        refusal(
            "zone other than the vSwitch's",
            params(&[("ZoneId", "cn-hangzhou-j"), ("PrivateIpAddress", "")]),
            "InvalidParameter.Mismatch",
            400,
        ),
        refusal(
            "no group",
            params(&[("SecurityGroupId", ""), ("PrivateIpAddress", "")]),
            "MissingParameter",
            400,
        ),
    ];
    check_refusals(&c, "CreateInstance", &base, &cases).await;
}

// ---------------------------------------------------------------------------------------------
// The lifecycle.
// ---------------------------------------------------------------------------------------------

/// A lifecycle call, the refusal it meets if any, and the status afterwards.
type Step = (&'static str, Option<(&'static str, u16)>, &'static str);

#[tokio::test]
async fn start_stop_and_delete_follow_the_status_rules() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let reply = c
        .call(
            "CreateInstance",
            &[
                ("RegionId", REGION),
                ("VSwitchId", &w.vswitch),
                ("InstanceType", TYPE),
                ("ImageId", IMAGE),
                ("SecurityGroupId", &w.basic[0]),
            ],
        )
        .await;
    let id = reply.ok()["InstanceId"].as_str().unwrap().to_string();
    let steps: &[Step] = &[
        (
            "StopInstance",
            Some(("IncorrectInstanceStatus", 403)),
            "Stopped",
        ),
        ("StartInstance", None, "Running"),
        (
            "StartInstance",
            Some(("IncorrectInstanceStatus", 403)),
            "Running",
        ),
        (
            "DeleteInstance",
            Some(("IncorrectInstanceStatus", 403)),
            "Running",
        ),
        ("StopInstance", None, "Stopped"),
        ("StartInstance", None, "Running"),
        ("StopInstance", None, "Stopped"),
    ];
    for &(action, refused, after) in steps {
        let reply = c.call(action, &[("InstanceId", &id)]).await;
        match refused {
            None => {
                reply.ok();
            }
            Some((code, status)) => {
                reply.err(code, status);
            }
        }
        assert_eq!(status_of(&c, &id).await, after, "after {action}");
    }
    let started = instance(&c, &id).await;
    assert_minutes(&started["StartTime"]);
    c.call("DeleteInstance", &[("InstanceId", &id)]).await.ok();
    assert!(describe_instances(&c, &[]).await.is_empty());
    for action in ["StartInstance", "StopInstance", "DeleteInstance"] {
        c.call(action, &[("InstanceId", &id)])
            .await
            .err("InvalidInstanceId.NotFound", 404);
        c.call(action, &[]).await.err("MissingParameter", 400);
    }
}

#[tokio::test]
async fn force_deletes_a_running_instance() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let id = run(&c, &w, &[]).await.remove(0);
    c.call("DeleteInstance", &[("InstanceId", &id)])
        .await
        .err("IncorrectInstanceStatus", 403);
    c.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .ok();
    assert!(describe_instances(&c, &[]).await.is_empty());
    assert!(enis_of(&c, &id).await.is_empty());
}

#[tokio::test]
async fn describe_instances_filters_and_refuses_unknown_statuses() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let running = run(&c, &w, &[("InstanceName", "web-1")]).await.remove(0);
    let stopped = run(&c, &w, &[("InstanceName", "db-1")]).await.remove(0);
    c.call("StopInstance", &[("InstanceId", &stopped)])
        .await
        .ok();
    for (status, expected) in [("Running", &running), ("Stopped", &stopped)] {
        let found = describe_instances(&c, &[("Status", status)]).await;
        assert_eq!(found.len(), 1, "{status}");
        assert_eq!(found[0]["InstanceId"], expected.as_str());
    }
    assert!(describe_instances(&c, &[("Status", "Pending")])
        .await
        .is_empty());
    c.call(
        "DescribeInstances",
        &[("RegionId", REGION), ("Status", "Sleeping")],
    )
    .await
    .err("InvalidStatus.NotFound", 404);
    // InstanceName takes `*` wildcards.
    let names = [
        ("web*", vec![&running]),
        ("*-1", vec![&running, &stopped]),
        ("db-1", vec![&stopped]),
        ("app*", vec![]),
    ];
    for (name, expected) in names {
        let found = describe_instances(&c, &[("InstanceName", name)]).await;
        let ids: Vec<&str> = found
            .iter()
            .map(|i| i["InstanceId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{name}");
    }
    // Unknown ids are simply not listed.
    let ghosts = id_list(&["i-bp1nosuchinstance000000"]);
    assert!(describe_instances(&c, &[("InstanceIds", &ghosts)])
        .await
        .is_empty());
}

#[tokio::test]
async fn deleting_an_instance_releases_its_enis() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    // A type with room for two secondary ENIs.
    let id = run(&c, &w, &[("InstanceType", "ecs.g6.xlarge")])
        .await
        .remove(0);
    let primary = primary_eni(&c, &id).await;
    let kept = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    let reply = c
        .call(
            "CreateNetworkInterface",
            &[
                ("RegionId", REGION),
                ("VSwitchId", &w.vswitch),
                ("SecurityGroupId", &w.basic[0]),
                ("DeleteOnRelease", "true"),
            ],
        )
        .await;
    let released = reply.ok()["NetworkInterfaceId"]
        .as_str()
        .unwrap()
        .to_string();
    for eni in [&kept, &released] {
        c.call(
            "AttachNetworkInterface",
            &[
                ("RegionId", REGION),
                ("NetworkInterfaceId", eni),
                ("InstanceId", &id),
            ],
        )
        .await
        .ok();
    }
    assert_eq!(enis_of(&c, &id).await.len(), 3);
    assert_eq!(free_addresses(&c, &w.vswitch).await, 249);

    c.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .ok();
    for gone in [&primary, &released] {
        c.call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", gone)],
        )
        .await
        .err("InvalidEniId.NotFound", 404);
    }
    let reply = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", &kept)],
        )
        .await;
    let left = reply.ok();
    assert_eq!(left["Status"], "Available");
    assert_eq!(left["InstanceId"], "");
    assert_eq!(
        strings(&left["SecurityGroupIds"]["SecurityGroupId"]),
        [w.basic[0].clone()]
    );
    // Only the kept ENI still holds an address.
    assert_eq!(free_addresses(&c, &w.vswitch).await, 251);
    assert!(describe_instances(&c, &[("SecurityGroupId", &w.basic[0])])
        .await
        .is_empty());
}

#[tokio::test]
async fn describe_instances_has_the_documented_shape() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let id = run(
        &c,
        &w,
        &[("InstanceName", "web-1"), ("Description", "front end")],
    )
    .await
    .remove(0);
    let secondary = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    c.call(
        "AttachNetworkInterface",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &secondary),
            ("InstanceId", &id),
        ],
    )
    .await
    .ok();

    let reply = c.call("DescribeInstances", &[("RegionId", REGION)]).await;
    let body = reply.ok();
    assert_eq!(body["TotalCount"], 1);
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(body["PageSize"], 10);
    let i = &body["Instances"]["Instance"][0];
    let expected = [
        ("InstanceId", Value::from(id.as_str())),
        ("InstanceName", "web-1".into()),
        ("Description", "front end".into()),
        ("RegionId", REGION.into()),
        ("ZoneId", w.zone.as_str().into()),
        ("InstanceType", TYPE.into()),
        ("ImageId", IMAGE.into()),
        ("Status", "Running".into()),
        ("InstanceNetworkType", "vpc".into()),
        ("Cpu", 2.into()),
        ("Memory", 8192.into()),
    ];
    for (field, value) in expected {
        assert_eq!(i[field], value, "{field}");
    }
    assert!(i["HostName"].as_str().is_some_and(|h| !h.is_empty()));
    assert_minutes(&i["CreationTime"]);
    assert_minutes(&i["StartTime"]);
    assert_eq!(
        strings(&i["SecurityGroupIds"]["SecurityGroupId"]),
        [w.basic[0].clone()]
    );
    let vpc = &i["VpcAttributes"];
    assert_eq!(vpc["VpcId"], w.vpc.as_str());
    assert_eq!(vpc["VSwitchId"], w.vswitch.as_str());
    assert_eq!(vpc["NatIpAddress"], "");
    let address = primary_ip(i);
    assert_eq!(
        strings(&vpc["PrivateIpAddress"]["IpAddress"]),
        [address.as_str()]
    );

    let nics = i["NetworkInterfaces"]["NetworkInterface"]
        .as_array()
        .unwrap();
    let types: Vec<&str> = nics.iter().map(|n| n["Type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Primary", "Secondary"]);
    assert_eq!(nics[1]["NetworkInterfaceId"], secondary.as_str());
    assert_eq!(nics[0]["PrimaryIpAddress"], address.as_str());
    let set = &nics[0]["PrivateIpSets"]["PrivateIpSet"][0];
    assert_eq!(set["PrivateIpAddress"], address.as_str());
    assert_eq!(set["Primary"], true);
    for nic in nics {
        assert!(nic["MacAddress"].as_str().is_some_and(|m| m.len() == 17));
        assert!(nic["Ipv6Sets"]["Ipv6Set"].is_array());
    }

    // Every container is there, even when empty.
    for (wrapper, item) in [
        ("PublicIpAddress", "IpAddress"),
        ("InnerIpAddress", "IpAddress"),
        ("OperationLocks", "LockReason"),
        ("Tags", "Tag"),
    ] {
        assert_eq!(i[wrapper][item], serde_json::json!([]), "{wrapper}.{item}");
    }
    assert!(i["EipAddress"].is_object());
    assert_eq!(i["EipAddress"]["IpAddress"], "");
}
