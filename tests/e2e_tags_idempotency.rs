//! ClientToken idempotence for every creating call, and tags end to end: TagResources,
//! UntagResources, ListTagResources, `Tag.N` on the creating calls, `Tag.N` filters and
//! `Tags.Tag[]` in the Describe answers, tags leaving with their resource, and the Terraform
//! provider's ENI call pattern. Every refused write is checked to leave the state unchanged.

mod common;
use common::*;

use std::time::Duration;

use ecsnet::clock::ManualClock;
use serde_json::Value;

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
const UNKNOWN_INSTANCE: &str = "i-bp1nosuchinstance000000";

/// Owned parameters, for lists built in loops.
type Params = Vec<(String, String)>;

fn owned(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn borrowed(params: &Params) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn call(c: &Client, action: &str, params: &Params) -> Reply {
    c.call(action, &borrowed(params)).await
}

/// `Tag.N.Key`/`Tag.N.Value` for each pair, N from 1.
fn tag_params(tags: &[(&str, &str)]) -> Params {
    tags.iter()
        .enumerate()
        .flat_map(|(i, (k, v))| {
            [
                (format!("Tag.{}.Key", i + 1), k.to_string()),
                (format!("Tag.{}.Value", i + 1), v.to_string()),
            ]
        })
        .collect()
}

/// `<prefix>.N=<value>N` for each N of `range`.
fn numbered(prefix: &str, range: std::ops::RangeInclusive<usize>, value: &str) -> Params {
    range
        .map(|n| (format!("{prefix}.{n}"), format!("{value}{n}")))
        .collect()
}

/// `n` distinct tags `k0=v0`, `k1=v1`, ….
fn many_tags(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("k{i:02}"), format!("v{i}")))
        .collect()
}

