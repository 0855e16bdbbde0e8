//! Operational safety: AccessKey secrets never reach the logs (even at trace level, even when
//! signatures fail), the files holding them are readable by the owner only, and the event log
//! records who (account and AccessKey) did what, with the RequestId.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex, OnceLock};

use common::*;

/// Everything the process logs, kept for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The log of this test binary at trace level. Every test calls it before starting a
/// server, so the subscriber is installed before anything logs.
fn capture() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(captured.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn secrets_stay_out_of_logs_and_files_are_owner_only() {
    let captured = capture();

    // A generated first key (printed once on stdout and written to the credentials file).
    let generated = TestServer::start_with(|config| config.root_key = None).await;
    let credentials = generated.data_dir.join("credentials");
    let pair: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    let generated_secret = pair["AccessKeySecret"].as_str().unwrap().to_string();
    let generated_client = Client::new(
        &generated.base,
        pair["AccessKeyId"].as_str().unwrap(),
        &generated_secret,
    );

    let server = TestServer::start().await;
    let other = create_account(&server.data_dir).await;
    let other_secret = other["AccessKeySecret"].as_str().unwrap().to_string();
    let other_id = other["AccessKeyId"].as_str().unwrap().to_string();

    // Successes and every kind of signature failure, both schemes.
    for client in [server.client(), server.client().acs3()] {
        client.call("DescribeRegions", &[]).await.ok();
        let mut wrong = client.clone();
        wrong.secret = format!("{SECRET}-wrong");
        wrong
            .call("DescribeRegions", &[])
            .await
            .err("SignatureDoesNotMatch", 400);
        let mut swapped = client.clone();
        swapped.key_id = other_id.clone();
        let reply = swapped.call("DescribeRegions", &[]).await;
        reply.err("SignatureDoesNotMatch", 400);
        assert!(!reply.text.contains(&other_secret) && !reply.text.contains(SECRET));
    }
    Client::new(&server.base, &other_id, &other_secret)
        .call(
            "CreateVpc",
            &[("RegionId", REGION), ("CidrBlock", "10.0.0.0/8")],
        )
        .await
        .ok();
    generated_client.call("DescribeRegions", &[]).await.ok();
    let mut wrong = generated_client.clone();
    wrong.secret = "nope".into();
    wrong
        .call("DescribeRegions", &[])
        .await
        .err("SignatureDoesNotMatch", 400);

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("SignatureDoesNotMatch") || logs.contains("status=400"),
        "the capture saw the failing requests:\n{logs}"
    );
    for secret in [SECRET, other_secret.as_str(), generated_secret.as_str()] {
        assert!(
            !logs.contains(secret),
            "a secret appears in the logs:\n{logs}"
        );
    }

    // Files that hold secrets: the database (and its WAL files) and the credentials file.
    for dir in [&server.data_dir, &generated.data_dir] {
        for name in ["ecsnet.db", "ecsnet.db-wal", "ecsnet.db-shm"] {
            let path = dir.join(name);
            if path.exists() {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
    assert_eq!(mode(&credentials), 0o600);
    // Snapshots copy the whole store, keys included.
    let saved = server
        .client()
        .call_v1(
            "SaveSnapshot",
            vec![("Name".into(), "safety".into())],
            "POST",
            &[("Version", "ecsnet")],
        )
        .await;
    saved.ok();
    let snapshots: Vec<_> = std::fs::read_dir(server.data_dir.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    assert_eq!(mode(&snapshots[0]), 0o600, "{}", snapshots[0].display());
    // Directories the server creates to hold them are owner-only as well.
    assert_eq!(mode(&server.data_dir.join("snapshots")), 0o700);
    let parent = std::env::temp_dir().join(format!("ecsnet-test-{}", uuid::Uuid::new_v4()));
    let created = TestServer::start_in(parent.join("data"), |_| {}).await;
    assert_eq!(mode(&created.data_dir), 0o700);
    assert_eq!(mode(&parent), 0o700);
}

fn event_for(server: &TestServer, request_id: &str) -> (String, Option<String>, String, String) {
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.query_row(
        "SELECT account_id, access_key_id, action, resource_ids FROM events WHERE request_id = ?",
        [request_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap_or_else(|e| panic!("no event for {request_id}: {e}"))
}

#[tokio::test]
async fn the_event_log_names_the_account_the_key_and_the_request() {
    capture();
    let server = TestServer::start().await;
    let other = create_account(&server.data_dir).await;
    let other_client = Client::new(
        &server.base,
        other["AccessKeyId"].as_str().unwrap(),
        other["AccessKeySecret"].as_str().unwrap(),
    )
    .acs3();
    for (client, account) in [
        (server.client(), None),
        (other_client, Some(other["AccountId"].as_str().unwrap())),
    ] {
        let reply = client
            .call(
                "CreateVpc",
                &[("RegionId", REGION), ("CidrBlock", "10.0.0.0/8")],
            )
            .await;
        let body = reply.ok();
        let request_id = body["RequestId"].as_str().unwrap();
        let vpc = body["VpcId"].as_str().unwrap();
        let (account_id, key_id, action, resources) = event_for(&server, request_id);
        if let Some(account) = account {
            assert_eq!(account_id, account);
        }
        assert_eq!(key_id.as_deref(), Some(client.key_id.as_str()));
        assert_eq!(action, "CreateVpc");
        assert!(resources.contains(vpc), "{resources}");
    }
    // A refused call leaves no line.
    let reply = server
        .client()
        .call(
            "DeleteSecurityGroup",
            &[("RegionId", REGION), ("SecurityGroupId", "sg-none")],
        )
        .await;
    let request_id = reply.body["RequestId"].as_str().unwrap().to_string();
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    let lines: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE request_id = ?",
            [&request_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lines, 0);
}
