//! ModifyInstanceAttribute (including the one-call move between basic and advanced groups),
//! DeleteInstances, and Assign/UnassignPrivateIpAddresses.

mod common;

use common::*;

fn group_list(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("SecurityGroupIds.{}", i + 1), id.to_string()))
        .collect()
}

async fn set_groups(c: &Client, instance: &str, groups: &[&str]) -> Reply {
    let list = group_list(groups);
    let mut params: Vec<(&str, &str)> = vec![("InstanceId", instance)];
    params.extend(list.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    c.call("ModifyInstanceAttribute", &params).await
}

async fn addresses(c: &Client, eni: &str) -> Vec<String> {
    let reply = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", eni)],
        )
        .await;
    reply.ok()["PrivateIpSets"]["PrivateIpSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ip| ip["PrivateIpAddress"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn modify_instance_attribute_replaces_the_whole_set_and_moves_between_kinds() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (a, b, adv) = (
        w.basic[0].as_str(),
        w.basic[1].as_str(),
        w.advanced[0].as_str(),
    );
    let instance = run_instance(&c, &w.vswitch, &[a]).await;
    let primary = primary_eni(&c, &instance).await;

    c.call(
        "ModifyInstanceAttribute",
        &[
            ("InstanceId", &instance),
            ("InstanceName", "web-1"),
            ("Description", "the web tier"),
        ],
    )
    .await
    .ok();
    set_groups(&c, &instance, &[b, a]).await.ok();
    assert_eq!(instance_groups(&c, &instance).await, [b, a]);
    assert_eq!(eni_groups(&c, &primary).await, [b, a]);

    // From basic to advanced in one call: the primary ENI follows.
    set_groups(&c, &instance, &[adv]).await.ok();
    assert_eq!(instance_groups(&c, &instance).await, [adv]);
    assert_eq!(eni_groups(&c, &primary).await, [adv]);
    let ids = format!("[\"{instance}\"]");
    let reply = c
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("InstanceIds", &ids)],
        )
        .await;
    assert_eq!(
        reply.ok()["Instances"]["Instance"][0]["InstanceName"],
        "web-1"
    );

    // An attached secondary ENI keeps the instance in its kind (rule c).
    let eni = create_eni(&c, &w.vswitch, &[adv]).await;
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
    let before = snapshot(&c).await;
    set_groups(&c, &instance, &[a])
        .await
        .err("InvalidOperation.MultiGroupType", 403);
    assert_eq!(snapshot(&c).await, before);
    assert_eq!(eni_groups(&c, &eni).await, [adv]);
}

#[tokio::test]
async fn modify_instance_attribute_refusals_change_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let (a, b, adv) = (
        w.basic[0].clone(),
        w.basic[1].clone(),
        w.advanced[0].clone(),
    );
    let instance = run_instance(&c, &w.vswitch, &[&a]).await;
    let small = run_typed(&c, &w.vswitch, &a, "ecs.t5-lc1m1.small").await;
    let other_vpc = create_vpc(&c, "10.0.0.0/16").await;
    let foreign = create_group(&c, &other_vpc, "normal").await;
    let six: Vec<String> = {
        let mut groups = vec![a.clone(), b.clone()];
        for _ in 0..4 {
            groups.push(create_group(&c, &w.vpc, "normal").await);
        }
        groups
    };
    let cases: Vec<(&str, Vec<String>, &str, u16)> = vec![
        (
            &instance,
            vec![a.clone(), adv.clone()],
            "EnterpriseGroupLimited.MutliGroupType",
            403,
        ),
        (
            &instance,
            vec![foreign.clone()],
            "InvalidInstanceId.Mismatch",
            400,
        ),
        (&instance, six.clone(), "JoinedGroupLimitExceed", 400),
        (
            &instance,
            vec![a.clone(), a.clone()],
            "InvalidParameter.SecurityGroupIdRepeated",
            400,
        ),
        (
            &instance,
            vec!["sg-bp1nothere00000000".into()],
            "InvalidSecurityGroupId.NotFound",
            404,
        ),
        (
            &small,
            vec![adv.clone()],
            "EnterpriseGroupLimited.InstanceType",
            403,
        ),
        (
            "i-bp1nothere0000000000",
            vec![a.clone()],
            "InvalidInstanceId.NotFound",
            404,
        ),
    ];
    for (target, groups, code, status) in cases {
        let list = group_list(&groups.iter().map(String::as_str).collect::<Vec<_>>());
        let mut params: Vec<(&str, &str)> = vec![("InstanceId", target)];
        params.extend(list.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        refused(&c, "ModifyInstanceAttribute", &params, code, status).await;
    }
    refused(
        &c,
        "ModifyInstanceAttribute",
        &[
            ("InstanceId", &instance),
            ("InstanceName", "1-starts-with-a-digit"),
        ],
        "InvalidInstanceName.Malformed",
        400,
    )
    .await;
}