fn as_refs(tags: &[(String, String)]) -> Vec<(&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// `Tags.Tag[]` of an item as (key, value) pairs, in answer order.
fn tags_in(item: &Value) -> Vec<(String, String)> {
    item["Tags"]["Tag"]
        .as_array()
        .unwrap_or_else(|| panic!("no Tags.Tag list in {item}"))
        .iter()
        .map(|t| {
            (
                t["TagKey"].as_str().unwrap().to_string(),
                t["TagValue"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The body without its RequestId (which differs on every answer).
fn body(reply: &Reply) -> Value {
    let mut body = reply.ok().clone();
    body.as_object_mut().unwrap().remove("RequestId");
    body
}

fn ids_of(body: &Value, list: &str, item: &str, key: &str) -> Vec<String> {
    body[list][item]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect()
}

async fn describe(c: &Client, action: &str, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![("RegionId", REGION)];
    params.extend_from_slice(extra);
    c.call(action, &params).await.ok().clone()
}

async fn describe_enis(c: &Client, extra: &[(&str, &str)]) -> Vec<String> {
    let body = describe(c, "DescribeNetworkInterfaces", extra).await;
    ids_of(
        &body,
        "NetworkInterfaceSets",
        "NetworkInterfaceSet",
        "NetworkInterfaceId",
    )
}

async fn describe_groups(c: &Client, extra: &[(&str, &str)]) -> Vec<String> {
    let body = describe(c, "DescribeSecurityGroups", extra).await;
    ids_of(&body, "SecurityGroups", "SecurityGroup", "SecurityGroupId")
}

async fn describe_instances(c: &Client, extra: &[(&str, &str)]) -> Vec<String> {
    let body = describe(c, "DescribeInstances", extra).await;
    ids_of(&body, "Instances", "Instance", "InstanceId")
}

/// The tags ListTagResources shows for one resource.
async fn listed_tags(c: &Client, resource_type: &str, id: &str) -> Vec<(String, String)> {
    let reply = c
        .call(
            "ListTagResources",
            &[
                ("RegionId", REGION),
                ("ResourceType", resource_type),
                ("ResourceId.1", id),
            ],
        )
        .await;
    let body = reply.ok();
    body["TagResources"]["TagResource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["ResourceId"], id);
            assert_eq!(row["ResourceType"], resource_type);
            (
                row["TagKey"].as_str().unwrap().to_string(),
                row["TagValue"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn tag(c: &Client, resource_type: &str, ids: &[&str], tags: &[(&str, &str)]) {
    let mut params = owned(&[("RegionId", REGION), ("ResourceType", resource_type)]);
    for (i, id) in ids.iter().enumerate() {
        params.push((format!("ResourceId.{}", i + 1), id.to_string()));
    }
    params.extend(tag_params(tags));
    call(c, "TagResources", &params).await.ok();
}

fn eni_params(w: &World, extra: &[(&str, &str)]) -> Params {
    let mut params = owned(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("SecurityGroupId", &w.basic[0]),
    ]);
    params.extend(owned(extra));
    params
}

fn run_params(w: &World, extra: &[(&str, &str)]) -> Params {
    let mut params = owned(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("SecurityGroupId", &w.basic[0]),
        ("InstanceType", "ecs.g6.large"),
        ("ImageId", IMAGE),
    ]);
    params.extend(owned(extra));
    params
}

/// A creating call: its name, parameters, and how to read the new resource's id from its answer.
type CreatingCall = (&'static str, Params, fn(&Value) -> String);

/// A refused read: its parameters beside RegionId, and the code and status it answers.
type ReadCase<'a> = (Vec<(&'a str, &'a str)>, &'a str, u16);

/// A list of one id, as the Describe helpers return them.
fn only(id: &str) -> Vec<String> {
    vec![id.to_string()]
}

/// Each creating call, with its parameters, and how to read the new resource's id. The
/// parameters are the same for every `n` but for the vSwitch's block, which cannot repeat.
fn creating_calls(w: &World, n: u8) -> Vec<CreatingCall> {
    let vswitch_cidr = format!("192.168.{}.0/24", 10 + n);
    vec![
        (
            "CreateVpc",
            owned(&[("RegionId", REGION), ("CidrBlock", "10.0.0.0/8")]),
            |b| b["VpcId"].as_str().unwrap().to_string(),
        ),
        (
            "CreateVSwitch",
            owned(&[
                ("RegionId", REGION),
                ("VpcId", &w.vpc),
                ("ZoneId", &w.zone),
                ("CidrBlock", &vswitch_cidr),
            ]),
            |b| b["VSwitchId"].as_str().unwrap().to_string(),
        ),
        (
            "CreateSecurityGroup",
            owned(&[("RegionId", REGION), ("VpcId", &w.vpc)]),
            |b| b["SecurityGroupId"].as_str().unwrap().to_string(),
        ),
        ("CreateNetworkInterface", eni_params(w, &[]), |b| {
            b["NetworkInterfaceId"].as_str().unwrap().to_string()
        }),
        ("RunInstances", run_params(w, &[("Amount", "2")]), |b| {
            b["InstanceIdSets"]["InstanceIdSet"][0]
                .as_str()
                .unwrap()
                .to_string()
        }),
        ("CreateInstance", run_params(w, &[]), |b| {
            b["InstanceId"].as_str().unwrap().to_string()
        }),
    ]
}

#[tokio::test]
async fn a_retry_with_the_same_client_token_gets_the_first_answer_and_creates_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let acs3 = server.client().acs3();
    let w = world(&c).await;
    let fresh_calls = creating_calls(&w, 1);
    let other_calls = creating_calls(&w, 2);
    for (n, (action, params, id_of)) in creating_calls(&w, 0).into_iter().enumerate() {
        let mut with_token = params.clone();
        with_token.push(("ClientToken".into(), format!("token-{action}")));
        let first = body(&call(&c, action, &with_token).await);
        let id = id_of(&first);
        let after_first = snapshot(&c).await;

        // A retry: new nonce, timestamp and signature, even the other signature scheme.
        let retry = body(&call(&c, action, &with_token).await);
        assert_eq!(retry, first, "{action}: a retry gets the first answer");
        let other_scheme = body(&call(&acs3, action, &with_token).await);
        assert_eq!(
            other_scheme, first,
            "{action}: the signature is not compared"
        );
        assert_eq!(
            snapshot(&c).await,
            after_first,
            "{action}: a retry created something"
        );

        // Without a token (or with another one) the same parameters create again.
        let fresh = body(&call(&c, action, &fresh_calls[n].1).await);
        assert_ne!(id_of(&fresh), id, "{action}: no token, a new resource");
        let mut other_token = other_calls[n].1.clone();
        other_token.push(("ClientToken".into(), format!("other-{action}")));
        let other = body(&call(&c, action, &other_token).await);
        assert_ne!(id_of(&other), id, "{action}: another token, a new resource");
    }
}

#[tokio::test]
async fn the_same_token_with_other_parameters_is_refused() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    for (action, params, _) in creating_calls(&w, 0) {
        let mut first = params.clone();
        first.push(("ClientToken".into(), "reused".into()));
        call(&c, action, &first).await.ok();
        // One more parameter, or one parameter changed, makes it another call.
        let mut changed = first.clone();
        changed.push(("Description".into(), "changed".into()));
        refused(
            &c,
            action,
            &borrowed(&changed),
            "IdempotentParameterMismatch",
            400,
        )
        .await;
        let mut other_region = first.clone();
        other_region.retain(|(k, _)| k != "RegionId");
        other_region.push(("RegionId".into(), "cn-beijing".into()));
        c.call(action, &borrowed(&other_region))
            .await
            .err("IdempotentParameterMismatch", 400);
    }
}

#[tokio::test]
async fn client_token_details() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = |token: &str| {
        owned(&[
            ("RegionId", REGION),
            ("VpcId", &w.vpc),
            ("ClientToken", token),
        ])
    };
    let group_id = |reply: Reply| reply.ok()["SecurityGroupId"].as_str().unwrap().to_string();

    // At most 64 ASCII characters.
    let long = "t".repeat(65);
    refused(
        &c,
        "CreateSecurityGroup",
        &borrowed(&group(&long)),
        "InvalidParameter",
        400,
    )
    .await;
    let reply = c
        .call("CreateSecurityGroup", &borrowed(&group("tökén")))
        .await;
    reply.err("InvalidParameter", 400);
    assert!(reply.message().contains("ClientToken"), "{}", reply.text);
    let max = "t".repeat(64);
    let a = group_id(call(&c, "CreateSecurityGroup", &group(&max)).await);
    assert_eq!(
        a,
        group_id(call(&c, "CreateSecurityGroup", &group(&max)).await)
    );

    // Case-sensitive: another case is another token.
    let upper = group_id(call(&c, "CreateSecurityGroup", &group("Token-A")).await);
    let lower = group_id(call(&c, "CreateSecurityGroup", &group("token-a")).await);
    assert_ne!(upper, lower);

    // Tokens are per action: the same token on another creating call is unrelated.
    let vpc = owned(&[
        ("RegionId", REGION),
        ("CidrBlock", "10.0.0.0/8"),
        ("ClientToken", "Token-A"),
    ]);
    call(&c, "CreateVpc", &vpc).await.ok();

    // A refused create records nothing: the token stays free for a corrected call.
    let mut bad = group("fix-me");
    bad.retain(|(k, _)| k != "VpcId");
    bad.push(("VpcId".into(), "vpc-bp1nosuchvpc0000000000".into()));
    refused(
        &c,
        "CreateSecurityGroup",
        &borrowed(&bad),
        "InvalidVpcId.NotFound",
        404,
    )
    .await;
    let fixed = group_id(call(&c, "CreateSecurityGroup", &group("fix-me")).await);
    assert_eq!(
        describe_groups(&c, &[("SecurityGroupId", &fixed)]).await,
        only(&fixed)
    );

    // A DryRun with a token checks and records nothing.
    let mut dry = group("dry");
    dry.push(("DryRun".into(), "true".into()));
    refused(
        &c,
        "CreateSecurityGroup",
        &borrowed(&dry),
        "DryRunOperation",
        400,
    )
    .await;
    call(&c, "CreateSecurityGroup", &group("dry")).await.ok();

    // An empty token is no token.
    let none = group("");
    let one = group_id(call(&c, "CreateSecurityGroup", &none).await);
    assert_ne!(one, group_id(call(&c, "CreateSecurityGroup", &none).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_token_create_one_resource() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let before = describe_enis(&c, &[("Type", "Secondary")]).await;
    assert!(before.is_empty());
    let instances_before = describe_instances(&c, &[]).await.len();

    let eni = eni_params(&w, &[("ClientToken", "one-eni"), ("Tag.1.Key", "race")]);
    let run = run_params(&w, &[("ClientToken", "one-launch")]);
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (client, action, params) = match n % 2 {
            0 => (c.clone(), "CreateNetworkInterface", eni.clone()),
            _ => (server.client().acs3(), "RunInstances", run.clone()),
        };
        tasks.push(tokio::spawn(async move {
            (action, body(&call(&client, action, &params).await))
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    for action in ["CreateNetworkInterface", "RunInstances"] {
        let same: Vec<&Value> = answers
            .iter()
            .filter(|(a, _)| *a == action)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(same.len(), 4);
        assert!(same.iter().all(|b| *b == same[0]), "{action}: {same:?}");
    }
    let enis = describe_enis(&c, &[("Type", "Secondary")]).await;
    assert_eq!(enis.len(), 1, "one ENI for one token: {enis:?}");
    assert_eq!(
        listed_tags(&c, "eni", &enis[0]).await,
        pairs(&[("race", "")])
    );
    assert_eq!(
        describe_instances(&c, &[]).await.len(),
        instances_before + 1
    );
}

#[tokio::test]
async fn tag_untag_and_list_each_resource_type() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[1]]).await;
    let group = w.basic[0].clone();
    for (resource_type, id) in [
        ("instance", &instance),
        ("eni", &eni),
        ("securitygroup", &group),
    ] {
        assert!(listed_tags(&c, resource_type, id).await.is_empty());
        tag(
            &c,
            resource_type,
            &[id],
            &[("env", "prod"), ("team", "net"), ("empty", "")],
        )
        .await;
        assert_eq!(
            listed_tags(&c, resource_type, id).await,
            pairs(&[("empty", ""), ("env", "prod"), ("team", "net")]),
            "{resource_type}: listed in key order"
        );
        // Tagging an existing key overwrites its value.
        tag(&c, resource_type, &[id], &[("env", "dev")]).await;
        assert_eq!(
            listed_tags(&c, resource_type, id).await,
            pairs(&[("empty", ""), ("env", "dev"), ("team", "net")])
        );
        // UntagResources by key; a key the resource does not have is ignored.
        c.call(
            "UntagResources",
            &[
                ("RegionId", REGION),
                ("ResourceType", resource_type),
                ("ResourceId.1", id),
                ("TagKey.1", "team"),
                ("TagKey.2", "absent"),
            ],
        )
        .await
        .ok();
        assert_eq!(
            listed_tags(&c, resource_type, id).await,
            pairs(&[("empty", ""), ("env", "dev")])
        );
        // All=true removes every tag; TagKey.N, when given, wins over All.
        let all = [
            ("RegionId", REGION),
            ("ResourceType", resource_type),
            ("ResourceId.1", id),
            ("All", "true"),
        ];
        let mut keyed = all.to_vec();
        keyed.push(("TagKey.1", "empty"));
        c.call("UntagResources", &keyed).await.ok();
        assert_eq!(
            listed_tags(&c, resource_type, id).await,
            pairs(&[("env", "dev")])
        );
        c.call("UntagResources", &all).await.ok();
        assert!(listed_tags(&c, resource_type, id).await.is_empty());
    }

    // Several resources in one call, listed by tag instead of by id.
    let second = create_eni(&c, &w.vswitch, &[&w.basic[1]]).await;
    tag(
        &c,
        "eni",
        &[&eni, &second],
        &[("app", "web"), ("tier", "1")],
    )
    .await;
    tag(&c, "eni", &[&second], &[("tier", "2")]).await;
    let list = |extra: &[(&str, &str)]| {
        let mut params = owned(&[("RegionId", REGION), ("ResourceType", "eni")]);
        params.extend(owned(extra));
        let c = c.clone();
        async move {
            let reply = call(&c, "ListTagResources", &params).await;
            let body = reply.ok().clone();
            assert!(body.get("NextToken").is_none(), "one page: {body}");
            body["TagResources"]["TagResource"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    format!(
                        "{} {}={}",
                        r["ResourceId"].as_str().unwrap(),
                        r["TagKey"].as_str().unwrap(),
                        r["TagValue"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let mut both = vec![
        format!("{eni} app=web"),
        format!("{eni} tier=1"),
        format!("{second} app=web"),
        format!("{second} tier=2"),
    ];
    both.sort();
    assert_eq!(list(&[]).await, both, "every tagged ENI");
    assert_eq!(
        list(&[("Tag.1.Key", "app")]).await,
        both,
        "a key matches any value"
    );
    assert_eq!(
        list(&[("Tag.1.Key", "tier"), ("Tag.1.Value", "2")]).await,
        [format!("{second} app=web"), format!("{second} tier=2")],
        "a resource with the tag, listed with all its tags"
    );
    assert_eq!(
        list(&[
            ("ResourceId.1", &eni),
            ("Tag.1.Key", "tier"),
            ("Tag.1.Value", "2")
        ])
        .await,
        Vec::<String>::new(),
        "ids and tags must both match"
    );
    // Unknown ids and other types list nothing.
    assert!(list(&[("ResourceId.1", UNKNOWN_INSTANCE)]).await.is_empty());
    assert!(listed_tags(&c, "instance", &eni).await.is_empty());
    // ResourceType in another case is the same type.
    c.call(
        "ListTagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "ENI"),
            ("ResourceId.1", &eni),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn list_tag_resources_pages_with_next_token() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let twenty = many_tags(20);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
        tag(&c, "eni", &[&id], &as_refs(&twenty)).await;
        ids.push(id);
    }
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("RegionId", REGION), ("ResourceType", "eni")];
        if let Some(t) = &token {
            params.push(("NextToken", t));
        }
        let body = c.call("ListTagResources", &params).await.ok().clone();
        pages += 1;
        for row in body["TagResources"]["TagResource"].as_array().unwrap() {
            rows.push((
                row["ResourceId"].as_str().unwrap().to_string(),
                row["TagKey"].as_str().unwrap().to_string(),
            ));
        }
        // The last page has no NextToken at all (clients loop while one is present).
        match body.get("NextToken") {
            Some(next) => token = Some(next.as_str().unwrap().to_string()),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 2, "60 rows in pages of 50");
    let mut want: Vec<(String, String)> = ids
        .iter()
        .flat_map(|id| twenty.iter().map(move |(k, _)| (id.clone(), k.clone())))
        .collect();
    want.sort();
    assert_eq!(rows, want, "every row once, in order");

    c.call(
        "ListTagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "eni"),
            ("NextToken", "zz"),
        ],
    )
    .await
    .err("InValidParameter.NextToken", 400);
}

#[tokio::test]
async fn tag_calls_refuse_bad_input() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    let base = |resource_type: &str, id: &str| {
        owned(&[
            ("RegionId", REGION),
            ("ResourceType", resource_type),
            ("ResourceId.1", id),
        ])
    };
    let with = |mut params: Params, extra: Params| {
        params.extend(extra);
        params
    };
    let ok_tag = tag_params(&[("k", "v")]);
    #[rustfmt::skip]
    let cases: Vec<(&str, Params, &str, u16)> = vec![
        ("TagResources", with(owned(&[("RegionId", REGION), ("ResourceId.1", &eni)]), ok_tag.clone()), "MissingParameter", 400),
        ("TagResources", with(base("disk", &eni), ok_tag.clone()), "InvalidResourceType.NotFound", 404),
        ("UntagResources", with(base("volume", &eni), owned(&[("TagKey.1", "k")])), "InvalidResourceType.NotFound", 404),
        ("TagResources", with(base("eni", UNKNOWN_INSTANCE), ok_tag.clone()), "InvalidResourceId.NotFound", 404),
        // An id of another type is not found either.
        ("TagResources", with(base("instance", &eni), ok_tag.clone()), "InvalidResourceId.NotFound", 404),
        ("UntagResources", with(base("securitygroup", &eni), owned(&[("All", "true")])), "InvalidResourceId.NotFound", 404),
        // All or nothing: one missing resource refuses the call for the others too.
        ("TagResources", with(with(base("eni", &eni), owned(&[("ResourceId.2", UNKNOWN_INSTANCE)])), ok_tag.clone()), "InvalidResourceId.NotFound", 404),
        ("TagResources", with(owned(&[("RegionId", REGION), ("ResourceType", "eni")]), ok_tag.clone()), "MissingParameter", 400),
        ("TagResources", base("eni", &eni), "MissingParameter", 400),
        ("UntagResources", base("eni", &eni), "MissingParameter", 400),
        ("UntagResources", with(base("eni", &eni), owned(&[("All", "false")])), "MissingParameter", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&[("aliyun-owner", "x")])), "InvalidTagKey.Malformed", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&[("acs:ecs", "x")])), "InvalidTagKey.Malformed", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&[("see http://x", "x")])), "InvalidTagKey.Malformed", 400),
        ("TagResources", with(base("eni", &eni), owned(&[("Tag.1.Value", "no key")])), "InvalidTagKey.Malformed", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&[(&"k".repeat(129), "x")])), "InvalidTagKey.Malformed", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&[("k", &"v".repeat(129))])), "InvalidTagValue.Malformed", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&[("k", "1"), ("k", "2")])), "Duplicate.TagKey", 400),
        ("TagResources", with(base("eni", &eni), tag_params(&as_refs(&many_tags(21)))), "NumberExceed.Tags", 400),
        ("UntagResources", with(base("eni", &eni), numbered("TagKey", 1..=21, "k")), "NumberExceed.Tags", 400),
        ("TagResources", with(with(base("eni", &eni), ok_tag.clone()), numbered("ResourceId", 2..=51, "eni-bp1x")), "NumberExceed.ResourceIds", 400),
        ("TagResources", with(base("eni", &eni), owned(&[("Tag.0.Key", "k")])), "InvalidParameter", 400),
    ];
    for (action, params, code, status) in cases {
        refused(&c, action, &borrowed(&params), code, status).await;
    }
    assert!(listed_tags(&c, "eni", &eni).await.is_empty());

    let list = |extra: Params| {
        with(
            owned(&[("RegionId", REGION), ("ResourceType", "eni")]),
            extra,
        )
    };
    #[rustfmt::skip]
    let list_cases: Vec<(Params, &str, u16)> = vec![
        (owned(&[("RegionId", REGION)]), "MissingParameter", 400),
        (owned(&[("RegionId", REGION), ("ResourceType", "ddh")]), "InvalidResourceType.NotFound", 404),
        (list(owned(&[("Tag.1.Value", "v")])), "InvalidTagKey.Malformed", 400),
        (list(tag_params(&[("k", "1"), ("k", "2")])), "Duplicate.TagKey", 400),
        (list(owned(&[("Tag.21.Key", "k")])), "NumberExceed.Tags", 400),
        (list(numbered("ResourceId", 1..=51, "eni-bp1x")), "NumberExceed.ResourceIds", 400),
    ];
    for (params, code, status) in list_cases {
        call(&c, "ListTagResources", &params)
            .await
            .err(code, status);
    }
}

