//! `ecsnet seed`: data to look at and to test against, written through the server's API (the
//! normal write path, every rule checked) — a small demo topology, or N ENIs for load tests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use super::client::ApiClient;
use super::output::lookup;

const ECS: &str = "2014-05-26";
const VPC: &str = "2016-04-28";
const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
/// ENIs per advanced group when seeding many (the advanced capacity is 65,536).
const ENIS_PER_GROUP: u64 = 60_000;
/// Addresses per /16 vSwitch (65,536 less the 4 the platform keeps).
const ADDRESSES_PER_VSWITCH: u64 = 65_532;

struct Seeder {
    client: ApiClient,
    region: String,
}

fn pairs(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Seeder {
    async fn call(&self, action: &str, params: &[(&str, &str)]) -> Result<Value, String> {
        let version = if matches!(action, "CreateVpc" | "CreateVSwitch") {
            VPC
        } else {
            ECS
        };
        let mut all = pairs(params);
        all.push(("RegionId".into(), self.region.clone()));
        self.client
            .call(action, version, &all)
            .await
            .map_err(|e| format!("{action}: {e}"))
    }

    async fn id(
        &self,
        action: &str,
        params: &[(&str, &str)],
        path: &str,
    ) -> Result<String, String> {
        let answer = self.call(action, params).await?;
        lookup(&answer, path)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("{action} answered without {path}"))
    }

    /// The region's zones, as DescribeZones lists them.
    async fn zones(&self) -> Result<Vec<String>, String> {
        let answer = self.call("DescribeZones", &[]).await?;
        let zones: Vec<String> = lookup(&answer, "Zones.Zone")
            .and_then(Value::as_array)
            .map(|zones| {
                zones
                    .iter()
                    .filter_map(|z| z["ZoneId"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if zones.is_empty() {
            return Err(format!("region {} has no zones", self.region));
        }
        Ok(zones)
    }
}

/// The demo: a VPC with two vSwitches, basic groups `web` and `db`, an advanced group
/// `isolated`, instances in each, and secondary ENIs attached and free. Prints the ids.
pub async fn demo(client: ApiClient, region: String) -> Result<Value, String> {
    let s = Seeder { client, region };
    let zones = s.zones().await?;
    let (zone_a, zone_b) = (zones[0].clone(), zones[zones.len().min(2) - 1].clone());
    let vpc = s
        .id(
            "CreateVpc",
            &[("CidrBlock", "192.168.0.0/16"), ("VpcName", "demo")],
            "VpcId",
        )
        .await?;
    let vsw_a = s
        .id(
            "CreateVSwitch",
            &[
                ("VpcId", &vpc),
                ("ZoneId", &zone_a),
                ("CidrBlock", "192.168.1.0/24"),
                ("VSwitchName", "demo-a"),
            ],
            "VSwitchId",
        )
        .await?;
    let vsw_b = s
        .id(
            "CreateVSwitch",
            &[
                ("VpcId", &vpc),
                ("ZoneId", &zone_b),
                ("CidrBlock", "192.168.2.0/24"),
                ("VSwitchName", "demo-b"),
            ],
            "VSwitchId",
        )
        .await?;
    let group = |name: &'static str, kind: &'static str, description: &'static str| {
        let (s, vpc) = (&s, vpc.clone());
        async move {
            s.id(
                "CreateSecurityGroup",
                &[
                    ("VpcId", &vpc),
                    ("SecurityGroupName", name),
                    ("SecurityGroupType", kind),
                    ("Description", description),
                ],
                "SecurityGroupId",
            )
            .await
        }
    };
    let web = group("web", "normal", "Basic group for the web tier").await?;
    let db = group("db", "normal", "Basic group for databases").await?;
    let isolated = group("isolated", "enterprise", "Advanced group, members isolated").await?;
    let instance = |name: &'static str, vswitch: String, sg: String, itype: &'static str| {
        let s = &s;
        async move {
            s.id(
                "RunInstances",
                &[
                    ("VSwitchId", &vswitch),
                    ("SecurityGroupId", &sg),
                    ("InstanceType", itype),
                    ("ImageId", IMAGE),
                    ("InstanceName", name),
                ],
                "InstanceIdSets.InstanceIdSet[0]",
            )
            .await
        }
    };
    let web1 = instance("web-1", vsw_a.clone(), web.clone(), "ecs.g6.large").await?;
    let web2 = instance("web-2", vsw_a.clone(), web.clone(), "ecs.g6.large").await?;
    let db1 = instance("db-1", vsw_a.clone(), db.clone(), "ecs.g6.xlarge").await?;
    let secure1 = instance("secure-1", vsw_b.clone(), isolated.clone(), "ecs.g7.large").await?;
    // web-1 also reaches the databases.
    s.call(
        "JoinSecurityGroup",
        &[("InstanceId", &web1), ("SecurityGroupId", &db)],
    )
    .await?;
    let eni = |name: &'static str, vswitch: String, sg: String| {
        let s = &s;
        async move {
            s.id(
                "CreateNetworkInterface",
                &[
                    ("VSwitchId", &vswitch),
                    ("SecurityGroupId", &sg),
                    ("NetworkInterfaceName", name),
                    ("Description", "Created by ecsnet seed --demo"),
                ],
                "NetworkInterfaceId",
            )
            .await
        }
    };
    let web1_data = eni("web-1-data", vsw_a.clone(), db.clone()).await?;
    let secure1_data = eni("secure-1-data", vsw_b.clone(), isolated.clone()).await?;
    let spare = eni("spare", vsw_a.clone(), web.clone()).await?;
    for (eni_id, instance_id) in [(&web1_data, &web1), (&secure1_data, &secure1)] {
        s.call(
            "AttachNetworkInterface",
            &[("NetworkInterfaceId", eni_id), ("InstanceId", instance_id)],
        )
        .await?;
    }
    Ok(json!({
        "RegionId": s.region,
        "VpcId": vpc,
        "VSwitchIds": [vsw_a, vsw_b],
        "SecurityGroups": {"web": web, "db": db, "isolated": isolated},
        "Instances": {"web-1": web1, "web-2": web2, "db-1": db1, "secure-1": secure1},
        "NetworkInterfaces": {"web-1-data": web1_data, "secure-1-data": secure1_data, "spare": spare},
    }))
}

/// N secondary ENIs spread over enough advanced groups and /16 vSwitches of one VPC, created
/// `concurrency` at a time, with progress on stderr.
pub async fn enis(
    client: ApiClient,
    region: String,
    count: u64,
    concurrency: usize,
) -> Result<Value, String> {
    let s = Arc::new(Seeder { client, region });
    let zone = s.zones().await?.remove(0);
    let vpc = s
        .id(
            "CreateVpc",
            &[("CidrBlock", "10.0.0.0/8"), ("VpcName", "seed")],
            "VpcId",
        )
        .await?;
    let mut vswitches = Vec::new();
    for n in 0..count.div_ceil(ADDRESSES_PER_VSWITCH).max(1) {
        let cidr = format!("10.{n}.0.0/16");
        vswitches.push(
            s.id(
                "CreateVSwitch",
                &[("VpcId", &vpc), ("ZoneId", &zone), ("CidrBlock", &cidr)],
                "VSwitchId",
            )
            .await?,
        );
    }
    let mut groups = Vec::new();
    for n in 0..count.div_ceil(ENIS_PER_GROUP).max(1) {
        let name = format!("seed-{n}");
        groups.push(
            s.id(
                "CreateSecurityGroup",
                &[
                    ("VpcId", &vpc),
                    ("SecurityGroupType", "enterprise"),
                    ("SecurityGroupName", &name),
                ],
                "SecurityGroupId",
            )
            .await?,
        );
    }
    let (vswitches, groups) = (Arc::new(vswitches), Arc::new(groups));
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (s, vswitches, groups, next, done) = (
            s.clone(),
            vswitches.clone(),
            groups.clone(),
            next.clone(),
            done.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return Ok::<(), String>(());
                }
                let vswitch = &vswitches[(n / ADDRESSES_PER_VSWITCH) as usize];
                let group = &groups[(n / ENIS_PER_GROUP) as usize];
                s.call(
                    "CreateNetworkInterface",
                    &[("VSwitchId", vswitch), ("SecurityGroupId", group)],
                )
                .await
                .map_err(|e| hint_quota(e, count))?;
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                if finished.is_multiple_of(500) || finished == count {
                    let rate = finished as f64 / started.elapsed().as_secs_f64().max(1e-3);
                    eprint!("\rseeded {finished}/{count} ENIs ({rate:.0}/s)   ");
                }
            }
        }));
    }
    for worker in workers {
        worker.await.map_err(|e| e.to_string())??;
    }
    eprintln!();
    Ok(json!({
        "RegionId": s.region,
        "VpcId": vpc,
        "VSwitchIds": *vswitches,
        "SecurityGroupIds": *groups,
        "NetworkInterfaces": count,
        "Seconds": started.elapsed().as_secs_f64(),
    }))
}

fn hint_quota(error: String, count: u64) -> String {
    if error.contains("MaxEniCountExceeded") || error.contains("QuotaExceed.SecurityGroup") {
        format!("{error}\nstart the server with --max-enis-per-region {count} (and --max-security-groups-per-region if needed)")
    } else {
        error
    }
}
