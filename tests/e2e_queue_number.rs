//! ModifyNetworkInterfaceAttribute `QueueNumber`: stored and shown, never on a primary ENI,
//! and only while the ENI is Available or its instance is Stopped.

mod common;

use common::*;

async fn queue_number(c: &Client, eni: &str) -> u64 {
    let reply = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", eni)],
        )
        .await;
    let body = reply.ok();
    assert_eq!(
        body["QueueNumber"],
        body["NetworkInterfaceTrafficConfig"]["QueueNumber"]
    );
    body["QueueNumber"].as_u64().unwrap()
}

async fn set_queue_number(c: &Client, eni: &str, n: &str) -> Reply {
    c.call(
        "ModifyNetworkInterfaceAttribute",
        &[
            ("RegionId", REGION),
            ("NetworkInterfaceId", eni),
            ("QueueNumber", n),
        ],
    )
    .await
}

#[tokio::test]
async fn queue_numbers_follow_the_eni_and_instance_state() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    assert_eq!(queue_number(&c, &eni).await, 1);

    set_queue_number(&c, &eni, "4").await.ok();
    assert_eq!(queue_number(&c, &eni).await, 4);
    set_queue_number(&c, &eni, "0")
        .await
        .err("InvalidParameter", 400);
    set_queue_number(&c, &eni, "2049")
        .await
        .err("InvalidParameter", 400);

    let primary = primary_eni(&c, &instance).await;
    set_queue_number(&c, &primary, "2")
        .await
        .err("InvalidOperation.ModifyPrimaryEniQueueNumber", 403);

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
    set_queue_number(&c, &eni, "8")
        .await
        .err("InvalidOperation.InvalidEniState", 403);
    assert_eq!(
        queue_number(&c, &eni).await,
        4,
        "a refused change leaves the ENI as it was"
    );

    c.call("StopInstance", &[("InstanceId", &instance)])
        .await
        .ok();
    set_queue_number(&c, &eni, "8").await.ok();
    assert_eq!(queue_number(&c, &eni).await, 8);
}