#[tokio::test]
async fn a_resource_carries_at_most_twenty_tags() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].clone();
    let twenty = many_tags(20);
    tag(&c, "securitygroup", &[&group], &as_refs(&twenty)).await;
    let one_more = {
        let mut params = owned(&[
            ("RegionId", REGION),
            ("ResourceType", "securitygroup"),
            ("ResourceId.1", &group),
        ]);
        params.extend(tag_params(&[("k20", "v")]));
        params
    };
    refused(
        &c,
        "TagResources",
        &borrowed(&one_more),
        "QuotaExceed.Tags",
        403,
    )
    .await;
    // Overwriting a key keeps the count: still allowed.
    tag(&c, "securitygroup", &[&group], &[("k00", "new")]).await;
    let listed = listed_tags(&c, "securitygroup", &group).await;
    assert_eq!(listed.len(), 20);
    assert_eq!(listed[0], ("k00".to_string(), "new".to_string()));
    // Tagging two resources, one of them full, changes neither.
    let other = w.basic[1].clone();
    let mut both = one_more.clone();
    both.push(("ResourceId.2".into(), other.clone()));
    refused(
        &c,
        "TagResources",
        &borrowed(&both),
        "QuotaExceed.Tags",
        403,
    )
    .await;
    assert!(listed_tags(&c, "securitygroup", &other).await.is_empty());
}

