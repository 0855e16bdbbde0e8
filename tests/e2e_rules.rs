//! Security group rules end to end: AuthorizeSecurityGroup(Egress), RevokeSecurityGroup(Egress),
//! ModifySecurityGroup(Egress)Rule, DescribeSecurityGroupAttribute, ModifySecurityGroupPolicy,
//! the rule counts of DescribeSecurityGroups and DeleteSecurityGroup's rule checks. Every
//! refused write is checked to leave the account's state, rules included, exactly as it was.

mod common;
use common::*;

use serde_json::{json, Value};

const UNKNOWN_GROUP: &str = "sg-bp1nosuchgroup00000000";
const UNKNOWN_RULE: &str = "sgr-bp1nosuchrule000000000";

/// Owned request parameters, for requests built in loops.
type Params = Vec<(String, String)>;

/// One permission's parameters, by their short names (`IpProtocol`, `PortRange`, …).
type Fields<'a> = &'a [(&'a str, &'a str)];

/// Inbound SSH from 10.0.0.0/8.
const SSH: Fields = &[
    ("IpProtocol", "tcp"),
    ("PortRange", "22/22"),
    ("SourceCidrIp", "10.0.0.0/8"),
];

/// Outbound traffic of every protocol to everywhere.
const ANY_OUT: Fields = &[
    ("IpProtocol", "all"),
    ("PortRange", "-1/-1"),
    ("DestCidrIp", "0.0.0.0/0"),
];

/// A refused permission: its parameters, and the code and HTTP status it must answer.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, u16);
/// The same for a call on a given group: action, group, parameters, code, status.
type GroupCase<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a str, u16);

/// A TCP permission on `port` whose far side is the group `id` (`field` is SourceGroupId or
/// DestGroupId).
fn group_rule<'a>(field: &'a str, id: &'a str, port: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("IpProtocol", "tcp"), ("PortRange", port), (field, id)]
}

fn owned(pairs: Fields) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn call(c: &Client, action: &str, params: &Params) -> Reply {
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.call(action, &borrowed).await
}

/// RegionId, SecurityGroupId and each permission as `Permissions.N.*`.
fn listed(group: &str, permissions: &[Fields]) -> Params {
    let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
    for (i, fields) in permissions.iter().enumerate() {
        for (k, v) in fields.iter() {
            params.push((format!("Permissions.{}.{k}", i + 1), v.to_string()));
        }
    }
    params
}

/// RegionId, SecurityGroupId and one permission in the deprecated flat form.
fn flat(group: &str, fields: Fields) -> Params {
    let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
    params.extend(owned(fields));
    params
}

async fn authorize(c: &Client, group: &str, permissions: &[Fields<'_>]) {
    call(c, "AuthorizeSecurityGroup", &listed(group, permissions))
        .await
        .ok();
}

async fn authorize_egress(c: &Client, group: &str, permissions: &[Fields<'_>]) {
    call(
        c,
        "AuthorizeSecurityGroupEgress",
        &listed(group, permissions),
    )
    .await
    .ok();
}

/// DescribeSecurityGroupAttribute's answer for `group` with `extra` parameters.
async fn attribute(c: &Client, group: &str, extra: Fields<'_>) -> Value {
    let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
    params.extend(owned(extra));
    call(c, "DescribeSecurityGroupAttribute", &params)
        .await
        .ok()
        .clone()
}

/// A group's rules in `direction` (`ingress`, `egress` or `all`).
async fn rules(c: &Client, group: &str, direction: &str) -> Vec<Value> {
    attribute(c, group, &[("Direction", direction)]).await["Permissions"]["Permission"]
        .as_array()
        .unwrap()
        .clone()
}

fn rule_ids(rules: &[Value]) -> Vec<String> {
    rules
        .iter()
        .map(|r| r["SecurityGroupRuleId"].as_str().unwrap().to_string())
        .collect()
}

/// The account's state as the API shows it, with every rule of `groups`.
async fn state(c: &Client, groups: &[&str]) -> Value {
    let mut all_rules = Vec::new();
    for group in groups {
        let mut body = attribute(c, group, &[]).await;
        body.as_object_mut().unwrap().remove("RequestId");
        all_rules.push(body);
    }
    json!({ "Snapshot": snapshot(c).await, "Rules": all_rules })
}

/// Asserts a write is refused with `code` and `status` and changes nothing, rules included.
async fn refused_rules(
    c: &Client,
    groups: &[&str],
    action: &str,
    params: &Params,
    code: &str,
    status: u16,
) -> Reply {
    let before = state(c, groups).await;
    let reply = call(c, action, params).await;
    reply.err(code, status);
    assert_eq!(
        before,
        state(c, groups).await,
        "{action} refused with {code} but changed the state"
    );
    reply
}

/// How many rules of `group` the store holds, read from the database itself.
fn stored_rules(server: &TestServer, group: &str) -> i64 {
    stored_count(
        server,
        "SELECT COUNT(*) FROM security_group_rules WHERE group_id = ?1",
        group,
    )
}

/// The provider's `DescribeSecurityGroupRule` (terraform-provider-alicloud): among the rules of
/// one direction, the one whose lower-cased protocol, port range, CIDR (or group when there is
/// none), lower-cased policy and priority (as text) equal what it created.
fn provider_finds<'a>(
    rules: &'a [Value],
    direction: &str,
    (protocol, port_range, cidr, policy, priority): (&str, &str, &str, &str, i64),
) -> Option<&'a Value> {
    rules.iter().find(|rule| {
        let text = |k: &str| rule[k].as_str().unwrap_or_default().to_string();
        let mut found = text("SourceCidrIp");
        if direction == "ingress" && found.is_empty() {
            found = text("SourceGroupId");
        }
        if direction == "egress" {
            found = text("DestCidrIp");
            if found.is_empty() {
                found = text("DestGroupId");
            }
        }
        // The provider's SDK reads Priority into a string field.
        let priority_text = match &rule["Priority"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            other => panic!("Priority is {other}"),
        };
        text("IpProtocol").to_lowercase() == protocol
            && text("PortRange") == port_range
            && found == cidr
            && text("Policy").to_lowercase() == policy
            && priority_text == priority.to_string()
    })
}

/// One group as DescribeSecurityGroups shows it.
async fn described_group(c: &Client, group: &str) -> Value {
    let reply = c
        .call(
            "DescribeSecurityGroups",
            &[("RegionId", REGION), ("SecurityGroupId", group)],
        )
        .await;
    reply.ok()["SecurityGroups"]["SecurityGroup"][0].clone()
}

