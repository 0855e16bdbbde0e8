//! Security groups end to end: CreateSecurityGroup, DescribeSecurityGroups,
//! ModifySecurityGroupAttribute, DeleteSecurityGroup, and JoinSecurityGroup /
//! LeaveSecurityGroup in both the InstanceId and the NetworkInterfaceId form. Every refused
//! write is checked to leave the account's state exactly as it was.

mod common;
use common::*;

use serde_json::{json, Value};

/// A refused call: its parameters, and the code and HTTP status it must answer.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, u16);
/// The same with borrowed parameters (for read-only calls).
type ReadCase<'a> = (&'a [(&'a str, &'a str)], &'a str, u16);

const BY_INSTANCE: &str = "InstanceId";
const BY_ENI: &str = "NetworkInterfaceId";
const UNKNOWN_GROUP: &str = "sg-bp1nosuchgroup00000000";
const UNKNOWN_INSTANCE: &str = "i-bp1nosuchinstance000000";
const UNKNOWN_ENI: &str = "eni-bp1nosucheni000000000";

/// The parameters of a Join/Leave call in one form.
fn member<'a>(form: &'a str, id: &'a str, group: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("RegionId", REGION), (form, id), ("SecurityGroupId", group)]
}

async fn join(c: &Client, form: &str, id: &str, group: &str) {
    c.call("JoinSecurityGroup", &member(form, id, group))
        .await
        .ok();
}

async fn leave(c: &Client, form: &str, id: &str, group: &str) {
    c.call("LeaveSecurityGroup", &member(form, id, group))
        .await
        .ok();
}

async fn describe_groups(c: &Client, filters: &[(&str, &str)]) -> Value {
    let mut params = vec![("RegionId", REGION)];
    params.extend_from_slice(filters);
    c.call("DescribeSecurityGroups", &params).await.ok().clone()
}

fn ids_of(body: &Value) -> Vec<String> {
    body["SecurityGroups"]["SecurityGroup"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["SecurityGroupId"].as_str().unwrap().to_string())
        .collect()
}

/// The ids a filtered DescribeSecurityGroups returns.
async fn found(c: &Client, filters: &[(&str, &str)]) -> Vec<String> {
    ids_of(&describe_groups(c, filters).await)
}

/// One group as DescribeSecurityGroups shows it.
async fn group(c: &Client, id: &str) -> Value {
    let body = describe_groups(c, &[("SecurityGroupId", id)]).await;
    assert_eq!(body["TotalCount"], json!(1), "{body}");
    body["SecurityGroups"]["SecurityGroup"][0].clone()
}

async fn create_named(c: &Client, vpc: &str, name: &str) -> String {
    let reply = c
        .call(
            "CreateSecurityGroup",
            &[
                ("RegionId", REGION),
                ("VpcId", vpc),
                ("SecurityGroupName", name),
            ],
        )
        .await;
    reply.ok()["SecurityGroupId"].as_str().unwrap().to_string()
}

/// Extra basic groups in the world's VPC, so there are six in all.
async fn six_basic_groups(c: &Client, w: &World) -> Vec<String> {
    let mut groups = w.basic.clone();
    for _ in 0..4 {
        groups.push(create_group(c, &w.vpc, "normal").await);
    }
    groups
}