#[tokio::test]
async fn creating_calls_set_tags_and_describe_calls_show_them() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let tags = [("env", "prod"), ("owner", "net-team"), ("blank", "")];
    let sorted = pairs(&[("blank", ""), ("env", "prod"), ("owner", "net-team")]);

    let mut params = owned(&[("RegionId", REGION), ("VpcId", &w.vpc)]);
    params.extend(tag_params(&tags));
    let group = call(&c, "CreateSecurityGroup", &params).await.ok()["SecurityGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    let groups = describe(&c, "DescribeSecurityGroups", &[("SecurityGroupId", &group)]).await;
    assert_eq!(
        tags_in(&groups["SecurityGroups"]["SecurityGroup"][0]),
        sorted
    );
    assert_eq!(listed_tags(&c, "securitygroup", &group).await, sorted);

    let mut params = eni_params(&w, &[]);
    params.extend(tag_params(&tags));
    let created = call(&c, "CreateNetworkInterface", &params)
        .await
        .ok()
        .clone();
    assert_eq!(
        tags_in(&created),
        sorted,
        "CreateNetworkInterface answers with the tags"
    );
    let eni = created["NetworkInterfaceId"].as_str().unwrap().to_string();
    let listed = describe(
        &c,
        "DescribeNetworkInterfaces",
        &[("NetworkInterfaceId.1", &eni)],
    )
    .await;
    assert_eq!(
        tags_in(&listed["NetworkInterfaceSets"]["NetworkInterfaceSet"][0]),
        sorted
    );
    let attribute = describe(
        &c,
        "DescribeNetworkInterfaceAttribute",
        &[("NetworkInterfaceId", &eni)],
    )
    .await;
    assert_eq!(tags_in(&attribute), sorted);

    // RunInstances tags every instance it launches (not their primary ENIs).
    let mut params = run_params(&w, &[("Amount", "2")]);
    params.extend(tag_params(&tags));
    let launched = call(&c, "RunInstances", &params).await.ok()["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(launched.len(), 2);
    let ids = format!("[\"{}\",\"{}\"]", launched[0], launched[1]);
    let instances = describe(&c, "DescribeInstances", &[("InstanceIds", &ids)]).await;
    for item in instances["Instances"]["Instance"].as_array().unwrap() {
        assert_eq!(tags_in(item), sorted);
    }
    let primary = primary_eni(&c, &launched[0]).await;
    assert!(listed_tags(&c, "eni", &primary).await.is_empty());

    let mut params = run_params(&w, &[]);
    params.extend(tag_params(&[("made-by", "CreateInstance")]));
    let created = call(&c, "CreateInstance", &params).await.ok()["InstanceId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        listed_tags(&c, "instance", &created).await,
        pairs(&[("made-by", "CreateInstance")])
    );

    // Untagged resources show an empty list.
    let plain = describe(
        &c,
        "DescribeSecurityGroups",
        &[("SecurityGroupId", &w.basic[1])],
    )
    .await;
    assert!(tags_in(&plain["SecurityGroups"]["SecurityGroup"][0]).is_empty());

    // The same tags in XML.
    let reply = xml(
        &c,
        "DescribeNetworkInterfaces",
        &[("RegionId", REGION), ("NetworkInterfaceId.1", &eni)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let tags_xml = elements(&reply.text, "Tags");
    assert_eq!(tags_xml.len(), 1, "{}", reply.text);
    assert_eq!(elements(tags_xml[0], "TagKey"), ["blank", "env", "owner"]);
    assert_eq!(elements(tags_xml[0], "TagValue"), ["", "prod", "net-team"]);
    assert_eq!(elements(tags_xml[0], "Tag").len(), 3);
    let reply = xml(
        &c,
        "ListTagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "eni"),
            ("ResourceId.1", &eni),
        ],
    )
    .await;
    let rows = elements(&reply.text, "TagResource");
    assert_eq!(rows.len(), 3, "{}", reply.text);
    assert_eq!(elements(rows[1], "TagKey"), ["env"]);
    assert_eq!(elements(rows[1], "ResourceType"), ["eni"]);
    assert_eq!(elements(rows[1], "ResourceId"), [eni.as_str()]);
}

#[tokio::test]
async fn creating_calls_refuse_bad_tags_and_create_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let with_tags = |mut params: Params, tags: Params| {
        params.extend(tags);
        params
    };
    let group = owned(&[("RegionId", REGION), ("VpcId", &w.vpc)]);
    #[rustfmt::skip]
    let cases: Vec<(&str, Params, &str, u16)> = vec![
        ("CreateSecurityGroup", with_tags(group.clone(), tag_params(&[("aliyun", "x")])), "InvalidTagKey.Malformed", 400),
        ("CreateSecurityGroup", with_tags(group.clone(), tag_params(&[("k", &"v".repeat(129))])), "InvalidTagValue.Malformed", 400),
        ("CreateNetworkInterface", with_tags(eni_params(&w, &[]), tag_params(&[("k", "1"), ("k", "2")])), "Duplicate.TagKey", 400),
        ("CreateNetworkInterface", with_tags(eni_params(&w, &[]), tag_params(&[("https://k", "1")])), "InvalidTagKey.Malformed", 400),
        ("RunInstances", with_tags(run_params(&w, &[]), tag_params(&as_refs(&many_tags(21)))), "QuotaExceed.Tags", 403),
        ("CreateNetworkInterface", with_tags(eni_params(&w, &[]), tag_params(&as_refs(&many_tags(21)))), "QuotaExceed.Tags", 403),
        ("CreateInstance", with_tags(run_params(&w, &[]), tag_params(&[("", "no key")])), "InvalidTagKey.Malformed", 400),
    ];
    for (action, params, code, status) in cases {
        refused(&c, action, &borrowed(&params), code, status).await;
    }
    // Exactly twenty is fine.
    let params = with_tags(eni_params(&w, &[]), tag_params(&as_refs(&many_tags(20))));
    let created = call(&c, "CreateNetworkInterface", &params)
        .await
        .ok()
        .clone();
    assert_eq!(tags_in(&created).len(), 20);
}

#[tokio::test]
async fn describe_calls_filter_by_tags() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let web = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    let db = create_eni(&c, &w.vswitch, &[&w.basic[1]]).await;
    let bare = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    tag(&c, "eni", &[&web], &[("app", "web"), ("env", "prod")]).await;
    tag(&c, "eni", &[&db], &[("app", "db"), ("env", "prod")]).await;
    let i_web = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let i_db = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    tag(
        &c,
        "instance",
        &[&i_web],
        &[("app", "web"), ("env", "prod")],
    )
    .await;
    tag(&c, "instance", &[&i_db], &[("app", "db")]).await;
    tag(&c, "securitygroup", &[&w.basic[0]], &[("app", "web")]).await;
    tag(
        &c,
        "securitygroup",
        &[&w.advanced[0]],
        &[("app", "db"), ("env", "prod")],
    )
    .await;

    let key = |k: &'static str| vec![("Tag.1.Key", k)];
    let pair = |k: &'static str, v: &'static str| vec![("Tag.1.Key", k), ("Tag.1.Value", v)];
    let two = vec![
        ("Tag.1.Key", "app"),
        ("Tag.1.Value", "db"),
        ("Tag.2.Key", "env"),
        ("Tag.2.Value", "prod"),
    ];

    assert_eq!(describe_enis(&c, &pair("app", "web")).await, only(&web));
    assert_eq!(
        describe_enis(&c, &key("env")).await,
        [web.clone(), db.clone()]
    );
    assert_eq!(describe_enis(&c, &two).await, only(&db));
    assert!(describe_enis(&c, &pair("app", "cache")).await.is_empty());
    assert!(describe_enis(&c, &key("missing")).await.is_empty());
    // An empty value counts as no value.
    assert_eq!(
        describe_enis(&c, &[("Tag.1.Key", "app"), ("Tag.1.Value", "")]).await,
        [web.clone(), db.clone()]
    );
    // With other filters (the SecurityGroupId filter reads a join) and in both page styles.
    assert_eq!(
        describe_enis(
            &c,
            &[("Tag.1.Key", "env"), ("SecurityGroupId", &w.basic[1])]
        )
        .await,
        only(&db)
    );
    let page = describe(
        &c,
        "DescribeNetworkInterfaces",
        &[
            ("Tag.1.Key", "env"),
            ("Type", "Secondary"),
            ("PageSize", "1"),
        ],
    )
    .await;
    assert_eq!(page["TotalCount"], 2);
    let tokened = describe(
        &c,
        "DescribeNetworkInterfaces",
        &[("Tag.1.Key", "env"), ("MaxResults", "10")],
    )
    .await;
    assert_eq!(
        ids_of(
            &tokened,
            "NetworkInterfaceSets",
            "NetworkInterfaceSet",
            "NetworkInterfaceId"
        ),
        [web.clone(), db.clone()]
    );
    // Without a tag filter the untagged ENI is listed too.
    assert!(describe_enis(&c, &[]).await.contains(&bare));

    assert_eq!(
        describe_instances(&c, &pair("app", "web")).await,
        only(&i_web)
    );
    assert_eq!(
        describe_instances(&c, &key("app")).await,
        [i_web.clone(), i_db.clone()]
    );
    assert!(describe_instances(&c, &two).await.is_empty());
    assert_eq!(describe_instances(&c, &key("env")).await, only(&i_web));

    assert_eq!(
        describe_groups(&c, &pair("app", "web")).await,
        only(&w.basic[0])
    );
    assert_eq!(describe_groups(&c, &two).await, only(&w.advanced[0]));
    // The deprecated lower-case spelling works on DescribeSecurityGroups.
    assert_eq!(
        describe_groups(&c, &[("Tag.1.key", "app"), ("Tag.1.value", "db")]).await,
        only(&w.advanced[0])
    );
    // Tags of one type never match a resource of another.
    assert!(describe_groups(&c, &pair("app", "cache")).await.is_empty());

    for action in [
        "DescribeNetworkInterfaces",
        "DescribeInstances",
        "DescribeSecurityGroups",
    ] {
        #[rustfmt::skip]
        let bad: Vec<ReadCase> = vec![
            (vec![("Tag.1.Value", "web")], "InvalidTagKey.Malformed", 400),
            (vec![("Tag.1.Key", "app"), ("Tag.2.Key", "app")], "Duplicate.TagKey", 400),
            (vec![("Tag.21.Key", "app")], "InvalidParameter", 400),
        ];
        for (extra, code, status) in bad {
            let mut params = vec![("RegionId", REGION)];
            params.extend(extra);
            c.call(action, &params).await.err(code, status);
        }
    }
}