#[tokio::test]
async fn authorized_rules_are_described_with_every_field() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = &w.basic[0];
    c.call(
        "ModifySecurityGroupAttribute",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", group),
            ("SecurityGroupName", "web-tier"),
            ("Description", "front end"),
        ],
    )
    .await
    .ok();
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
            ("Policy", "drop"),
            ("Priority", "2"),
            ("NicType", "intranet"),
            ("Description", "ssh from the office"),
        ]],
    )
    .await;

    let body = attribute(&c, group, &[]).await;
    assert_eq!(body["RegionId"], REGION);
    assert_eq!(body["SecurityGroupId"], json!(group));
    assert_eq!(body["SecurityGroupName"], "web-tier");
    assert_eq!(body["Description"], "front end");
    assert_eq!(body["VpcId"], json!(w.vpc));
    assert_eq!(body["InnerAccessPolicy"], "Accept");
    assert_eq!(body["NextToken"], "");
    let rules = body["Permissions"]["Permission"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{body}");
    let mut rule = rules[0].clone();
    let id = rule["SecurityGroupRuleId"].as_str().unwrap().to_string();
    assert!(id.starts_with("sgr-bp") && id.len() == 24, "{id}");
    assert_seconds_time(&rule["CreateTime"]);
    let fields = rule.as_object_mut().unwrap();
    fields.remove("SecurityGroupRuleId");
    fields.remove("CreateTime");
    assert_eq!(
        rule,
        json!({
            "Direction": "ingress",
            "IpProtocol": "TCP",
            "PortRange": "22/22",
            "SourcePortRange": "",
            "SourceCidrIp": "10.0.0.0/8",
            "Ipv6SourceCidrIp": "",
            "SourceGroupId": "",
            "SourceGroupName": "",
            "SourceGroupOwnerAccount": "",
            "SourcePrefixListId": "",
            "SourcePrefixListName": "",
            "DestCidrIp": "",
            "Ipv6DestCidrIp": "",
            "DestGroupId": "",
            "DestGroupName": "",
            "DestGroupOwnerAccount": "",
            "DestPrefixListId": "",
            "DestPrefixListName": "",
            "PortRangeListId": "",
            "PortRangeListName": "",
            "Policy": "Drop",
            "Priority": 2,
            "NicType": "intranet",
            "Description": "ssh from the office",
        })
    );

    // A basic group without rules, and an advanced one.
    let empty = attribute(&c, &w.basic[1], &[]).await;
    assert_eq!(empty["Permissions"], json!({ "Permission": [] }));
    let advanced = attribute(&c, &w.advanced[0], &[]).await;
    assert_eq!(advanced["InnerAccessPolicy"], "Drop");
}

#[tokio::test]
async fn outbound_rules_name_destinations_and_their_groups() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (group, peer) = (&w.basic[0], &w.basic[1]);
    c.call(
        "ModifySecurityGroupAttribute",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", peer),
            ("SecurityGroupName", "db-tier"),
        ],
    )
    .await
    .ok();
    authorize_egress(
        &c,
        group,
        &[
            &[
                ("IpProtocol", "UDP"),
                ("PortRange", "53/53"),
                ("DestCidrIp", "100.100.2.136/32"),
                ("SourceCidrIp", "192.168.1.0/24"),
                ("SourcePortRange", "1024/65535"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "3306/3306"),
                ("DestGroupId", peer),
            ],
            &[
                ("IpProtocol", "ICMPv6"),
                ("PortRange", "-1/-1"),
                ("Ipv6DestCidrIp", "2408:4000::/32"),
            ],
        ],
    )
    .await;
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "gre"),
            ("PortRange", "-1/-1"),
            ("SourceGroupId", peer),
        ]],
    )
    .await;

    let egress = rules(&c, group, "egress").await;
    assert_eq!(egress.len(), 3);
    assert!(egress.iter().all(|r| r["Direction"] == "egress"));
    assert_eq!(
        (
            &egress[0]["IpProtocol"],
            &egress[0]["DestCidrIp"],
            &egress[0]["SourceCidrIp"],
            &egress[0]["SourcePortRange"]
        ),
        (
            &json!("UDP"),
            &json!("100.100.2.136/32"),
            &json!("192.168.1.0/24"),
            &json!("1024/65535")
        )
    );
    assert_eq!(
        (
            &egress[1]["DestGroupId"],
            &egress[1]["DestGroupName"],
            &egress[1]["DestCidrIp"]
        ),
        (&json!(peer), &json!("db-tier"), &json!(""))
    );
    assert_eq!(
        (&egress[2]["IpProtocol"], &egress[2]["Ipv6DestCidrIp"]),
        (&json!("ICMPv6"), &json!("2408:4000::/32"))
    );
    let ingress = rules(&c, group, "ingress").await;
    assert_eq!(ingress.len(), 1);
    assert_eq!(
        (
            &ingress[0]["IpProtocol"],
            &ingress[0]["SourceGroupId"],
            &ingress[0]["SourceGroupName"]
        ),
        (&json!("GRE"), &json!(peer), &json!("db-tier"))
    );
    // `all` and no Direction list both directions, in the order the rules were added.
    let all = rules(&c, group, "all").await;
    assert_eq!(rule_ids(&all).len(), 4);
    let unfiltered = attribute(&c, group, &[]).await["Permissions"]["Permission"].clone();
    assert_eq!(json!(all), unfiltered);
    assert_eq!(rule_ids(&all)[..3], rule_ids(&egress)[..]);

    // DescribeSecurityGroups counts them, both directions, and the ones naming groups.
    let described = described_group(&c, group).await;
    assert_eq!(
        (&described["RuleCount"], &described["GroupToGroupRuleCount"]),
        (&json!(4), &json!(2))
    );
    let untouched = described_group(&c, peer).await;
    assert_eq!(
        (&untouched["RuleCount"], &untouched["GroupToGroupRuleCount"]),
        (&json!(0), &json!(0))
    );
}

#[tokio::test]
async fn the_flat_form_authorizes_and_revokes_and_cannot_mix_with_permissions() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    let http: Fields = &[
        ("IpProtocol", "TCP"),
        ("PortRange", "80/80"),
        ("SourceCidrIp", "0.0.0.0/0"),
    ];
    call(&c, "AuthorizeSecurityGroup", &flat(group, http))
        .await
        .ok();
    call(&c, "AuthorizeSecurityGroupEgress", &flat(group, ANY_OUT))
        .await
        .ok();
    assert_eq!(rules(&c, group, "ingress").await.len(), 1);
    assert_eq!(rules(&c, group, "egress").await.len(), 1);

    // Permissions.N beside any flat rule parameter is refused, whichever the call.
    let mut mixed = listed(group, &[SSH]);
    mixed.push(("Description".into(), "flat".into()));
    for action in [
        "AuthorizeSecurityGroup",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroup",
        "RevokeSecurityGroupEgress",
    ] {
        let reply = refused_rules(
            &c,
            &[group],
            action,
            &mixed,
            "InvalidParam.Permissions",
            400,
        )
        .await;
        assert_eq!(
            reply.message(),
            "The specified parameter Permissions cannot coexist with other parameters."
        );
    }

    call(&c, "RevokeSecurityGroup", &flat(group, http))
        .await
        .ok();
    call(
        &c,
        "RevokeSecurityGroupEgress",
        &flat(
            group,
            &[
                ("IpProtocol", "ALL"),
                ("PortRange", "-1/-1"),
                ("DestCidrIp", "0.0.0.0/0"),
            ],
        ),
    )
    .await
    .ok();
    assert!(rules(&c, group, "all").await.is_empty());
}

