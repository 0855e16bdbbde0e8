//! The protocol layer end to end (ecs-api.md §1–§2, clients.md): methods, where parameters
//! travel, routing, versions, both signature schemes and every way they fail, the replay guard,
//! response formats and the error envelope, accounts and the development mode.

mod common;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use common::*;
use ecsnet::wire::sign;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Hand-built requests: every part of the wire under the test's control.
// ---------------------------------------------------------------------------------------------

/// A request ready to go out (and to go out again, unchanged, for replays).
#[derive(Clone)]
struct Prepared {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    /// The StringToSign the client computed (in either scheme).
    string_to_sign: String,
}

impl Prepared {
    async fn send(&self) -> Reply {
        let http = reqwest::Client::new();
        let mut request = http.request(self.method.parse().unwrap(), &self.url);
        for (k, v) in &self.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        Client::reply(request.send().await.expect("request sent")).await
    }
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// URL-encodes pairs RFC 3986 style (`%20`), or form style (`+` for space) like Python Tea.
fn encode(pairs: &[(String, String)], plus_for_space: bool) -> String {
    if plus_for_space {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    } else {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn host_of(c: &Client) -> String {
    c.base.trim_start_matches("http://").to_string()
}

fn minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Where a V1 request carries its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// aliyun-python-sdk-core, the CLI, Tea `v2`: everything in the query string.
    Query,
    /// @alicloud/pop-core POST: everything, Signature included, in a form body.
    Body,
    /// Common parameters in the query, the action's own in a form body.
    Split,
}

const COMMON_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SignatureType",
    "Signature",
];

/// A V1 (HMAC-SHA1) request under construction.
struct V1 {
    client: Client,
    method: &'static str,
    params: Vec<(String, String)>,
    carry: Carry,
    plus_for_space: bool,
    signature: Option<String>,
    signed: bool,
    headers: Vec<(String, String)>,
}

fn v1(c: &Client, method: &'static str, action: &str, params: &[(&str, &str)]) -> V1 {
    let mut all = c.v1_common(action);
    all.extend(owned(params));
    V1 {
        client: c.clone(),
        method,
        params: all,
        carry: Carry::Query,
        plus_for_space: false,
        signature: None,
        signed: true,
        headers: Vec::new(),
    }
}

impl V1 {
    /// Replaces (or adds) a parameter before signing.
    fn set(mut self, name: &str, value: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    fn omit(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    fn carry(mut self, carry: Carry) -> Self {
        self.carry = carry;
        self
    }

    fn plus_for_space(mut self) -> Self {
        self.plus_for_space = true;
        self
    }

    /// Sends this value as the Signature instead of the computed one.
    fn forge(mut self, signature: &str) -> Self {
        self.signature = Some(signature.to_string());
        self
    }

    fn unsigned(mut self) -> Self {
        self.signed = false;
        self
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn prepare(&self) -> Prepared {
        let mut all = self.params.clone();
        let string_to_sign = sign::v1_string_to_sign(self.method, &all);
        if self.signed {
            let signature = self
                .signature
                .clone()
                .unwrap_or_else(|| sign::v1_signature(&self.client.secret, &string_to_sign));
            all.push(("Signature".into(), signature));
        }
        let (query, body): (Vec<_>, Vec<_>) = match self.carry {
            Carry::Query => (all, Vec::new()),
            Carry::Body => (Vec::new(), all),
            Carry::Split => all
                .into_iter()
                .partition(|(k, _)| COMMON_PARAMS.contains(&k.as_str())),
        };
        let mut headers = self.headers.clone();
        let body = (self.carry != Carry::Query).then(|| {
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
            encode(&body, self.plus_for_space)
        });
        Prepared {
            method: self.method.to_string(),
            url: format!(
                "{}/?{}",
                self.client.base,
                encode(&query, self.plus_for_space)
            ),
            headers,
            body,
            string_to_sign,
        }
    }

    async fn send(&self) -> Reply {
        self.prepare().send().await
    }
}

/// An ACS3-HMAC-SHA256 request under construction, shaped like the Tea SDKs send them.
struct Acs3 {
    client: Client,
    action: String,
    version: String,
    query: Vec<(String, String)>,
    form: Option<Vec<(String, String)>>,
    plus_for_space: bool,
    /// Extra headers, signed like Python Tea signs everything it sends.
    extra: Vec<(String, String)>,
    authorization: Option<String>,
}

fn acs3(c: &Client, action: &str, version: &str, query: &[(&str, &str)]) -> Acs3 {
    Acs3 {
        client: c.clone(),
        action: action.to_string(),
        version: version.to_string(),
        query: owned(query),
        form: None,
        plus_for_space: false,
        extra: Vec::new(),
        authorization: None,
    }
}

impl Acs3 {
    /// Like Python Tea: `+` for spaces in the query, and accept/user-agent signed too.
    fn python_tea(mut self) -> Self {
        self.plus_for_space = true;
        self.extra = owned(&[
            ("accept", "application/json"),
            (
                "user-agent",
                "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
            ),
            ("x-acs-credentials-provider", "static_ak"),
        ]);
        self
    }

    /// Like Node Tea for APIs with body parameters: these go in a signed form body.
    fn form_body(mut self, params: &[(&str, &str)]) -> Self {
        self.form = Some(owned(params));
        self
    }

    fn authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_string());
        self
    }

    fn prepare(&self) -> Prepared {
        let body = self
            .form
            .as_ref()
            .map(|f| encode(f, self.plus_for_space))
            .unwrap_or_default();
        let mut headers = owned(&[
            ("host", &host_of(&self.client)),
            ("x-acs-action", &self.action),
            ("x-acs-version", &self.version),
            ("x-acs-date", &minutes_ago(0)),
            (
                "x-acs-signature-nonce",
                &uuid::Uuid::new_v4().simple().to_string(),
            ),
            ("x-acs-content-sha256", &sign::sha256_hex(body.as_bytes())),
        ]);
        if self.form.is_some() {
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        headers.extend(self.extra.clone());
        let mut signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        signed.sort();
        let mut map = HeaderMap::new();
        for (k, v) in &headers {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let canonical =
            sign::acs3_canonical_request("POST", "/", &self.query, &map, &signed, body.as_bytes())
                .unwrap();
        let string_to_sign = sign::acs3_string_to_sign(&canonical);
        let authorization = self.authorization.clone().unwrap_or_else(|| {
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
                self.client.key_id,
                signed.join(";"),
                sign::acs3_signature(&self.client.secret, &string_to_sign)
            )
        });
        headers.push(("authorization".into(), authorization));
        Prepared {
            method: "POST".into(),
            url: format!(
                "{}/?{}",
                self.client.base,
                encode(&self.query, self.plus_for_space)
            ),
            headers,
            body: self.form.is_some().then_some(body),
            string_to_sign,
        }
    }

    async fn send(&self) -> Reply {
        self.prepare().send().await
    }
}

/// Success, or the 400 error named.
#[track_caller]
fn expect(reply: &Reply, error: Option<&str>) {
    match error {
        None => {
            reply.ok();
        }
        Some(code) => {
            reply.err(code, 400);
        }
    }
}

const ECS: &str = "2014-05-26";
const VPC: &str = "2016-04-28";

fn vpc_list(reply: &Reply) -> Vec<Value> {
    reply.ok()["Vpcs"]["Vpc"].as_array().unwrap().clone()
}

async fn describe_vpc(c: &Client, vpc: &str) -> Value {
    let reply = c
        .call("DescribeVpcs", &[("RegionId", REGION), ("VpcId", vpc)])
        .await;
    let vpcs = vpc_list(&reply);
    assert_eq!(vpcs.len(), 1, "{}", reply.text);
    vpcs[0].clone()
}

// ---------------------------------------------------------------------------------------------
// Methods, parameter placement, routing and versions.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_and_post_carry_parameters_in_the_query_a_form_body_or_both() {
    let server = TestServer::start().await;
    let c = server.client();
    // Values that need every kind of escaping survive each way of sending them.
    let description = "a+b/c=d&e 名*~ (x)";
    let cases = [
        ("GET", Carry::Query, "via-get"),
        ("POST", Carry::Query, "via-post-query"),
        ("POST", Carry::Body, "via-pop-core-body"),
        ("POST", Carry::Split, "via-split"),
    ];
    for (method, carry, name) in cases {
        let reply = v1(
            &c,
            method,
            "CreateVpc",
            &[
                ("RegionId", REGION),
                ("CidrBlock", "10.0.0.0/16"),
                ("VpcName", name),
                ("Description", description),
            ],
        )
        .carry(carry)
        .send()
        .await;
        let vpc = reply.ok()["VpcId"].as_str().unwrap().to_string();
        let shown = describe_vpc(&c, &vpc).await;
        assert_eq!(shown["VpcName"], name, "{method} {carry:?}");
        assert_eq!(shown["Description"], description, "{method} {carry:?}");
    }
}

#[tokio::test]
async fn routes_by_the_action_parameter_or_the_x_acs_action_header() {
    let server = TestServer::start().await;
    let c = server.client();
    // Classic SDKs: Action in the query only.
    v1(&c, "POST", "DescribeRegions", &[]).send().await.ok();
    // aliyun-python-sdk-core sends the parameter and the headers.
    v1(&c, "POST", "DescribeRegions", &[])
        .header("x-acs-action", "DescribeRegions")
        .header("x-acs-version", ECS)
        .send()
        .await
        .ok();
    // Tea V3: headers only, no Action or Version parameter at all.
    let reply = acs3(&c, "DescribeZones", ECS, &[("RegionId", REGION)])
        .send()
        .await;
    assert!(!reply.ok()["Zones"]["Zone"].as_array().unwrap().is_empty());
    acs3(&c, "DescribeNothing", ECS, &[])
        .send()
        .await
        .err("InvalidAction.NotFound", 404);
}

#[tokio::test]
async fn ecs_and_vpc_versions_share_one_endpoint() {
    let server = TestServer::start().await;
    let c = server.client();
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("DescribeRegions", ECS, None),
        ("DescribeVpcs", VPC, None),
        ("DescribeVSwitches", VPC, None),
        ("DescribeVpcs", ECS, Some("InvalidVersion")),
        ("DescribeRegions", VPC, Some("InvalidVersion")),
        ("DescribeRegions", "2099-01-01", Some("InvalidVersion")),
    ];
    for &(action, version, error) in cases {
        let reply = v1(&c, "POST", action, &[("RegionId", REGION)])
            .set("Version", version)
            .send()
            .await;
        expect(&reply, error);
    }
    // The same over ACS3, where the version travels in x-acs-version.
    acs3(&c, "DescribeVpcs", VPC, &[("RegionId", REGION)])
        .send()
        .await
        .ok();
    acs3(&c, "DescribeRegions", ECS, &[]).send().await.ok();
    acs3(&c, "DescribeVpcs", ECS, &[("RegionId", REGION)])
        .send()
        .await
        .err("InvalidVersion", 400);
}

#[tokio::test]
async fn only_get_and_post_are_served() {
    let server = TestServer::start().await;
    let c = server.client();
    for method in ["PUT", "DELETE", "PATCH"] {
        v1(&c, method, "DescribeRegions", &[])
            .send()
            .await
            .err("UnsupportedHTTPMethod", 403);
    }
}

#[tokio::test]
async fn unknown_actions_and_paths_are_not_found() {
    let server = TestServer::start().await;
    let c = server.client();
    v1(&c, "POST", "DescribeNothing", &[])
        .send()
        .await
        .err("InvalidAction.NotFound", 404);
    let mut other_path = v1(&c, "GET", "DescribeRegions", &[]).prepare();
    other_path.url = other_path.url.replacen("/?", "/v2/api?", 1);
    other_path.send().await.err("InvalidAction.NotFound", 404);
}

// ---------------------------------------------------------------------------------------------
// Authentication failures.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_missing_common_parameter_is_named() {
    let server = TestServer::start().await;
    let c = server.client();
    for name in [
        "Action",
        "Version",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
    ] {
        let reply = v1(&c, "POST", "DescribeRegions", &[])
            .omit(name)
            .send()
            .await;
        reply.err("MissingParameter", 400);
        assert!(reply.message().contains(name), "{name}: {}", reply.text);
    }
    let reply = v1(&c, "POST", "DescribeRegions", &[])
        .unsigned()
        .send()
        .await;
    reply.err("MissingParameter", 400);
    assert!(reply.message().contains("Signature"), "{}", reply.text);
}

