//! Model-based property test (issue 6): seeded random sequences of membership and ENI calls
//! go to a real server and to a small reference model written here from ecs-api.md §5
//! (rules a–i as they apply to these calls, with the codes and statuses the spec assigns).
//! After every call the server's answer must be the model's prediction; at the end of each
//! sequence (and every 50 calls) the state the Describe calls show must be the model's, and
//! the invariant checker must find nothing in the store.
//!
//! Modelled: JoinSecurityGroup and LeaveSecurityGroup in both forms,
//! ModifyNetworkInterfaceAttribute (the whole group set), ModifyInstanceAttribute (the
//! instance's whole group set), Create/Attach/Detach/DeleteNetworkInterface.
//!
//! Knobs: `ECSNET_MODEL_SEED` (default 0xD0DE), `ECSNET_MODEL_CASES` (sequences, default 12),
//! `ECSNET_MODEL_STEPS` (calls per sequence, default 250).

mod common;

use std::collections::BTreeMap;

use common::{Client, TestServer, REGION};
use ecsnet::model::Limits;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            let v = v.trim().to_string();
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            }
            .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        })
        .unwrap_or(default)
}

/// Small limits so that every limit is reached within a sequence.
fn limits() -> Limits {
    Limits {
        groups_per_instance: 3,
        groups_per_eni: 3,
        basic_group_capacity: 5,
        advanced_group_capacity: 4,
        enis_per_region: 6,
        ..Limits::default()
    }
}

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240819.vhd";
const MISSING_GROUP: &str = "sg-bp1missing000000000";
const MISSING_ENI: &str = "eni-bp1missing00000000";
const MISSING_INSTANCE: &str = "i-bp1missing0000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Basic,
    Advanced,
}

#[derive(Debug, Clone)]
struct Group {
    kind: Kind,
    /// In the VPC of every instance and ENI (else in another VPC).
    home: bool,
}

#[derive(Debug, Clone)]
struct InstanceType {
    name: &'static str,
    eni_quantity: usize,
    supports_advanced: bool,
}

const TYPES: [InstanceType; 3] = [
    InstanceType {
        name: "ecs.g7.xlarge",
        eni_quantity: 4,
        supports_advanced: true,
    },
    InstanceType {
        name: "ecs.g6.large",
        eni_quantity: 2,
        supports_advanced: true,
    },
    InstanceType {
        name: "ecs.t5-lc1m1.small",
        eni_quantity: 1,
        supports_advanced: false,
    },
];