#[tokio::test]
async fn delete_instances_is_all_or_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let first = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let second = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    c.call("StopInstance", &[("InstanceId", &first)]).await.ok();
    // The second is Running: without Force nothing is released.
    refused(
        &c,
        "DeleteInstances",
        &[
            ("RegionId", REGION),
            ("InstanceId.1", &first),
            ("InstanceId.2", &second),
        ],
        "IncorrectInstanceStatus",
        403,
    )
    .await;
    refused(
        &c,
        "DeleteInstances",
        &[("RegionId", REGION)],
        "MissingParameter",
        400,
    )
    .await;
    c.call(
        "DeleteInstances",
        &[
            ("RegionId", REGION),
            ("InstanceId.1", &first),
            ("InstanceId.2", &second),
            ("Force", "true"),
        ],
    )
    .await
    .ok();
    let reply = c.call("DescribeInstances", &[("RegionId", REGION)]).await;
    assert_eq!(reply.ok()["TotalCount"], 0);
}

#[tokio::test]
async fn secondary_addresses_are_assigned_and_unassigned() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    let primary_address = addresses(&c, &eni).await[0].clone();

    let reply = c
        .call(
            "AssignPrivateIpAddresses",
            &[
                ("RegionId", REGION),
                ("NetworkInterfaceId", &eni),
                ("SecondaryPrivateIpAddressCount", "2"),
            ],
        )
        .await;
    let set = reply.ok()["AssignedPrivateIpAddressesSet"].clone();
    assert_eq!(set["NetworkInterfaceId"], eni.as_str());
    let assigned = set["PrivateIpSet"]["PrivateIpAddress"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(assigned.len(), 2);
    c.call(
        "AssignPrivateIpAddresses",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("PrivateIpAddress.1", "192.168.1.200"),
        ],
    )
    .await
    .ok();
    let now = addresses(&c, &eni).await;
    assert_eq!(now.len(), 4);
    assert!(now.contains(&"192.168.1.200".to_string()));

    // Attached to a g6.large (6 addresses per ENI), two more would be one too many.
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
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
    let cases = [
        (
            ("SecondaryPrivateIpAddressCount", "3"),
            "InvalidOperation.Ipv4CountExceeded",
            403,
        ),
        (
            ("PrivateIpAddress.1", "192.168.1.200"),
            "InvalidPrivateIpAddress.Duplicated",
            400,
        ),
        (
            ("PrivateIpAddress.1", "10.9.9.9"),
            "InvalidVSwitchId.IpInvalid",
            403,
        ),
    ];
    for (extra, code, status) in cases {
        let params = [
            ("RegionId", REGION),
            ("NetworkInterfaceId", eni.as_str()),
            extra,
        ];
        refused(&c, "AssignPrivateIpAddresses", &params, code, status).await;
    }
    refused(
        &c,
        "AssignPrivateIpAddresses",
        &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
        "MissingParameter",
        400,
    )
    .await;
    refused(
        &c,
        "AssignPrivateIpAddresses",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("PrivateIpAddress.1", "192.168.1.201"),
            ("SecondaryPrivateIpAddressCount", "1"),
        ],
        "InvalidParameter.Conflict",
        400,
    )
    .await;

    c.call(
        "UnassignPrivateIpAddresses",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("PrivateIpAddress.1", "192.168.1.200"),
        ],
    )
    .await
    .ok();
    assert_eq!(addresses(&c, &eni).await.len(), 3);
    for address in [primary_address.as_str(), "192.168.1.200"] {
        refused(
            &c,
            "UnassignPrivateIpAddresses",
            &[
                ("RegionId", REGION),
                ("NetworkInterfaceId", &eni),
                ("PrivateIpAddress.1", address),
            ],
            "InvalidParameter",
            400,
        )
        .await;
    }
    refused(
        &c,
        "UnassignPrivateIpAddresses",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", "eni-bp1nothere00000000"),
            ("PrivateIpAddress.1", "192.168.1.9"),
        ],
        "InvalidEniId.NotFound",
        404,
    )
    .await;
}