#[tokio::test]
async fn malformed_signature_parts_are_incomplete() {
    let server = TestServer::start().await;
    let c = server.client();
    let v1_cases = [
        ("SignatureMethod", "HMAC-SHA256"),
        ("SignatureVersion", "2.0"),
    ];
    for (name, value) in v1_cases {
        v1(&c, "POST", "DescribeRegions", &[])
            .set(name, value)
            .send()
            .await
            .err("IncompleteSignature", 400);
    }
    for authorization in [
        "ACS3-HMAC-SHA256 nonsense",
        "ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host",
        "ACS3-HMAC-SHA1 Credential=x,SignedHeaders=host,Signature=00",
        "Bearer abc",
    ] {
        acs3(&c, "DescribeRegions", ECS, &[])
            .authorization(authorization)
            .send()
            .await
            .err("IncompleteSignature", 400);
    }
    // An x-acs-* header that the signature does not cover could change the request.
    let mut unsigned_header = acs3(&c, "DescribeRegions", ECS, &[]).prepare();
    unsigned_header
        .headers
        .push(("x-acs-security-token".into(), "sneaked-in".into()));
    unsigned_header.send().await.err("IncompleteSignature", 400);
}

#[tokio::test]
async fn a_v1_mismatch_reports_the_string_to_sign_after_the_first_colon() {
    let server = TestServer::start().await;
    let wrong = Client::new(&server.base, KEY_ID, "not-the-secret");
    for (method, carry) in [
        ("GET", Carry::Query),
        ("POST", Carry::Query),
        ("POST", Carry::Body),
        ("POST", Carry::Split),
    ] {
        let request = v1(&wrong, method, "DescribeZones", &[("RegionId", REGION)])
            .carry(carry)
            .prepare();
        let reply = request.send().await;
        reply.err("SignatureDoesNotMatch", 400);
        // aliyun-python-sdk-core compares `Message.split(':')[1]` with its own string.
        assert_eq!(
            reply.message().split(':').nth(1),
            Some(request.string_to_sign.as_str()),
            "{method} {carry:?}"
        );
    }
    // A parameter changed after signing is caught too.
    let c = server.client();
    let mut tampered = v1(&c, "GET", "DescribeZones", &[("RegionId", REGION)]).prepare();
    tampered.url = tampered.url.replace(REGION, "cn-shanghai");
    tampered.send().await.err("SignatureDoesNotMatch", 400);
}

