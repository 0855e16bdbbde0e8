//! The wire limits (`server::Config::wire_limits`): an oversized body, too many parameters, a
//! list index beyond the limit, oversized headers, slow headers and bodies, idle connections
//! and connections beyond the cap each get a clear answer (or a closed connection where no
//! answer can be read), and the server goes on serving everyone else.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ecsnet::wire::limits::WireLimits;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(adjust: impl FnOnce(&mut WireLimits)) -> TestServer {
    TestServer::start_with(|config| adjust(&mut config.wire_limits)).await
}

async fn connect(server: &TestServer) -> TcpStream {
    let addr = server.running.as_ref().unwrap().addr;
    TcpStream::connect(addr).await.unwrap()
}

/// A raw HTTP answer: status, headers (lowercase names) and body.
struct RawReply {
    status: u16,
    headers: String,
    body: String,
}

impl RawReply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    #[track_caller]
    fn err(&self, code: &str, status: u16) -> Value {
        let body = self.json();
        assert_eq!(
            (body["Code"].as_str().unwrap_or(""), self.status),
            (code, status),
            "unexpected answer: {} {}",
            self.headers,
            self.body
        );
        for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(
                body[field].is_string(),
                "error lacks {field}: {}",
                self.body
            );
        }
        body
    }
}

/// Reads one answer: up to the blank line, then Content-Length bytes.
async fn read_reply(stream: &mut TcpStream) -> RawReply {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("an answer within 10 s")
            .expect("the answer is readable");
        assert!(
            n > 0,
            "closed without an answer: {:?}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the body was cut short");
        body.extend_from_slice(&chunk[..n]);
    }
    RawReply {
        status,
        headers: head,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn exchange(server: &TestServer, request: &[u8]) -> RawReply {
    let mut stream = connect(server).await;
    stream.write_all(request).await.unwrap();
    read_reply(&mut stream).await
}

/// Waits for the server to close the connection; how long that took.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection stayed open for more than {limit:?}"),
        }
    }
}

async fn still_serves(server: &TestServer) {
    server.client().call("DescribeRegions", &[]).await.ok();
}

