//! The built-in catalog: regions and zones, instance types with their network limits, and
//! public images. Regions can be replaced from a JSON file (`ecsnet serve --regions FILE`).

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Zone {
    pub zone_id: String,
    pub local_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Region {
    pub region_id: String,
    pub local_name: String,
    /// The short code that starts the body of every id made in this region (`bp` for cn-hangzhou).
    pub id_code: String,
    pub zones: Vec<Zone>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceType {
    pub id: &'static str,
    pub family: &'static str,
    pub cpu: u32,
    pub memory_gib: f64,
    /// ENIs the type can have, the primary one included (`EniQuantity`).
    pub eni_quantity: u32,
    /// Private IPv4 addresses per ENI (`EniPrivateIpAddressQuantity`).
    pub private_ips_per_eni: u32,
    pub ipv6_per_eni: u32,
    pub supports_advanced_groups: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Image {
    pub id: &'static str,
    pub name: &'static str,
    pub os_type: &'static str,
    pub os_name: &'static str,
    pub platform: &'static str,
    pub architecture: &'static str,
    pub size_gib: u32,
}

const fn itype(
    id: &'static str,
    family: &'static str,
    cpu: u32,
    memory_gib: f64,
    eni_quantity: u32,
    private_ips_per_eni: u32,
    supports_advanced_groups: bool,
) -> InstanceType {
    InstanceType {
        id,
        family,
        cpu,
        memory_gib,
        eni_quantity,
        private_ips_per_eni,
        ipv6_per_eni: if supports_advanced_groups {
            private_ips_per_eni
        } else {
            0
        },
        supports_advanced_groups,
    }
}

pub const INSTANCE_TYPES: &[InstanceType] = &[
    itype("ecs.t5-lc1m1.small", "ecs.t5", 1, 1.0, 1, 1, false),
    itype("ecs.t5-lc1m2.large", "ecs.t5", 2, 4.0, 1, 1, false),
    itype("ecs.n4.small", "ecs.n4", 1, 2.0, 1, 1, false),
    itype("ecs.t6-c1m1.large", "ecs.t6", 2, 2.0, 2, 2, true),
    itype("ecs.s6-c1m2.small", "ecs.s6", 1, 2.0, 2, 2, true),
    itype("ecs.c6.large", "ecs.c6", 2, 4.0, 2, 6, true),
    itype("ecs.c6.xlarge", "ecs.c6", 4, 8.0, 3, 10, true),
    itype("ecs.g6.large", "ecs.g6", 2, 8.0, 2, 6, true),
    itype("ecs.g6.xlarge", "ecs.g6", 4, 16.0, 3, 10, true),
    itype("ecs.g6.2xlarge", "ecs.g6", 8, 32.0, 4, 10, true),
    itype("ecs.g7.large", "ecs.g7", 2, 8.0, 3, 6, true),
    itype("ecs.g7.xlarge", "ecs.g7", 4, 16.0, 4, 15, true),
    itype("ecs.g7.2xlarge", "ecs.g7", 8, 32.0, 4, 15, true),
    itype("ecs.r7.large", "ecs.r7", 2, 16.0, 3, 6, true),
    itype("ecs.g8i.xlarge", "ecs.g8i", 4, 16.0, 4, 15, true),
    itype("ecs.g8i.4xlarge", "ecs.g8i", 16, 64.0, 8, 30, true),
];

pub const IMAGES: &[Image] = &[
    Image {
        id: "aliyun_3_x64_20G_alibase_20240819.vhd",
        name: "aliyun_3_x64_20G_alibase_20240819.vhd",
        os_type: "linux",
        os_name: "Alibaba Cloud Linux  3.2104 LTS 64位",
        platform: "Aliyun",
        architecture: "x86_64",
        size_gib: 20,
    },
    Image {
        id: "ubuntu_22_04_x64_20G_alibase_20240926.vhd",
        name: "ubuntu_22_04_x64_20G_alibase_20240926.vhd",
        os_type: "linux",
        os_name: "Ubuntu  22.04 64位",
        platform: "Ubuntu",
        architecture: "x86_64",
        size_gib: 20,
    },
    Image {
        id: "debian_12_6_x64_20G_alibase_20240823.vhd",
        name: "debian_12_6_x64_20G_alibase_20240823.vhd",
        os_type: "linux",
        os_name: "Debian  12.6 64位",
        platform: "Debian",
        architecture: "x86_64",
        size_gib: 20,
    },
    Image {
        id: "centos_7_9_x64_20G_alibase_20240628.vhd",
        name: "centos_7_9_x64_20G_alibase_20240628.vhd",
        os_type: "linux",
        os_name: "CentOS  7.9 64位",
        platform: "CentOS",
        architecture: "x86_64",
        size_gib: 20,
    },
    Image {
        id: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240816.vhd",
        name: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240816.vhd",
        os_type: "windows",
        os_name: "Windows Server  2022 数据中心版 64位英文版",
        platform: "Windows Server 2022",
        architecture: "x86_64",
        size_gib: 40,
    },
];

#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub regions: Vec<Region>,
}

impl Catalog {
    pub fn builtin() -> Self {
        let region = |id: &str, name: &str, code: &str, zones: &[&str]| Region {
            region_id: id.to_string(),
            local_name: name.to_string(),
            id_code: code.to_string(),
            zones: zones
                .iter()
                .map(|z| Zone {
                    zone_id: format!("{id}-{z}"),
                    local_name: format!("{name} {}", z.to_uppercase()),
                })
                .collect(),
        };
        Catalog {
            regions: vec![
                region(
                    "cn-hangzhou",
                    "China (Hangzhou)",
                    "bp",
                    &["h", "i", "j", "k"],
                ),
                region(
                    "cn-shanghai",
                    "China (Shanghai)",
                    "uf6",
                    &["e", "f", "g", "l"],
                ),
                region(
                    "cn-beijing",
                    "China (Beijing)",
                    "2ze",
                    &["g", "h", "i", "j"],
                ),
                region("ap-southeast-1", "Singapore", "t4n", &["a", "b", "c"]),
                region("us-west-1", "US (Silicon Valley)", "rj9", &["a", "b"]),
                region("eu-central-1", "Germany (Frankfurt)", "gw8", &["a", "b"]),
            ],
        }
    }

    /// Regions from a JSON array of `{"RegionId", "LocalName", "IdCode", "Zones": [{"ZoneId", "LocalName"}]}`.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let regions: Vec<Region> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if regions.is_empty() {
            return Err("the region list is empty".into());
        }
        for r in &regions {
            if r.zones.is_empty() {
                return Err(format!("region {} has no zones", r.region_id));
            }
        }
        Ok(Catalog { regions })
    }

    pub fn region(&self, region_id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.region_id == region_id)
    }

    pub fn zone(&self, region_id: &str, zone_id: &str) -> Option<&Zone> {
        self.region(region_id)?
            .zones
            .iter()
            .find(|z| z.zone_id == zone_id)
    }

    pub fn instance_type(&self, id: &str) -> Option<&'static InstanceType> {
        INSTANCE_TYPES.iter().find(|t| t.id == id)
    }

    pub fn image(&self, id: &str) -> Option<&'static Image> {
        IMAGES.iter().find(|i| i.id == id)
    }
}
