//! Throttling and fault injection through the wire: `Throttling.User` (400, with
//! `x-acs-retry-after`) beyond the configured rate, per account and per action; and
//! `ServiceUnavailable` (503) for the configured share of calls, before anything is written,
//! repeatable under a seed.

mod common;

use std::time::Duration;

use common::*;
use ecsnet::clock::ManualClock;
use ecsnet::wire::faults::FaultConfig;
use ecsnet::wire::sign;
use ecsnet::wire::throttle::ThrottleConfig;

/// A V1 call as `Client::call` makes it, answering the response headers too.
async fn call_with_headers(
    c: &Client,
    action: &str,
    params: &[(&str, &str)],
) -> (Reply, reqwest::header::HeaderMap) {
    let mut all = c.v1_common(action);
    all.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let string_to_sign = sign::v1_string_to_sign("POST", &all);
    all.push((
        "Signature".into(),
        sign::v1_signature(&c.secret, &string_to_sign),
    ));
    let query = all
        .iter()
        .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let response = reqwest::Client::new()
        .post(format!("{}/?{query}", c.base))
        .send()
        .await
        .expect("request sent");
    let headers = response.headers().clone();
    (Client::reply(response).await, headers)
}

fn region() -> [(&'static str, &'static str); 1] {
    [("RegionId", REGION)]
}

async fn vpc_count(c: &Client) -> u64 {
    let reply = c.call("DescribeVpcs", &region()).await;
    reply.ok()["TotalCount"].as_u64().unwrap()
}

#[tokio::test]
async fn throttling_per_account_and_action() {
    let clock = ManualClock::new();
    let time = clock.clock();
    let server = TestServer::start_with(|config| {
        config.clock = time;
        config.throttle = Some(ThrottleConfig {
            rate: 1.0,
            burst: 2,
        });
        // Any key is an account of its own: a second caller without creating keys.
        config.accept_any_access_key = true;
    })
    .await;
    let c = server.client();
    let other = Client::new(&server.base, "LTAI5tSecondAccountKey01", "unused");

    for _ in 0..2 {
        c.call("DescribeRegions", &[]).await.ok();
    }
    let (reply, headers) = call_with_headers(&c, "DescribeRegions", &[]).await;
    reply.err("Throttling.User", 400);
    assert_eq!(
        reply.message(),
        "Request was denied due to user flow control."
    );
    assert_eq!(reply.content_type, "application/json;charset=utf-8");
    // One call per second: the next is admitted in a second (Tea reads milliseconds).
    assert_eq!(headers["x-acs-retry-after"], "1000");
    c.clone()
        .acs3()
        .call("DescribeRegions", &[])
        .await
        .err("Throttling.User", 400);

    // Another action of the same account, and the same action of another account, still pass.
    c.call("DescribeZones", &region()).await.ok();
    other.call("DescribeRegions", &[]).await.ok();
    other.call("DescribeRegions", &[]).await.ok();
    other
        .call("DescribeRegions", &[])
        .await
        .err("Throttling.User", 400);

    // Time refills the bucket at the rate, and a refused call took nothing from it.
    clock.advance(Duration::from_millis(400));
    let (reply, headers) = call_with_headers(&c, "DescribeRegions", &[]).await;
    reply.err("Throttling.User", 400);
    assert_eq!(headers["x-acs-retry-after"], "600");
    clock.advance(Duration::from_millis(600));
    let (reply, headers) = call_with_headers(&c, "DescribeRegions", &[]).await;
    reply.ok();
    assert!(headers.get("x-acs-retry-after").is_none());
    c.call("DescribeRegions", &[])
        .await
        .err("Throttling.User", 400);
}

#[tokio::test]
async fn a_throttled_write_writes_nothing() {
    let clock = ManualClock::new();
    let time = clock.clock();
    let server = TestServer::start_with(|config| {
        config.clock = time;
        config.throttle = Some(ThrottleConfig::per_second(2.0));
    })
    .await;
    let c = server.client();
    let create = [("RegionId", REGION), ("CidrBlock", "10.0.0.0/16")];
    c.call("CreateVpc", &create).await.ok();
    c.call("CreateVpc", &create).await.ok();
    c.call("CreateVpc", &create)
        .await
        .err("Throttling.User", 400);
    assert_eq!(vpc_count(&c).await, 2);
    clock.advance(Duration::from_millis(500));
    c.call("CreateVpc", &create).await.ok();
    assert_eq!(vpc_count(&c).await, 3);
}