#[tokio::test]
async fn tags_leave_with_their_resource() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = create_group(&c, &w.vpc, "normal").await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    tag(&c, "securitygroup", &[&group], &[("k", "v")]).await;
    tag(&c, "eni", &[&eni], &[("k", "v")]).await;

    // An instance with a secondary ENI released with it and one that outlives it.
    let launched = c
        .call(
            "RunInstances",
            &[
                ("RegionId", REGION),
                ("VSwitchId", &w.vswitch),
                ("SecurityGroupId", &w.basic[0]),
                // Three ENIs: the primary and two secondary ones.
                ("InstanceType", "ecs.g6.xlarge"),
                ("ImageId", IMAGE),
                ("NetworkInterface.1.InstanceType", "Secondary"),
                ("NetworkInterface.1.DeleteOnRelease", "true"),
                ("NetworkInterface.2.InstanceType", "Secondary"),
                ("NetworkInterface.2.DeleteOnRelease", "false"),
                ("Tag.1.Key", "k"),
            ],
        )
        .await;
    let instance = launched.ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    let attached = describe_enis(&c, &[("InstanceId", &instance), ("Type", "Secondary")]).await;
    assert_eq!(attached.len(), 2);
    tag(&c, "eni", &[&attached[0], &attached[1]], &[("k", "v")]).await;
    let primary = primary_eni(&c, &instance).await;
    tag(&c, "eni", &[&primary], &[("k", "v")]).await;

    c.call(
        "DeleteSecurityGroup",
        &[("RegionId", REGION), ("SecurityGroupId", &group)],
    )
    .await
    .ok();
    c.call(
        "DeleteNetworkInterface",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
    )
    .await
    .ok();
    c.call("StopInstance", &[("InstanceId", &instance)])
        .await
        .ok();
    c.call("DeleteInstance", &[("InstanceId", &instance)])
        .await
        .ok();

    let everything = |resource_type: &'static str| {
        let c = c.clone();
        async move {
            let reply = c
                .call(
                    "ListTagResources",
                    &[("RegionId", REGION), ("ResourceType", resource_type)],
                )
                .await;
            ids_of(reply.ok(), "TagResources", "TagResource", "ResourceId")
        }
    };
    assert!(everything("securitygroup").await.is_empty());
    assert!(everything("instance").await.is_empty());
    // Only the ENI that outlived its instance keeps its tag.
    assert_eq!(everything("eni").await, only(&attached[1]));
    assert_eq!(
        describe_enis(&c, &[("Tag.1.Key", "k")]).await,
        only(&attached[1])
    );

    // DeleteInstances releases tags the same way.
    let second = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    tag(&c, "instance", &[&second], &[("k", "v")]).await;
    c.call(
        "DeleteInstances",
        &[
            ("RegionId", REGION),
            ("InstanceId.1", &second),
            ("Force", "true"),
        ],
    )
    .await
    .ok();
    assert!(everything("instance").await.is_empty());
}