#[tokio::test]
async fn an_identical_rule_added_twice_is_one_rule() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    let first_ssh: Fields = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "10.0.0.0/8"),
        ("Description", "first"),
    ];
    authorize(&c, group, &[first_ssh]).await;
    let first = rules(&c, group, "ingress").await;
    // Again, with the protocol and policy spelled otherwise and another description: the
    // call succeeds and the rule stays as it was.
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "TCP"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
            ("Policy", "Accept"),
            ("Priority", "1"),
            ("Description", "second"),
        ]],
    )
    .await;
    call(&c, "AuthorizeSecurityGroup", &flat(group, first_ssh))
        .await
        .ok();
    assert_eq!(rules(&c, group, "ingress").await, first);
    assert_eq!(described_group(&c, group).await["RuleCount"], json!(1));

    // One known and one new rule in a call: only the new one is added.
    authorize(
        &c,
        group,
        &[
            first_ssh,
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "10.0.0.0/8"),
                ("Priority", "2"),
            ],
        ],
    )
    .await;
    assert_eq!(rules(&c, group, "ingress").await.len(), 2);

    // The same rule twice in one call is refused, in Authorize and Revoke alike.
    let twice = listed(
        group,
        &[
            &[
                ("IpProtocol", "udp"),
                ("PortRange", "1/2"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
            &[
                ("IpProtocol", "UDP"),
                ("PortRange", "1/2"),
                ("SourceCidrIp", "1.1.1.1"),
                ("Description", "x"),
            ],
        ],
    );
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &twice,
        "InvalidParam.DuplicatePermissions",
        400,
    )
    .await;
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroup",
        &twice,
        "InvalidParam.DuplicatePermissions",
        400,
    )
    .await;
}

#[tokio::test]
async fn refused_permissions_answer_the_documented_codes() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            ("SourceCidrIp", "0.0.0.0/0"),
        ]],
    )
    .await;
    let long = "d".repeat(513);
    #[rustfmt::skip]
    let inbound: Vec<Case> = vec![
        (vec![("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidIpProtocol.ValueNotSupported", 400),
        (vec![("IpProtocol", "sctp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidIpProtocol.ValueNotSupported", 400),
        (vec![("IpProtocol", "tcp"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidPortRange.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22-23"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidParam.PortRange", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "0/22"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidIpProtocol.Malformed", 400),
        (vec![("IpProtocol", "udp"), ("PortRange", "100/99"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidIpProtocol.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "-1/-1"), ("SourceCidrIp", "10.0.0.0/8")], "OperationDenied", 400),
        (vec![("IpProtocol", "icmp"), ("PortRange", "8/8"), ("SourceCidrIp", "10.0.0.0/8")], "OperationDenied", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("SourcePortRange", "x")], "InvalidSourcePortRange.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/33")], "InvalidSourceCidrIp.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("DestCidrIp", "192.168.1")], "InvalidDestCidrIp.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("Ipv6SourceCidrIp", "2001:db8::/129")], "InvalidParam.Ipv6SourceCidrIp", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("Ipv6SourceCidrIp", "::/0"), ("Ipv6DestCidrIp", "fe80:::1")], "InvalidParam.Ipv6DestCidrIp", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("Ipv6SourceCidrIp", "::/0")], "InvalidParam.SourceIp", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("DestCidrIp", "10.0.0.1"), ("Ipv6DestCidrIp", "::1")], "InvalidParam.DestIp", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("Ipv6DestCidrIp", "::1")], "InvalidParameter.Conflict", 400),
        (vec![("IpProtocol", "icmp"), ("PortRange", "-1/-1"), ("Ipv6SourceCidrIp", "::/0")], "InvalidParam.Ipv4ProtocolConflictWithIpv6Address", 400),
        (vec![("IpProtocol", "icmpv6"), ("PortRange", "-1/-1"), ("SourceCidrIp", "0.0.0.0/0")], "InvalidParam.Ipv6ProtocolConflictWithIpv4Address", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22")], "MissingParameter.Source", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("Policy", "deny")], "InvalidPolicy.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("Priority", "first")], "InvalidPriority.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("Priority", "101")], "InvalidPriority.ValueNotSupported", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("NicType", "public")], "InvalidNicType.ValueNotSupported", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8"), ("Description", &long)], "InvalidSecurityGroupDiscription.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourcePrefixListId", "pl-bp1nosuchlist")], "InvalidPrefixListId.NotFound", 404),
        (vec![("IpProtocol", "tcp"), ("PortRangeListId", "prl-bp1nosuchlist"), ("SourceCidrIp", "10.0.0.0/8")], "InvalidPortRangeListId.NotFound", 400),
    ];
    for (fields, code, status) in &inbound {
        // In the Permissions.N form, which is valid but for the one bad value …
        let mut permissions: Vec<Fields> = vec![&[
            ("IpProtocol", "udp"),
            ("PortRange", "53/53"),
            ("SourceCidrIp", "10.0.0.0/8"),
        ]];
        permissions.push(fields);
        refused_rules(
            &c,
            &[group],
            "AuthorizeSecurityGroup",
            &listed(group, &permissions),
            code,
            *status,
        )
        .await;
        // … and in the flat form.
        refused_rules(
            &c,
            &[group],
            "AuthorizeSecurityGroup",
            &flat(group, fields),
            code,
            *status,
        )
        .await;
    }
    // Messages name the parameter as the client sent it.
    let reply = refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &listed(
            group,
            &[
                &[
                    ("IpProtocol", "udp"),
                    ("PortRange", "1/1"),
                    ("SourceCidrIp", "1.1.1.1"),
                ],
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "1:2"),
                    ("SourceCidrIp", "1.1.1.1"),
                ],
            ],
        ),
        "InvalidParam.PortRange",
        400,
    )
    .await;
    assert_eq!(reply.message(), "The specified parameter Permissions.2.PortRange is not valid. It should be two integers less than 65535 in ?/? format.");
    let reply = refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &flat(group, &[("IpProtocol", "tcp"), ("PortRange", "1/2")]),
        "MissingParameter.Source",
        400,
    )
    .await;
    assert_eq!(reply.message(), "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId in the request must be specified.");

    #[rustfmt::skip]
    let outbound: Vec<Case> = vec![
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8")], "MissingParameter.Dest", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("DestCidrIp", "10.0.0.256/32")], "InvalidDestCidrIp.Malformed", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("DestCidrIp", "10.0.0.0/8"), ("SourceCidrIp", "nowhere")], "InvalidSourceCidrIp.Malformed", 400),
        (vec![("IpProtocol", "all"), ("PortRange", "1/65535"), ("DestCidrIp", "0.0.0.0/0")], "OperationDenied", 400),
        (vec![("IpProtocol", "tcp"), ("PortRange", "22/22"), ("DestPrefixListId", "pl-bp1nosuchlist")], "InvalidPrefixListId.NotFound", 404),
    ];
    for (fields, code, status) in &outbound {
        refused_rules(
            &c,
            &[group],
            "AuthorizeSecurityGroupEgress",
            &listed(group, &[fields]),
            code,
            *status,
        )
        .await;
    }

    // The group itself must exist; its id is required. (Both addresses make the permission
    // valid in either direction.)
    let both_ways: Fields = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "10.0.0.0/8"),
        ("DestCidrIp", "10.1.0.0/16"),
    ];
    for action in [
        "AuthorizeSecurityGroup",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroup",
        "RevokeSecurityGroupEgress",
        "ModifySecurityGroupRule",
        "ModifySecurityGroupEgressRule",
    ] {
        refused_rules(
            &c,
            &[group],
            action,
            &flat(UNKNOWN_GROUP, both_ways),
            "InvalidSecurityGroupId.NotFound",
            404,
        )
        .await;
        let mut no_group = owned(&[("RegionId", REGION)]);
        no_group.extend(owned(both_ways));
        refused_rules(&c, &[group], action, &no_group, "MissingParameter", 400).await;
        refused_rules(
            &c,
            &[group],
            action,
            &owned(&[("SecurityGroupId", group)]),
            "MissingParameter.RegionId",
            400,
        )
        .await;
    }
    // Indexes run from 1 to 100.
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &owned(&[
            ("RegionId", REGION),
            ("SecurityGroupId", group),
            ("Permissions.101.IpProtocol", "tcp"),
            ("Permissions.101.PortRange", "1/1"),
            ("Permissions.101.SourceCidrIp", "1.1.1.1"),
        ]),
        "InvalidParameter",
        400,
    )
    .await;
}