#[tokio::test]
async fn an_acs3_mismatch_reports_the_server_string_to_sign() {
    let server = TestServer::start().await;
    let wrong = Client::new(&server.base, KEY_ID, "not-the-secret");
    let request = acs3(&wrong, "DescribeRegions", ECS, &[]).prepare();
    let reply = request.send().await;
    reply.err("SignatureDoesNotMatch", 400);
    let (_, tail) = reply.message().split_once(':').expect("a colon");
    assert_eq!(tail, request.string_to_sign);
    assert!(tail.starts_with("ACS3-HMAC-SHA256\n"));
}

#[tokio::test]
async fn unknown_access_keys_are_not_found() {
    let server = TestServer::start().await;
    let stranger = Client::new(&server.base, "LTAI5tNoSuchKey000000000", SECRET);
    stranger
        .call("DescribeRegions", &[])
        .await
        .err("InvalidAccessKeyId.NotFound", 404);
    stranger
        .acs3()
        .call("DescribeRegions", &[])
        .await
        .err("InvalidAccessKeyId.NotFound", 404);
}

#[tokio::test]
async fn timestamps_must_be_well_formed_and_recent() {
    let server = TestServer::start().await;
    let c = server.client();
    let cases: &[(String, Option<&str>)] = &[
        (minutes_ago(5), None),
        (minutes_ago(-5), None),
        (minutes_ago(20), Some("InvalidTimeStamp.Expired")),
        (minutes_ago(-20), Some("InvalidTimeStamp.Expired")),
        (
            "2016-02-23T12:46:24Z".into(),
            Some("InvalidTimeStamp.Expired"),
        ),
        ("yesterday".into(), Some("InvalidTimeStamp.Format")),
        (
            "2024-13-45T99:00:00Z".into(),
            Some("InvalidTimeStamp.Format"),
        ),
    ];
    for (timestamp, error) in cases {
        let reply = v1(&c, "POST", "DescribeRegions", &[])
            .set("Timestamp", timestamp)
            .send()
            .await;
        expect(&reply, *error);
    }
}

