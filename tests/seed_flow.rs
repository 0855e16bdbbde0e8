//! The seed's story ("Modify an ENI") end to end over signed requests, in both signature
//! versions: the primary ENI follows its instance's groups; a secondary ENI is modified on its
//! own; mixing kinds is refused; the last group is kept.

mod common;

use common::*;

async fn seed_story(c: Client) {
    let w = world(&c).await;
    let (sg_a, sg_b, sg_adv) = (&w.basic[0], &w.basic[1], &w.advanced[0]);

    // An instance in group A, with a secondary ENI also in group A.
    let instance = run_instance(&c, &w.vswitch, &[sg_a]).await;
    let eni = create_eni(&c, &w.vswitch, &[sg_a]).await;
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
    let primary = primary_eni(&c, &instance).await;

    // Modify a primary ENI: the instance joins B, and its primary ENI with it; the secondary stays.
    c.call(
        "JoinSecurityGroup",
        &[
            ("RegionId", REGION),
            ("InstanceId", &instance),
            ("SecurityGroupId", sg_b),
        ],
    )
    .await
    .ok();
    assert_eq!(
        instance_groups(&c, &instance).await,
        [sg_a.as_str(), sg_b.as_str()]
    );
    assert_eq!(
        eni_groups(&c, &primary).await,
        [sg_a.as_str(), sg_b.as_str()]
    );
    assert_eq!(eni_groups(&c, &eni).await, [sg_a.as_str()]);

    // Remove from A: primary ENI follows.
    c.call(
        "LeaveSecurityGroup",
        &[
            ("RegionId", REGION),
            ("InstanceId", &instance),
            ("SecurityGroupId", sg_a),
        ],
    )
    .await
    .ok();
    assert_eq!(eni_groups(&c, &primary).await, [sg_b.as_str()]);
    // The last group is kept.
    c.call(
        "LeaveSecurityGroup",
        &[
            ("RegionId", REGION),
            ("InstanceId", &instance),
            ("SecurityGroupId", sg_b),
        ],
    )
    .await
    .err("InstanceLastSecurityGroup", 403);
    assert_eq!(instance_groups(&c, &instance).await, [sg_b.as_str()]);
    // Mixing kinds is refused.
    c.call(
        "JoinSecurityGroup",
        &[
            ("RegionId", REGION),
            ("InstanceId", &instance),
            ("SecurityGroupId", sg_adv),
        ],
    )
    .await
    .err("InvalidOperation.MultiGroupType", 400);

    // Modify a secondary ENI: name, description and its whole set of groups.
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("NetworkInterfaceName", "web-eni:1"),
            ("Description", "serves the web tier"),
            ("SecurityGroupId.1", sg_b),
            ("SecurityGroupId.2", sg_a),
        ],
    )
    .await
    .ok();
    let attr = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
        )
        .await;
    let attr = attr.ok();
    assert_eq!(attr["NetworkInterfaceName"], "web-eni:1");
    assert_eq!(attr["Description"], "serves the web tier");
    assert_eq!(eni_groups(&c, &eni).await, [sg_b.as_str(), sg_a.as_str()]);
    // The primary ENI did not move.
    assert_eq!(eni_groups(&c, &primary).await, [sg_b.as_str()]);
    // A secondary ENI cannot mix kinds either, and a refused change leaves it as it was.
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &eni),
            ("SecurityGroupId.1", sg_b),
            ("SecurityGroupId.2", sg_adv),
        ],
    )
    .await
    .err("InvalidOperation.MultiGroupType", 403);
    assert_eq!(eni_groups(&c, &eni).await, [sg_b.as_str(), sg_a.as_str()]);
    // A primary ENI only changes name and description.
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &primary),
            ("SecurityGroupId.1", sg_a),
        ],
    )
    .await
    .err(
        "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
        404,
    );
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", &primary),
            ("NetworkInterfaceName", "primary-nic"),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn seed_story_with_v1_signatures() {
    let server = TestServer::start().await;
    seed_story(server.client()).await;
}

#[tokio::test]
async fn seed_story_with_acs3_signatures() {
    let server = TestServer::start().await;
    seed_story(server.client().acs3()).await;
}