#[tokio::test]
async fn rules_naming_groups_follow_the_group_rules() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (group, peer, advanced) = (
        w.basic[0].as_str(),
        w.basic[1].as_str(),
        w.advanced[0].as_str(),
    );
    let other_vpc = create_vpc(&c, "172.16.0.0/12").await;
    let away = create_group(&c, &other_vpc, "normal").await;
    let all = [group, peer, advanced, away.as_str()];
    let from = |source| group_rule("SourceGroupId", source, "5432/5432");
    let to = |dest| group_rule("DestGroupId", dest, "5432/5432");

    #[rustfmt::skip]
    let cases: Vec<GroupCase> = vec![
        ("AuthorizeSecurityGroup", group, from(UNKNOWN_GROUP), "InvalidSourceGroupId.NotFound", 404),
        ("AuthorizeSecurityGroupEgress", group, to(UNKNOWN_GROUP), "InvalidDestGroupId.NotFound", 404),
        ("AuthorizeSecurityGroup", group, from(away.as_str()), "InvalidSourceGroupId.Mismatch", 400),
        ("AuthorizeSecurityGroupEgress", group, to(away.as_str()), "InvalidDestGroupId.Mismatch", 400),
        ("AuthorizeSecurityGroup", group, from(group), "InvalidParamter.Conflict", 403),
        ("AuthorizeSecurityGroupEgress", group, to(group), "InvalidSecurityGroup.IsSame", 403),
        ("AuthorizeSecurityGroup", group, from(advanced), "InvalidGroupAuthParameter.OperationDenied", 400),
        ("AuthorizeSecurityGroupEgress", group, to(advanced), "InvalidGroupAuthParameter.OperationDenied", 400),
        ("AuthorizeSecurityGroup", advanced, from(peer), "InvalidGroupParameter.OperationDenied", 400),
        ("AuthorizeSecurityGroupEgress", advanced, to(peer), "InvalidGroupParameter.OperationDenied", 400),
        ("AuthorizeSecurityGroup", group, [from(peer), vec![("NicType", "internet")]].concat(), "InvalidSourceGroupId.Mismatch", 403),
        ("AuthorizeSecurityGroupEgress", group, [to(peer), vec![("NicType", "internet")]].concat(), "InvalidDestGroupId.Mismatch", 403),
        ("RevokeSecurityGroup", group, from(UNKNOWN_GROUP), "InvalidSourceGroupId.NotFound", 404),
    ];
    for (action, target, fields, code, status) in &cases {
        refused_rules(&c, &all, action, &listed(target, &[fields]), code, *status).await;
    }
    let reply = refused_rules(
        &c,
        &all,
        "AuthorizeSecurityGroup",
        &listed(group, &[&from(group)]),
        "InvalidParamter.Conflict",
        403,
    )
    .await;
    assert_eq!(
        reply.message(),
        "The specified SecurityGroupId should be different from the SourceGroupId."
    );

    // A basic group of the same VPC may be named, with intranet or no NicType, both ways.
    authorize(
        &c,
        group,
        &[&[from(peer), vec![("NicType", "intranet")]].concat()],
    )
    .await;
    authorize_egress(&c, group, &[&to(peer)]).await;
    // An address wins over a group given beside it.
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("SourceCidrIp", "10.1.0.0/16"),
            ("SourceGroupId", advanced),
        ]],
    )
    .await;
    let ingress = rules(&c, group, "ingress").await;
    assert_eq!(
        (&ingress[1]["SourceCidrIp"], &ingress[1]["SourceGroupId"]),
        (&json!("10.1.0.0/16"), &json!(""))
    );
    let described = described_group(&c, group).await;
    assert_eq!(
        (&described["RuleCount"], &described["GroupToGroupRuleCount"]),
        (&json!(3), &json!(2))
    );
    // An advanced group's own rules may name addresses.
    authorize(
        &c,
        advanced,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
            ("Policy", "drop"),
        ]],
    )
    .await;
    assert_eq!(rules(&c, advanced, "ingress").await[0]["Policy"], "Drop");
}

#[tokio::test]
async fn a_group_holds_a_limited_number_of_rules() {
    let server = TestServer::start_with(|config| {
        config.limits.rules_per_group = 4;
        config.limits.group_rules_per_group = 2;
    })
    .await;
    let c = server.client();
    let w = world(&c).await;
    let (group, peer) = (w.basic[0].as_str(), w.basic[1].as_str());
    let by_group = |port| group_rule("SourceGroupId", peer, port);
    authorize(&c, group, &[&by_group("1/1"), &by_group("2/2")]).await;
    let reply = refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &listed(group, &[&by_group("3/3")]),
        "AuthorizedGroupRule.LimitExceed",
        400,
    )
    .await;
    assert!(
        reply.message().ends_with("the limit is 2."),
        "{}",
        reply.message()
    );
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroupEgress",
        &listed(
            group,
            &[&[
                ("IpProtocol", "tcp"),
                ("PortRange", "3/3"),
                ("DestGroupId", peer),
            ]],
        ),
        "AuthorizedGroupRule.LimitExceed",
        400,
    )
    .await;
    // Inbound and outbound count together toward the group's limit.
    authorize_egress(&c, group, &[ANY_OUT]).await;
    let two_more = listed(
        group,
        &[
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "4/4"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "5/5"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
        ],
    );
    let reply = refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &two_more,
        "AuthorizationLimitExceed",
        403,
    )
    .await;
    assert_eq!(
        reply.message(),
        "The limit of authorization records in the security group reaches."
    );
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "4/4"),
            ("SourceCidrIp", "1.1.1.1"),
        ]],
    )
    .await;
    // A full group still takes a rule it already has (nothing is added).
    authorize(&c, group, &[&by_group("1/1")]).await;
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroupEgress",
        &listed(
            group,
            &[&[
                ("IpProtocol", "udp"),
                ("PortRange", "9/9"),
                ("DestCidrIp", "1.1.1.1"),
            ]],
        ),
        "AuthorizationLimitExceed",
        403,
    )
    .await;
    assert_eq!(described_group(&c, group).await["RuleCount"], json!(4));
}