#[tokio::test]
async fn a_replayed_request_is_refused() {
    let server = TestServer::start().await;
    let c = server.client();
    let request = v1(&c, "POST", "DescribeRegions", &[]).prepare();
    request.send().await.ok();
    request.send().await.err("SignatureNonceUsed", 400);
    // The nonce is spent whatever the request around it.
    let nonce = "0123456789abcdef0123456789abcdef";
    v1(&c, "POST", "DescribeRegions", &[])
        .set("SignatureNonce", nonce)
        .send()
        .await
        .ok();
    v1(&c, "POST", "DescribeZones", &[("RegionId", REGION)])
        .set("SignatureNonce", nonce)
        .send()
        .await
        .err("SignatureNonceUsed", 400);
    // ACS3 requests carry their nonce in a header; the guard is the same.
    let request = acs3(&c, "DescribeRegions", ECS, &[]).prepare();
    request.send().await.ok();
    request.send().await.err("SignatureNonceUsed", 400);
}

// ---------------------------------------------------------------------------------------------
// Encodings the SDKs use.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn plus_for_space_verifies_in_both_schemes() {
    let server = TestServer::start().await;
    let c = server.client();
    let description = "made by python tea: spaces * and ~";
    let reply = v1(
        &c,
        "POST",
        "CreateVpc",
        &[("RegionId", REGION), ("Description", description)],
    )
    .set("Format", "json")
    .plus_for_space()
    .send()
    .await;
    let vpc = reply.ok()["VpcId"].as_str().unwrap().to_string();
    assert_eq!(describe_vpc(&c, &vpc).await["Description"], description);

    let reply = acs3(
        &c,
        "CreateVpc",
        VPC,
        &[("RegionId", REGION), ("Description", description)],
    )
    .python_tea()
    .send()
    .await;
    let vpc = reply.ok()["VpcId"].as_str().unwrap().to_string();
    assert_eq!(describe_vpc(&c, &vpc).await["Description"], description);
}

