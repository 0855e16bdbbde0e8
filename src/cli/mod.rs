//! The `ecsnet` client commands: `ecs`/`vpc` calls in the aliyun CLI's syntax
//! (`ecsnet ecs DescribeInstances --RegionId cn-hangzhou --output cols=InstanceId rows=Instances.Instance[]`),
//! `configure`, and friendly helpers for the seed's tasks.

mod bench;
pub mod client;
pub mod config;
pub mod output;
mod seed;

use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use serde_json::Value;

use client::{ApiClient, CallError, Signing};
use config::{ConfigFile, Overrides, Profile, Target};

const ECS_VERSION: &str = "2014-05-26";
const VPC_VERSION: &str = "2016-04-28";
const ADMIN_VERSION: &str = "ecsnet";

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Call an ECS action: `ecsnet ecs <Action> --Param value ...` (aliyun CLI syntax).
    #[command(disable_help_flag = true)]
    Ecs {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Call a VPC action: `ecsnet vpc <Action> --Param value ...`.
    #[command(disable_help_flag = true)]
    Vpc {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Save credentials, region and endpoint as a profile (prompts for what is not given).
    Configure {
        #[arg(long, default_value = "default")]
        profile: String,
        #[arg(long)]
        access_key_id: Option<String>,
        #[arg(long)]
        access_key_secret: Option<String>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        endpoint: Option<String>,
    },
    /// Elastic network interfaces.
    Eni {
        #[command(subcommand)]
        command: EniCommand,
    },
    /// Security groups.
    Sg {
        #[command(subcommand)]
        command: SgCommand,
    },
    /// Empty a server's store, keeping its accounts (root key only).
    Reset {
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Save, restore or list consistent snapshots of a server's store (root key only).
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// Write data through a server's API: a small demo topology (`--demo`), or N ENIs for
    /// load tests (`--enis N`; raise the server's --max-enis-per-region first).
    Seed {
        #[arg(long, conflicts_with = "enis", required_unless_present = "enis")]
        demo: bool,
        #[arg(long)]
        enis: Option<u64>,
        /// Requests in flight at once while seeding ENIs.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Load-test a server: signed requests over keep-alive connections for each line at each
    /// concurrency; prints throughput, p50, p99 and errors per line.
    Bench {
        /// Lines to run (default: all).
        #[arg(long, value_enum, value_delimiter = ',')]
        lines: Vec<bench::Line>,
        /// Requests in flight at once, one run per value.
        #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
        concurrency: Vec<usize>,
        /// Measured time per line and concurrency, e.g. `5s`.
        #[arg(long, default_value = "5s", value_parser = crate::clock::parse_duration)]
        duration: Duration,
        /// Unmeasured time before each measurement.
        #[arg(long, default_value = "1s", value_parser = crate::clock::parse_duration)]
        warmup: Duration,
        /// The group of the by-group line (default: the first `seed-0`, else the bench's own).
        #[arg(long)]
        group: Option<String>,
        /// One JSON object per measurement instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: TargetArgs,
    },
}

#[derive(Subcommand)]
pub enum EniCommand {
    /// Change a secondary ENI's name, description or whole set of security groups.
    Modify {
        eni_id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A security group of the new set (repeat for several).
        #[arg(long = "security-group")]
        security_groups: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
}

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Save the store as it is now under NAME (while it serves).
    Save {
        name: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Put the store back as it was when NAME was saved.
    Restore {
        name: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// List the saved snapshots.
    List {
        #[command(flatten)]
        target: TargetArgs,
    },
}

#[derive(Subcommand)]
pub enum SgCommand {
    /// Add an instance (and its primary ENI) to a security group.
    AddInstance {
        group_id: String,
        instance_id: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Remove an instance (and its primary ENI) from a security group.
    RemoveInstance {
        group_id: String,
        instance_id: String,
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// Where a friendly command goes.
#[derive(Args, Clone, Default)]
pub struct TargetArgs {
    #[arg(long)]
    profile: Option<String>,
    #[arg(long)]
    endpoint: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    access_key_id: Option<String>,
    #[arg(long)]
    access_key_secret: Option<String>,
    /// Signature version: v1 (HMAC-SHA1) or acs3 (ACS3-HMAC-SHA256).
    #[arg(long, default_value = "v1")]
    signature: String,
}

impl TargetArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            profile: self.profile.clone(),
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            access_key_id: self.access_key_id.clone(),
            access_key_secret: self.access_key_secret.clone(),
        }
    }
}

fn signing(name: &str) -> Result<Signing, String> {
    match name.to_ascii_lowercase().as_str() {
        "v1" => Ok(Signing::V1),
        "acs3" | "v3" => Ok(Signing::Acs3),
        other => Err(format!("unknown signature version {other}: use v1 or acs3")),
    }
}

/// A parsed `ecsnet ecs|vpc` command line.
#[derive(Debug, Default, PartialEq, Eq)]
struct RawCall {
    action: String,
    params: Vec<(String, String)>,
    overrides: Vec<(String, String)>,
    output: Vec<(String, String)>,
    pager: Option<Vec<(String, String)>>,
    waiter: Option<Vec<(String, String)>>,
}

/// Flags of the CLI itself; every other `--Name` is an API parameter.
const CLI_FLAGS: &[&str] = &[
    "profile",
    "endpoint",
    "region",
    "access-key-id",
    "access-key-secret",
    "signature",
];

fn parse_raw(args: &[String]) -> Result<RawCall, String> {
    let mut tokens = args.iter().peekable();
    let action = tokens
        .next()
        .filter(|a| !a.starts_with('-'))
        .ok_or("name an action, e.g. `ecsnet ecs DescribeRegions`")?
        .clone();
    let mut call = RawCall {
        action,
        ..RawCall::default()
    };
    while let Some(token) = tokens.next() {
        let Some(flag) = token.strip_prefix("--") else {
            return Err(format!(
                "unexpected argument {token:?}: parameters are given as --Name value"
            ));
        };
        // key=value lists after --output, --pager and --waiter.
        let mut settings = || {
            let mut out = Vec::new();
            while let Some(next) = tokens.next_if(|t| !t.starts_with("--") && t.contains('=')) {
                let (k, v) = next.split_once('=').expect("contains '='");
                out.push((k.to_string(), v.to_string()));
            }
            out
        };
        match flag {
            "output" => call.output = settings(),
            "pager" => call.pager = Some(settings()),
            "waiter" => call.waiter = Some(settings()),
            _ => {
                let (name, value) = match flag.split_once('=') {
                    Some((n, v)) => (n.to_string(), v.to_string()),
                    None => {
                        let value = tokens
                            .next()
                            .ok_or_else(|| format!("--{flag} needs a value"))?;
                        (flag.to_string(), value.clone())
                    }
                };
                if CLI_FLAGS.contains(&name.as_str()) {
                    call.overrides.push((name, value));
                } else {
                    call.params.push((name, value));
                }
            }
        }
    }
    Ok(call)
}

fn setting<'a>(settings: &'a [(String, String)], name: &str) -> Option<&'a str> {
    settings
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn has_param(params: &[(String, String)], name: &str) -> bool {
    params.iter().any(|(k, _)| k == name)
}

fn set_param(params: &mut Vec<(String, String)>, name: &str, value: String) {
    params.retain(|(k, _)| k != name);
    params.push((name.to_string(), value));
}

/// An API client for `target`.
fn connect(target: &Target, signing: Signing) -> ApiClient {
    ApiClient::new(&target.endpoint, target.credentials.clone(), signing)
}

/// Every page of a Describe call merged into one answer.
async fn all_pages(
    client: &ApiClient,
    action: &str,
    version: &str,
    mut params: Vec<(String, String)>,
    pager: &[(String, String)],
) -> Result<Value, CallError> {
    let number_param = setting(pager, "PageNumber")
        .unwrap_or("PageNumber")
        .to_string();
    let size_param = setting(pager, "PageSize").unwrap_or("PageSize").to_string();
    if !has_param(&params, &size_param) {
        params.push((size_param.clone(), "50".into()));
    }
    let mut merged = client.call(action, version, &params).await?;
    let Some(path) = output::page_items_path(&merged, setting(pager, "path")) else {
        return Ok(merged);
    };
    let mut page = merged.clone();
    for number in 2.. {
        let next_token = page["NextToken"].as_str().unwrap_or_default().to_string();
        let seen = output::lookup(&merged, &path)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let more_by_token = !next_token.is_empty() && page.get("TotalCount").is_none();
        let more_by_count = page["TotalCount"]
            .as_u64()
            .is_some_and(|total| (seen as u64) < total);
        let page_was_empty = output::lookup(&page, &path)
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if page_was_empty || !(more_by_token || more_by_count) {
            break;
        }
        if more_by_token {
            set_param(&mut params, "NextToken", next_token);
        } else {
            set_param(&mut params, &number_param, number.to_string());
        }
        page = client.call(action, version, &params).await?;
        output::append_items(&mut merged, &page, &path);
    }
    Ok(merged)
}

/// Calls until the value at `expr` equals `to`, or fails after `timeout` seconds.
async fn wait_for(
    client: &ApiClient,
    action: &str,
    version: &str,
    params: &[(String, String)],
    waiter: &[(String, String)],
) -> Result<Value, String> {
    let expr = setting(waiter, "expr").ok_or("--waiter needs expr=Path")?;
    let to = setting(waiter, "to").ok_or("--waiter needs to=Value")?;
    let number = |name: &str, default: f64| {
        setting(waiter, name).map_or(Ok(default), |v| {
            v.parse::<f64>()
                .map_err(|_| format!("{name}={v} is not a number"))
        })
    };
    let timeout = Duration::from_secs_f64(number("timeout", 180.0)?);
    let interval = Duration::from_secs_f64(number("interval", 1.0)?);
    let started = Instant::now();
    loop {
        let answer = client
            .call(action, version, params)
            .await
            .map_err(|e| e.to_string())?;
        let current = output::lookup(&answer, expr).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        if current.as_deref() == Some(to) {
            return Ok(answer);
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "waited {}s: {expr} is {} rather than {to}",
                timeout.as_secs_f64(),
                current.unwrap_or_else(|| "absent".into())
            ));
        }
        tokio::time::sleep(interval).await;
    }
}

fn print_answer(answer: &Value, output: &[(String, String)]) -> Result<(), String> {
    match (setting(output, "cols"), setting(output, "rows")) {
        (Some(cols), Some(rows)) => {
            let cols: Vec<String> = cols.split(',').map(str::to_string).collect();
            print!("{}", output::table(answer, &cols, rows)?);
        }
        (None, None) => println!(
            "{}",
            serde_json::to_string_pretty(answer).expect("JSON prints")
        ),
        _ => return Err("--output needs both cols=A,B and rows=Path[]".into()),
    }
    Ok(())
}

async fn raw_call(version: &str, args: &[String]) -> Result<(), String> {
    let call = parse_raw(args)?;
    let flag = |name: &str| setting(&call.overrides, name).map(str::to_string);
    let overrides = Overrides {
        profile: flag("profile"),
        endpoint: flag("endpoint"),
        region: flag("region"),
        access_key_id: flag("access-key-id"),
        access_key_secret: flag("access-key-secret"),
    };
    let target = config::resolve(&overrides)?;
    let client = connect(
        &target,
        signing(flag("signature").as_deref().unwrap_or("v1"))?,
    );
    let mut params = call.params.clone();
    if !has_param(&params, "RegionId") {
        params.push(("RegionId".into(), target.region.clone()));
    }
    let answer = match (&call.pager, &call.waiter) {
        (Some(_), Some(_)) => return Err("use --pager or --waiter, not both".into()),
        (Some(pager), None) => all_pages(&client, &call.action, version, params, pager)
            .await
            .map_err(|e| e.to_string())?,
        (None, Some(waiter)) => wait_for(&client, &call.action, version, &params, waiter).await?,
        (None, None) => client
            .call(&call.action, version, &params)
            .await
            .map_err(|e| e.to_string())?,
    };
    print_answer(&answer, &call.output)
}

/// One ECS call for a friendly command; prints the answer.
async fn friendly(
    target: &TargetArgs,
    action: &str,
    mut params: Vec<(String, String)>,
) -> Result<(), String> {
    let resolved = config::resolve(&target.overrides())?;
    params.push(("RegionId".into(), resolved.region.clone()));
    call_and_print(target, &resolved, action, ECS_VERSION, params).await
}

/// One administration call; prints the answer.
async fn admin(
    target: &TargetArgs,
    action: &str,
    params: Vec<(String, String)>,
) -> Result<(), String> {
    let resolved = config::resolve(&target.overrides())?;
    call_and_print(target, &resolved, action, ADMIN_VERSION, params).await
}

async fn call_and_print(
    target: &TargetArgs,
    resolved: &Target,
    action: &str,
    version: &str,
    params: Vec<(String, String)>,
) -> Result<(), String> {
    let client = connect(resolved, signing(&target.signature)?);
    let answer = client
        .call(action, version, &params)
        .await
        .map_err(|e| e.to_string())?;
    print_answer(&answer, &[])
}

fn prompt(label: &str) -> Result<String, String> {
    use std::io::Write;
    print!("{label}: ");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim().to_string())
}

fn configure(profile: Profile) -> Result<(), String> {
    let mut file = ConfigFile::load()?;
    file.upsert(profile);
    let path = file.save()?;
    println!("Saved profile {} in {}", file.current, path.display());
    Ok(())
}

pub async fn run(command: ClientCommand) -> Result<(), String> {
    match command {
        ClientCommand::Ecs { args } => raw_call(ECS_VERSION, &args).await,
        ClientCommand::Vpc { args } => raw_call(VPC_VERSION, &args).await,
        ClientCommand::Configure {
            profile,
            access_key_id,
            access_key_secret,
            region,
            endpoint,
        } => {
            let ask = |given: Option<String>, label: &str| given.map_or_else(|| prompt(label), Ok);
            configure(Profile {
                name: profile,
                access_key_id: ask(access_key_id, "AccessKeyId")?,
                access_key_secret: ask(access_key_secret, "AccessKeySecret")?,
                region_id: region.unwrap_or_else(|| config::DEFAULT_REGION.into()),
                endpoint: endpoint.unwrap_or_else(|| config::DEFAULT_ENDPOINT.into()),
            })
        }
        ClientCommand::Eni {
            command:
                EniCommand::Modify {
                    eni_id,
                    name,
                    description,
                    security_groups,
                    target,
                },
        } => {
            let mut params = vec![("NetworkInterfaceId".to_string(), eni_id)];
            params.extend(name.map(|n| ("NetworkInterfaceName".to_string(), n)));
            params.extend(description.map(|d| ("Description".to_string(), d)));
            params.extend(
                security_groups
                    .into_iter()
                    .enumerate()
                    .map(|(i, g)| (format!("SecurityGroupId.{}", i + 1), g)),
            );
            friendly(&target, "ModifyNetworkInterfaceAttribute", params).await
        }
        ClientCommand::Reset { target } => admin(&target, "ResetStore", vec![]).await,
        ClientCommand::Snapshot { command } => match command {
            SnapshotCommand::Save { name, target } => {
                admin(&target, "SaveSnapshot", vec![("Name".into(), name)]).await
            }
            SnapshotCommand::Restore { name, target } => {
                admin(&target, "RestoreSnapshot", vec![("Name".into(), name)]).await
            }
            SnapshotCommand::List { target } => admin(&target, "ListSnapshots", vec![]).await,
        },
        ClientCommand::Seed {
            demo,
            enis,
            concurrency,
            target,
        } => {
            let resolved = config::resolve(&target.overrides())?;
            let client = connect(&resolved, signing(&target.signature)?);
            let summary = match (demo, enis) {
                (true, _) => seed::demo(client, resolved.region).await?,
                (false, Some(count)) => {
                    seed::enis(client, resolved.region, count, concurrency).await?
                }
                (false, None) => return Err("say --demo or --enis N".into()),
            };
            print_answer(&summary, &[])
        }
        ClientCommand::Bench {
            lines,
            concurrency,
            duration,
            warmup,
            group,
            json,
            target,
        } => {
            let resolved = config::resolve(&target.overrides())?;
            let client = connect(&resolved, signing(&target.signature)?);
            let lines = if lines.is_empty() {
                bench::Line::ALL.to_vec()
            } else {
                lines
            };
            let options = bench::Options {
                lines,
                concurrency,
                duration,
                warmup,
                group,
                json,
            };
            bench::run(client, resolved.region, options).await
        }
        ClientCommand::Sg { command } => {
            let (action, group_id, instance_id, target) = match command {
                SgCommand::AddInstance {
                    group_id,
                    instance_id,
                    target,
                } => ("JoinSecurityGroup", group_id, instance_id, target),
                SgCommand::RemoveInstance {
                    group_id,
                    instance_id,
                    target,
                } => ("LeaveSecurityGroup", group_id, instance_id, target),
            };
            let params = vec![
                ("SecurityGroupId".to_string(), group_id),
                ("InstanceId".to_string(), instance_id),
            ];
            friendly(&target, action, params).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn aliyun_syntax_splits_parameters_flags_and_settings() {
        let call = parse_raw(&args(
            "DescribeInstances --RegionId cn-beijing --SecurityGroupId.1 sg-a --PortRange -1/-1 --region x --output cols=InstanceId,Status rows=Instances.Instance[] --PageSize=5",
        ))
        .unwrap();
        assert_eq!(call.action, "DescribeInstances");
        assert_eq!(
            call.params,
            vec![
                ("RegionId".into(), "cn-beijing".into()),
                ("SecurityGroupId.1".into(), "sg-a".into()),
                ("PortRange".into(), "-1/-1".into()),
                ("PageSize".into(), "5".into()),
            ]
        );
        assert_eq!(call.overrides, vec![("region".into(), "x".into())]);
        assert_eq!(setting(&call.output, "rows"), Some("Instances.Instance[]"));
        let call = parse_raw(&args(
            "DescribeNetworkInterfaces --pager --waiter expr=A to=B",
        ))
        .unwrap();
        assert_eq!(call.pager, Some(vec![]));
        assert_eq!(call.waiter.unwrap().len(), 2);
    }

    #[test]
    fn bad_command_lines_are_explained() {
        assert!(parse_raw(&args("--RegionId x")).is_err());
        assert!(parse_raw(&args("DescribeRegions stray")).is_err());
        assert!(parse_raw(&args("DescribeRegions --RegionId")).is_err());
    }
}