/// How the Terraform pattern's client waits between polls: not at all when transitions are
/// immediate, or half a second on a manual clock when they take `DELAY`.
struct Waiting<'a> {
    server: &'a TestServer,
    clock: Option<&'a ManualClock>,
}

const DELAY: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(500);

impl Waiting<'_> {
    /// Polls DescribeNetworkInterfaces for one ENI until `done` holds for its item (None once
    /// it is gone); returns that item and the statuses seen on the way.
    async fn poll_eni(
        &self,
        c: &Client,
        eni: &str,
        done: impl Fn(Option<&Value>) -> bool,
    ) -> (Option<Value>, Vec<String>) {
        let mut seen = Vec::new();
        for _ in 0..20 {
            let item = describe(
                c,
                "DescribeNetworkInterfaces",
                &[("NetworkInterfaceId.1", eni)],
            )
            .await["NetworkInterfaceSets"]["NetworkInterfaceSet"][0]
                .clone();
            let item = (!item.is_null()).then_some(item);
            seen.push(match &item {
                Some(item) => item["Status"].as_str().unwrap().to_string(),
                None => "gone".to_string(),
            });
            if done(item.as_ref()) {
                return (item, seen);
            }
            if let Some(clock) = self.clock {
                self.server.advance(clock, POLL).await;
            }
        }
        panic!("{eni} never reached the awaited state: {seen:?}");
    }
}

