//! DryRun runs every check and changes nothing; filters on attributes no resource has here
//! match nothing rather than being ignored.

mod common;

use common::*;

async fn eni_count(c: &Client) -> u64 {
    c.call("DescribeNetworkInterfaces", &[("RegionId", REGION)])
        .await
        .ok()["TotalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn dry_run_checks_everything_and_writes_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let before = eni_count(&c).await;
    let create = |dry_run: &'static str, group: String| {
        let c = c.clone();
        let vswitch = w.vswitch.clone();
        async move {
            c.call(
                "CreateNetworkInterface",
                &[
                    ("RegionId", REGION),
                    ("VSwitchId", &vswitch),
                    ("SecurityGroupId", &group),
                    ("DryRun", dry_run),
                ],
            )
            .await
        }
    };
    create("true", w.basic[0].clone())
        .await
        .err("DryRunOperation", 400);
    assert_eq!(eni_count(&c).await, before);
    // A dry run that would fail answers the real error.
    create("True", "sg-bp1doesnotexist0000".into())
        .await
        .err("InvalidSecurityGroupId.NotFound", 404);
    create("false", w.basic[0].clone()).await.ok();
    assert_eq!(eni_count(&c).await, before + 1);
}

#[tokio::test]
async fn filters_on_absent_attributes_match_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    assert_eq!(eni_count(&c).await, 1);
    for filter in [
        ("Ipv6Address.1", "2408:4002::1"),
        ("Tag.1.Key", "team"),
        ("ResourceGroupId", "rg-aek2boynwys0000"),
        ("ServiceManaged", "true"),
    ] {
        let reply = c
            .call("DescribeNetworkInterfaces", &[("RegionId", REGION), filter])
            .await;
        let body = reply.ok();
        assert_eq!(body["TotalCount"], 0, "{filter:?}");
        assert_eq!(
            body["NetworkInterfaceSets"]["NetworkInterfaceSet"],
            serde_json::json!([])
        );
    }
    let reply = c
        .call(
            "DescribeNetworkInterfaces",
            &[("RegionId", REGION), ("ServiceManaged", "false")],
        )
        .await;
    assert_eq!(reply.ok()["TotalCount"], 1);
}