#[tokio::test]
async fn an_acs3_form_body_is_signed_and_read() {
    let server = TestServer::start().await;
    let c = server.client();
    let reply = acs3(&c, "CreateVpc", VPC, &[("RegionId", REGION)])
        .form_body(&[("VpcName", "from-the-body"), ("CidrBlock", "10.1.0.0/16")])
        .send()
        .await;
    let vpc = reply.ok()["VpcId"].as_str().unwrap().to_string();
    let shown = describe_vpc(&c, &vpc).await;
    assert_eq!(shown["VpcName"], "from-the-body");
    assert_eq!(shown["CidrBlock"], "10.1.0.0/16");
}

#[tokio::test]
async fn the_empty_signature_type_is_signed_like_any_parameter() {
    let server = TestServer::start().await;
    let c = server.client();
    // aliyun-python-sdk-core always sends `SignatureType=` and signs it.
    v1(&c, "POST", "DescribeRegions", &[])
        .set("SignatureType", "")
        .send()
        .await
        .ok();
    // Dropping it after signing breaks the signature, so the server did count it.
    let mut dropped = v1(&c, "POST", "DescribeRegions", &[])
        .set("SignatureType", "")
        .prepare();
    dropped.url = dropped.url.replace("SignatureType=&", "");
    assert!(!dropped.url.contains("SignatureType"));
    dropped.send().await.err("SignatureDoesNotMatch", 400);
}