fn strs(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn created_groups_are_described_with_every_field() {
    let server = TestServer::start().await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let basic = c
        .call(
            "CreateSecurityGroup",
            &[
                ("RegionId", REGION),
                ("VpcId", &vpc),
                ("SecurityGroupName", "web-tier:1"),
                ("Description", "front end servers"),
            ],
        )
        .await;
    let basic = basic.ok()["SecurityGroupId"].as_str().unwrap().to_string();
    assert!(basic.starts_with("sg-bp"), "{basic}");
    let advanced = create_group(&c, &vpc, "enterprise").await;

    let body = describe_groups(&c, &[]).await;
    assert_eq!(body["RegionId"], REGION);
    assert_eq!(
        (&body["TotalCount"], &body["PageNumber"], &body["PageSize"]),
        (&json!(2), &json!(1), &json!(10))
    );
    let items = &body["SecurityGroups"]["SecurityGroup"];
    let b = &items[0];
    assert_eq!(b["SecurityGroupId"], basic.as_str());
    assert_eq!(b["SecurityGroupType"], "normal", "normal is the default");
    assert_eq!(b["SecurityGroupName"], "web-tier:1");
    assert_eq!(b["Description"], "front end servers");
    assert_eq!(b["VpcId"], vpc.as_str());
    assert_eq!(b["EcsCount"], json!(0));
    assert_eq!(b["AvailableInstanceAmount"], json!(2000));
    assert_eq!(b["RuleCount"], json!(0));
    assert_eq!(b["ServiceManaged"], json!(false));
    assert_eq!(b["Tags"], json!({ "Tag": [] }));
    assert_seconds_time(&b["CreationTime"]);
    let a = &items[1];
    assert_eq!(a["SecurityGroupId"], advanced.as_str());
    assert_eq!(a["SecurityGroupType"], "enterprise");
    assert_eq!(a["AvailableInstanceAmount"], json!(65536));
    assert_eq!(
        (&a["SecurityGroupName"], &a["Description"]),
        (&json!(""), &json!(""))
    );
}

#[tokio::test]
async fn names_and_descriptions_at_their_limits_are_accepted() {
    let server = TestServer::start().await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let long_name = format!("n{}", "a".repeat(127));
    let long_description = "d".repeat(256);
    for (name, description) in [
        ("ab", "de"),
        ("安全组.内网", "说明"),
        (long_name.as_str(), long_description.as_str()),
    ] {
        let reply = c
            .call(
                "CreateSecurityGroup",
                &[
                    ("RegionId", REGION),
                    ("VpcId", &vpc),
                    ("SecurityGroupName", name),
                    ("Description", description),
                ],
            )
            .await;
        let id = reply.ok()["SecurityGroupId"].as_str().unwrap().to_string();
        let g = group(&c, &id).await;
        assert_eq!(
            (g["SecurityGroupName"].as_str(), g["Description"].as_str()),
            (Some(name), Some(description))
        );
    }
}

#[tokio::test]
async fn create_security_group_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let vpc = vpc.as_str();
    let region = ("RegionId", REGION);
    let long_name = "a".repeat(129);
    let long_description = "d".repeat(257);
    let bad_name = |name| vec![region, ("VpcId", vpc), ("SecurityGroupName", name)];
    let bad_description = |d| vec![region, ("VpcId", vpc), ("Description", d)];
    let cases: Vec<Case> = vec![
        (vec![("VpcId", vpc)], "MissingParameter.RegionId", 400),
        (
            vec![("RegionId", "cn-atlantis"), ("VpcId", vpc)],
            "InvalidRegionId.NotFound",
            404,
        ),
        (
            vec![region, ("VpcId", vpc), ("SecurityGroupType", "advanced")],
            "InvalidParams.GroupType",
            400,
        ),
        (
            vec![region, ("SecurityGroupType", "enterprise")],
            "InvalidParams.VpcIdGroupType",
            400,
        ),
        (vec![region], "InvalidVpcId.NotFound", 403),
        (
            vec![region, ("SecurityGroupType", "normal")],
            "InvalidVpcId.NotFound",
            403,
        ),
        (
            vec![region, ("VpcId", "vpc-bp1nosuchvpc000000000")],
            "InvalidVpcId.NotFound",
            404,
        ),
        (bad_name("a"), "InvalidSecurityGroupName.Malformed", 400),
        (
            bad_name("1group"),
            "InvalidSecurityGroupName.Malformed",
            400,
        ),
        (
            bad_name("http://group"),
            "InvalidSecurityGroupName.Malformed",
            400,
        ),
        (
            bad_name("my group"),
            "InvalidSecurityGroupName.Malformed",
            400,
        ),
        (
            bad_name(&long_name),
            "InvalidSecurityGroupName.Malformed",
            400,
        ),
        (bad_description("x"), "InvalidDescription.Malformed", 400),
        (
            bad_description("https://example.com"),
            "InvalidDescription.Malformed",
            400,
        ),
        (
            bad_description(&long_description),
            "InvalidDescription.Malformed",
            400,
        ),
    ];
    for (params, code, status) in &cases {
        refused(&c, "CreateSecurityGroup", params, code, *status).await;
    }
}