#[tokio::test]
async fn by_default_a_group_holds_200_rules_and_a_call_100() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    let ports: Vec<String> = (1..=201).map(|p| format!("{p}/{p}")).collect();
    let batch = |range: std::ops::Range<usize>| -> Params {
        let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
        for (n, i) in range.enumerate() {
            let at = format!("Permissions.{}", n + 1);
            params.push((format!("{at}.IpProtocol"), "tcp".into()));
            params.push((format!("{at}.PortRange"), ports[i].clone()));
            params.push((format!("{at}.SourceCidrIp"), "10.0.0.0/8".into()));
        }
        params
    };
    call(&c, "AuthorizeSecurityGroup", &batch(0..100))
        .await
        .ok();
    call(&c, "AuthorizeSecurityGroupEgress", &{
        let mut params = batch(100..200);
        for (k, _) in params.iter_mut() {
            *k = k.replace("SourceCidrIp", "DestCidrIp");
        }
        params
    })
    .await
    .ok();
    assert_eq!(described_group(&c, group).await["RuleCount"], json!(200));
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &batch(200..201),
        "AuthorizationLimitExceed",
        403,
    )
    .await;

    // MaxResults pages through them (10 to 1000, 500 by default).
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut extra = vec![("MaxResults", "60")];
        if !token.is_empty() {
            extra.push(("NextToken", token.as_str()));
        }
        let body = attribute(&c, group, &extra).await;
        let page = body["Permissions"]["Permission"]
            .as_array()
            .unwrap()
            .clone();
        seen.extend(rule_ids(&page));
        token = body["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
        assert_eq!(page.len(), 60);
    }
    assert_eq!(seen.len(), 200);
    assert_eq!(seen, rule_ids(&rules(&c, group, "all").await));
    // Below the minimum a page still holds 10; a foreign token is refused.
    let small = attribute(&c, group, &[("MaxResults", "3"), ("Direction", "egress")]).await;
    assert_eq!(
        small["Permissions"]["Permission"].as_array().unwrap().len(),
        10
    );
    assert!(!small["NextToken"].as_str().unwrap().is_empty());
    c.call(
        "DescribeSecurityGroupAttribute",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", group),
            ("NextToken", "not-a-token"),
        ],
    )
    .await
    .err("InValidParameter.NextToken", 400);
}

#[tokio::test]
async fn revoke_removes_rules_by_value_or_by_id() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    let ssh_drop: Fields = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "10.0.0.0/8"),
        ("Policy", "drop"),
        ("Priority", "5"),
    ];
    let dns: Fields = &[
        ("IpProtocol", "udp"),
        ("PortRange", "53/53"),
        ("DestCidrIp", "10.0.0.2"),
    ];
    authorize(&c, group, &[SSH, ssh_drop]).await;
    authorize_egress(&c, group, &[dns, ANY_OUT]).await;

    // A rule the group does not have: success, nothing removed.
    let before = state(&c, &[group]).await;
    call(
        &c,
        "RevokeSecurityGroup",
        &listed(
            group,
            &[&[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "10.0.0.0/8"),
                ("Priority", "2"),
            ]],
        ),
    )
    .await
    .ok();
    call(
        &c,
        "RevokeSecurityGroupEgress",
        &listed(
            group,
            &[
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/22"),
                    ("DestCidrIp", "10.0.0.0/8"),
                ],
                &[
                    ("IpProtocol", "udp"),
                    ("PortRange", "53/53"),
                    ("DestCidrIp", "10.0.0.2"),
                    ("Policy", "drop"),
                ],
            ],
        ),
    )
    .await
    .ok();
    assert_eq!(before, state(&c, &[group]).await);

    // By value: policy and priority are part of the rule (priority 1 and accept by default).
    call(
        &c,
        "RevokeSecurityGroup",
        &listed(
            group,
            &[&[
                ("IpProtocol", "TCP"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "10.0.0.0/8"),
                ("Policy", "Drop"),
                ("Priority", "5"),
            ]],
        ),
    )
    .await
    .ok();
    let left = rules(&c, group, "ingress").await;
    assert_eq!(left.len(), 1);
    assert_eq!(
        (&left[0]["Policy"], &left[0]["Priority"]),
        (&json!("Accept"), &json!(1))
    );

    // By id: unknown ids, the other direction's ids and repeats are refused.
    let egress = rule_ids(&rules(&c, group, "egress").await);
    let ingress = rule_ids(&left);
    let ids = |ids: &[&str]| -> Params {
        let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
        for (n, id) in ids.iter().enumerate() {
            params.push((format!("SecurityGroupRuleId.{}", n + 1), id.to_string()));
        }
        params
    };
    let reply = refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroup",
        &ids(&[&ingress[0], UNKNOWN_RULE]),
        "InvalidParam.SecurityGroupRuleId",
        400,
    )
    .await;
    assert_eq!(
        reply.message(),
        "The specified parameter SecurityGroupRuleId is not valid."
    );
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroup",
        &ids(&[&egress[0]]),
        "InvalidParam.SecurityGroupRuleId",
        400,
    )
    .await;
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroupEgress",
        &ids(&[&ingress[0]]),
        "InvalidParam.SecurityGroupRuleId",
        400,
    )
    .await;
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroupEgress",
        &ids(&[&egress[0], &egress[0]]),
        "InvalidParam.SecurityGroupRuleIdRepeated",
        400,
    )
    .await;
    let mut with_permissions = ids(&[&egress[0]]);
    with_permissions.extend(listed(group, &[dns]).into_iter().skip(2));
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroupEgress",
        &with_permissions,
        "InvalidParam.Permissions",
        400,
    )
    .await;
    let mut with_flat = ids(&[&egress[0]]);
    with_flat.push(("IpProtocol".into(), "udp".into()));
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroupEgress",
        &with_flat,
        "InvalidParam.Permissions",
        400,
    )
    .await;

    call(
        &c,
        "RevokeSecurityGroupEgress",
        &ids(&[&egress[1], &egress[0]]),
    )
    .await
    .ok();
    call(&c, "RevokeSecurityGroup", &ids(&[&ingress[0]]))
        .await
        .ok();
    assert!(rules(&c, group, "all").await.is_empty());
    let described = described_group(&c, group).await;
    assert_eq!(
        (&described["RuleCount"], &described["GroupToGroupRuleCount"]),
        (&json!(0), &json!(0))
    );
}