#[tokio::test]
async fn booleans_are_read_in_any_case() {
    let server = TestServer::start().await;
    let c = server.client();
    let w = world(&c).await;
    let instance = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    let delete = |force: &'static str| {
        let c = c.clone();
        let instance = instance.clone();
        async move {
            c.call(
                "DeleteInstance",
                &[("InstanceId", &instance), ("Force", force)],
            )
            .await
        }
    };
    delete("false").await.err("IncorrectInstanceStatus", 403);
    delete("FALSE").await.err("IncorrectInstanceStatus", 403);
    delete("maybe").await.err("InvalidParameter", 400);
    delete("True").await.ok();
    let other = run_instance(&c, &w.vswitch, &[&w.basic[0]]).await;
    c.call(
        "DeleteInstance",
        &[("InstanceId", &other), ("Force", "true")],
    )
    .await
    .ok();
}

// ---------------------------------------------------------------------------------------------
// Response formats and the error envelope.
// ---------------------------------------------------------------------------------------------

const JSON_TYPE: &str = "application/json;charset=utf-8";
const XML_TYPE: &str = "text/xml;charset=utf-8";

#[tokio::test]
async fn format_xml_in_any_case_answers_xml() {
    let server = TestServer::start().await;
    let c = server.client();
    for format in ["XML", "xml"] {
        let ok = v1(&c, "POST", "DescribeRegions", &[])
            .set("Format", format)
            .send()
            .await;
        assert_eq!((ok.status, ok.content_type.as_str()), (200, XML_TYPE));
        assert!(
            ok.text.starts_with(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeRegionsResponse><RequestId>"
            ),
            "{}",
            ok.text
        );
        assert!(ok
            .text
            .contains("<Regions><Region><RegionId>cn-hangzhou</RegionId>"));

        let error = v1(&c, "POST", "DescribeNothing", &[])
            .set("Format", format)
            .send()
            .await;
        assert_eq!((error.status, error.content_type.as_str()), (404, XML_TYPE));
        assert!(error.text.contains("<Error><RequestId>"), "{}", error.text);
        for element in ["HostId", "Message", "Recommend"] {
            assert!(
                error.text.contains(&format!("<{element}>")),
                "{}",
                error.text
            );
        }
        assert!(error.text.contains("<Code>InvalidAction.NotFound</Code>"));
        assert!(error.text.ends_with("</Error>"));
    }
}

#[tokio::test]
async fn json_is_the_default_and_answers_json() {
    let server = TestServer::start().await;
    let c = server.client();
    let requests = [
        v1(&c, "POST", "DescribeRegions", &[]).omit("Format"),
        v1(&c, "POST", "DescribeRegions", &[]).set("Format", "JSON"),
        v1(&c, "POST", "DescribeRegions", &[]).set("Format", "json"),
    ];
    for request in requests {
        let reply = request.send().await;
        assert_eq!(reply.content_type, JSON_TYPE);
        reply.ok();
    }
    let reply = acs3(&c, "DescribeRegions", ECS, &[]).send().await;
    assert_eq!(reply.content_type, JSON_TYPE);
    reply.ok();
    let error = v1(&c, "POST", "DescribeNothing", &[]).send().await;
    assert_eq!(error.content_type, JSON_TYPE);
    error.err("InvalidAction.NotFound", 404);
}

