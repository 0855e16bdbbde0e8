//! The `ecsnet` command line as a user runs it: the binary against a real server, with
//! credentials from a profile, the environment or flags.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;

struct Cli {
    endpoint: String,
    config: PathBuf,
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn json(&self) -> Value {
        assert!(self.ok, "the command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

impl Cli {
    fn new(server: &TestServer) -> Cli {
        Cli {
            endpoint: server.base.clone(),
            config: server.data_dir.join("cli-config.json"),
        }
    }

    async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ecsnet"))
            .args(args)
            .env("ECSNET_CONFIG", &self.config)
            .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
            .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
            .envs(env.iter().copied())
            .output()
            .await
            .unwrap();
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Saves a default profile pointing at the server.
    async fn configure(&self) {
        let run = self
            .run(
                &[
                    "configure",
                    "--access-key-id",
                    KEY_ID,
                    "--access-key-secret",
                    SECRET,
                    "--region",
                    REGION,
                    "--endpoint",
                    &self.endpoint,
                ],
                &[],
            )
            .await;
        assert!(run.ok, "{}", run.stderr);
    }

    async fn ecs(&self, args: &[&str]) -> Run {
        let mut all = vec!["ecs"];
        all.extend_from_slice(args);
        self.run(&all, &[]).await
    }
}

fn id(value: &Value, path: &str) -> String {
    ecsnet::cli::output::lookup(value, path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {path} in {value}"))
        .to_string()
}

#[tokio::test]
async fn the_seed_story_through_the_cli() {
    let server = TestServer::start().await;
    let cli = Cli::new(&server);
    cli.configure().await;
    let mode = std::fs::metadata(&cli.config).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );

    let vpc = id(
        &cli.run(&["vpc", "CreateVpc", "--CidrBlock", "192.168.0.0/16"], &[])
            .await
            .json(),
        "VpcId",
    );
    let vswitch = cli
        .run(
            &[
                "vpc",
                "CreateVSwitch",
                "--VpcId",
                &vpc,
                "--ZoneId",
                "cn-hangzhou-h",
                "--CidrBlock",
                "192.168.1.0/24",
            ],
            &[],
        )
        .await;
    let vswitch = id(&vswitch.json(), "VSwitchId");
    let group = |kind: &'static str| {
        let (cli, vpc) = (&cli, vpc.clone());
        async move {
            let run = cli
                .ecs(&[
                    "CreateSecurityGroup",
                    "--VpcId",
                    &vpc,
                    "--SecurityGroupType",
                    kind,
                ])
                .await;
            id(&run.json(), "SecurityGroupId")
        }
    };
    let (web, db, advanced) = (
        group("normal").await,
        group("normal").await,
        group("enterprise").await,
    );
    let run = cli
        .ecs(&[
            "RunInstances",
            "--VSwitchId",
            &vswitch,
            "--SecurityGroupId",
            &web,
            "--InstanceType",
            "ecs.g6.large",
            "--ImageId",
            "aliyun_3_x64_20G_alibase_20240819.vhd",
        ])
        .await;
    let instance = id(&run.json(), "InstanceIdSets.InstanceIdSet[0]");
    let eni = id(
        &cli.ecs(&[
            "CreateNetworkInterface",
            "--VSwitchId",
            &vswitch,
            "--SecurityGroupId",
            &web,
        ])
        .await
        .json(),
        "NetworkInterfaceId",
    );

    // The friendly helpers.
    assert!(
        cli.run(&["sg", "add-instance", &db, &instance], &[])
            .await
            .ok
    );
    assert_eq!(
        instance_groups(&server.client(), &instance).await,
        [web.as_str(), db.as_str()]
    );
    assert!(
        cli.run(&["sg", "remove-instance", &web, &instance], &[])
            .await
            .ok
    );
    let run = cli
        .run(
            &[
                "eni",
                "modify",
                &eni,
                "--name",
                "app-eni",
                "--security-group",
                &db,
                "--security-group",
                &web,
            ],
            &[],
        )
        .await;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        eni_groups(&server.client(), &eni).await,
        [db.as_str(), web.as_str()]
    );

    // A refusal prints the code, the message and the RequestId, and exits non-zero.
    let run = cli
        .run(&["sg", "add-instance", &advanced, &instance], &[])
        .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("InvalidOperation.MultiGroupType"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("can't join different types of security group"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("RequestId"), "{}", run.stderr);

    // Tables like the aliyun CLI's.
    let run = cli
        .ecs(&[
            "DescribeNetworkInterfaces",
            "--output",
            "cols=NetworkInterfaceId,Type,Status",
            "rows=NetworkInterfaceSets.NetworkInterfaceSet[]",
        ])
        .await;
    assert!(run.ok, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0].split('|').map(str::trim).collect::<Vec<_>>(),
        ["NetworkInterfaceId", "Type", "Status"]
    );
    assert_eq!(lines.len(), 4, "header, rule and two ENIs:\n{}", run.stdout);
    assert!(run.stdout.contains(&eni));
}

#[tokio::test]
async fn pager_waiter_signatures_and_credentials() {
    let server = TestServer::start_with(|c| c.limits.enis_per_region = 50).await;
    let c = server.client();
    let w = world(&c).await;
    for _ in 0..12 {
        create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    }
    let cli = Cli::new(&server);
    cli.configure().await;

    let all = cli
        .ecs(&["DescribeNetworkInterfaces", "--PageSize", "5", "--pager"])
        .await
        .json();
    assert_eq!(
        all["NetworkInterfaceSets"]["NetworkInterfaceSet"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    let all = cli
        .ecs(&["DescribeNetworkInterfaces", "--MaxResults", "10", "--pager"])
        .await
        .json();
    assert_eq!(
        all["NetworkInterfaceSets"]["NetworkInterfaceSet"]
            .as_array()
            .unwrap()
            .len(),
        12
    );

    let eni = create_eni(&c, &w.vswitch, &[&w.basic[0]]).await;
    let waited = cli
        .ecs(&[
            "DescribeNetworkInterfaceAttribute",
            "--NetworkInterfaceId",
            &eni,
            "--waiter",
            "expr=Status",
            "to=Available",
        ])
        .await
        .json();
    assert_eq!(waited["Status"], "Available");
    let run = cli
        .ecs(&[
            "DescribeNetworkInterfaceAttribute",
            "--NetworkInterfaceId",
            &eni,
            "--waiter",
            "expr=Status",
            "to=InUse",
            "timeout=0.3",
            "interval=0.1",
        ])
        .await;
    assert!(
        !run.ok && run.stderr.contains("Available rather than InUse"),
        "{}",
        run.stderr
    );

    // ACS3 signing, and credentials from the environment or from flags instead of the profile.
    assert!(
        cli.ecs(&["DescribeRegions", "--signature", "acs3"])
            .await
            .ok
    );
    std::fs::remove_file(&cli.config).unwrap();
    let endpoint = cli.endpoint.clone();
    let run = cli
        .run(
            &["ecs", "DescribeRegions", "--endpoint", &endpoint],
            &[
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
            ],
        )
        .await;
    assert!(run.json()["Regions"]["Region"].as_array().unwrap().len() >= 6);
    let run = cli
        .run(
            &[
                "ecs",
                "DescribeRegions",
                "--endpoint",
                &endpoint,
                "--access-key-id",
                KEY_ID,
                "--access-key-secret",
                "wrong",
            ],
            &[],
        )
        .await;
    assert!(
        !run.ok && run.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        run.stderr
    );
    let run = cli
        .run(&["ecs", "DescribeRegions", "--endpoint", &endpoint], &[])
        .await;
    assert!(
        !run.ok && run.stderr.contains("no credentials"),
        "{}",
        run.stderr
    );

    let run = cli.run(&["completion", "bash"], &[]).await;
    assert!(run.ok && run.stdout.contains("ecsnet"));
}

#[tokio::test]
async fn seed_writes_a_demo_topology_and_many_enis_through_the_api() {
    let server = TestServer::start().await;
    let cli = Cli::new(&server);
    cli.configure().await;
    let demo = cli.run(&["seed", "--demo"], &[]).await.json();
    let c = server.client();
    let instances = c.call("DescribeInstances", &[("RegionId", REGION)]).await;
    assert_eq!(instances.ok()["TotalCount"], 4);
    let web1 = id(&demo, "Instances.web-1");
    let db = id(&demo, "SecurityGroups.db");
    assert!(instance_groups(&c, &web1).await.contains(&db));
    let attached = c
        .call(
            "DescribeNetworkInterfaces",
            &[
                ("RegionId", REGION),
                ("Type", "Secondary"),
                ("Status", "InUse"),
            ],
        )
        .await;
    assert_eq!(attached.ok()["TotalCount"], 2);

    let run = cli
        .run(&["seed", "--enis", "40", "--concurrency", "4"], &[])
        .await;
    assert_eq!(run.json()["NetworkInterfaces"], 40);
    assert!(run.stderr.contains("seeded 40/40 ENIs"), "{}", run.stderr);
    let all = c
        .call(
            "DescribeNetworkInterfaces",
            &[("RegionId", REGION), ("Type", "Secondary")],
        )
        .await;
    assert_eq!(all.ok()["TotalCount"], 43);
    // Beyond the ENI quota the seeder says how to raise it.
    let run = cli.run(&["seed", "--enis", "100"], &[]).await;
    assert!(
        !run.ok && run.stderr.contains("--max-enis-per-region"),
        "{}",
        run.stderr
    );
}