#[tokio::test]
async fn modify_changes_a_rule_by_id_or_its_description_by_value() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (group, peer) = (w.basic[0].as_str(), w.basic[1].as_str());
    authorize(
        &c,
        group,
        &[
            SSH,
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "3306/3306"),
                ("SourceGroupId", peer),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "80/80"),
                ("SourceCidrIp", "0.0.0.0/0"),
            ],
        ],
    )
    .await;
    authorize_egress(&c, group, &[ANY_OUT]).await;
    let ingress = rule_ids(&rules(&c, group, "ingress").await);
    let egress = rule_ids(&rules(&c, group, "egress").await);
    let by_id = |id: &str, fields: Fields| -> Params {
        let mut params = flat(group, fields);
        params.push(("SecurityGroupRuleId".into(), id.to_string()));
        params
    };

    // By id: the values given replace the rule's; the id and creation time stay.
    let before = rules(&c, group, "ingress").await;
    call(
        &c,
        "ModifySecurityGroupRule",
        &by_id(
            &ingress[0],
            &[
                ("PortRange", "2222/2222"),
                ("SourceCidrIp", "192.168.0.0/16"),
                ("Policy", "drop"),
                ("Priority", "9"),
                ("Description", "moved"),
            ],
        ),
    )
    .await
    .ok();
    let after = rules(&c, group, "ingress").await;
    assert_eq!(
        (
            &after[0]["SecurityGroupRuleId"],
            &after[0]["CreateTime"],
            &after[0]["PortRange"],
            &after[0]["SourceCidrIp"],
            &after[0]["Policy"],
            &after[0]["Priority"],
            &after[0]["Description"],
            &after[0]["IpProtocol"]
        ),
        (
            &before[0]["SecurityGroupRuleId"],
            &before[0]["CreateTime"],
            &json!("2222/2222"),
            &json!("192.168.0.0/16"),
            &json!("Drop"),
            &json!(9),
            &json!("moved"),
            &json!("TCP")
        )
    );
    assert_eq!(after[1..], before[1..]);

    let all = [group, peer];
    let modify = "ModifySecurityGroupRule";
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[0], &[("SourceGroupId", peer)]),
        "InvalidOperation.ModifySgRuleEntityType",
        400,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[1], &[("SourceCidrIp", "10.0.0.0/8")]),
        "InvalidOperation.ModifySgRuleEntityType",
        400,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[0], &[("Ipv6SourceCidrIp", "::/0")]),
        "InvalidOperation.ModifySgRuleEntityType",
        400,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[0], &[("NicType", "internet")]),
        "InvalidOperation.ModifyNicType",
        400,
    )
    .await;
    let reply = refused_rules(
        &c,
        &all,
        modify,
        &by_id(
            &ingress[2],
            &[
                ("PortRange", "2222/2222"),
                ("SourceCidrIp", "192.168.0.0/16"),
                ("Policy", "drop"),
                ("Priority", "9"),
            ],
        ),
        "InvalidOperation.RuleDuplicate",
        400,
    )
    .await;
    assert!(reply.message().contains(&ingress[0]), "{}", reply.message());
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(UNKNOWN_RULE, &[("Description", "x")]),
        "InvalidSecurityGroupRuleId.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&egress[0], &[("Description", "x")]),
        "InvalidSecurityGroupRuleId.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[0], &[("IpProtocol", "icmp")]),
        "OperationDenied",
        400,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[1], &[("SourceGroupId", UNKNOWN_GROUP)]),
        "InvalidSourceGroupId.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &by_id(&ingress[0], &[("Priority", "0")]),
        "InvalidPriority.ValueNotSupported",
        400,
    )
    .await;

    // Without an id the values name a rule, and only its description changes.
    call(
        &c,
        modify,
        &flat(
            group,
            &[
                ("IpProtocol", "TCP"),
                ("PortRange", "80/80"),
                ("SourceCidrIp", "0.0.0.0/0"),
                ("Description", "web"),
            ],
        ),
    )
    .await
    .ok();
    assert_eq!(rules(&c, group, "ingress").await[2]["Description"], "web");
    refused_rules(
        &c,
        &all,
        modify,
        &flat(
            group,
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "81/81"),
                ("SourceCidrIp", "0.0.0.0/0"),
                ("Description", "web"),
            ],
        ),
        "SecurityGroupRule.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        modify,
        &flat(
            group,
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "81/81"),
                ("Description", "web"),
            ],
        ),
        "MissingParameter.Source",
        400,
    )
    .await;

    // The outbound twin works the same way on outbound rules.
    call(
        &c,
        "ModifySecurityGroupEgressRule",
        &by_id(
            &egress[0],
            &[
                ("DestCidrIp", "10.0.0.0/8"),
                ("Description", "internal only"),
            ],
        ),
    )
    .await
    .ok();
    let out = rules(&c, group, "egress").await;
    assert_eq!(
        (&out[0]["DestCidrIp"], &out[0]["Description"]),
        (&json!("10.0.0.0/8"), &json!("internal only"))
    );
    call(
        &c,
        "ModifySecurityGroupEgressRule",
        &flat(
            group,
            &[
                ("IpProtocol", "all"),
                ("PortRange", "-1/-1"),
                ("DestCidrIp", "10.0.0.0/8"),
                ("Description", "by value"),
            ],
        ),
    )
    .await
    .ok();
    assert_eq!(
        rules(&c, group, "egress").await[0]["Description"],
        "by value"
    );
    let egress_modify = "ModifySecurityGroupEgressRule";
    refused_rules(
        &c,
        &all,
        egress_modify,
        &by_id(&ingress[0], &[("Description", "x")]),
        "InvalidSecurityGroupRuleId.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        egress_modify,
        &by_id(&egress[0], &[("DestGroupId", peer)]),
        "InvalidOperation.ModifySgRuleEntityType",
        400,
    )
    .await;
    refused_rules(
        &c,
        &all,
        egress_modify,
        &flat(group, ANY_OUT),
        "SecurityGroupRule.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        egress_modify,
        &by_id(&egress[0], &[("Description", &"x".repeat(513))]),
        "InvalidSecurityGroupDiscription.Malformed",
        400,
    )
    .await;
}

#[tokio::test]
async fn describe_attribute_filters_and_refuses() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    authorize(&c, group, &[SSH]).await;
    authorize_egress(&c, group, &[ANY_OUT]).await;
    // VPC rules are intranet; either NicType lists them (the API reads internet as intranet).
    for nic_type in ["intranet", "internet"] {
        let body = attribute(&c, group, &[("NicType", nic_type)]).await;
        assert_eq!(
            body["Permissions"]["Permission"].as_array().unwrap().len(),
            2,
            "{nic_type}"
        );
    }
    let refuse = |extra: Fields<'_>| {
        let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
        params.extend(owned(extra));
        params
    };
    let reply = call(
        &c,
        "DescribeSecurityGroupAttribute",
        &refuse(&[("NicType", "wifi")]),
    )
    .await;
    reply.err("InvalidNicType.ValueNotSupported", 400);
    assert_eq!(reply.message(), "The specified NicType does not exist.");
    let reply = call(
        &c,
        "DescribeSecurityGroupAttribute",
        &refuse(&[("Direction", "inbound")]),
    )
    .await;
    reply.err("InvalidParamter", 400);
    assert_eq!(reply.message(), "Invalid Parameter.");
    call(
        &c,
        "DescribeSecurityGroupAttribute",
        &owned(&[("RegionId", REGION), ("SecurityGroupId", UNKNOWN_GROUP)]),
    )
    .await
    .err("InvalidSecurityGroupId.NotFound", 404);
    call(
        &c,
        "DescribeSecurityGroupAttribute",
        &owned(&[("SecurityGroupId", group)]),
    )
    .await
    .err("MissingParameter.RegionId", 400);
    call(
        &c,
        "DescribeSecurityGroupAttribute",
        &owned(&[("RegionId", REGION)]),
    )
    .await
    .err("MissingParameter", 400);
}

#[tokio::test]
async fn another_account_neither_sees_nor_names_a_group() {
    let server = TestServer::start_with(|config| config.accept_any_access_key = true).await;
    let alice = Client::new(&server.base, "dev-alice", "anything");
    let bob = Client::new(&server.base, "dev-bob", "whatever").acs3();
    let w = world(&alice).await;
    let theirs = world(&bob).await;
    let group = w.basic[0].as_str();
    authorize(&alice, group, &[SSH]).await;
    call(
        &bob,
        "DescribeSecurityGroupAttribute",
        &owned(&[("RegionId", REGION), ("SecurityGroupId", group)]),
    )
    .await
    .err("InvalidSecurityGroupId.NotFound", 404);
    refused_rules(
        &bob,
        &[theirs.basic[0].as_str()],
        "RevokeSecurityGroup",
        &flat(group, SSH),
        "InvalidSecurityGroupId.NotFound",
        404,
    )
    .await;
    // Bob's rules cannot name Alice's group: it does not exist for him.
    refused_rules(
        &bob,
        &[theirs.basic[0].as_str()],
        "AuthorizeSecurityGroup",
        &listed(
            &theirs.basic[0],
            &[&[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceGroupId", group),
            ]],
        ),
        "InvalidSourceGroupId.NotFound",
        404,
    )
    .await;
    assert_eq!(rules(&alice, group, "ingress").await.len(), 1);
}