#[tokio::test]
async fn the_region_quota_of_groups_is_enforced() {
    let server = TestServer::start_with(|c| c.limits.security_groups_per_region = 2).await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let first = create_group(&c, &vpc, "normal").await;
    create_group(&c, &vpc, "enterprise").await;
    let params = [("RegionId", REGION), ("VpcId", vpc.as_str())];
    refused(
        &c,
        "CreateSecurityGroup",
        &params,
        "QuotaExceed.SecurityGroup",
        403,
    )
    .await;
    // Another region has its own quota; freeing one here makes room again.
    let other = c
        .call(
            "CreateVpc",
            &[("RegionId", "cn-beijing"), ("CidrBlock", "10.0.0.0/8")],
        )
        .await;
    let other_vpc = other.ok()["VpcId"].as_str().unwrap().to_string();
    c.call(
        "CreateSecurityGroup",
        &[("RegionId", "cn-beijing"), ("VpcId", &other_vpc)],
    )
    .await
    .ok();
    c.call(
        "DeleteSecurityGroup",
        &[("RegionId", REGION), ("SecurityGroupId", &first)],
    )
    .await
    .ok();
    c.call("CreateSecurityGroup", &params).await.ok();
}

#[tokio::test]
async fn describe_security_groups_filters() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1, adv) = (
        w.basic[0].as_str(),
        w.basic[1].as_str(),
        w.advanced[0].as_str(),
    );
    let db = create_named(&c, &w.vpc, "db").await;
    let other_vpc = create_vpc(&c, "10.0.0.0/8").await;
    let other = create_group(&c, &other_vpc, "normal").await;
    let (db, other) = (db.as_str(), other.as_str());

    assert_eq!(found(&c, &[]).await, [b0, b1, adv, db, other]);
    assert_eq!(found(&c, &[("VpcId", &w.vpc)]).await, [b0, b1, adv, db]);
    assert_eq!(found(&c, &[("VpcId", &other_vpc)]).await, [other]);
    assert_eq!(
        found(&c, &[("SecurityGroupType", "enterprise")]).await,
        [adv]
    );
    assert_eq!(
        found(&c, &[("SecurityGroupType", "normal"), ("VpcId", &w.vpc)]).await,
        [b0, b1, db]
    );
    assert_eq!(found(&c, &[("SecurityGroupName", "db")]).await, [db]);
    assert_eq!(found(&c, &[("SecurityGroupId", b1)]).await, [b1]);
    let listed = format!(r#"["{adv}","{UNKNOWN_GROUP}","{b0}"]"#);
    assert_eq!(found(&c, &[("SecurityGroupIds", &listed)]).await, [b0, adv]);
    // Unknown ids and filters that match nothing give an empty list, not an error.
    let none = describe_groups(&c, &[("SecurityGroupId", UNKNOWN_GROUP)]).await;
    assert_eq!(none["TotalCount"], json!(0));
    assert_eq!(none["SecurityGroups"], json!({ "SecurityGroup": [] }));
    assert!(found(&c, &[("VpcId", "vpc-bp1nosuchvpc000000000")])
        .await
        .is_empty());

    let region = ("RegionId", REGION);
    let cases: &[ReadCase] = &[
        (&[], "MissingParameter.RegionId", 400),
        (
            &[("RegionId", "cn-atlantis")],
            "InvalidRegionId.NotFound",
            404,
        ),
        (
            &[region, ("SecurityGroupType", "advanced")],
            "InvalidParameter.SecurityGroupType",
            400,
        ),
        (
            &[region, ("NextToken", "not-a-token")],
            "InValidParameter.NextToken",
            400,
        ),
        (
            &[region, ("SecurityGroupIds", "sg-a,sg-b")],
            "InvalidParameter",
            400,
        ),
        (&[region, ("PageSize", "51")], "InvalidParameter", 400),
        (&[region, ("PageNumber", "0")], "InvalidParameter", 400),
    ];
    for (params, code, status) in cases {
        c.call("DescribeSecurityGroups", params)
            .await
            .err(code, *status);
    }
}