#[tokio::test]
async fn every_error_carries_the_full_envelope() {
    let server = TestServer::start().await;
    let c = server.client();
    let host = host_of(&c);
    let errors = [
        v1(&c, "POST", "DescribeNothing", &[]).send().await,
        v1(&c, "POST", "DescribeRegions", &[])
            .unsigned()
            .send()
            .await,
        c.call("DescribeZones", &[("RegionId", "cn-nowhere")]).await,
        c.call("DescribeZones", &[]).await,
    ];
    for reply in &errors {
        assert!(reply.status >= 400, "{}", reply.text);
        reply.err(reply.code(), reply.status);
        let request_id = reply.body["RequestId"].as_str().unwrap();
        assert_eq!(request_id.len(), 36, "{request_id}");
        assert_eq!(request_id, request_id.to_uppercase());
        assert_eq!(reply.body["HostId"], host.as_str());
        let recommend = reply.body["Recommend"].as_str().unwrap();
        assert!(
            recommend.contains(reply.code()) && recommend.contains(request_id),
            "{recommend}"
        );
    }
    errors[2].err("InvalidRegionId.NotFound", 404);
    errors[3].err("MissingParameter", 400);
}

#[tokio::test]
async fn a_store_fault_is_an_internal_error_that_commits_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    // A fault injected under the server: the store refuses every new VPC row.
    let db = rusqlite::Connection::open(ecsnet::store::database_path(&server.data_dir)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON vpcs \
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
    )
    .unwrap();
    let reply = c.call("CreateVpc", &[("RegionId", REGION)]).await;
    reply.err("InternalError", 500);
    assert!(!reply.message().contains("injected"), "no internals leak");
    db.execute_batch("DROP TRIGGER injected_fault").unwrap();
    let listed = c.call("DescribeVpcs", &[("RegionId", REGION)]).await;
    assert_eq!(listed.ok()["TotalCount"], 0);
    c.call("CreateVpc", &[("RegionId", REGION)]).await.ok();
}

// ---------------------------------------------------------------------------------------------
// Both schemes drive real work.
// ---------------------------------------------------------------------------------------------

async fn network_story(c: &Client) {
    let w = world(c).await;
    let instance = run_instance(c, &w.vswitch, &[&w.basic[0]]).await;
    assert_eq!(instance_groups(c, &instance).await, [w.basic[0].clone()]);
    let vswitches = c
        .call(
            "DescribeVSwitches",
            &[("RegionId", REGION), ("VpcId", &w.vpc)],
        )
        .await;
    assert_eq!(
        vswitches.ok()["VSwitches"]["VSwitch"][0]["VSwitchId"],
        w.vswitch.as_str()
    );
    c.call("StopInstance", &[("InstanceId", &instance)])
        .await
        .ok();
    c.call("DeleteInstance", &[("InstanceId", &instance)])
        .await
        .ok();
}

#[tokio::test]
async fn both_signature_schemes_drive_the_same_calls() {
    let server = TestServer::start().await;
    network_story(&server.client()).await;
    network_story(&server.client().acs3()).await;
}

// ---------------------------------------------------------------------------------------------
// Accounts.
// ---------------------------------------------------------------------------------------------

fn list_len(reply: &Reply, wrapper: &str, item: &str) -> usize {
    reply.ok()[wrapper][item].as_array().unwrap().len()
}

