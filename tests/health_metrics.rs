//! `/healthz` answers 200 only while the store is open and at this build's schema, and
//! `/metrics` reports requests by action and code, latency histograms, write-batch sizes,
//! the store's file sizes and the ENI answer cache's counts in the Prometheus text format.

mod common;

use std::collections::BTreeMap;

use common::*;

async fn get(server: &TestServer, path: &str) -> (u16, String, String) {
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

fn set_schema_version(server: &TestServer, version: i64) {
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.pragma_update(None, "user_version", version).unwrap();
}

fn schema_version(server: &TestServer) -> i64 {
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn healthz_is_ready_only_at_this_builds_schema() {
    let server = TestServer::start().await;
    assert_eq!(get(&server, "/healthz").await.0, 200);
    assert_eq!(get(&server, "/healthz").await.2, "ok\n");
    // Another (newer) ecsnet migrated the file further: this server must not claim readiness.
    let ours = schema_version(&server);
    set_schema_version(&server, ours + 1);
    let (status, _, text) = get(&server, "/healthz").await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("schema version"), "{text}");
    set_schema_version(&server, ours);
    assert_eq!(get(&server, "/healthz").await.0, 200);
}

/// The samples of an exposition: `name{labels}` → value. Checks every line's shape.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample is `series value`");
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line:?}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels in {line:?}");
        }
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        out.insert(series.to_string(), value);
    }
    out
}

#[tokio::test]
async fn metrics_count_requests_latency_batches_and_store_size() {
    let server = TestServer::start().await;
    let c = server.client();
    c.call("DescribeRegions", &[]).await.ok();
    c.call("DescribeRegions", &[]).await.ok();
    c.call("DescribeZones", &[("RegionId", "xx-nowhere-1")])
        .await
        .err("InvalidRegionId.NotFound", 404);
    c.call("NoSuchActionAtAll", &[])
        .await
        .err("InvalidAction.NotFound", 404);
    create_vpc(&c, "10.0.0.0/8").await;

    let (status, content_type, text) = get(&server, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let s = samples(&text);
    let at = |series: &str| {
        *s.get(series)
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    assert_eq!(
        at(r#"ecsnet_requests_total{action="DescribeRegions",code="OK",status="200"}"#),
        2.0
    );
    assert_eq!(
        at(
            r#"ecsnet_requests_total{action="DescribeZones",code="InvalidRegionId.NotFound",status="404"}"#
        ),
        1.0
    );
    // Unknown action names are counted under one label, never as given.
    assert_eq!(
        at(r#"ecsnet_requests_total{action="Unknown",code="InvalidAction.NotFound",status="404"}"#),
        1.0
    );
    assert!(!text.contains("NoSuchActionAtAll"));
    assert_eq!(
        at(r#"ecsnet_request_duration_seconds_count{action="DescribeRegions"}"#),
        2.0
    );
    assert_eq!(
        at(r#"ecsnet_request_duration_seconds_bucket{action="DescribeRegions",le="+Inf"}"#),
        2.0
    );
    assert!(at(r#"ecsnet_request_duration_seconds_sum{action="DescribeRegions"}"#) > 0.0);
    // The first account at start and CreateVpc: at least two committed batches.
    let batches = at("ecsnet_write_batch_size_count");
    assert!(batches >= 2.0, "{batches}");
    assert_eq!(at(r#"ecsnet_write_batch_size_bucket{le="+Inf"}"#), batches);
    assert!(at("ecsnet_write_batch_size_sum") >= batches);
    assert!(at(r#"ecsnet_store_bytes{file="ecsnet.db"}"#) > 0.0);
    assert!(s.contains_key(r#"ecsnet_store_bytes{file="ecsnet.db-wal"}"#));

    // Counters only grow.
    c.call("DescribeRegions", &[]).await.ok();
    let s = samples(&get(&server, "/metrics").await.2);
    assert_eq!(
        s[r#"ecsnet_requests_total{action="DescribeRegions",code="OK",status="200"}"#],
        3.0
    );

    // The ENI answer cache: a listed ENI is read and rendered once, then reused.
    let answers = |s: &BTreeMap<String, f64>| {
        [
            "ecsnet_eni_answers",
            r#"ecsnet_eni_answer_lookups_total{result="hit"}"#,
            r#"ecsnet_eni_answer_lookups_total{result="miss"}"#,
        ]
        .map(|series| s[series])
    };
    assert_eq!(answers(&s), [0.0, 0.0, 0.0]);
    let w = world(&c).await;
    create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    for _ in 0..2 {
        c.call("DescribeNetworkInterfaces", &[("RegionId", REGION)])
            .await
            .ok();
    }
    let s = samples(&get(&server, "/metrics").await.2);
    assert_eq!(answers(&s), [1.0, 1.0, 1.0]);
}