#[tokio::test]
async fn describe_security_groups_pages_both_ways() {
    let server = TestServer::start().await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let mut all = Vec::new();
    for _ in 0..7 {
        all.push(create_group(&c, &vpc, "normal").await);
    }

    // PageNumber/PageSize: TotalCount and every page in creation order.
    let mut numbered = Vec::new();
    for number in ["1", "2", "3", "4"] {
        let body = describe_groups(&c, &[("PageNumber", number), ("PageSize", "3")]).await;
        assert_eq!(body["TotalCount"], json!(7));
        assert_eq!(body["PageNumber"], json!(number.parse::<u64>().unwrap()));
        assert_eq!(body["PageSize"], json!(3));
        numbered.push(ids_of(&body));
    }
    assert_eq!(
        numbered.iter().map(Vec::len).collect::<Vec<_>>(),
        [3, 3, 1, 0]
    );
    assert_eq!(numbered.concat(), all);

    // MaxResults/NextToken: each group exactly once, the last page with an empty token.
    let list = ("SecurityGroups", "SecurityGroup", "SecurityGroupId");
    let pages = token_pages(&c, "DescribeSecurityGroups", "3", list).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(pages.concat(), all);
    let pages = token_pages(&c, "DescribeSecurityGroups", "100", list).await;
    assert_eq!(pages, [all.clone()]);
    // A token of another walk still only continues after where it points.
    let first = describe_groups(&c, &[("MaxResults", "2")]).await;
    let token = first["NextToken"].as_str().unwrap().to_string();
    let rest = describe_groups(&c, &[("MaxResults", "100"), ("NextToken", &token)]).await;
    assert_eq!(ids_of(&rest), all[2..]);
    assert_eq!(rest["NextToken"], "");
}

#[tokio::test]
async fn modify_security_group_attribute() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let id = w.basic[0].as_str();
    let modify = |extra: &[(&'static str, &'static str)]| {
        let mut params = vec![("RegionId", REGION), ("SecurityGroupId", id)];
        params.extend_from_slice(extra);
        params
    };
    c.call(
        "ModifySecurityGroupAttribute",
        &modify(&[
            ("SecurityGroupName", "renamed"),
            ("Description", "new words"),
        ]),
    )
    .await
    .ok();
    let g = group(&c, id).await;
    assert_eq!(
        (&g["SecurityGroupName"], &g["Description"]),
        (&json!("renamed"), &json!("new words"))
    );
    // Absent or empty means unchanged.
    c.call(
        "ModifySecurityGroupAttribute",
        &modify(&[("SecurityGroupName", ""), ("Description", "only this")]),
    )
    .await
    .ok();
    let g = group(&c, id).await;
    assert_eq!(
        (&g["SecurityGroupName"], &g["Description"]),
        (&json!("renamed"), &json!("only this"))
    );

    let long_description = "d".repeat(257);
    let cases: Vec<Case> = vec![
        (
            vec![("SecurityGroupId", id)],
            "MissingParameter.RegionId",
            400,
        ),
        (vec![("RegionId", REGION)], "MissingParameter", 400),
        (
            vec![("RegionId", REGION), ("SecurityGroupId", UNKNOWN_GROUP)],
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        (
            modify(&[("SecurityGroupName", "x")]),
            "InvalidSecurityGroupName.Malformed",
            400,
        ),
        (
            modify(&[("SecurityGroupName", "9lives")]),
            "InvalidSecurityGroupName.Malformed",
            400,
        ),
        (
            modify(&[("SecurityGroupName", "ok-name"), ("Description", "y")]),
            "InvalidSecurityGroupDiscription.Malformed",
            400,
        ),
        (
            modify(&[("Description", "http://here")]),
            "InvalidSecurityGroupDiscription.Malformed",
            400,
        ),
        (
            {
                let mut p = modify(&[]);
                p.push(("Description", &long_description));
                p
            },
            "InvalidSecurityGroupDiscription.Malformed",
            400,
        ),
    ];
    for (params, code, status) in &cases {
        refused(&c, "ModifySecurityGroupAttribute", params, code, *status).await;
    }
}

#[tokio::test]
async fn a_group_is_deleted_only_once_it_has_no_members() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0, b1]).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.advanced[0]]).await;
    let delete = |id| vec![("RegionId", REGION), ("SecurityGroupId", id)];

    refused(
        &c,
        "DeleteSecurityGroup",
        &delete(b0),
        "DependencyViolation",
        403,
    )
    .await;
    refused(
        &c,
        "DeleteSecurityGroup",
        &delete(&w.advanced[0]),
        "DependencyViolation",
        403,
    )
    .await;
    refused(
        &c,
        "DeleteSecurityGroup",
        &delete(UNKNOWN_GROUP),
        "InvalidSecurityGroup.NotFound",
        404,
    )
    .await;
    refused(
        &c,
        "DeleteSecurityGroup",
        &[("SecurityGroupId", b0)],
        "MissingParameter.RegionId",
        400,
    )
    .await;
    refused(
        &c,
        "DeleteSecurityGroup",
        &[("RegionId", REGION)],
        "MissingParameter",
        400,
    )
    .await;

    leave(&c, BY_INSTANCE, &instance, b0).await;
    c.call("DeleteSecurityGroup", &delete(b0)).await.ok();
    c.call(
        "DeleteNetworkInterface",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
    )
    .await
    .ok();
    c.call("DeleteSecurityGroup", &delete(&w.advanced[0]))
        .await
        .ok();
    assert_eq!(found(&c, &[]).await, [b1]);
    // Gone means gone: a second delete is a not-found.
    refused(
        &c,
        "DeleteSecurityGroup",
        &delete(b0),
        "InvalidSecurityGroup.NotFound",
        404,
    )
    .await;
}