#[tokio::test]
async fn a_body_beyond_the_limit_is_refused_with_413_declared_or_streamed() {
    let server = start(|l| l.max_body_bytes = 4096).await;
    let body = format!("Action=DescribeRegions&Pad={}", "x".repeat(5000));
    let declared = format!(
        "POST / HTTP/1.1\r\nHost: ecs\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let reply = exchange(&server, declared.as_bytes()).await;
    let answer = reply.err("RequestEntityTooLarge", 413);
    assert!(
        answer["Message"].as_str().unwrap().contains("4096"),
        "{answer}"
    );

    let streamed = format!(
        "POST / HTTP/1.1\r\nHost: ecs\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    exchange(&server, streamed.as_bytes())
        .await
        .err("RequestEntityTooLarge", 413);

    // Right at the limit is fine (and reaches authentication).
    let fits = "x".repeat(4096);
    let request = format!(
        "POST /?Action=DescribeRegions&Version=2014-05-26 HTTP/1.1\r\nHost: ecs\r\nContent-Length: 4096\r\n\r\n{fits}"
    );
    exchange(&server, request.as_bytes())
        .await
        .err("MissingParameter", 400);
    still_serves(&server).await;
}

#[tokio::test]
async fn too_many_parameters_are_refused_before_authentication() {
    let server = start(|l| l.max_parameters = 20).await;
    let client = server.client();
    let names: Vec<String> = (1..=15).map(|i| format!("Extra{i}")).collect();
    let params: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    let reply = client.call("DescribeRegions", &params).await;
    reply.err("TooManyParameters", 400);
    assert!(reply.message().contains("20"), "{}", reply.text);
    // Query and form body count together.
    let body = (1..=12)
        .map(|i| format!("B{i}=v"))
        .collect::<Vec<_>>()
        .join("&");
    let query = (1..=12)
        .map(|i| format!("Q{i}=v"))
        .collect::<Vec<_>>()
        .join("&");
    let request = format!(
        "POST /?{query} HTTP/1.1\r\nHost: ecs\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(&server, request.as_bytes())
        .await
        .err("TooManyParameters", 400);
    // Within the limit, the same call succeeds.
    client.call("DescribeRegions", &params[..5]).await.ok();
}

#[tokio::test]
async fn list_indexes_and_lengths_beyond_the_limits_are_invalid_parameters() {
    let server = start(|l| l.max_list_items = 50).await;
    let client = server.client();
    let reply = client
        .call(
            "DescribeRegions",
            &[("TagKey.51", "k"), ("RegionId", REGION)],
        )
        .await;
    reply.err("InvalidParameter", 400);
    assert!(reply.message().contains("TagKey.51"), "{}", reply.text);
    // An action's own, smaller list limit still applies below the wire's.
    let ids: Vec<String> = (0..101).map(|i| format!("\"i-{i}\"")).collect();
    let json = format!("[{}]", ids.join(","));
    client
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("InstanceIds", &json)],
        )
        .await
        .err("InvalidParameter", 400);
    still_serves(&server).await;
}

#[tokio::test]
async fn oversized_headers_get_431_and_the_connection_closes() {
    let server = start(|l| l.max_header_bytes = 8192).await;
    let request = format!(
        "GET /?Action=DescribeRegions HTTP/1.1\r\nHost: ecs\r\nX-Padding: {}\r\n\r\n",
        "p".repeat(20_000)
    );
    let mut stream = connect(&server).await;
    stream.write_all(request.as_bytes()).await.unwrap();
    let reply = read_reply(&mut stream).await;
    assert_eq!(reply.status, 431, "{}", reply.headers);
    closed_within(&mut stream, Duration::from_secs(5)).await;
    still_serves(&server).await;
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    let server = start(|l| {
        l.header_timeout = Duration::from_millis(300);
        l.idle_timeout = Duration::from_millis(600);
    })
    .await;
    // Headers begun but never finished: closed after the header timeout.
    let mut slow = connect(&server).await;
    slow.write_all(b"POST / HTTP/1.1\r\nHost: ecs\r\n")
        .await
        .unwrap();
    let waited = closed_within(&mut slow, Duration::from_secs(5)).await;
    assert!(
        waited >= Duration::from_millis(250),
        "closed after {waited:?}"
    );

    // Nothing sent at all: closed after the idle timeout.
    let mut silent = connect(&server).await;
    let waited = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(
        waited >= Duration::from_millis(500),
        "closed after {waited:?}"
    );

    // A kept-alive connection is served, then closed once idle.
    let mut kept = connect(&server).await;
    kept.write_all(b"GET /?Action=DescribeRegions HTTP/1.1\r\nHost: ecs\r\n\r\n")
        .await
        .unwrap();
    read_reply(&mut kept).await.err("MissingParameter", 400);
    let waited = closed_within(&mut kept, Duration::from_secs(5)).await;
    assert!(
        waited >= Duration::from_millis(500),
        "closed after {waited:?}"
    );
    still_serves(&server).await;
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_answered_incomplete() {
    let server = start(|l| l.body_timeout = Duration::from_millis(300)).await;
    let mut stream = connect(&server).await;
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: ecs\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=Des")
        .await
        .unwrap();
    let reply = read_reply(&mut stream).await;
    let answer = reply.err("IncompleteBody", 400);
    assert!(
        answer["Message"].as_str().unwrap().contains("0.3"),
        "{answer}"
    );
    still_serves(&server).await;
}

#[tokio::test]
async fn connections_beyond_the_cap_get_503_and_the_others_are_served() {
    let server = start(|l| l.max_connections = 2).await;
    let mut first = connect(&server).await;
    let _second = connect(&server).await;
    // Both slots are taken (the accept loop runs before the third connection is answered).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = connect(&server).await;
    third
        .write_all(b"GET /?Action=DescribeRegions HTTP/1.1\r\nHost: ecs\r\n\r\n")
        .await
        .unwrap();
    let reply = read_reply(&mut third).await;
    let answer = reply.err("ServiceUnavailable", 503);
    assert!(
        answer["Message"].as_str().unwrap().contains("connections"),
        "{answer}"
    );
    closed_within(&mut third, Duration::from_secs(5)).await;
    // A connection under the cap is served as usual.
    first
        .write_all(b"GET /?Action=DescribeRegions HTTP/1.1\r\nHost: ecs\r\n\r\n")
        .await
        .unwrap();
    read_reply(&mut first).await.err("MissingParameter", 400);
    // Closing one frees its slot for a new client.
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    still_serves(&server).await;
}

#[tokio::test]
async fn unusable_limits_stop_the_start() {
    let dir = std::env::temp_dir().join(format!("ecsnet-limits-{}", uuid::Uuid::new_v4()));
    let mut config = ecsnet::server::Config::new("127.0.0.1:0".parse().unwrap(), &dir);
    config.wire_limits.max_header_bytes = 1000;
    let err = ecsnet::server::start(config).await.err().expect("refused");
    assert!(err.contains("8192"), "{err}");
}