#[derive(Debug, Clone)]
struct Instance {
    itype: &'static InstanceType,
    primary_eni: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Eni {
    primary: bool,
    name: String,
    groups: Vec<String>,
    instance: Option<String>,
}

/// The reference model: what exists, and the rules.
#[derive(Debug, Clone, Default)]
struct Model {
    groups: BTreeMap<String, Group>,
    instances: BTreeMap<String, Instance>,
    enis: BTreeMap<String, Eni>,
    /// Every ENI id ever seen, deleted ones included (they must answer NotFound).
    ever: Vec<String>,
}

/// A predicted or observed answer: success, or (code, HTTP status).
type Answer = Result<(), (&'static str, u16)>;

const NOT_FOUND_GROUP: Answer = Err(("InvalidSecurityGroupId.NotFound", 404));
const NOT_FOUND_ENI: Answer = Err(("InvalidEniId.NotFound", 404));

#[derive(Debug, Clone)]
enum Op {
    JoinInstance(String, String),
    JoinEni(String, String),
    LeaveInstance(String, String),
    LeaveEni(String, String),
    ModifyEniGroups(String, Vec<String>),
    ModifyInstanceGroups(String, Vec<String>),
    Attach(String, String),
    Detach(String, String),
    CreateEni(Vec<String>),
    DeleteEni(String),
    RenameEni(String, String),
}

impl Model {
    fn kind_of(&self, groups: &[String]) -> Option<Kind> {
        groups.first().map(|g| self.groups[g].kind)
    }

    fn members(&self, group: &str) -> usize {
        self.enis
            .values()
            .filter(|e| e.groups.iter().any(|g| g == group))
            .count()
    }

    fn secondaries(&self) -> usize {
        self.enis.values().filter(|e| !e.primary).count()
    }

    /// Rule g for the groups a resource newly enters.
    fn capacity(&self, groups: &[&String], join_codes: bool) -> Answer {
        let l = limits();
        for g in groups {
            let (capacity, code) = match (self.groups[*g].kind, join_codes) {
                (Kind::Basic, true) => {
                    (l.basic_group_capacity, "SecurityGroupInstanceLimitExceeded")
                }
                (Kind::Advanced, true) => (
                    l.advanced_group_capacity,
                    "InvalidOperation.NetworkInterfaceCountExceeded",
                ),
                (Kind::Basic, false) => {
                    (l.basic_group_capacity, "SecurityGroupInstanceLimitExceed")
                }
                (Kind::Advanced, false) => (
                    l.advanced_group_capacity,
                    "InvalidOperation.EniCountExceeded",
                ),
            };
            if self.members(g) as u64 >= capacity {
                return Err((code, 403));
            }
        }
        Ok(())
    }

    /// A whole new group set (rules b, d, e, f): the codes of ModifyNetworkInterfaceAttribute,
    /// CreateNetworkInterface and ModifyInstanceAttribute differ, so the caller names them.
    fn group_set(&self, groups: &[String], codes: SetCodes) -> Result<Kind, (&'static str, u16)> {
        if let Some(missing) = groups.iter().find(|g| !self.groups.contains_key(*g)) {
            let _ = missing;
            return Err(("InvalidSecurityGroupId.NotFound", 404));
        }
        let mut seen = Vec::new();
        if !groups.iter().all(|g| {
            let new = !seen.contains(&g);
            seen.push(g);
            new
        }) {
            return Err(codes.repeated);
        }
        if groups.len() > codes.limit {
            return Err(("JoinedGroupLimitExceed", 400));
        }
        if groups.iter().any(|g| !self.groups[g].home) {
            return Err(codes.vpc);
        }
        let kind = self.groups[&groups[0]].kind;
        if groups.iter().any(|g| self.groups[g].kind != kind) {
            return Err(codes.mixed);
        }
        Ok(kind)
    }

    fn predict(&self, op: &Op) -> Answer {
        let l = limits();
        match op {
            Op::JoinInstance(instance, group) => {
                let g = self.groups.get(group).ok_or(NOT_FOUND_GROUP.unwrap_err())?;
                let i = self
                    .instances
                    .get(instance)
                    .ok_or(("InvalidInstanceId.NotFound", 404))?;
                let current = &self.enis[&i.primary_eni].groups;
                if g.kind == Kind::Advanced && !i.itype.supports_advanced {
                    return Err(("InvalidOperation.NotSupportEnterpriseGroup", 400));
                }
                if current.contains(group) {
                    return Err(("InvalidInstanceId.AlreadyExists", 403));
                }
                if !g.home {
                    return Err(("InvalidInstanceId.Mismatch", 400));
                }
                if self.kind_of(current) != Some(g.kind) {
                    return Err(("InvalidOperation.MultiGroupType", 400));
                }
                if current.len() + 1 > l.groups_per_instance {
                    return Err(("InstanceSecurityGroupLimitExceeded", 400));
                }
                self.capacity(&[group], true)
            }
            Op::JoinEni(eni, group) => {
                let g = self.groups.get(group).ok_or(NOT_FOUND_GROUP.unwrap_err())?;
                let e = self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                if e.primary {
                    return Err(("InvalidOperation.InvalidEniType", 403));
                }
                if e.groups.contains(group) {
                    return Err(("InvalidInstanceId.AlreadyExists", 403));
                }
                if !g.home {
                    return Err(("InvalidOperation.VpcMismatch", 403));
                }
                if self.kind_of(&e.groups) != Some(g.kind) {
                    return Err(("InvalidOperation.MultiGroupType", 400));
                }
                if e.groups.len() + 1 > l.groups_per_eni {
                    return Err(("JoinedGroupLimitExceed", 400));
                }
                self.capacity(&[group], true)
            }
            Op::LeaveInstance(instance, group) => {
                self.groups.get(group).ok_or(NOT_FOUND_GROUP.unwrap_err())?;
                let i = self
                    .instances
                    .get(instance)
                    .ok_or(("InvalidInstanceId.NotFound", 404))?;
                let current = &self.enis[&i.primary_eni].groups;
                if !current.contains(group) {
                    return Err(("InvalidSecurityGroupAssociation.NotFound", 400));
                }
                if current.len() == 1 {
                    return Err(("InstanceLastSecurityGroup", 403));
                }
                Ok(())
            }
            Op::LeaveEni(eni, group) => {
                self.groups.get(group).ok_or(NOT_FOUND_GROUP.unwrap_err())?;
                let e = self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                if e.primary {
                    return Err(("InvalidOperation.InvalidEniType", 403));
                }
                if !e.groups.contains(group) {
                    return Err(("InvalidSecurityGroupAssociation.NotFound", 400));
                }
                if e.groups.len() == 1 {
                    return Err(("InvalidOperation.AtLeastInOneGroup", 403));
                }
                Ok(())
            }
            Op::ModifyEniGroups(eni, groups) => {
                let e = self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                if e.primary {
                    return Err((
                        "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
                        404,
                    ));
                }
                let kind = self.group_set(groups, SetCodes::MODIFY_ENI)?;
                if let Some(instance) = &e.instance {
                    let primary = &self.instances[instance].primary_eni;
                    if self.kind_of(&self.enis[primary].groups) != Some(kind) {
                        return Err(("InvalidOperation.MultiGroupType", 403));
                    }
                }
                let joining: Vec<&String> =
                    groups.iter().filter(|g| !e.groups.contains(g)).collect();
                self.capacity(&joining, false)
            }
            Op::ModifyInstanceGroups(instance, groups) => {
                let i = self
                    .instances
                    .get(instance)
                    .ok_or(("InvalidInstanceId.NotFound", 404))?;
                let kind = self.group_set(groups, SetCodes::MODIFY_INSTANCE)?;
                if kind == Kind::Advanced && !i.itype.supports_advanced {
                    return Err(("EnterpriseGroupLimited.InstanceType", 403));
                }
                let attached_other_kind = self.enis.values().any(|e| {
                    !e.primary
                        && e.instance.as_ref() == Some(instance)
                        && self.kind_of(&e.groups) != Some(kind)
                });
                if attached_other_kind {
                    return Err(("InvalidOperation.MultiGroupType", 403));
                }
                let current = &self.enis[&i.primary_eni].groups;
                let joining: Vec<&String> =
                    groups.iter().filter(|g| !current.contains(g)).collect();
                self.capacity(&joining, false)
            }
            Op::Attach(eni, instance) => {
                let e = self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                let i = self
                    .instances
                    .get(instance)
                    .ok_or(("InvalidEcsId.NotFound", 404))?;
                if e.primary {
                    return Err(("InvalidOperation.InvalidEniType", 403));
                }
                if e.instance.is_some() {
                    return Err(("InvalidOperation.InvalidEniState", 400));
                }
                let instance_kind = self.kind_of(&self.enis[&i.primary_eni].groups);
                if self.kind_of(&e.groups) != instance_kind {
                    return Err(("InvalidOperation.MultiGroupType", 403));
                }
                let attached = self
                    .enis
                    .values()
                    .filter(|e| e.instance.as_ref() == Some(instance))
                    .count();
                if attached >= i.itype.eni_quantity {
                    return Err(("EniPerInstanceLimitExceeded", 403));
                }
                Ok(())
            }
            Op::Detach(eni, instance) => {
                let e = self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                self.instances
                    .get(instance)
                    .ok_or(("InvalidEcsId.NotFound", 404))?;
                if e.primary {
                    return Err(("InvalidOperation.DetachPrimaryEniNotAllowed", 400));
                }
                if e.instance.as_ref() != Some(instance) {
                    return Err(("InvalidParameter.EniNotBelongEcs", 400));
                }
                Ok(())
            }
            Op::CreateEni(groups) => {
                self.group_set(groups, SetCodes::CREATE_ENI)?;
                let all: Vec<&String> = groups.iter().collect();
                self.capacity(&all, false)?;
                if self.secondaries() as u64 >= l.enis_per_region {
                    return Err(("MaxEniCountExceeded", 403));
                }
                Ok(())
            }
            Op::DeleteEni(eni) => {
                let e = self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                if e.primary {
                    return Err(("InvalidOperation.InvalidEniType", 403));
                }
                if e.instance.is_some() {
                    return Err(("InvalidOperation.InvalidEniState", 400));
                }
                Ok(())
            }
            // Rule j, checked before the ENI is looked up; a primary ENI may be renamed.
            Op::RenameEni(eni, name) => {
                if !valid_eni_name(name) {
                    return Err(("InvalidParams.NetworkInterfaceName", 403));
                }
                self.enis.get(eni).ok_or(NOT_FOUND_ENI.unwrap_err())?;
                Ok(())
            }
        }
    }

    /// Applies an operation the model predicted to succeed (`created` is a new ENI's id).
    fn apply(&mut self, op: &Op, created: Option<String>) {
        match op {
            Op::JoinInstance(instance, group) => {
                let primary = self.instances[instance].primary_eni.clone();
                self.enis
                    .get_mut(&primary)
                    .unwrap()
                    .groups
                    .push(group.clone());
            }
            Op::JoinEni(eni, group) => self.enis.get_mut(eni).unwrap().groups.push(group.clone()),
            Op::LeaveInstance(instance, group) => {
                let primary = self.instances[instance].primary_eni.clone();
                self.enis
                    .get_mut(&primary)
                    .unwrap()
                    .groups
                    .retain(|g| g != group);
            }
            Op::LeaveEni(eni, group) => self
                .enis
                .get_mut(eni)
                .unwrap()
                .groups
                .retain(|g| g != group),
            Op::ModifyEniGroups(eni, groups) => {
                self.enis.get_mut(eni).unwrap().groups = groups.clone()
            }
            Op::ModifyInstanceGroups(instance, groups) => {
                let primary = self.instances[instance].primary_eni.clone();
                self.enis.get_mut(&primary).unwrap().groups = groups.clone();
            }
            Op::Attach(eni, instance) => {
                self.enis.get_mut(eni).unwrap().instance = Some(instance.clone())
            }
            Op::Detach(eni, _) => self.enis.get_mut(eni).unwrap().instance = None,
            Op::CreateEni(groups) => {
                let id = created.expect("a created ENI has an id");
                self.ever.push(id.clone());
                self.enis.insert(
                    id,
                    Eni {
                        primary: false,
                        name: String::new(),
                        groups: groups.clone(),
                        instance: None,
                    },
                );
            }
            Op::DeleteEni(eni) => {
                self.enis.remove(eni);
            }
            Op::RenameEni(eni, name) => self.enis.get_mut(eni).unwrap().name = name.clone(),
        }
    }
}

/// The codes a whole-set call answers with, which differ per action (ecs-api.md §5).
#[derive(Clone, Copy)]
struct SetCodes {
    limit: usize,
    repeated: (&'static str, u16),
    vpc: (&'static str, u16),
    mixed: (&'static str, u16),
}

impl SetCodes {
    const MODIFY_ENI: SetCodes = SetCodes {
        limit: 3,
        repeated: ("InvalidParameter.SecurityGroupIdRepeated", 404),
        vpc: ("InvalidOperation.VpcMismatch", 403),
        mixed: ("InvalidOperation.MultiGroupType", 403),
    };
    const CREATE_ENI: SetCodes = SetCodes {
        repeated: ("InvalidParameter.SecurityGroupIdRepeated", 400),
        ..SetCodes::MODIFY_ENI
    };
    const MODIFY_INSTANCE: SetCodes = SetCodes {
        limit: 3,
        repeated: ("InvalidParameter.SecurityGroupIdRepeated", 400),
        vpc: ("InvalidInstanceId.Mismatch", 400),
        mixed: ("EnterpriseGroupLimited.MutliGroupType", 403),
    };
}

/// Rule j's ENI name format (ecs-api.md §5): 2–128 characters, starting with a letter, not
/// with `http://` or `https://`, of letters, digits, `:`, `_`, `.` and `-`.
fn valid_eni_name(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    (2..=128).contains(&chars.len())
        && chars[0].is_alphabetic()
        && !name.to_lowercase().starts_with("http://")
        && !name.to_lowercase().starts_with("https://")
        && chars
            .iter()
            .all(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '.' | '-'))
}

fn numbered(prefix: &str, ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("{prefix}.{}", i + 1), id.clone()))
        .collect()
}

/// The request an operation is sent as.
fn request(op: &Op, vswitch: &str) -> (&'static str, Vec<(String, String)>) {
    let s = |k: &str, v: &String| (k.to_string(), v.clone());
    match op {
        Op::JoinInstance(i, g) => (
            "JoinSecurityGroup",
            vec![s("InstanceId", i), s("SecurityGroupId", g)],
        ),
        Op::JoinEni(e, g) => (
            "JoinSecurityGroup",
            vec![s("NetworkInterfaceId", e), s("SecurityGroupId", g)],
        ),
        Op::LeaveInstance(i, g) => (
            "LeaveSecurityGroup",
            vec![s("InstanceId", i), s("SecurityGroupId", g)],
        ),
        Op::LeaveEni(e, g) => (
            "LeaveSecurityGroup",
            vec![s("NetworkInterfaceId", e), s("SecurityGroupId", g)],
        ),
        Op::ModifyEniGroups(e, groups) => {
            let mut params = vec![s("NetworkInterfaceId", e)];
            params.extend(numbered("SecurityGroupId", groups));
            ("ModifyNetworkInterfaceAttribute", params)
        }
        Op::ModifyInstanceGroups(i, groups) => {
            let mut params = vec![s("InstanceId", i)];
            params.extend(numbered("SecurityGroupIds", groups));
            ("ModifyInstanceAttribute", params)
        }
        Op::Attach(e, i) => (
            "AttachNetworkInterface",
            vec![s("NetworkInterfaceId", e), s("InstanceId", i)],
        ),
        Op::Detach(e, i) => (
            "DetachNetworkInterface",
            vec![s("NetworkInterfaceId", e), s("InstanceId", i)],
        ),
        Op::CreateEni(groups) => {
            let mut params = vec![s("VSwitchId", &vswitch.to_string())];
            params.extend(numbered("SecurityGroupIds", groups));
            ("CreateNetworkInterface", params)
        }
        Op::DeleteEni(e) => ("DeleteNetworkInterface", vec![s("NetworkInterfaceId", e)]),
        Op::RenameEni(e, name) => (
            "ModifyNetworkInterfaceAttribute",
            vec![s("NetworkInterfaceId", e), s("NetworkInterfaceName", name)],
        ),
    }
}

/// Random operations over what the model knows, with unknown and deleted ids, other-VPC
/// groups, repeated ids and oversized sets mixed in.
struct Generator {
    rng: StdRng,
}

impl Generator {
    fn group(&mut self, m: &Model) -> String {
        if self.rng.gen_ratio(1, 40) {
            return MISSING_GROUP.to_string();
        }
        let ids: Vec<&String> = m.groups.keys().collect();
        ids[self.rng.gen_range(0..ids.len())].clone()
    }

    /// A group set: usually of one kind and in the home VPC, sometimes not.
    fn group_set(&mut self, m: &Model) -> Vec<String> {
        let size = *[1, 1, 2, 2, 3, 4].get(self.rng.gen_range(0..6)).unwrap();
        let kind = if self.rng.gen_bool(0.5) {
            Kind::Basic
        } else {
            Kind::Advanced
        };
        let pure = self.rng.gen_bool(0.8);
        let candidates: Vec<&String> = m
            .groups
            .iter()
            .filter(|(_, g)| !pure || (g.kind == kind && g.home))
            .map(|(id, _)| id)
            .collect();
        let mut set: Vec<String> = Vec::new();
        for _ in 0..size {
            let id = candidates[self.rng.gen_range(0..candidates.len())].clone();
            if !set.contains(&id) || self.rng.gen_ratio(1, 4) {
                set.push(id);
            }
        }
        if self.rng.gen_ratio(1, 50) {
            set.push(MISSING_GROUP.to_string());
        }
        set
    }

    fn eni(&mut self, m: &Model) -> String {
        match self.rng.gen_range(0..20) {
            0 => MISSING_ENI.to_string(),
            1..=3 => {
                let primaries: Vec<&Instance> = m.instances.values().collect();
                primaries[self.rng.gen_range(0..primaries.len())]
                    .primary_eni
                    .clone()
            }
            _ if !m.ever.is_empty() => m.ever[self.rng.gen_range(0..m.ever.len())].clone(),
            _ => MISSING_ENI.to_string(),
        }
    }

    fn instance(&mut self, m: &Model) -> String {
        if self.rng.gen_ratio(1, 40) {
            return MISSING_INSTANCE.to_string();
        }
        let ids: Vec<&String> = m.instances.keys().collect();
        ids[self.rng.gen_range(0..ids.len())].clone()
    }

    fn next(&mut self, m: &Model) -> Op {
        match self.rng.gen_range(0..100) {
            0..=11 => Op::JoinInstance(self.instance(m), self.group(m)),
            12..=23 => Op::JoinEni(self.eni(m), self.group(m)),
            24..=33 => Op::LeaveInstance(self.instance(m), self.group(m)),
            34..=43 => Op::LeaveEni(self.eni(m), self.group(m)),
            44..=57 => Op::ModifyEniGroups(self.eni(m), self.group_set(m)),
            58..=65 => Op::ModifyInstanceGroups(self.instance(m), self.group_set(m)),
            66..=77 => Op::Attach(self.eni(m), self.instance(m)),
            78..=85 => {
                let eni = self.eni(m);
                // Mostly from the instance it is attached to.
                let attached = m.enis.get(&eni).and_then(|e| e.instance.clone());
                let instance = match attached {
                    Some(i) if self.rng.gen_ratio(4, 5) => i,
                    _ => self.instance(m),
                };
                Op::Detach(eni, instance)
            }
            86..=91 => Op::CreateEni(self.group_set(m)),
            92..=94 => {
                let names = ["web-1", "数据_eni.2", "x", "1eni", "http://eni", "eni name"];
                let name = names[self.rng.gen_range(0..names.len())].to_string();
                Op::RenameEni(self.eni(m), name)
            }
            _ => Op::DeleteEni(self.eni(m)),
        }
    }
}

fn observed(reply: &common::Reply) -> Result<(), (String, u16)> {
    if reply.status == 200 {
        Ok(())
    } else {
        Err((reply.code().to_string(), reply.status))
    }
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The state the API shows, in the model's terms.
async fn server_state(c: &Client) -> (BTreeMap<String, Eni>, BTreeMap<String, Vec<String>>) {
    let page = [("RegionId", REGION), ("PageSize", "100")];
    let reply = c.call("DescribeNetworkInterfaces", &page).await;
    let mut enis = BTreeMap::new();
    for e in reply.ok()["NetworkInterfaceSets"]["NetworkInterfaceSet"]
        .as_array()
        .unwrap()
    {
        let instance = e["InstanceId"].as_str().unwrap_or("");
        enis.insert(
            e["NetworkInterfaceId"].as_str().unwrap().to_string(),
            Eni {
                primary: e["Type"] == "Primary",
                name: e["NetworkInterfaceName"].as_str().unwrap().to_string(),
                groups: ids(&e["SecurityGroupIds"]["SecurityGroupId"]),
                instance: (!instance.is_empty()).then(|| instance.to_string()),
            },
        );
        let expected = if instance.is_empty() {
            "Available"
        } else {
            "InUse"
        };
        assert_eq!(e["Status"], expected, "{e}");
    }
    let reply = c.call("DescribeInstances", &page).await;
    let mut instances = BTreeMap::new();
    for i in reply.ok()["Instances"]["Instance"].as_array().unwrap() {
        instances.insert(
            i["InstanceId"].as_str().unwrap().to_string(),
            ids(&i["SecurityGroupIds"]["SecurityGroupId"]),
        );
    }
    (enis, instances)
}

async fn assert_same_state(c: &Client, model: &Model, context: &str) {
    let (enis, instances) = server_state(c).await;
    assert_eq!(enis, model.enis, "{context}: ENIs differ from the model");
    let expected: BTreeMap<String, Vec<String>> = model
        .instances
        .iter()
        .map(|(id, i)| (id.clone(), model.enis[&i.primary_eni].groups.clone()))
        .collect();
    assert_eq!(
        instances, expected,
        "{context}: instance groups differ from the model"
    );
}

/// One sequence on a fresh server.
async fn sequence(seed: u64, steps: u64) -> u64 {
    let server = TestServer::start_with(|config| config.limits = limits()).await;
    let c = server.client();
    let vpc = common::create_vpc(&c, "172.16.0.0/12").await;
    let zone = format!("{REGION}-h");
    let vswitch = common::create_vswitch(&c, &vpc, &zone, "172.16.0.0/24").await;
    let other_vpc = common::create_vpc(&c, "192.168.0.0/16").await;
    let mut model = Model::default();
    for (kind, api, n, home) in [
        (Kind::Basic, "normal", 3, true),
        (Kind::Advanced, "enterprise", 2, true),
        (Kind::Basic, "normal", 1, false),
    ] {
        for _ in 0..n {
            let id = common::create_group(&c, if home { &vpc } else { &other_vpc }, api).await;
            model.groups.insert(id, Group { kind, home });
        }
    }
    let basic: Vec<String> = model
        .groups
        .iter()
        .filter(|(_, g)| g.home && g.kind == Kind::Basic)
        .map(|(id, _)| id.clone())
        .collect();
    let advanced: Vec<String> = model
        .groups
        .iter()
        .filter(|(_, g)| g.kind == Kind::Advanced)
        .map(|(id, _)| id.clone())
        .collect();
    for (itype, group) in TYPES.iter().zip([&basic[0], &advanced[0], &basic[1]]) {
        let params = [
            ("RegionId", REGION),
            ("VSwitchId", vswitch.as_str()),
            ("InstanceType", itype.name),
            ("ImageId", IMAGE),
            ("SecurityGroupId", group.as_str()),
        ];
        let reply = c.call("RunInstances", &params).await;
        let id = reply.ok()["InstanceIdSets"]["InstanceIdSet"][0]
            .as_str()
            .unwrap()
            .to_string();
        let primary_eni = common::primary_eni(&c, &id).await;
        model.enis.insert(
            primary_eni.clone(),
            Eni {
                primary: true,
                name: String::new(),
                groups: vec![group.clone()],
                instance: Some(id.clone()),
            },
        );
        model.instances.insert(id, Instance { itype, primary_eni });
    }
    assert_same_state(&c, &model, &format!("seed {seed:#x}: after setup")).await;

    let mut generator = Generator {
        rng: StdRng::seed_from_u64(seed),
    };
    let mut history: Vec<String> = Vec::new();
    let mut successes = 0;
    for step in 1..=steps {
        let op = generator.next(&model);
        let predicted = model.predict(&op);
        let (action, params) = request(&op, &vswitch);
        let mut all = vec![("RegionId", REGION)];
        all.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let reply = c.call(action, &all).await;
        let got = observed(&reply);
        history.push(format!("{step}: {op:?} -> {got:?}"));
        let expected = predicted.map_err(|(code, status)| (code.to_string(), status));
        assert_eq!(
            got,
            expected,
            "seed {seed:#x} step {step}: {op:?} answered {}\nlast calls:\n{}",
            reply.text,
            history[history.len().saturating_sub(12)..].join("\n")
        );
        if got.is_ok() {
            successes += 1;
            let created = reply.body["NetworkInterfaceId"].as_str().map(String::from);
            model.apply(&op, created);
        }
        if step % 50 == 0 || step == steps {
            assert_same_state(&c, &model, &format!("seed {seed:#x} after step {step}")).await;
        }
    }
    let report = ecsnet::check::check_data_dir(&server.data_dir, &limits()).unwrap();
    assert!(report.is_clean(), "seed {seed:#x}: {:?}", report.violations);
    successes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_and_ends_as_the_model_does() {
    let seed = env_u64("ECSNET_MODEL_SEED", 0xD0DE);
    let cases = env_u64("ECSNET_MODEL_CASES", 12);
    let steps = env_u64("ECSNET_MODEL_STEPS", 250);
    let mut successes = 0;
    for case in 0..cases {
        successes += sequence(seed.wrapping_add(case), steps).await;
    }
    eprintln!(
        "model-based: seed {seed:#x}, {cases} sequences of {steps} calls, {successes} succeeded"
    );
    // Real work happened, not only refusals.
    assert!(
        successes >= cases * steps / 10,
        "only {successes} calls succeeded"
    );
}