/// The instance form moves the primary ENI with the instance; secondary ENIs stay.
async fn instance_form_story(c: Client) {
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    let primary = primary_eni(&c, &instance).await;
    let secondary = create_eni(&c, &w.vswitch, &[b0]).await;
    c.call(
        "AttachNetworkInterface",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &secondary),
            ("InstanceId", &instance),
        ],
    )
    .await
    .ok();

    join(&c, BY_INSTANCE, &instance, b1).await;
    assert_eq!(instance_groups(&c, &instance).await, [b0, b1]);
    assert_eq!(eni_groups(&c, &primary).await, [b0, b1]);
    assert_eq!(eni_groups(&c, &secondary).await, [b0]);
    assert_eq!(group(&c, b1).await["EcsCount"], json!(1));
    let by_group = c
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("SecurityGroupId", b1)],
        )
        .await;
    assert_eq!(
        by_group.ok()["Instances"]["Instance"][0]["InstanceId"],
        instance.as_str()
    );

    leave(&c, BY_INSTANCE, &instance, b0).await;
    assert_eq!(instance_groups(&c, &instance).await, [b1]);
    assert_eq!(eni_groups(&c, &primary).await, [b1]);
    assert_eq!(eni_groups(&c, &secondary).await, [b0]);
    assert_eq!(
        group(&c, b0).await["EcsCount"],
        json!(1),
        "the secondary ENI is still in it"
    );

    // RegionId may be left out in the instance form.
    let no_region = [("InstanceId", instance.as_str()), ("SecurityGroupId", b0)];
    c.call("JoinSecurityGroup", &no_region).await.ok();
    c.call("LeaveSecurityGroup", &no_region).await.ok();
    assert_eq!(instance_groups(&c, &instance).await, [b1]);

    // A Stopped instance may change groups too.
    c.call("StopInstance", &[("InstanceId", &instance)])
        .await
        .ok();
    join(&c, BY_INSTANCE, &instance, b0).await;
    assert_eq!(instance_groups(&c, &instance).await, [b1, b0]);
}

#[tokio::test]
async fn instance_form_with_v1_signatures() {
    let server = TestServer::start().await;
    instance_form_story(server.client()).await;
}

#[tokio::test]
async fn instance_form_with_acs3_signatures() {
    let server = TestServer::start().await;
    instance_form_story(server.client().acs3()).await;
}

#[tokio::test]
async fn eni_form_changes_only_that_eni() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    let free = create_eni(&c, &w.vswitch, &[b0]).await;
    let attached = create_eni(&c, &w.vswitch, &[b0]).await;
    c.call(
        "AttachNetworkInterface",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &attached),
            ("InstanceId", &instance),
        ],
    )
    .await
    .ok();

    for eni in [&free, &attached] {
        join(&c, BY_ENI, eni, b1).await;
        assert_eq!(eni_groups(&c, eni).await, [b0, b1]);
        leave(&c, BY_ENI, eni, b0).await;
        assert_eq!(eni_groups(&c, eni).await, [b1]);
    }
    assert_eq!(instance_groups(&c, &instance).await, [b0]);
    assert_eq!(group(&c, b1).await["EcsCount"], json!(2));
    assert_eq!(group(&c, b0).await["EcsCount"], json!(1));
}