#[tokio::test]
async fn describe_attribute_answers_in_xml() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    authorize(
        &c,
        group,
        &[
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "10.0.0.0/8"),
                ("Description", "a<b&c"),
            ],
            &[
                ("IpProtocol", "icmp"),
                ("PortRange", "-1/-1"),
                ("SourceCidrIp", "0.0.0.0/0"),
                ("Priority", "100"),
            ],
        ],
    )
    .await;
    let reply = xml(
        &c,
        "DescribeSecurityGroupAttribute",
        &[("RegionId", REGION), ("SecurityGroupId", group)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let text = &reply.text;
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeSecurityGroupAttributeResponse><RequestId>"), "{text}");
    assert!(
        text.ends_with("</DescribeSecurityGroupAttributeResponse>"),
        "{text}"
    );
    assert_eq!(elements(text, "InnerAccessPolicy"), ["Accept"]);
    assert_eq!(elements(text, "SecurityGroupId"), [group]);
    assert_eq!(elements(text, "Permissions").len(), 1);
    let permissions = elements(text, "Permission");
    assert_eq!(permissions.len(), 2, "{text}");
    assert_eq!(elements(permissions[0], "IpProtocol"), ["TCP"]);
    assert_eq!(elements(permissions[0], "Priority"), ["1"]);
    assert_eq!(elements(permissions[0], "Description"), ["a&lt;b&amp;c"]);
    assert_eq!(elements(permissions[0], "DestCidrIp"), [""]);
    assert_eq!(elements(permissions[1], "IpProtocol"), ["ICMP"]);
    assert_eq!(elements(permissions[1], "Priority"), ["100"]);
    assert_eq!(elements(permissions[1], "Policy"), ["Accept"]);
    // An empty group keeps its empty wrapper.
    let empty = xml(
        &c,
        "DescribeSecurityGroupAttribute",
        &[("RegionId", REGION), ("SecurityGroupId", &w.basic[1])],
    )
    .await;
    assert!(
        empty.text.contains("<Permissions></Permissions>"),
        "{}",
        empty.text
    );
    // Errors come back in XML too.
    let missing = xml(
        &c,
        "AuthorizeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", group),
            ("IpProtocol", "tcp"),
            ("PortRange", "1/1"),
        ],
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(elements(&missing.text, "Code"), ["MissingParameter.Source"]);
}

/// The call pattern of terraform-provider-alicloud's `alicloud_security_group_rule`: create
/// with `Permissions.1.*`, read back through DescribeSecurityGroupAttribute (Direction and
/// NicType given) comparing as the provider does, delete with the flat form.
async fn terraform_round_trip(c: &Client, group: &str, peer: &str) {
    let create = |peer_field: &str,
                  peer_value: &str,
                  protocol: &str,
                  ports: &str,
                  priority: &str|
     -> Params {
        let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
        for (k, v) in [
            ("IpProtocol", protocol),
            ("Policy", "accept"),
            ("Priority", priority),
            (peer_field, peer_value),
            ("PortRange", ports),
            ("NicType", "intranet"),
            ("Description", "managed by terraform"),
        ] {
            params.push((format!("Permissions.1.{k}"), v.to_string()));
        }
        params
    };
    let read = |direction: &'static str| rules_with(c, group, direction);
    #[rustfmt::skip]
    let resources: [(&str, &str, &str, &str, &str, &str); 5] = [
        ("ingress", "SourceCidrIp", "192.168.0.0/24", "tcp", "22/22", "1"),
        ("ingress", "SourceCidrIp", "0.0.0.0/0", "tcp", "22/22", "2"),
        ("ingress", "SourceGroupId", peer, "all", "-1/-1", "1"),
        ("egress", "DestCidrIp", "0.0.0.0/0", "all", "-1/-1", "1"),
        ("egress", "DestGroupId", peer, "udp", "53/53", "100"),
    ];
    for (direction, peer_field, peer_value, protocol, ports, priority) in resources {
        let action = if direction == "ingress" {
            "AuthorizeSecurityGroup"
        } else {
            "AuthorizeSecurityGroupEgress"
        };
        call(
            c,
            action,
            &create(peer_field, peer_value, protocol, ports, priority),
        )
        .await
        .ok();
        let found = read(direction).await;
        let wanted = (
            protocol,
            ports,
            peer_value,
            "accept",
            priority.parse().unwrap(),
        );
        let rule = provider_finds(&found, direction, wanted).unwrap_or_else(|| {
            panic!("the provider does not find {direction} {wanted:?} in {found:?}")
        });
        assert_eq!(rule["Direction"], direction);
        assert_eq!(rule["NicType"], "intranet");
        assert_eq!(rule["Description"], "managed by terraform");
        assert!(rule["SecurityGroupRuleId"]
            .as_str()
            .unwrap()
            .starts_with("sgr-"));
    }
    // Authorizing the same rule again (a create retried after a timeout) adds nothing.
    let before = read("ingress").await;
    call(
        c,
        "AuthorizeSecurityGroup",
        &create("SourceCidrIp", "192.168.0.0/24", "tcp", "22/22", "1"),
    )
    .await
    .ok();
    assert_eq!(read("ingress").await, before);

    for (direction, peer_field, peer_value, protocol, ports, priority) in resources {
        let action = if direction == "ingress" {
            "RevokeSecurityGroup"
        } else {
            "RevokeSecurityGroupEgress"
        };
        let revoke = flat(
            group,
            &[
                ("PortRange", ports),
                ("IpProtocol", protocol),
                ("Policy", "accept"),
                ("Priority", priority),
                (peer_field, peer_value),
                ("NicType", "intranet"),
            ],
        );
        call(c, action, &revoke).await.ok();
        let found = read(direction).await;
        assert!(provider_finds(
            &found,
            direction,
            (
                protocol,
                ports,
                peer_value,
                "accept",
                priority.parse().unwrap()
            )
        )
        .is_none());
        // The provider retries a delete until the rule is gone; a second revoke still succeeds.
        call(c, action, &revoke).await.ok();
    }
    assert!(rules(c, group, "all").await.is_empty());
}

/// The rules of one direction as the provider asks for them (Direction and NicType given).
async fn rules_with(c: &Client, group: &str, direction: &str) -> Vec<Value> {
    attribute(
        c,
        group,
        &[("Direction", direction), ("NicType", "intranet")],
    )
    .await["Permissions"]["Permission"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_terraform_rule_pattern_round_trips_in_both_signatures() {
    let server = TestServer::start().await;
    for c in [server.client(), server.client().acs3()] {
        let w = world(&c).await;
        terraform_round_trip(&c, &w.basic[0], &w.basic[1]).await;
    }
}

#[tokio::test]
async fn ipv6_blocks_come_back_compressed_as_the_provider_expects() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    authorize(
        &c,
        group,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            ("Ipv6SourceCidrIp", "2001:0DB8:0000:0000::/64"),
        ]],
    )
    .await;
    let rule = &rules(&c, group, "ingress").await[0];
    assert_eq!(rule["Ipv6SourceCidrIp"], "2001:db8::/64");
    // Revoking with either spelling names the same rule.
    call(
        &c,
        "RevokeSecurityGroup",
        &flat(
            group,
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "443/443"),
                ("Ipv6SourceCidrIp", "2001:db8:0::/64"),
            ],
        ),
    )
    .await
    .ok();
    assert!(rules(&c, group, "ingress").await.is_empty());
}