#[tokio::test]
async fn faulted_calls_write_nothing() {
    let mut server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let before = snapshot(&c).await;
    server.stop().await;

    // Every call faulted: creates, changes and deletes alike, and even a call that would fail
    // its signature check (the fault comes first, so nothing of the call is looked at).
    let mut server = TestServer::start_in(server.data_dir.clone(), |config| {
        config.faults = FaultConfig {
            rate: 1.0,
            seed: Some(1),
        };
    })
    .await;
    let c = server.client();
    let writes: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "CreateVpc",
            vec![("RegionId", REGION), ("CidrBlock", "10.0.0.0/16")],
        ),
        (
            "CreateNetworkInterface",
            vec![
                ("RegionId", REGION),
                ("VSwitchId", w.vswitch.as_str()),
                ("SecurityGroupId", w.basic[0].as_str()),
            ],
        ),
        (
            "RunInstances",
            vec![
                ("RegionId", REGION),
                ("VSwitchId", w.vswitch.as_str()),
                ("SecurityGroupId", w.basic[0].as_str()),
                ("InstanceType", "ecs.g6.large"),
                ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
            ],
        ),
        (
            "JoinSecurityGroup",
            vec![
                ("InstanceId", instance.as_str()),
                ("SecurityGroupId", w.basic[1].as_str()),
            ],
        ),
        ("StopInstance", vec![("InstanceId", instance.as_str())]),
        (
            "DeleteSecurityGroup",
            vec![
                ("RegionId", REGION),
                ("SecurityGroupId", w.advanced[0].as_str()),
            ],
        ),
    ];
    for (action, params) in &writes {
        let reply = c.call(action, params).await;
        reply.err("ServiceUnavailable", 503);
        assert_eq!(
            reply.message(),
            "The request has failed due to a temporary failure of the server."
        );
        assert_eq!(reply.content_type, "application/json;charset=utf-8");
    }
    let forged = Client::new(&server.base, KEY_ID, "not-the-secret");
    forged
        .call("CreateVpc", &writes[0].1)
        .await
        .err("ServiceUnavailable", 503);
    c.clone()
        .acs3()
        .call("DescribeVpcs", &region())
        .await
        .err("ServiceUnavailable", 503);
    let xml = xml(&c, "DescribeVpcs", &region()).await;
    assert_eq!(xml.status, 503);
    assert_eq!(elements(&xml.text, "Code"), ["ServiceUnavailable"]);
    server.stop().await;

    let server = TestServer::start_in(server.data_dir.clone(), |_| {}).await;
    assert_eq!(snapshot(&server.client()).await, before);
}

/// The calls of a run answered ServiceUnavailable, as a pattern.
async fn fault_pattern(seed: u64) -> Vec<bool> {
    let server = TestServer::start_with(|config| {
        config.faults = FaultConfig {
            rate: 0.5,
            seed: Some(seed),
        };
    })
    .await;
    let c = server.client();
    let mut pattern = Vec::new();
    for _ in 0..40 {
        let reply = c.call("DescribeRegions", &[]).await;
        match reply.status {
            200 => pattern.push(false),
            _ => {
                reply.err("ServiceUnavailable", 503);
                pattern.push(true);
            }
        }
    }
    pattern
}

#[tokio::test]
async fn faults_follow_the_seed() {
    let first = fault_pattern(42).await;
    assert_eq!(
        first,
        fault_pattern(42).await,
        "the same seed, the same faults"
    );
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
    assert_ne!(first, fault_pattern(43).await);
}

/// A share of the calls fails; exactly the answered creates exist afterwards.
#[tokio::test]
async fn only_answered_writes_happen() {
    let server = TestServer::start_with(|config| {
        config.faults = FaultConfig {
            rate: 0.3,
            seed: Some(7),
        };
    })
    .await;
    let c = server.client();
    let create = [("RegionId", REGION), ("CidrBlock", "10.0.0.0/16")];
    let (mut created, mut faulted) = (0, 0);
    for _ in 0..10 {
        let reply = c.call("CreateVpc", &create).await;
        if reply.status == 200 {
            created += 1;
        } else {
            reply.err("ServiceUnavailable", 503);
            faulted += 1;
        }
    }
    assert!(
        created > 0 && faulted > 0,
        "{created} created, {faulted} faulted"
    );
    // Describe is faulted as well: retried as the SDKs do.
    let mut count = None;
    for _ in 0..50 {
        let reply = c.call("DescribeVpcs", &region()).await;
        if reply.status == 200 {
            count = reply.ok()["TotalCount"].as_u64();
            break;
        }
        reply.err("ServiceUnavailable", 503);
    }
    assert_eq!(count, Some(created));
}