#[tokio::test]
async fn join_and_leave_refusals() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let basic = six_basic_groups(&c, &w).await;
    let five = strs(&basic[..5]);
    let (b0, b1, b5, adv) = (
        basic[0].as_str(),
        basic[1].as_str(),
        basic[5].as_str(),
        w.advanced[0].as_str(),
    );
    let instance = run_instance(&c, &w.vswitch, &[b0]).await;
    let full_instance = run_instance(&c, &w.vswitch, &five).await;
    let primary = primary_eni(&c, &instance).await;
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    let full_eni = create_eni(&c, &w.vswitch, &five).await;
    let other_vpc = create_vpc(&c, "10.0.0.0/8").await;
    let other_vswitch = create_vswitch(&c, &other_vpc, &w.zone, "10.1.0.0/24").await;
    let other_group = create_group(&c, &other_vpc, "normal").await;
    let (i, e, p, g) = (
        instance.as_str(),
        eni.as_str(),
        primary.as_str(),
        other_group.as_str(),
    );
    let other_instance = run_instance(&c, &other_vswitch, &[g]).await;
    let other_eni = create_eni(&c, &other_vswitch, &[g]).await;

    let both = vec![
        ("RegionId", REGION),
        (BY_INSTANCE, i),
        (BY_ENI, e),
        ("SecurityGroupId", b1),
    ];
    let shared: Vec<Case> = vec![
        (
            vec![(BY_ENI, e), ("SecurityGroupId", b1)],
            "MissingParameter.RegionId",
            400,
        ),
        (
            vec![("RegionId", REGION), (BY_INSTANCE, i)],
            "MissingParameter",
            400,
        ),
        (
            vec![("RegionId", REGION), ("SecurityGroupId", b1)],
            "MissingParameter",
            400,
        ),
        (both, "InvalidParam.EniIdAndInstanceId.Conflict", 403),
        (
            vec![
                ("RegionId", "cn-atlantis"),
                (BY_INSTANCE, i),
                ("SecurityGroupId", b1),
            ],
            "InvalidRegionId.NotFound",
            404,
        ),
        (
            member(BY_INSTANCE, i, UNKNOWN_GROUP),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        (
            member(BY_ENI, e, UNKNOWN_GROUP),
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        (
            member(BY_INSTANCE, UNKNOWN_INSTANCE, b1),
            "InvalidInstanceId.NotFound",
            404,
        ),
        (
            vec![(BY_INSTANCE, UNKNOWN_INSTANCE), ("SecurityGroupId", b1)],
            "InvalidInstanceId.NotFound",
            404,
        ),
        (
            member(BY_ENI, UNKNOWN_ENI, b1),
            "InvalidEniId.NotFound",
            404,
        ),
        (
            member(BY_ENI, p, b1),
            "InvalidOperation.InvalidEniType",
            403,
        ),
    ];
    for action in ["JoinSecurityGroup", "LeaveSecurityGroup"] {
        for (params, code, status) in &shared {
            refused(&c, action, params, code, *status).await;
        }
    }

    let joins: Vec<Case> = vec![
        (
            member(BY_INSTANCE, i, b0),
            "InvalidInstanceId.AlreadyExists",
            403,
        ),
        (
            member(BY_ENI, e, b0),
            "InvalidInstanceId.AlreadyExists",
            403,
        ),
        (member(BY_INSTANCE, i, g), "InvalidInstanceId.Mismatch", 400),
        (
            member(BY_INSTANCE, &other_instance, b1),
            "InvalidInstanceId.Mismatch",
            400,
        ),
        (member(BY_ENI, e, g), "InvalidOperation.VpcMismatch", 403),
        (
            member(BY_ENI, &other_eni, b1),
            "InvalidOperation.VpcMismatch",
            403,
        ),
        (
            member(BY_INSTANCE, i, adv),
            "InvalidOperation.MultiGroupType",
            400,
        ),
        (
            member(BY_ENI, e, adv),
            "InvalidOperation.MultiGroupType",
            400,
        ),
        (
            member(BY_INSTANCE, &full_instance, b5),
            "InstanceSecurityGroupLimitExceeded",
            400,
        ),
        (member(BY_ENI, &full_eni, b5), "JoinedGroupLimitExceed", 400),
    ];
    for (params, code, status) in &joins {
        refused(&c, "JoinSecurityGroup", params, code, *status).await;
    }

    let leaves: Vec<Case> = vec![
        (
            member(BY_INSTANCE, i, b1),
            "InvalidSecurityGroupAssociation.NotFound",
            400,
        ),
        (
            member(BY_ENI, e, b1),
            "InvalidSecurityGroupAssociation.NotFound",
            400,
        ),
        (
            member(BY_INSTANCE, i, g),
            "InvalidSecurityGroupAssociation.NotFound",
            400,
        ),
        (member(BY_INSTANCE, i, b0), "InstanceLastSecurityGroup", 403),
        (
            member(BY_ENI, e, b0),
            "InvalidOperation.AtLeastInOneGroup",
            403,
        ),
    ];
    for (params, code, status) in &leaves {
        refused(&c, "LeaveSecurityGroup", params, code, *status).await;
    }
}

#[tokio::test]
async fn instance_types_without_advanced_group_support_cannot_join_one() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, adv) = (&w.basic[0], &w.advanced[0]);
    let small = run_typed(&c, &w.vswitch, b0, "ecs.t5-lc1m1.small").await;
    refused(
        &c,
        "JoinSecurityGroup",
        &member(BY_INSTANCE, &small, adv),
        "InvalidOperation.NotSupportEnterpriseGroup",
        400,
    )
    .await;
    // The same type joins basic groups freely.
    join(&c, BY_INSTANCE, &small, &w.basic[1]).await;
}