/// An action, its parameters, and the not-found code it answers a stranger with.
type ByIdCall<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn one_account_never_sees_another_accounts_resources() {
    let server = TestServer::start().await;
    let first = server.client();
    let w = world(&first).await;
    let instance = run_instance(&first, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(&first, &w.vswitch, &[&w.basic[0]]).await;

    let key = create_account(&server.data_dir).await;
    let second = Client::new(
        &server.base,
        key["AccessKeyId"].as_str().unwrap(),
        key["AccessKeySecret"].as_str().unwrap(),
    );
    assert_eq!(key["AccountId"].as_str().unwrap().len(), 16);

    let lists = [
        ("DescribeVpcs", "Vpcs", "Vpc"),
        ("DescribeVSwitches", "VSwitches", "VSwitch"),
        ("DescribeSecurityGroups", "SecurityGroups", "SecurityGroup"),
        ("DescribeInstances", "Instances", "Instance"),
        (
            "DescribeNetworkInterfaces",
            "NetworkInterfaceSets",
            "NetworkInterfaceSet",
        ),
    ];
    for (action, wrapper, item) in lists {
        let mine = first.call(action, &[("RegionId", REGION)]).await;
        assert!(list_len(&mine, wrapper, item) > 0, "{action}");
        let theirs = second.call(action, &[("RegionId", REGION)]).await;
        assert_eq!(list_len(&theirs, wrapper, item), 0, "{action}");
    }

    let by_id: &[ByIdCall] = &[
        (
            "ModifySecurityGroupAttribute",
            vec![
                ("RegionId", REGION),
                ("SecurityGroupId", &w.basic[0]),
                ("SecurityGroupName", "stolen"),
            ],
            "InvalidSecurityGroupId.NotFound",
        ),
        (
            "ModifyNetworkInterfaceAttribute",
            vec![
                ("RegionId", REGION),
                ("NetworkInterfaceId", &eni),
                ("NetworkInterfaceName", "stolen"),
            ],
            "InvalidEniId.NotFound",
        ),
        (
            "StopInstance",
            vec![("InstanceId", &instance)],
            "InvalidInstanceId.NotFound",
        ),
        (
            "CreateVSwitch",
            vec![
                ("RegionId", REGION),
                ("VpcId", &w.vpc),
                ("ZoneId", &w.zone),
                ("CidrBlock", "192.168.9.0/24"),
            ],
            "InvalidVpcId.NotFound",
        ),
    ];
    for (action, params, code) in by_id {
        second.call(action, params).await.err(code, 404);
    }
    // Nothing changed for the owner.
    assert_eq!(
        instance_groups(&first, &instance).await,
        [w.basic[0].clone()]
    );
}

#[tokio::test]
async fn development_mode_accepts_any_key_and_keeps_key_ids_apart() {
    let server = TestServer::start_with(|c| c.accept_any_access_key = true).await;
    let alice = Client::new(&server.base, "dev-alice", "anything");
    let bob = Client::new(&server.base, "dev-bob", "whatever").acs3();

    let reply = v1(&alice, "POST", "CreateVpc", &[("RegionId", REGION)])
        .forge("garbage")
        .send()
        .await;
    let vpc = reply.ok()["VpcId"].as_str().unwrap().to_string();
    // Bob (ACS3, signed with a secret the server never heard of) has his own, empty account.
    let theirs = bob.call("DescribeVpcs", &[("RegionId", REGION)]).await;
    assert_eq!(list_len(&theirs, "Vpcs", "Vpc"), 0);
    bob.call("CreateVpc", &[("RegionId", REGION)]).await.ok();
    // Alice, with another garbage signature, still sees just her VPC.
    let reply = v1(&alice, "GET", "DescribeVpcs", &[("RegionId", REGION)])
        .forge("more-garbage")
        .send()
        .await;
    let vpcs = vpc_list(&reply);
    assert_eq!(vpcs.len(), 1);
    assert_eq!(vpcs[0]["VpcId"], vpc.as_str());
    // A request still has to say who it is.
    v1(&alice, "POST", "DescribeRegions", &[])
        .unsigned()
        .send()
        .await
        .err("MissingParameter", 400);
}