#[tokio::test]
async fn modify_security_group_policy_switches_basic_groups_only() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (group, advanced) = (w.basic[0].as_str(), w.advanced[0].as_str());
    let policy = |group: &str, value: Option<&str>| {
        let mut params = owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
        if let Some(value) = value {
            params.push(("InnerAccessPolicy".into(), value.into()));
        }
        params
    };
    call(
        &c,
        "ModifySecurityGroupPolicy",
        &policy(group, Some("drop")),
    )
    .await
    .ok();
    assert_eq!(attribute(&c, group, &[]).await["InnerAccessPolicy"], "Drop");
    call(
        &c,
        "ModifySecurityGroupPolicy",
        &policy(group, Some("ACCEPT")),
    )
    .await
    .ok();
    assert_eq!(
        attribute(&c, group, &[]).await["InnerAccessPolicy"],
        "Accept"
    );

    let all = [group, advanced];
    let reply = refused_rules(
        &c,
        &all,
        "ModifySecurityGroupPolicy",
        &policy(group, Some("Allow")),
        "InvalidPolicy.Malformed",
        400,
    )
    .await;
    assert_eq!(
        reply.message(),
        "The Policy is invalid. Only 'Accept' and 'Drop' are supported. Ignore case."
    );
    refused_rules(
        &c,
        &all,
        "ModifySecurityGroupPolicy",
        &policy(group, None),
        "InvalidPolicy.Malformed",
        400,
    )
    .await;
    for value in ["Drop", "Accept"] {
        let reply = refused_rules(
            &c,
            &all,
            "ModifySecurityGroupPolicy",
            &policy(advanced, Some(value)),
            "InvalidParameter.InnerAccessPolicy",
            404,
        )
        .await;
        assert_eq!(
            reply.message(),
            "The InnerAccessPolicy attribute of enterprise level security group can't be modified."
        );
    }
    refused_rules(
        &c,
        &all,
        "ModifySecurityGroupPolicy",
        &policy(UNKNOWN_GROUP, Some("Drop")),
        "InvalidSecurityGroupId.NotFound",
        404,
    )
    .await;
    refused_rules(
        &c,
        &all,
        "ModifySecurityGroupPolicy",
        &owned(&[("SecurityGroupId", group), ("InnerAccessPolicy", "Drop")]),
        "MissingParameter.RegionId",
        400,
    )
    .await;
    // A dry run checks and changes nothing.
    let mut dry = policy(group, Some("Drop"));
    dry.push(("DryRun".into(), "true".into()));
    refused_rules(
        &c,
        &all,
        "ModifySecurityGroupPolicy",
        &dry,
        "DryRunOperation",
        400,
    )
    .await;
}

#[tokio::test]
async fn dry_runs_add_and_remove_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    let mut dry = listed(group, &[SSH]);
    dry.push(("DryRun".into(), "true".into()));
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &dry,
        "DryRunOperation",
        400,
    )
    .await;
    authorize(&c, group, &[SSH]).await;
    refused_rules(
        &c,
        &[group],
        "RevokeSecurityGroup",
        &dry,
        "DryRunOperation",
        400,
    )
    .await;
    assert_eq!(rules(&c, group, "ingress").await.len(), 1);
}

#[tokio::test]
async fn a_group_named_by_another_groups_rule_cannot_be_deleted() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (named, naming) = (w.basic[0].as_str(), w.basic[1].as_str());
    authorize(&c, named, &[SSH]).await;
    authorize_egress(
        &c,
        naming,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "5432/5432"),
            ("DestGroupId", named),
        ]],
    )
    .await;
    let delete = |group: &str| owned(&[("RegionId", REGION), ("SecurityGroupId", group)]);
    let reply = refused_rules(
        &c,
        &[named, naming],
        "DeleteSecurityGroup",
        &delete(named),
        "DependencyViolation",
        403,
    )
    .await;
    assert_eq!(
        reply.message(),
        "The specified security group has been authorized in another one."
    );

    // Members are reported first, as before.
    let eni = create_eni(&c, &w.vswitch, &[named]).await;
    let reply = refused_rules(
        &c,
        &[named, naming],
        "DeleteSecurityGroup",
        &delete(named),
        "DependencyViolation",
        403,
    )
    .await;
    assert_eq!(
        reply.message(),
        "There is still instance(s) in the specified security group."
    );
    c.call(
        "DeleteNetworkInterface",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
    )
    .await
    .ok();

    // The naming group can go, taking its own rules with it; then the named one can too.
    assert_eq!(stored_rules(&server, naming), 1);
    call(&c, "DeleteSecurityGroup", &delete(naming)).await.ok();
    assert_eq!(stored_rules(&server, naming), 0);
    assert_eq!(stored_rules(&server, named), 1);
    call(&c, "DeleteSecurityGroup", &delete(named)).await.ok();
    assert_eq!(stored_rules(&server, named), 0);
}

#[tokio::test]
async fn rules_survive_a_restart() {
    let mut server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].clone();
    authorize(
        &c,
        &group,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
            ("Description", "kept"),
        ]],
    )
    .await;
    call(
        &c,
        "ModifySecurityGroupPolicy",
        &owned(&[
            ("RegionId", REGION),
            ("SecurityGroupId", &group),
            ("InnerAccessPolicy", "Drop"),
        ]),
    )
    .await
    .ok();
    let before = attribute(&c, &group, &[]).await;
    server.stop().await;
    let restarted = TestServer::start_in(server.data_dir.clone(), |_| {}).await;
    let c = restarted.client();
    let mut after = attribute(&c, &group, &[]).await;
    let mut before = before;
    before.as_object_mut().unwrap().remove("RequestId");
    after.as_object_mut().unwrap().remove("RequestId");
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_client_token_makes_authorize_and_revoke_idempotent() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let group = w.basic[0].as_str();
    let with_token = |action_params: Params, token: &str| {
        let mut params = action_params;
        params.push(("ClientToken".into(), token.into()));
        params
    };
    let authorize_ssh = with_token(listed(group, &[SSH]), "authorize-ssh-1");
    call(&c, "AuthorizeSecurityGroup", &authorize_ssh)
        .await
        .ok();
    let id = rule_ids(&rules(&c, group, "ingress").await)[0].clone();
    call(
        &c,
        "RevokeSecurityGroup",
        &owned(&[
            ("RegionId", REGION),
            ("SecurityGroupId", group),
            ("SecurityGroupRuleId.1", &id),
        ]),
    )
    .await
    .ok();
    // A retry with the same token and parameters gets the first answer and adds nothing.
    call(&c, "AuthorizeSecurityGroup", &authorize_ssh)
        .await
        .ok();
    assert!(rules(&c, group, "ingress").await.is_empty());
    // The same token with other parameters is refused.
    let other = with_token(
        listed(
            group,
            &[&[
                ("IpProtocol", "tcp"),
                ("PortRange", "23/23"),
                ("SourceCidrIp", "10.0.0.0/8"),
            ]],
        ),
        "authorize-ssh-1",
    );
    refused_rules(
        &c,
        &[group],
        "AuthorizeSecurityGroup",
        &other,
        "IdempotentParameterMismatch",
        400,
    )
    .await;
    // Revoke by value with a token: a retry after the rule came back removes nothing.
    authorize(&c, group, &[SSH]).await;
    let revoke_ssh = with_token(flat(group, SSH), "revoke-ssh-1");
    call(&c, "RevokeSecurityGroup", &revoke_ssh).await.ok();
    authorize(&c, group, &[SSH]).await;
    call(&c, "RevokeSecurityGroup", &revoke_ssh).await.ok();
    assert_eq!(rules(&c, group, "ingress").await.len(), 1);
}