#[tokio::test]
async fn full_groups_take_no_more_members() {
    let server = TestServer::start_with(|c| {
        c.limits.basic_group_capacity = 2;
        c.limits.advanced_group_capacity = 2;
    })
    .await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1, adv) = (&w.basic[0], &w.basic[1], &w.advanced[0]);
    let adv2 = create_group(&c, &w.vpc, "enterprise").await;
    // b0 and adv each get two members: an instance and an ENI.
    run_instance(&c, &w.vswitch, &[b0]).await;
    let b0_eni = create_eni(&c, &w.vswitch, &[b0]).await;
    run_instance(&c, &w.vswitch, &[adv]).await;
    create_eni(&c, &w.vswitch, &[adv]).await;
    let full = group(&c, b0).await;
    assert_eq!(
        (&full["EcsCount"], &full["AvailableInstanceAmount"]),
        (&json!(2), &json!(0))
    );

    let instance = run_instance(&c, &w.vswitch, &[b1]).await;
    let eni = create_eni(&c, &w.vswitch, &[b1]).await;
    let adv_instance = run_instance(&c, &w.vswitch, &[&adv2]).await;
    let adv_eni = create_eni(&c, &w.vswitch, &[&adv2]).await;
    let cases = [
        (
            member(BY_INSTANCE, &instance, b0),
            "SecurityGroupInstanceLimitExceeded",
        ),
        (
            member(BY_ENI, &eni, b0),
            "SecurityGroupInstanceLimitExceeded",
        ),
        (
            member(BY_INSTANCE, &adv_instance, adv),
            "InvalidOperation.NetworkInterfaceCountExceeded",
        ),
        (
            member(BY_ENI, &adv_eni, adv),
            "InvalidOperation.NetworkInterfaceCountExceeded",
        ),
    ];
    for (params, code) in &cases {
        refused(&c, "JoinSecurityGroup", params, code, 403).await;
    }
    // A member going makes room.
    c.call(
        "DeleteNetworkInterface",
        &[("RegionId", REGION), ("NetworkInterfaceId", &b0_eni)],
    )
    .await
    .ok();
    join(&c, BY_INSTANCE, &instance, b0).await;
    assert_eq!(group(&c, b0).await["AvailableInstanceAmount"], json!(0));
}

#[tokio::test]
async fn membership_needs_a_settled_instance_and_eni() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0, b1]).await;
    // An instance still being created (Pending) has its own code (ecs-api.md §5 rule i).
    for (status, code) in [
        ("Pending", "Forbidden.InstanceIsBeingCreated"),
        ("Starting", "IncorrectInstanceStatus"),
        ("Stopping", "IncorrectInstanceStatus"),
    ] {
        force_status(&server, "instances", &instance, status);
        let (joining, leaving) = (
            member(BY_INSTANCE, &instance, &w.basic[1]),
            member(BY_INSTANCE, &instance, b0),
        );
        refused(&c, "LeaveSecurityGroup", &leaving, code, 403).await;
        refused(&c, "JoinSecurityGroup", &joining, code, 403).await;
    }
    force_status(&server, "instances", &instance, "Running");
    leave(&c, BY_INSTANCE, &instance, b1).await;

    let eni = create_eni(&c, &w.vswitch, &[b0, b1]).await;
    for status in ["Attaching", "Detaching", "Deleting"] {
        force_status(&server, "enis", &eni, status);
        refused(
            &c,
            "JoinSecurityGroup",
            &member(BY_ENI, &eni, &w.advanced[0]),
            "InvalidOperation.InvalidEniState",
            400,
        )
        .await;
        refused(
            &c,
            "LeaveSecurityGroup",
            &member(BY_ENI, &eni, b1),
            "InvalidOperation.InvalidEniState",
            400,
        )
        .await;
    }
    force_status(&server, "enis", &eni, "Available");
    leave(&c, BY_ENI, &eni, b1).await;
}

