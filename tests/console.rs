//! The console's HTTP endpoints: static pages compiled in, sign-in sessions (cookie
//! attributes, expiry, sign-out), CSRF and origin checks on every write, and that a session
//! reaches exactly its own account's resources through the API's own actions.

mod common;

use std::time::Duration;

use common::*;
use ecsnet::clock::ManualClock;
use ecsnet::model::names;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};

/// A browser-like client of the console: keeps the session cookie and the CSRF token.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
    csrf: Option<String>,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }

    #[track_caller]
    fn refused(&self, code: &str, status: u16) {
        assert_eq!((self.code(), self.status), (code, status), "{}", self.body);
        assert!(self.body["Message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(self.body["RequestId"].is_string());
    }

    #[track_caller]
    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.body);
        &self.body
    }
}

impl Browser {
    fn new(server: &TestServer) -> Browser {
        Browser {
            base: server.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
            csrf: None,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn sign_in(&mut self, key_id: &str, secret: &str) -> Answer {
        let answer = self
            .send(
                self.http
                    .post(format!("{}/console/api/session", self.base))
                    .header("content-type", "application/json")
                    .body(json!({"AccessKeyId": key_id, "AccessKeySecret": secret}).to_string()),
            )
            .await;
        if let Some(set) = answer.headers.get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = Some(pair);
            self.csrf = answer.body["CsrfToken"].as_str().map(str::to_string);
        }
        answer
    }

    /// A console call with the session's CSRF token and any `extra` headers.
    async fn call_with(&self, action: &str, params: Value, extra: &[(&str, &str)]) -> Answer {
        let mut request = self
            .http
            .post(format!("{}/console/api/call/{action}", self.base))
            .header("content-type", "application/json")
            .body(params.to_string());
        if let Some(token) = &self.csrf {
            request = request.header("x-csrf-token", token);
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    async fn call(&self, action: &str, params: Value) -> Answer {
        self.call_with(action, params, &[]).await
    }

    async fn sign_out(&self) -> Answer {
        let mut request = self
            .http
            .delete(format!("{}/console/api/session", self.base));
        if let Some(token) = &self.csrf {
            request = request.header("x-csrf-token", token);
        }
        self.send(request).await
    }
}

async fn signed_in(server: &TestServer) -> Browser {
    let mut browser = Browser::new(server);
    browser.sign_in(KEY_ID, SECRET).await.ok();
    browser
}

fn header<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer
        .headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn pages_are_served_from_the_binary_with_protective_headers() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let root = browser.get("/console").await;
    assert_eq!(root.status, 308);
    assert_eq!(header(&root, "location"), "/console/");
    let index = browser.get("/console/").await;
    assert_eq!(index.status, 200);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert!(index
        .body
        .as_str()
        .unwrap()
        .contains("/console/assets/app.js"));
    assert!(header(&index, "content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header(&index, "x-frame-options"), "DENY");
    for (file, kind) in [
        ("app.js", "text/javascript"),
        ("api.js", "text/javascript"),
        ("ui.js", "text/javascript"),
        ("groups.js", "text/javascript"),
        ("enis.js", "text/javascript"),
        ("instances.js", "text/javascript"),
        ("style.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let asset = browser.get(&format!("/console/assets/{file}")).await;
        assert_eq!(asset.status, 200, "{file}");
        assert!(header(&asset, "content-type").starts_with(kind), "{file}");
    }
    browser
        .get("/console/assets/missing.js")
        .await
        .refused("Console.NotFound", 404);
    browser
        .get("/console/elsewhere")
        .await
        .refused("Console.NotFound", 404);
    // The API is untouched beside it.
    server.client().call("DescribeRegions", &[]).await.ok();
}

#[tokio::test]
async fn the_rules_shown_are_the_ones_the_model_checks() {
    let server = TestServer::start().await;
    let rules = Browser::new(&server).get("/console/api/rules").await;
    assert_eq!(
        rules.ok(),
        &json!({
            "Name": names::NAME_RULE,
            "Description": names::DESCRIPTION_RULE,
            "EniModifyDescription": names::ENI_MODIFY_DESCRIPTION_RULE,
        })
    );
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_that_expires() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server);
    let wrong = browser.sign_in(KEY_ID, "not-the-secret").await;
    wrong.refused("Console.SignInFailed", 401);
    assert!(wrong.headers.get("set-cookie").is_none());
    browser
        .sign_in("LTAI-unknown", SECRET)
        .await
        .refused("Console.SignInFailed", 401);
    browser
        .sign_in("", "")
        .await
        .refused("Console.SignInFailed", 401);
    browser
        .get("/console/api/session")
        .await
        .refused("Console.SignInRequired", 401);

    let answer = browser.sign_in(KEY_ID, SECRET).await;
    let session = answer.ok().clone();
    let cookie = header(&answer, "set-cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "a host-only cookie: {cookie}");
    assert_eq!(session["AccessKeyId"], KEY_ID);
    assert!(session["CsrfToken"].as_str().unwrap().len() >= 64);
    let current = browser.get("/console/api/session").await;
    assert_eq!(current.ok()["AccountId"], session["AccountId"]);
    assert_eq!(current.ok()["CsrfToken"], session["CsrfToken"]);
    assert_eq!(header(&current, "cache-control"), "no-store");
}

#[tokio::test]
async fn sign_in_takes_only_json_from_the_console_itself() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let form = browser
        .send(
            browser
                .http
                .post(format!("{}/console/api/session", server.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("AccessKeyId={KEY_ID}&AccessKeySecret=x")),
        )
        .await;
    form.refused("Console.InvalidBody", 400);
    let cross = browser
        .send(
            browser
                .http
                .post(format!("{}/console/api/session", server.base))
                .header("content-type", "application/json")
                .header("origin", "http://evil.example")
                .body(json!({"AccessKeyId": KEY_ID, "AccessKeySecret": SECRET}).to_string()),
        )
        .await;
    cross.refused("Console.CrossOriginRefused", 403);
    assert!(cross.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn no_write_without_a_session_and_its_csrf_token() {
    let server = TestServer::start().await;
    let api = server.client();
    let create = json!({"RegionId": REGION, "CidrBlock": "10.0.0.0/8"});
    let vpcs = || async {
        api.call("DescribeVpcs", &[("RegionId", REGION)]).await.ok()["TotalCount"].clone()
    };

    // No session at all.
    Browser::new(&server)
        .call("CreateVpc", create.clone())
        .await
        .refused("Console.SignInRequired", 401);
    // A made-up session cookie.
    let mut forged = Browser::new(&server);
    forged.cookie = Some(format!("ecsnet_console={}", "ab".repeat(32)));
    forged.csrf = Some("cd".repeat(32));
    forged
        .call("CreateVpc", create.clone())
        .await
        .refused("Console.SignInRequired", 401);

    let mut browser = signed_in(&server).await;
    let token = browser.csrf.take();
    // A session but no token, then a wrong one.
    browser
        .call("CreateVpc", create.clone())
        .await
        .refused("Console.InvalidCsrfToken", 403);
    browser.csrf = Some("0".repeat(64));
    browser
        .call("CreateVpc", create.clone())
        .await
        .refused("Console.InvalidCsrfToken", 403);
    browser.csrf = token;
    // The right token, sent by another site's page.
    browser
        .call_with(
            "CreateVpc",
            create.clone(),
            &[("origin", "http://evil.example")],
        )
        .await
        .refused("Console.CrossOriginRefused", 403);
    browser
        .call_with(
            "CreateVpc",
            create.clone(),
            &[("sec-fetch-site", "cross-site")],
        )
        .await
        .refused("Console.CrossOriginRefused", 403);
    // Sign-out is a write too.
    let mut no_token = signed_in(&server).await;
    no_token.csrf = None;
    no_token
        .sign_out()
        .await
        .refused("Console.InvalidCsrfToken", 403);
    no_token.get("/console/api/session").await.ok();
    assert_eq!(vpcs().await, 0, "a refused console call wrote nothing");

    let origin = format!("http://{}", server.base.trim_start_matches("http://"));
    let created = browser
        .call_with(
            "CreateVpc",
            create.clone(),
            &[("origin", &origin), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert!(created.ok()["VpcId"].as_str().unwrap().starts_with("vpc-"));
    assert_eq!(vpcs().await, 1);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let server = TestServer::start().await;
    let browser = signed_in(&server).await;
    let other = signed_in(&server).await;
    let out = browser.sign_out().await;
    out.ok();
    let cleared = header(&out, "set-cookie");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("HttpOnly"),
        "{cleared}"
    );
    browser
        .get("/console/api/session")
        .await
        .refused("Console.SignInRequired", 401);
    browser
        .call("DescribeRegions", json!({}))
        .await
        .refused("Console.SignInRequired", 401);
    // Only that session ended.
    other.get("/console/api/session").await.ok();
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_lifetime() {
    let clock = ManualClock::new();
    let server = TestServer::start_with(|config| config.clock = clock.clock()).await;
    let idle = signed_in(&server).await;
    let busy = signed_in(&server).await;
    for _ in 0..3 {
        clock.advance(Duration::from_secs(20 * 60));
        busy.call("DescribeRegions", json!({})).await.ok();
    }
    idle.call("DescribeRegions", json!({}))
        .await
        .refused("Console.SignInRequired", 401);
    // Kept busy, a session still ends 8 hours (24 × 20 minutes) after sign-in.
    for _ in 3..23 {
        clock.advance(Duration::from_secs(20 * 60));
        busy.get("/console/api/session").await.ok();
    }
    clock.advance(Duration::from_secs(20 * 60));
    busy.get("/console/api/session")
        .await
        .refused("Console.SignInRequired", 401);
}

#[tokio::test]
async fn console_calls_are_the_api_actions() {
    let server = TestServer::start().await;
    let api = server.client();
    let w = world(&api).await;
    let eni = create_eni(&api, &w.vswitch, &[&w.basic[0]]).await;
    let browser = signed_in(&server).await;

    // The same answer as the API, RequestId aside.
    let params = json!({"RegionId": REGION, "NetworkInterfaceId": eni});
    let mut by_console = browser
        .call("DescribeNetworkInterfaceAttribute", params)
        .await
        .ok()
        .clone();
    let mut by_api = api
        .call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", &eni)],
        )
        .await
        .ok()
        .clone();
    by_console.as_object_mut().unwrap().remove("RequestId");
    by_api.as_object_mut().unwrap().remove("RequestId");
    assert_eq!(by_console, by_api);

    // Refusals carry the API's code, status and message.
    let bad =
        json!({"RegionId": REGION, "NetworkInterfaceId": eni, "NetworkInterfaceName": "1bad"});
    let refused = browser.call("ModifyNetworkInterfaceAttribute", bad).await;
    let same = api
        .call(
            "ModifyNetworkInterfaceAttribute",
            &[
                ("RegionId", REGION),
                ("NetworkInterfaceId", &eni),
                ("NetworkInterfaceName", "1bad"),
            ],
        )
        .await;
    assert_eq!(
        (refused.code(), refused.status, &refused.body["Message"]),
        (same.code(), same.status, &same.body["Message"])
    );
    // DryRun checks without writing: what the dialogs use as you type.
    let mix = json!({
        "RegionId": REGION, "NetworkInterfaceId": eni, "DryRun": true,
        "SecurityGroupId.1": w.basic[0], "SecurityGroupId.2": w.advanced[0],
    });
    browser
        .call("ModifyNetworkInterfaceAttribute", mix)
        .await
        .refused("InvalidOperation.MultiGroupType", 403);
    let rename = json!({"RegionId": REGION, "NetworkInterfaceId": eni, "NetworkInterfaceName": "data", "DryRun": true});
    browser
        .call("ModifyNetworkInterfaceAttribute", rename.clone())
        .await
        .refused("DryRunOperation", 400);
    assert_eq!(
        api.call(
            "DescribeNetworkInterfaceAttribute",
            &[("RegionId", REGION), ("NetworkInterfaceId", &eni)]
        )
        .await
        .ok()["NetworkInterfaceName"],
        ""
    );
    // Numbers and booleans are the API's strings.
    let page = json!({"RegionId": REGION, "PageSize": 1, "PageNumber": 2});
    assert_eq!(
        browser.call("DescribeSecurityGroups", page).await.ok()["PageNumber"],
        2
    );
    // Administration and unknown actions are not the console's; nor are nested values.
    for action in ["ResetStore", "SaveSnapshot", "NoSuchAction"] {
        browser
            .call(action, json!({"Name": "x"}))
            .await
            .refused("InvalidAction.NotFound", 404);
    }
    browser
        .call("DescribeRegions", json!({"RegionId": ["cn-hangzhou"]}))
        .await
        .refused("Console.InvalidBody", 400);
    browser
        .call("DescribeRegions", json!([]))
        .await
        .refused("Console.InvalidBody", 400);
}

#[tokio::test]
async fn a_session_never_reaches_another_accounts_resources() {
    let server = TestServer::start().await;
    let root = server.client();
    let w = world(&root).await;
    let instance = run_instance(&root, &w.vswitch, &[&w.basic[0]]).await;
    let eni = create_eni(&root, &w.vswitch, &[&w.basic[0]]).await;

    let other_key = create_account(&server.data_dir).await;
    let mut other = Browser::new(&server);
    let session = other
        .sign_in(
            other_key["AccessKeyId"].as_str().unwrap(),
            other_key["AccessKeySecret"].as_str().unwrap(),
        )
        .await;
    assert_eq!(session.ok()["AccountId"], other_key["AccountId"]);
    let mine = signed_in(&server).await;

    let region = json!({"RegionId": REGION});
    for (action, total) in [
        ("DescribeSecurityGroups", 3),
        ("DescribeInstances", 1),
        ("DescribeNetworkInterfaces", 2),
        ("DescribeVpcs", 1),
        ("DescribeVSwitches", 1),
    ] {
        assert_eq!(
            mine.call(action, region.clone()).await.ok()["TotalCount"],
            total,
            "{action}"
        );
        assert_eq!(
            other.call(action, region.clone()).await.ok()["TotalCount"],
            0,
            "{action}"
        );
    }
    let by_id = json!({"RegionId": REGION, "SecurityGroupId": w.basic[0]});
    assert_eq!(
        other.call("DescribeSecurityGroups", by_id).await.ok()["TotalCount"],
        0
    );
    let members = json!({"RegionId": REGION, "SecurityGroupId": w.basic[0]});
    assert_eq!(
        other.call("DescribeInstances", members).await.ok()["TotalCount"],
        0
    );

    let before = snapshot(&root).await;
    let writes = [
        (
            "JoinSecurityGroup",
            json!({"RegionId": REGION, "InstanceId": instance, "SecurityGroupId": w.basic[1]}),
        ),
        (
            "LeaveSecurityGroup",
            json!({"RegionId": REGION, "InstanceId": instance, "SecurityGroupId": w.basic[0]}),
        ),
        (
            "ModifyNetworkInterfaceAttribute",
            json!({"RegionId": REGION, "NetworkInterfaceId": eni, "NetworkInterfaceName": "stolen"}),
        ),
        (
            "AttachNetworkInterface",
            json!({"RegionId": REGION, "NetworkInterfaceId": eni, "InstanceId": instance}),
        ),
        (
            "DeleteNetworkInterface",
            json!({"RegionId": REGION, "NetworkInterfaceId": eni}),
        ),
        (
            "DeleteSecurityGroup",
            json!({"RegionId": REGION, "SecurityGroupId": w.basic[1]}),
        ),
    ];
    for (action, params) in writes {
        let answer = other.call(action, params).await;
        assert!(
            answer.code().contains("NotFound"),
            "{action}: {}",
            answer.body
        );
    }
    assert_eq!(
        before,
        snapshot(&root).await,
        "another account's session changed nothing"
    );
    // A session cookie is the session's alone: the other account's token with this cookie fails.
    let mut mixed = Browser::new(&server);
    mixed.cookie = mine.cookie.clone();
    mixed.csrf = other.csrf.clone();
    mixed
        .call("DescribeRegions", json!({}))
        .await
        .refused("Console.InvalidCsrfToken", 403);
}
