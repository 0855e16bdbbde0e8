//! Shared by the end-to-end tests: a real server on 127.0.0.1:0 with a fresh data dir, and a
//! client that signs every request like the official SDKs (V1 HMAC-SHA1 or ACS3-HMAC-SHA256).
#![allow(dead_code)]

use std::path::PathBuf;

use ecsnet::server::{self, Config, Running};
use ecsnet::wire::sign;
use serde_json::Value;

pub const KEY_ID: &str = "LTAI5tTestRootKeyId0001";
pub const SECRET: &str = "TestSecret/With+Special=Chars";
pub const REGION: &str = "cn-hangzhou";

/// A server with its own temporary data directory.
pub struct TestServer {
    pub running: Option<Running>,
    pub data_dir: PathBuf,
    pub base: String,
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecsnet-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// With `ECSNET_TEST_DATABASE_URL` set (`scripts/test-postgres.sh`), every test server keeps
/// its state in PostgreSQL: a schema of its own, named after its data dir so that a restart
/// in the same dir finds it again (the script drops the schemas afterwards).
pub fn test_database(data_dir: &std::path::Path) -> Option<String> {
    let base = std::env::var("ECSNET_TEST_DATABASE_URL").ok()?;
    let name: String = data_dir
        .file_name()?
        .to_string_lossy()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let schema = format!("ecsnet_t_{}", name.to_ascii_lowercase());
    let url = base.clone();
    let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
    // The postgres client blocks on a runtime of its own: not on this test's runtime.
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .expect("ECSNET_TEST_DATABASE_URL is reachable");
        client
            .batch_execute(&create)
            .expect("the test schema is created");
    })
    .join()
    .expect("the schema thread ends");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-csearch_path%3D{schema}"))
}

/// Whether the test servers run on PostgreSQL (`ECSNET_TEST_DATABASE_URL`).
pub fn on_postgres() -> bool {
    std::env::var_os("ECSNET_TEST_DATABASE_URL").is_some()
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_in(temp_dir(), |_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_in(temp_dir(), adjust).await
    }

    pub async fn start_in(data_dir: PathBuf, adjust: impl FnOnce(&mut Config)) -> TestServer {
        // Server logs go to the test's captured output (ECSNET_LOG=debug for more).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("ECSNET_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_test_writer()
            .try_init();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), &data_dir);
        config.root_key = Some((KEY_ID.to_string(), SECRET.to_string()));
        config.database = test_database(&data_dir);
        adjust(&mut config);
        let running = server::start(config).await.expect("server starts");
        let base = format!("http://{}", running.addr);
        TestServer {
            running: Some(running),
            data_dir,
            base,
        }
    }

    /// Stops the server gracefully, keeping the data dir.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.unwrap();
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base, KEY_ID, SECRET)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    V1,
    Acs3,
}

/// An answer: status and parsed JSON body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: String,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }

    pub fn message(&self) -> &str {
        self.body["Message"].as_str().unwrap_or("")
    }

    /// Asserts success and returns the body.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "expected success, got {}", self.text);
        assert!(
            self.body.get("Code").is_none(),
            "success carries no Code: {}",
            self.text
        );
        assert!(self.body["RequestId"].is_string());
        &self.body
    }

    /// Asserts an error with this code and status.
    #[track_caller]
    pub fn err(&self, code: &str, status: u16) -> &Self {
        assert_eq!(
            (self.code(), self.status),
            (code, status),
            "unexpected answer: {}",
            self.text
        );
        for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(
                self.body[field].is_string(),
                "error lacks {field}: {}",
                self.text
            );
        }
        self
    }
}

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub key_id: String,
    pub secret: String,
    pub signing: Signing,
    http: reqwest::Client,
}

fn now_iso() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn version_of(action: &str) -> &'static str {
    match action {
        "CreateVpc" | "DescribeVpcs" | "CreateVSwitch" | "DescribeVSwitches" => "2016-04-28",
        _ => "2014-05-26",
    }
}

fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Client {
    pub fn new(base: &str, key_id: &str, secret: &str) -> Client {
        Client {
            base: base.to_string(),
            key_id: key_id.to_string(),
            secret: secret.to_string(),
            signing: Signing::V1,
            http: reqwest::Client::new(),
        }
    }

    pub fn acs3(mut self) -> Client {
        self.signing = Signing::Acs3;
        self
    }

    /// Calls `action` with `params` (RegionId is not added automatically).
    pub async fn call(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match self.signing {
            Signing::V1 => self.call_v1(action, params, "POST", &[]).await,
            Signing::Acs3 => self.call_acs3(action, params).await,
        }
    }

    /// The V1 common parameters for a request, before signing.
    pub fn v1_common(&self, action: &str) -> Vec<(String, String)> {
        [
            ("Action", action.to_string()),
            ("Version", version_of(action).to_string()),
            ("Format", "JSON".to_string()),
            ("AccessKeyId", self.key_id.clone()),
            ("SignatureMethod", "HMAC-SHA1".to_string()),
            ("SignatureVersion", "1.0".to_string()),
            ("SignatureNonce", nonce()),
            ("Timestamp", now_iso()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// A V1 call with `overrides` replacing or adding common parameters (before signing).
    pub async fn call_v1(
        &self,
        action: &str,
        params: Vec<(String, String)>,
        method: &str,
        overrides: &[(&str, &str)],
    ) -> Reply {
        let mut all = self.v1_common(action);
        for (k, v) in overrides {
            all.retain(|(name, _)| name != k);
            all.push((k.to_string(), v.to_string()));
        }
        all.extend(params);
        self.send_v1(all, method).await
    }

    /// Signs `all` (every parameter but Signature) and sends it in the query string.
    pub async fn send_v1(&self, mut all: Vec<(String, String)>, method: &str) -> Reply {
        let sts = sign::v1_string_to_sign(method, &all);
        all.push(("Signature".into(), sign::v1_signature(&self.secret, &sts)));
        let url = format!("{}/?{}", self.base, encode_query(&all));
        let request = match method {
            "GET" => self.http.get(url),
            _ => self.http.request(method.parse().unwrap(), url),
        };
        Self::reply(request.send().await.expect("request sent")).await
    }

    async fn call_acs3(&self, action: &str, params: Vec<(String, String)>) -> Reply {
        let host = self.base.trim_start_matches("http://").to_string();
        let mut headers = reqwest::header::HeaderMap::new();
        let body_hash = sign::sha256_hex(b"");
        for (k, v) in [
            ("host", host.clone()),
            ("x-acs-action", action.to_string()),
            ("x-acs-version", version_of(action).to_string()),
            ("x-acs-date", now_iso()),
            ("x-acs-signature-nonce", nonce()),
            ("x-acs-content-sha256", body_hash.clone()),
        ] {
            headers.insert(k, v.parse().unwrap());
        }
        let signed: Vec<String> = [
            "host",
            "x-acs-action",
            "x-acs-content-sha256",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-version",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut axum_headers = axum::http::HeaderMap::new();
        for (k, v) in headers.iter() {
            axum_headers.insert(
                axum::http::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
                axum::http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        let canonical =
            sign::acs3_canonical_request("POST", "/", &params, &axum_headers, &signed, b"")
                .unwrap();
        let signature = sign::acs3_signature(&self.secret, &sign::acs3_string_to_sign(&canonical));
        headers.insert(
            "authorization",
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
                self.key_id,
                signed.join(";"),
                signature
            )
            .parse()
            .unwrap(),
        );
        let url = if params.is_empty() {
            format!("{}/", self.base)
        } else {
            format!("{}/?{}", self.base, encode_query(&params))
        };
        let response = self
            .http
            .post(url)
            .headers(headers)
            .send()
            .await
            .expect("request sent");
        Self::reply(response).await
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            text,
            content_type,
        }
    }
}

/// A ready topology in REGION: a VPC (192.168.0.0/16) with a vSwitch (192.168.1.0/24 in zone
/// `-h`), two basic groups and one advanced group.
pub struct World {
    pub vpc: String,
    pub vswitch: String,
    pub zone: String,
    pub basic: Vec<String>,
    pub advanced: Vec<String>,
}

pub async fn create_vpc(c: &Client, cidr: &str) -> String {
    c.call("CreateVpc", &[("RegionId", REGION), ("CidrBlock", cidr)])
        .await
        .ok()["VpcId"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn create_vswitch(c: &Client, vpc: &str, zone: &str, cidr: &str) -> String {
    c.call(
        "CreateVSwitch",
        &[
            ("RegionId", REGION),
            ("VpcId", vpc),
            ("ZoneId", zone),
            ("CidrBlock", cidr),
        ],
    )
    .await
    .ok()["VSwitchId"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn create_group(c: &Client, vpc: &str, kind: &str) -> String {
    c.call(
        "CreateSecurityGroup",
        &[
            ("RegionId", REGION),
            ("VpcId", vpc),
            ("SecurityGroupType", kind),
        ],
    )
    .await
    .ok()["SecurityGroupId"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn run_instance(c: &Client, vswitch: &str, groups: &[&str]) -> String {
    let mut params = vec![
        ("RegionId", REGION),
        ("VSwitchId", vswitch),
        ("InstanceType", "ecs.g6.large"),
        ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
    ];
    let names: Vec<String> = (1..=groups.len())
        .map(|i| format!("SecurityGroupIds.{i}"))
        .collect();
    for (name, id) in names.iter().zip(groups) {
        params.push((name.as_str(), id));
    }
    c.call("RunInstances", &params).await.ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn create_eni(c: &Client, vswitch: &str, groups: &[&str]) -> String {
    let mut params = vec![("RegionId", REGION), ("VSwitchId", vswitch)];
    let names: Vec<String> = (1..=groups.len())
        .map(|i| format!("SecurityGroupIds.{i}"))
        .collect();
    for (name, id) in names.iter().zip(groups) {
        params.push((name.as_str(), id));
    }
    c.call("CreateNetworkInterface", &params).await.ok()["NetworkInterfaceId"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn world(c: &Client) -> World {
    let vpc = create_vpc(c, "192.168.0.0/16").await;
    let zone = format!("{REGION}-h");
    let vswitch = create_vswitch(c, &vpc, &zone, "192.168.1.0/24").await;
    let basic = vec![
        create_group(c, &vpc, "normal").await,
        create_group(c, &vpc, "normal").await,
    ];
    let advanced = vec![create_group(c, &vpc, "enterprise").await];
    World {
        vpc,
        vswitch,
        zone,
        basic,
        advanced,
    }
}

/// The groups of an ENI, as DescribeNetworkInterfaceAttribute shows them.
pub async fn eni_groups(c: &Client, eni: &str) -> Vec<String> {
    let reply = c
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", eni)],
        )
        .await;
    reply.ok()["SecurityGroupIds"]["SecurityGroupId"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The groups of an instance, as DescribeInstances shows them.
pub async fn instance_groups(c: &Client, instance: &str) -> Vec<String> {
    let ids = format!("[\"{instance}\"]");
    let reply = c
        .call(
            "DescribeInstances",
            &[("RegionId", REGION), ("InstanceIds", &ids)],
        )
        .await;
    reply.ok()["Instances"]["Instance"][0]["SecurityGroupIds"]["SecurityGroupId"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The primary ENI of an instance.
pub async fn primary_eni(c: &Client, instance: &str) -> String {
    let reply = c
        .call(
            "DescribeNetworkInterfaces",
            &[
                ("RegionId", REGION),
                ("InstanceId", instance),
                ("Type", "Primary"),
            ],
        )
        .await;
    reply.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"][0]["NetworkInterfaceId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every item of a numbered-page list call in REGION, page by page; each page body is kept
/// whole but for its RequestId.
pub async fn all_pages(c: &Client, action: &str, page_size: u64) -> Vec<Value> {
    let mut pages = Vec::new();
    let size = page_size.to_string();
    for number in 1.. {
        let page_number = number.to_string();
        let reply = c
            .call(
                action,
                &[
                    ("RegionId", REGION),
                    ("PageNumber", &page_number),
                    ("PageSize", &size),
                ],
            )
            .await;
        let mut body = reply.ok().clone();
        body.as_object_mut().unwrap().remove("RequestId");
        let total = body["TotalCount"].as_u64().unwrap();
        pages.push(body);
        if number * page_size >= total {
            break;
        }
    }
    pages
}

/// The account's state in REGION as the API shows it: groups, ENIs, instances, VPCs and
/// vSwitches (their free address counts included), all pages, RequestIds removed.
pub async fn snapshot(c: &Client) -> Value {
    serde_json::json!({
        "SecurityGroups": all_pages(c, "DescribeSecurityGroups", 50).await,
        "NetworkInterfaces": all_pages(c, "DescribeNetworkInterfaces", 100).await,
        "Instances": all_pages(c, "DescribeInstances", 100).await,
        "Vpcs": all_pages(c, "DescribeVpcs", 50).await,
        "VSwitches": all_pages(c, "DescribeVSwitches", 50).await,
    })
}

/// Asserts that a write is refused with `code` and `status` and leaves the state exactly as
/// it was.
pub async fn refused(c: &Client, action: &str, params: &[(&str, &str)], code: &str, status: u16) {
    let before = snapshot(c).await;
    c.call(action, params).await.err(code, status);
    assert_eq!(
        before,
        snapshot(c).await,
        "{action} refused with {code} but changed the state"
    );
}

/// Puts an instance or ENI (`table` is `instances` or `enis`) in a status the API passes
/// through too quickly to observe here (every transition completes at once), by writing the
/// server's store directly.
pub fn force_status(server: &TestServer, table: &str, id: &str, status: &str) {
    if let Some(url) = test_database(&server.data_dir) {
        let (sql, status, id) = (
            format!("UPDATE {table} SET status = $1 WHERE id = $2"),
            status.to_string(),
            id.to_string(),
        );
        let changed = std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            client.execute(&sql, &[&status, &id]).unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(changed, 1, "no {table} row");
        return;
    }
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    let changed = conn
        .execute(
            &format!("UPDATE {table} SET status = ?1 WHERE id = ?2"),
            [status, id],
        )
        .unwrap();
    assert_eq!(changed, 1, "no {table} row {id}");
}

/// An instance of `instance_type` in `vswitch` and `group`.
pub async fn run_typed(c: &Client, vswitch: &str, group: &str, instance_type: &str) -> String {
    c.call(
        "RunInstances",
        &[
            ("RegionId", REGION),
            ("VSwitchId", vswitch),
            ("InstanceType", instance_type),
            ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
            ("SecurityGroupId", group),
        ],
    )
    .await
    .ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string()
}

/// Asserts a response time has the `YYYY-MM-DDTHH:MM:SSZ` shape.
#[track_caller]
pub fn assert_seconds_time(value: &Value) {
    let s = value.as_str().expect("a time is a string");
    let parsed = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ");
    assert!(
        parsed.is_ok() && s.len() == 20,
        "not YYYY-MM-DDTHH:MM:SSZ: {s}"
    );
}

/// Walks a token-paged list (MaxResults/NextToken) to its end; returns each page's values
/// of `id_key` under `list`.`item`, and checks every page but the last hands out a token.
pub async fn token_pages(
    c: &Client,
    action: &str,
    max_results: &str,
    (list, item, id_key): (&str, &str, &str),
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = vec![("RegionId", REGION), ("MaxResults", max_results)];
        if !token.is_empty() {
            params.push(("NextToken", &token));
        }
        let reply = c.call(action, &params).await;
        let body = reply.ok();
        assert!(
            body.get("TotalCount").is_none(),
            "token pages carry no TotalCount"
        );
        let ids = body[list][item]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v[id_key].as_str().unwrap().to_string())
            .collect();
        pages.push(ids);
        let next = body["NextToken"].as_str().expect("NextToken is a string");
        if next.is_empty() {
            return pages;
        }
        token = next.to_string();
        assert!(pages.len() < 1000, "the token walk does not end");
    }
}

/// A V1 call answered in XML (`Format=XML`); checks the XML content type.
pub async fn xml(c: &Client, action: &str, params: &[(&str, &str)]) -> Reply {
    let params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let reply = c
        .call_v1(action, params, "POST", &[("Format", "XML")])
        .await;
    assert_eq!(reply.content_type, "text/xml;charset=utf-8");
    reply
}

/// The text between `<tag>` and `</tag>`, for each occurrence.
pub fn elements<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    text.split(open.as_str())
        .skip(1)
        .map(|rest| &rest[..rest.find(close.as_str()).expect("closed")])
        .collect()
}

impl TestServer {
    /// Waits until every transition due at the server clock's current time has settled.
    pub async fn settled(&self) {
        self.running
            .as_ref()
            .expect("the server is running")
            .settled()
            .await;
    }

    /// Moves a manual clock on and waits for what became due to settle: a test's sleep.
    pub async fn advance(&self, clock: &ecsnet::clock::ManualClock, by: std::time::Duration) {
        clock.advance(by);
        self.settled().await;
    }
}

/// A count read from the store itself, on either backend: `sql` takes one text parameter `?1`.
pub fn stored_count(server: &TestServer, sql: &str, arg: &str) -> i64 {
    if let Some(url) = test_database(&server.data_dir) {
        let (sql, arg) = (sql.replace("?1", "$1"), arg.to_string());
        return std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            client.query_one(&sql, &[&arg]).unwrap().get(0)
        })
        .join()
        .unwrap();
    }
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.query_row(sql, [arg], |r| r.get(0)).unwrap()
}

/// How many transitions the store still holds (none when every state has settled).
pub fn pending_transitions(server: &TestServer) -> i64 {
    if let Some(url) = test_database(&server.data_dir) {
        return std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            client
                .query_one("SELECT COUNT(*) FROM transitions", &[])
                .unwrap()
                .get(0)
        })
        .join()
        .unwrap();
    }
    let conn = rusqlite::Connection::open(server.data_dir.join("ecsnet.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.query_row("SELECT COUNT(*) FROM transitions", [], |r| r.get(0))
        .unwrap()
}

/// `ecsnet account create` against a data dir (here: while its server runs).
pub async fn create_account(data_dir: &std::path::Path) -> Value {
    let dir = data_dir.to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ecsnet"))
            .args(["account", "create", "--data-dir"])
            .arg(&dir)
            .output()
            .expect("ecsnet runs")
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("the key pair as JSON")
}

/// The ENIs attached to an instance, as DescribeNetworkInterfaces lists them.
pub async fn enis_of(c: &Client, instance: &str) -> Vec<Value> {
    let reply = c
        .call(
            "DescribeNetworkInterfaces",
            &[("RegionId", REGION), ("InstanceId", instance)],
        )
        .await;
    reply.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"]
        .as_array()
        .unwrap()
        .clone()
}