/// The client pattern 1 (the Terraform provider's ENI resource): CreateNetworkInterface
/// with groups, tags and a ClientToken (retried) → poll until Available →
/// ModifyNetworkInterfaceAttribute with the full group set, tags changed → Describe →
/// DeleteNetworkInterface → poll until gone, the not-found codes meaning gone.
async fn terraform_eni_pattern(wait: Waiting<'_>) -> Vec<String> {
    let c = wait.server.client().acs3();
    let w = world(&c).await;
    let third = create_group(&c, &w.vpc, "normal").await;

    let mut create = owned(&[
        ("RegionId", REGION),
        ("VSwitchId", &w.vswitch),
        ("SecurityGroupIds.1", &w.basic[0]),
        ("SecurityGroupIds.2", &w.basic[1]),
        ("NetworkInterfaceName", "tf-eni"),
        ("Description", "managed by terraform"),
        ("ClientToken", "tf-20240101-0001"),
    ]);
    create.extend(tag_params(&[("Name", "tf-eni"), ("Created", "terraform")]));
    let first = body(&call(&c, "CreateNetworkInterface", &create).await);
    let retried = body(&call(&c, "CreateNetworkInterface", &create).await);
    assert_eq!(first, retried, "a retry with the token creates nothing");
    let eni = first["NetworkInterfaceId"].as_str().unwrap().to_string();
    assert_eq!(first["Status"], "Available");
    let created_tags = pairs(&[("Created", "terraform"), ("Name", "tf-eni")]);
    assert_eq!(tags_in(&first), created_tags);
    assert_eq!(
        describe_enis(&c, &[("Type", "Secondary")]).await,
        only(&eni)
    );

    let (item, _) = wait
        .poll_eni(&c, &eni, |item| {
            item.is_some_and(|i| i["Status"] == "Available")
        })
        .await;
    let item = item.unwrap();
    assert_eq!(item["NetworkInterfaceName"], "tf-eni");
    assert_eq!(tags_in(&item), created_tags);

    // Update: the full set of groups in one call; tags changed with Untag/TagResources.
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("SecurityGroupId.1", &w.basic[1]),
            ("SecurityGroupId.2", &third),
        ],
    )
    .await
    .ok();
    c.call(
        "UntagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "eni"),
            ("ResourceId.1", &eni),
            ("TagKey.1", "Created"),
        ],
    )
    .await
    .ok();
    tag(&c, "eni", &[&eni], &[("Name", "tf-eni-2")]).await;
    let attribute = describe(
        &c,
        "DescribeNetworkInterfaceAttribute",
        &[("NetworkInterfaceId", &eni)],
    )
    .await;
    assert_eq!(
        attribute["SecurityGroupIds"]["SecurityGroupId"],
        serde_json::json!([w.basic[1], third])
    );
    assert_eq!(tags_in(&attribute), pairs(&[("Name", "tf-eni-2")]));
    assert_eq!(
        describe_enis(&c, &[("Tag.1.Key", "Name"), ("Tag.1.Value", "tf-eni-2")]).await,
        only(&eni)
    );

    // Delete, then poll until the ENI is gone; its tags go with it.
    c.call(
        "DeleteNetworkInterface",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
    )
    .await
    .ok();
    let (gone, seen) = wait.poll_eni(&c, &eni, |item| item.is_none()).await;
    assert!(gone.is_none());
    for (code, action) in [
        ("InvalidEniId.NotFound", "DeleteNetworkInterface"),
        ("InvalidEniId.NotFound", "DescribeNetworkInterfaceAttribute"),
    ] {
        c.call(
            action,
            &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
        )
        .await
        .err(code, 404);
    }
    assert!(listed_tags(&c, "eni", &eni).await.is_empty());
    // The token still answers what it created (its record outlives the resource).
    assert_eq!(
        body(&call(&c, "CreateNetworkInterface", &create).await),
        first
    );
    seen
}

#[tokio::test]
async fn terraform_eni_resource_pattern() {
    let server = TestServer::start().await;
    let seen = terraform_eni_pattern(Waiting {
        server: &server,
        clock: None,
    })
    .await;
    assert_eq!(seen, ["gone"], "deletion is immediate without a delay");
}

#[tokio::test]
async fn terraform_eni_resource_pattern_with_a_2s_delay() {
    let clock = ManualClock::new();
    let time = clock.clock();
    let server = TestServer::start_with(|config| {
        config.clock = time;
        config.transition_delay = DELAY;
    })
    .await;
    let seen = terraform_eni_pattern(Waiting {
        server: &server,
        clock: Some(&clock),
    })
    .await;
    assert_eq!(
        seen,
        ["Deleting", "Deleting", "Deleting", "Deleting", "gone"],
        "Deleting for 2 s, polled every 0.5 s"
    );
}
