//! RunInstances `NetworkInterface.N`: secondary ENIs created and attached with each instance,
//! and a primary ENI configured through a NetworkInterface entry.

mod common;

use common::*;

/// Parameters added to a base RunInstances request.
type Extra = Vec<(&'static str, String)>;

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";

#[tokio::test]
async fn secondary_enis_are_created_attached_in_their_groups() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let reply = c
        .call(
            "RunInstances",
            &[
                ("RegionId", REGION),
                ("VSwitchId", &w.vswitch),
                ("SecurityGroupId", &w.basic[0]),
                ("InstanceType", "ecs.g6.xlarge"),
                ("ImageId", IMAGE),
                ("Amount", "2"),
                ("NetworkInterface.1.InstanceType", "Secondary"),
                ("NetworkInterface.1.NetworkInterfaceName", "data-nic"),
                ("NetworkInterface.1.SecurityGroupIds.1", &w.basic[1]),
                (
                    "NetworkInterface.2.Description",
                    "takes the instance's groups",
                ),
            ],
        )
        .await;
    let ids = reply.ok()["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ids.len(), 2);
    for id in ids {
        let enis = enis_of(&c, id.as_str().unwrap()).await;
        assert_eq!(enis.len(), 3);
        let secondary: Vec<_> = enis.iter().filter(|e| e["Type"] == "Secondary").collect();
        assert_eq!(secondary.len(), 2);
        for eni in &secondary {
            assert_eq!(eni["Status"], "InUse");
            assert_eq!(eni["DeleteOnRelease"], true);
        }
        let named = secondary
            .iter()
            .find(|e| e["NetworkInterfaceName"] == "data-nic")
            .unwrap();
        assert_eq!(
            named["SecurityGroupIds"]["SecurityGroupId"],
            serde_json::json!([w.basic[1]])
        );
        let other = secondary
            .iter()
            .find(|e| e["NetworkInterfaceName"] == "")
            .unwrap();
        assert_eq!(
            other["SecurityGroupIds"]["SecurityGroupId"],
            serde_json::json!([w.basic[0]])
        );
    }
}

#[tokio::test]
async fn a_primary_network_interface_entry_configures_the_primary_eni() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let reply = c
        .call(
            "RunInstances",
            &[
                ("RegionId", REGION),
                ("InstanceType", "ecs.g6.large"),
                ("ImageId", IMAGE),
                ("NetworkInterface.1.InstanceType", "Primary"),
                ("NetworkInterface.1.VSwitchId", &w.vswitch),
                ("NetworkInterface.1.SecurityGroupIds.1", &w.advanced[0]),
                ("NetworkInterface.1.PrimaryIpAddress", "192.168.1.50"),
            ],
        )
        .await;
    let id = reply.ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(instance_groups(&c, &id).await, [w.advanced[0].clone()]);
    let enis = enis_of(&c, &id).await;
    assert_eq!(enis[0]["PrivateIpAddress"], "192.168.1.50");
}

#[tokio::test]
async fn launch_enis_follow_the_rules_and_refusals_create_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let other_zone = create_vswitch(&c, &w.vpc, "cn-hangzhou-i", "192.168.2.0/24").await;
    let run = |extra: Extra| {
        let c = c.clone();
        let (vswitch, group) = (w.vswitch.clone(), w.basic[0].clone());
        async move {
            let mut params: Vec<(&str, String)> = vec![
                ("RegionId", REGION.into()),
                ("VSwitchId", vswitch),
                ("SecurityGroupId", group),
                ("InstanceType", "ecs.g6.large".into()),
                ("ImageId", IMAGE.into()),
            ];
            params.extend(extra);
            let borrowed: Vec<(&str, &str)> =
                params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.call("RunInstances", &borrowed).await
        }
    };
    let cases: Vec<(Extra, &str, u16)> = vec![
        // Rule c at launch: the ENI's groups must be of the instance's kind.
        (
            vec![(
                "NetworkInterface.1.SecurityGroupIds.1",
                w.advanced[0].clone(),
            )],
            "InvalidOperation.MultiGroupType",
            403,
        ),
        // ecs.g6.large carries 2 ENIs, the primary included.
        (
            vec![
                ("NetworkInterface.1.Description", "one more".into()),
                ("NetworkInterface.2.Description", "too many".into()),
            ],
            "EniPerInstanceLimitExceeded",
            403,
        ),
        (
            vec![("NetworkInterface.1.VSwitchId", other_zone.clone())],
            "InvalidOperation.AvailabilityZoneMismatch",
            403,
        ),
        (
            vec![("NetworkInterface.1.NetworkInterfaceName", "1bad".into())],
            "InvalidParams.NetworkInterfaceName",
            403,
        ),
        (
            vec![
                ("NetworkInterface.1.InstanceType", "Primary".into()),
                ("NetworkInterface.1.VSwitchId", w.vswitch.clone()),
                ("NetworkInterface.1.SecurityGroupId", w.basic[0].clone()),
            ],
            "InvalidParam.NetworkInterface",
            400,
        ),
        (
            vec![("NetworkInterface.1.NetworkInterfaceId", "eni-bp1abc".into())],
            "InvalidParam.NetworkInterface",
            400,
        ),
        (
            vec![("NetworkInterface.1.InstanceType", "Trunk".into())],
            "InvalidParameter",
            400,
        ),
    ];
    for (extra, code, status) in cases {
        run(extra).await.err(code, status);
    }
    let all = c
        .call("DescribeNetworkInterfaces", &[("RegionId", REGION)])
        .await;
    assert_eq!(
        all.ok()["TotalCount"],
        0,
        "a refused launch leaves no ENI behind"
    );
    let all = c.call("DescribeInstances", &[("RegionId", REGION)]).await;
    assert_eq!(
        all.ok()["TotalCount"],
        0,
        "a refused launch leaves no instance behind"
    );
}
