//! `ecsnet bench` against a real server, briefly: every line runs and reports, with no errors.
//! No timing is asserted (the figures come from benches/compare.sh, not from CI).

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_reports_every_line_without_errors() {
    let server = TestServer::start().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ecsnet"))
        .args([
            "bench",
            "--json",
            "--duration",
            "300ms",
            "--warmup",
            "50ms",
            "--concurrency",
            "1,4",
            "--endpoint",
            &server.base,
            "--access-key-id",
            KEY_ID,
            "--access-key-secret",
            SECRET,
            "--region",
            REGION,
        ])
        .env("ECSNET_CONFIG", server.data_dir.join("cli-config.json"))
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench failed: {stderr}");
    let rows: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let lines = [
        "modify",
        "join-leave",
        "describe-by-group",
        "describe-by-id",
        "noop",
    ];
    assert_eq!(rows.len(), lines.len() * 2, "{rows:?}");
    for line in lines {
        for concurrency in [1, 4] {
            let row = rows
                .iter()
                .find(|r| r["line"] == line && r["concurrency"] == concurrency)
                .unwrap_or_else(|| panic!("no row for {line} at {concurrency}: {rows:?}"));
            assert_eq!(row["errors"], 0, "{row}");
            assert!(row["requests"].as_u64().unwrap() > 0, "{row}");
            for field in ["throughput", "p50_ms", "p99_ms"] {
                assert!(row[field].as_f64().is_some(), "{row}");
            }
        }
    }
}
