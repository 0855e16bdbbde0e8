//! No input produces a 5xx or a panic: every action gets many signed requests with random
//! mixtures of real and garbage parameter values, and must answer 200 or a documented 4xx.

mod common;

use common::*;
use ecsnet::actions::TABLE;
use ecsnet::errors::Code;

/// A small deterministic generator, so a failure reproduces.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

const NAMES: &[&str] = &[
    "RegionId",
    "VpcId",
    "VSwitchId",
    "ZoneId",
    "CidrBlock",
    "SecurityGroupId",
    "SecurityGroupId.1",
    "SecurityGroupId.2",
    "SecurityGroupIds.1",
    "SecurityGroupIds",
    "SecurityGroupType",
    "InstanceId",
    "InstanceIds",
    "NetworkInterfaceId",
    "NetworkInterfaceId.1",
    "NetworkInterfaceName",
    "Description",
    "SecurityGroupName",
    "InstanceName",
    "InstanceType",
    "ImageId",
    "Amount",
    "PrivateIpAddress",
    "PrivateIpAddress.1",
    "PrimaryIpAddress",
    "SecondaryPrivateIpAddressCount",
    "PageNumber",
    "PageSize",
    "MaxResults",
    "NextToken",
    "Type",
    "Status",
    "Force",
    "DryRun",
    "DeleteOnRelease",
    "QueueNumber",
    "Tag.1.Key",
    "PrivateIpAddresses",
    "InstanceTypes.1",
    "VpcName",
    "VSwitchName",
    "Attribute",
];

async fn garbage_for_every_action(c: Client, seed: u64) {
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[1]]).await;
    let long = "a".repeat(5000);
    let json_ids = format!("[\"{instance}\"]");
    let values: Vec<&str> = vec![
        "",
        "x",
        "-1",
        "0",
        "1",
        "3",
        "99999999999999999999",
        "True",
        "maybe",
        "名字",
        "%",
        "[",
        "[\"a\"]",
        "{}",
        &long,
        "192.168.1.7",
        "192.168.1.0/24",
        "10.0.0.0/8",
        "0.0.0.0/0",
        "256.1.1.1",
        REGION,
        "cn-hangzhou-h",
        "enterprise",
        "normal",
        "Primary",
        "InUse",
        "ecs.g6.large",
        "ecs.t5-lc1m1.small",
        "aliyun_3_x64_20G_alibase_20240819.vhd",
        "http://x",
        "ab",
        &w.vpc,
        &w.vswitch,
        &w.basic[0],
        &w.basic[1],
        &w.advanced[0],
        &instance,
        &eni,
        &json_ids,
        "0000000000000001",
        "zzzzzzzzzzzzzzzz",
    ];
    let mut rng = Lcg(seed);
    let (mut succeeded, mut refused) = (0, 0);
    for action in TABLE {
        for _ in 0..40 {
            let mut params: Vec<(&str, &str)> = Vec::new();
            if !rng.next().is_multiple_of(4) {
                params.push(("RegionId", REGION));
            }
            for _ in 0..(rng.next() % 7) {
                params.push((rng.pick(NAMES), rng.pick(&values)));
            }
            let reply = c.call(action.name, &params).await;
            assert!(
                reply.status < 500,
                "{} with {params:?} answered {}: {}",
                action.name,
                reply.status,
                reply.text
            );
            if reply.status == 200 {
                succeeded += 1;
            } else {
                refused += 1;
                let known = Code::ALL
                    .iter()
                    .any(|code| code.code() == reply.code() && code.status() == reply.status);
                assert!(
                    known,
                    "{} answered an unlisted error: {}",
                    action.name, reply.text
                );
            }
        }
    }
    // The mixture reaches both the handlers' success paths and their refusals.
    assert!(
        succeeded > 100 && refused > 100,
        "{succeeded} succeeded, {refused} refused"
    );
}

#[tokio::test]
async fn random_inputs_never_get_a_server_error_v1() {
    let server = TestServer::start().await;
    garbage_for_every_action(server.client(), 7).await;
}

#[tokio::test]
async fn random_inputs_never_get_a_server_error_acs3() {
    let server = TestServer::start().await;
    garbage_for_every_action(server.client().acs3(), 11).await;
}