#[tokio::test]
async fn answers_in_xml() {
    let server = TestServer::start().await;
    let c = server.client();
    let vpc = create_vpc(&c, "192.168.0.0/16").await;
    let created = xml(
        &c,
        "CreateSecurityGroup",
        &[("RegionId", REGION), ("VpcId", &vpc)],
    )
    .await;
    assert_eq!(created.status, 200);
    assert!(
        created
            .text
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateSecurityGroupResponse>"),
        "{}",
        created.text
    );
    let id = elements(&created.text, "SecurityGroupId")[0].to_string();
    assert!(id.starts_with("sg-"));
    assert_eq!(elements(&created.text, "RequestId").len(), 1);
    create_group(&c, &vpc, "enterprise").await;

    let listed = xml(&c, "DescribeSecurityGroups", &[("RegionId", REGION)]).await;
    assert_eq!(listed.status, 200);
    let text = &listed.text;
    assert!(
        text.contains("<DescribeSecurityGroupsResponse><RequestId>"),
        "{text}"
    );
    assert!(
        text.ends_with("</DescribeSecurityGroupsResponse>"),
        "{text}"
    );
    assert_eq!(elements(text, "SecurityGroups").len(), 1);
    let items = elements(text, "SecurityGroup");
    assert_eq!(
        items.len(),
        2,
        "one element per group, repeated under the wrapper"
    );
    assert!(items[0].contains(&format!("<SecurityGroupId>{id}</SecurityGroupId>")));
    assert!(items[0].contains("<SecurityGroupType>normal</SecurityGroupType>"));
    assert!(items[1].contains("<SecurityGroupType>enterprise</SecurityGroupType>"));
    assert!(
        items[0].contains("<Tags></Tags>"),
        "empty lists keep their wrapper"
    );
    assert_eq!(elements(text, "TotalCount"), ["2"]);

    let none = xml(
        &c,
        "DescribeSecurityGroups",
        &[("RegionId", REGION), ("SecurityGroupId", UNKNOWN_GROUP)],
    )
    .await;
    assert!(
        none.text.contains("<SecurityGroups></SecurityGroups>"),
        "{}",
        none.text
    );

    let joined = xml(
        &c,
        "JoinSecurityGroup",
        &member(BY_INSTANCE, UNKNOWN_INSTANCE, &id),
    )
    .await;
    assert_eq!(joined.status, 404);
    assert!(
        joined.text.contains("<Error><RequestId>"),
        "{}",
        joined.text
    );
    assert_eq!(
        elements(&joined.text, "Code"),
        ["InvalidInstanceId.NotFound"]
    );
    for field in ["HostId", "Message", "Recommend"] {
        assert_eq!(elements(&joined.text, field).len(), 1, "{field}");
    }
}

#[tokio::test]
async fn dry_runs_check_everything_and_change_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (b0, b1) = (w.basic[0].as_str(), w.basic[1].as_str());
    let instance = run_instance(&c, &w.vswitch, &[b0, b1]).await;
    let eni = create_eni(&c, &w.vswitch, &[b0]).await;
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "CreateSecurityGroup",
            vec![("RegionId", REGION), ("VpcId", &w.vpc)],
        ),
        (
            "ModifySecurityGroupAttribute",
            vec![
                ("RegionId", REGION),
                ("SecurityGroupId", b1),
                ("SecurityGroupName", "dry"),
            ],
        ),
        (
            "DeleteSecurityGroup",
            vec![("RegionId", REGION), ("SecurityGroupId", &w.advanced[0])],
        ),
        ("JoinSecurityGroup", member(BY_ENI, &eni, b1)),
        ("LeaveSecurityGroup", member(BY_INSTANCE, &instance, b1)),
    ];
    for (action, mut params) in cases {
        params.push(("DryRun", "true"));
        refused(&c, action, &params, "DryRunOperation", 400).await;
    }
    // A dry run that fails a check answers that check's error.
    let mut last = member(BY_INSTANCE, &instance, b0);
    last.push(("DryRun", "True"));
    c.call("LeaveSecurityGroup", &member(BY_INSTANCE, &instance, b1))
        .await
        .ok();
    refused(
        &c,
        "LeaveSecurityGroup",
        &last,
        "InstanceLastSecurityGroup",
        403,
    )
    .await;
}
