//! One table per rule. Each row names a case, calls the rule, and gives the expected result;
//! `table` checks every row and reports all mismatches together. Fixtures live in `VPC` and
//! `ZONE` unless a row's fixture says otherwise. Tables are kept one row per line
//! (`rustfmt::skip`) so they read as tables.

use std::fmt::{Debug, Display};

use super::*;
use crate::model::DomainError as D;
use crate::model::EniStatus::{Attaching, Available, Deleting, Detaching, InUse};
use crate::model::EniType::{Primary, Secondary};
use crate::model::GroupKind::{Advanced, Basic};
use crate::model::InstanceStatus::{Pending, Running, Starting, Stopped, Stopping};

const VPC: &str = "vpc-home";
const OTHER_VPC: &str = "vpc-away";
const ZONE: &str = "cn-hangzhou-g";
const OTHER_ZONE: &str = "cn-hangzhou-h";
const INST: Owner = Owner::Instance;
const ENI: Owner = Owner::Eni;

fn group(id: &str, vpc: &str, kind: GroupKind) -> SecurityGroup {
    SecurityGroup {
        id: id.to_string(),
        region_id: "cn-hangzhou".to_string(),
        vpc_id: vpc.to_string(),
        name: id.to_string(),
        description: String::new(),
        kind,
        inner_access_policy: kind.default_inner_access_policy().to_string(),
        created_at: 0,
    }
}

/// `count` groups of one kind in `VPC`, named `sg-<prefix>1`, `sg-<prefix>2`, …
fn groups(prefix: &str, kind: GroupKind, count: usize) -> Vec<SecurityGroup> {
    (1..=count)
        .map(|n| group(&format!("sg-{prefix}{n}"), VPC, kind))
        .collect()
}

fn eni(id: &str, eni_type: EniType, status: EniStatus, instance: Option<&str>) -> Eni {
    Eni {
        id: id.to_string(),
        region_id: "cn-hangzhou".to_string(),
        zone_id: ZONE.to_string(),
        vpc_id: VPC.to_string(),
        vswitch_id: "vsw-home".to_string(),
        name: String::new(),
        description: String::new(),
        eni_type,
        status,
        instance_id: instance.map(str::to_string),
        mac_address: "00:16:3e:00:00:01".to_string(),
        private_ips: Vec::new(),
        security_group_ids: vec!["sg-b1".to_string()],
        delete_on_release: false,
        source_dest_check: false,
        queue_number: 1,
        created_at: 0,
    }
}

fn instance(id: &str, status: InstanceStatus) -> Instance {
    Instance {
        id: id.to_string(),
        region_id: "cn-hangzhou".to_string(),
        zone_id: ZONE.to_string(),
        vpc_id: VPC.to_string(),
        vswitch_id: "vsw-home".to_string(),
        name: id.to_string(),
        description: String::new(),
        host_name: id.to_string(),
        instance_type: "ecs.g7.large".to_string(),
        image_id: "aliyun_3_x64_20G_alibase_20240819.vhd".to_string(),
        status,
        created_at: 0,
        started_at: None,
    }
}

fn refs(groups: &[SecurityGroup]) -> Vec<&SecurityGroup> {
    groups.iter().collect()
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn mixed(owner: Owner) -> DomainError {
    D::MixedGroupKinds { owner }
}

fn vpc_mismatch(owner: Owner, group: &SecurityGroup) -> DomainError {
    D::VpcMismatch {
        owner,
        group_id: group.id.clone(),
    }
}

fn too_many(owner: Owner, limit: usize) -> DomainError {
    D::TooManyGroups { owner, limit }
}

fn instance_state(status: &'static str) -> DomainError {
    D::InstanceState { status }
}

fn eni_state(status: &'static str) -> DomainError {
    D::EniState { status }
}

/// Checks every row, then fails once, listing each row whose result differs from the expected.
#[track_caller]
fn table<N: Display, T: PartialEq + Debug>(rows: &[(N, T, T)]) {
    let failures: Vec<String> = rows
        .iter()
        .filter(|(_, got, want)| got != want)
        .map(|(case, got, want)| format!("{case}:\n   got {got:?}\n  want {want:?}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn kind_of_table() {
    let (b, a) = (groups("b", Basic, 2), groups("a", Advanced, 1));
    #[rustfmt::skip]
    table(&[
        ("no groups have no kind", kind_of(INST, &[]), Ok(None)),
        ("one basic group", kind_of(INST, &[&b[0]]), Ok(Some(Basic))),
        ("one advanced group", kind_of(ENI, &[&a[0]]), Ok(Some(Advanced))),
        ("several basic groups", kind_of(INST, &[&b[0], &b[1]]), Ok(Some(Basic))),
        ("basic then advanced", kind_of(INST, &[&b[0], &a[0]]), Err(mixed(INST))),
        ("advanced then basic", kind_of(ENI, &[&a[0], &b[0]]), Err(mixed(ENI))),
        ("the odd one out comes last", kind_of(ENI, &[&b[0], &b[1], &a[0]]), Err(mixed(ENI))),
    ]);
}

#[test]
fn check_group_set_table() {
    let (b, a) = (groups("b", Basic, 6), groups("a", Advanced, 2));
    let (bx, ax) = (
        group("sg-bx", OTHER_VPC, Basic),
        group("sg-ax", OTHER_VPC, Advanced),
    );
    let (five, six) = (refs(&b[..5]), refs(&b));
    let set = |owner, groups: &[&SecurityGroup], limit, attached_to| {
        check_group_set(owner, VPC, groups, limit, attached_to)
    };
    // Checked in order: repeats → limit → VPC → kinds → empty → the attached instance's kind.
    #[rustfmt::skip]
    table(&[
        ("one group", set(ENI, &[&b[0]], 5, None), Ok(Basic)),
        ("advanced groups", set(INST, &[&a[0], &a[1]], 5, None), Ok(Advanced)),
        ("exactly the limit", set(INST, &five, 5, None), Ok(Basic)),
        ("one over the limit", set(INST, &six, 5, None), Err(too_many(INST, 5))),
        ("one over the limit, ENI", set(ENI, &[&b[0], &b[1]], 1, None), Err(too_many(ENI, 1))),
        ("a repeated id", set(ENI, &[&b[0], &b[1], &b[0]], 5, None), Err(D::RepeatedGroupIds)),
        // A repeat inflates the count, so it is what gets reported.
        ("repeat before limit", set(ENI, &[&b[0], &b[0]], 1, None), Err(D::RepeatedGroupIds)),
        ("limit before VPC", set(ENI, &[&b[0], &bx], 1, None), Err(too_many(ENI, 1))),
        ("a group in another VPC", set(ENI, &[&b[0], &bx], 5, None), Err(vpc_mismatch(ENI, &bx))),
        ("names the first foreign group", set(INST, &[&ax, &bx], 5, None), Err(vpc_mismatch(INST, &ax))),
        ("VPC before kind", set(ENI, &[&a[0], &bx], 5, None), Err(vpc_mismatch(ENI, &bx))),
        ("mixed kinds", set(ENI, &[&b[0], &a[0]], 5, None), Err(mixed(ENI))),
        ("mixed kinds, instance", set(INST, &[&a[0], &b[0]], 5, None), Err(mixed(INST))),
        ("no group at all", set(ENI, &[], 5, None), Err(D::LastGroup { owner: ENI })),
        ("no group, instance", set(INST, &[], 5, None), Err(D::LastGroup { owner: INST })),
        ("no group, attached", set(ENI, &[], 5, Some(Basic)), Err(D::LastGroup { owner: ENI })),
        ("keeps a basic instance's kind", set(ENI, &[&b[0], &b[1]], 5, Some(Basic)), Ok(Basic)),
        ("keeps an advanced instance's kind", set(ENI, &[&a[0]], 5, Some(Advanced)), Ok(Advanced)),
        ("basic set, advanced instance", set(ENI, &[&b[0]], 5, Some(Advanced)), Err(D::AttachKindMismatch)),
        ("advanced set, basic instance", set(ENI, &[&a[0]], 5, Some(Basic)), Err(D::AttachKindMismatch)),
        ("mixed before attachment", set(ENI, &[&b[0], &a[0]], 5, Some(Basic)), Err(mixed(ENI))),
    ]);
}

#[test]
fn check_join_table() {
    let (b, a) = (groups("b", Basic, 6), groups("a", Advanced, 2));
    let (bx, ax) = (
        group("sg-bx", OTHER_VPC, Basic),
        group("sg-ax", OTHER_VPC, Advanced),
    );
    let (four, five) = (refs(&b[..4]), refs(&b[..5]));
    let already = |owner, group: &SecurityGroup| {
        Err(D::AlreadyMember {
            owner,
            group_id: group.id.clone(),
        })
    };
    let join = |owner, current: &[&SecurityGroup], target: &SecurityGroup, limit| {
        check_join(owner, VPC, current, target, limit)
    };
    // The documented order: already a member → same VPC → same kind → per-resource limit.
    #[rustfmt::skip]
    table(&[
        ("first group", join(INST, &[], &b[0], 5), Ok(())),
        ("another basic group", join(INST, &[&b[0]], &b[1], 5), Ok(())),
        ("another advanced group", join(ENI, &[&a[0]], &a[1], 5), Ok(())),
        ("up to the limit", join(INST, &four, &b[4], 5), Ok(())),
        ("already a member", join(INST, &[&b[0], &b[1]], &b[1], 5), already(INST, &b[1])),
        ("already a member, ENI", join(ENI, &[&b[0]], &b[0], 5), already(ENI, &b[0])),
        ("member before VPC", join(INST, &[&bx], &bx, 5), already(INST, &bx)),
        ("member before limit", join(INST, &five, &b[0], 5), already(INST, &b[0])),
        ("group in another VPC", join(INST, &[&b[0]], &bx, 5), Err(vpc_mismatch(INST, &bx))),
        ("group in another VPC, ENI", join(ENI, &[&b[0]], &bx, 5), Err(vpc_mismatch(ENI, &bx))),
        ("VPC before kind", join(ENI, &[&b[0]], &ax, 5), Err(vpc_mismatch(ENI, &ax))),
        ("VPC before limit", join(INST, &five, &bx, 5), Err(vpc_mismatch(INST, &bx))),
        ("advanced into basic", join(INST, &[&b[0]], &a[0], 5), Err(mixed(INST))),
        ("basic into advanced", join(ENI, &[&a[0]], &b[0], 5), Err(mixed(ENI))),
        ("kind before limit", join(INST, &five, &a[0], 5), Err(mixed(INST))),
        ("one over the limit", join(INST, &five, &b[5], 5), Err(too_many(INST, 5))),
        ("a lower limit, ENI", join(ENI, &[&b[0]], &b[1], 1), Err(too_many(ENI, 1))),
    ]);
}

#[test]
fn check_leave_table() {
    let leave = |owner, current: &[&str], group_id| check_leave(owner, &strings(current), group_id);
    let not_member = |owner, group_id: &str| {
        Err(D::NotMember {
            owner,
            group_id: group_id.to_string(),
        })
    };
    #[rustfmt::skip]
    table(&[
        ("one of two", leave(INST, &["sg-1", "sg-2"], "sg-1"), Ok(strings(&["sg-2"]))),
        ("the rest keep their order", leave(ENI, &["sg-1", "sg-2", "sg-3"], "sg-2"), Ok(strings(&["sg-1", "sg-3"]))),
        ("the last group", leave(INST, &["sg-1"], "sg-1"), Err(D::LastGroup { owner: INST })),
        ("the last group, ENI", leave(ENI, &["sg-1"], "sg-1"), Err(D::LastGroup { owner: ENI })),
        ("not a member", leave(INST, &["sg-1", "sg-2"], "sg-3"), not_member(INST, "sg-3")),
        // Membership comes first (ecs-api.md §4.2): a non-member hears nothing of last groups.
        ("not a member, one group", leave(ENI, &["sg-1"], "sg-2"), not_member(ENI, "sg-2")),
        ("in no group at all", leave(INST, &[], "sg-1"), not_member(INST, "sg-1")),
    ]);
}

#[test]
fn check_capacity_table() {
    let (basic, advanced) = (group("sg-b", VPC, Basic), group("sg-a", VPC, Advanced));
    let small = Limits {
        basic_group_capacity: 3,
        advanced_group_capacity: 5,
        ..Limits::default()
    };
    let defaults = Limits::default();
    let full = |g: &SecurityGroup, advanced| {
        Err(D::GroupFull {
            group_id: g.id.clone(),
            advanced,
        })
    };
    // `members` counts the group before the change, so a group at its capacity is full.
    #[rustfmt::skip]
    table(&[
        ("empty basic group", check_capacity(&basic, 0, &small), Ok(())),
        ("basic with room for one", check_capacity(&basic, 2, &small), Ok(())),
        ("full basic group", check_capacity(&basic, 3, &small), full(&basic, false)),
        ("overfull basic group", check_capacity(&basic, 4, &small), full(&basic, false)),
        ("advanced past the basic capacity", check_capacity(&advanced, 4, &small), Ok(())),
        ("full advanced group", check_capacity(&advanced, 5, &small), full(&advanced, true)),
        ("default basic, room for one", check_capacity(&basic, 1_999, &defaults), Ok(())),
        ("default basic, full", check_capacity(&basic, 2_000, &defaults), full(&basic, false)),
        ("default advanced, room for one", check_capacity(&advanced, 65_535, &defaults), Ok(())),
        ("default advanced, full", check_capacity(&advanced, 65_536, &defaults), full(&advanced, true)),
    ]);
}

#[test]
fn check_type_supports_kind_table() {
    let unsupported = Err(D::AdvancedGroupUnsupported {
        instance_type: "ecs.t1.small".to_string(),
    });
    #[rustfmt::skip]
    table(&[
        ("old type, basic group", check_type_supports_kind("ecs.t1.small", false, Basic), Ok(())),
        ("old type, advanced group", check_type_supports_kind("ecs.t1.small", false, Advanced), unsupported),
        ("new type, basic group", check_type_supports_kind("ecs.g7.large", true, Basic), Ok(())),
        ("new type, advanced group", check_type_supports_kind("ecs.g7.large", true, Advanced), Ok(())),
    ]);
}

#[test]
fn check_instance_settled_table() {
    let settled = |status| check_instance_settled(&instance("i-1", status));
    #[rustfmt::skip]
    table(&[
        ("pending: being created", settled(Pending), Err(D::InstanceBeingCreated)),
        ("starting", settled(Starting), Err(instance_state("Starting"))),
        ("running", settled(Running), Ok(())),
        ("stopping", settled(Stopping), Err(instance_state("Stopping"))),
        ("stopped", settled(Stopped), Ok(())),
    ]);
}

#[test]
fn check_eni_status_table() {
    let status = |status, allowed: &[EniStatus]| {
        check_eni_status(&eni("eni-1", Secondary, status, None), allowed)
    };
    #[rustfmt::skip]
    table(&[
        ("Available, for Available", status(Available, &[Available]), Ok(())),
        ("InUse, for Available", status(InUse, &[Available]), Err(eni_state("InUse"))),
        ("InUse, for InUse or Detaching", status(InUse, &[InUse, Detaching]), Ok(())),
        ("Detaching, for InUse or Detaching", status(Detaching, &[InUse, Detaching]), Ok(())),
        ("Attaching, for InUse or Detaching", status(Attaching, &[InUse, Detaching]), Err(eni_state("Attaching"))),
        ("Deleting, for Available", status(Deleting, &[Available]), Err(eni_state("Deleting"))),
        ("Available, for nothing", status(Available, &[]), Err(eni_state("Available"))),
    ]);
    let every: Vec<_> = EniStatus::ALL
        .iter()
        .map(|&s| (s.api_name(), status(s, &EniStatus::ALL), Ok(())))
        .collect();
    table(&every);
}

#[test]
fn check_eni_settled_table() {
    let settled = |status| check_eni_settled(&eni("eni-1", Secondary, status, None));
    #[rustfmt::skip]
    table(&[
        ("available", settled(Available), Ok(())),
        ("attaching", settled(Attaching), Err(eni_state("Attaching"))),
        ("in use", settled(InUse), Ok(())),
        ("detaching", settled(Detaching), Err(eni_state("Detaching"))),
        ("deleting", settled(Deleting), Err(eni_state("Deleting"))),
    ]);
}

#[test]
fn eni_transition_holds_table() {
    use EniTransition::{Attach, Delete, Detach};
    let holds = |status, t| eni_transition_holds(&eni("eni-1", Secondary, status, None), t);
    #[rustfmt::skip]
    table(&[
        ("attach, still attaching", holds(Attaching, Attach), true),
        ("attach, released back to available", holds(Available, Attach), false),
        ("attach, already in use", holds(InUse, Attach), false),
        ("detach, still detaching", holds(Detaching, Detach), true),
        ("detach, already available", holds(Available, Detach), false),
        ("delete, still deleting", holds(Deleting, Delete), true),
        ("delete, attaching again", holds(Attaching, Delete), false),
    ]);
}

#[test]
fn instance_transition_holds_table() {
    use InstanceTransition::{Create, Launch, Start, Stop};
    let holds = |status, t| instance_transition_holds(&instance("i-1", status), t);
    #[rustfmt::skip]
    table(&[
        ("launch, still pending", holds(Pending, Launch), true),
        ("create, still pending", holds(Pending, Create), true),
        ("launch, already running", holds(Running, Launch), false),
        ("start, still starting", holds(Starting, Start), true),
        ("start, pending", holds(Pending, Start), false),
        ("stop, still stopping", holds(Stopping, Stop), true),
        ("stop, already stopped", holds(Stopped, Stop), false),
    ]);
}

#[test]
fn check_secondary_table() {
    let primary = eni("eni-p", Primary, InUse, Some("i-1"));
    #[rustfmt::skip]
    table(&[
        ("secondary", check_secondary(&eni("eni-s", Secondary, Available, None)), Ok(())),
        ("primary", check_secondary(&primary), Err(D::PrimaryEniNotAllowed("eni-p".to_string()))),
    ]);
}

#[test]
fn check_attach_table() {
    let free = eni("eni-1", Secondary, Available, None);
    let primary = eni("eni-p", Primary, InUse, Some("i-2"));
    let [attaching, in_use, detaching, deleting] =
        [Attaching, InUse, Detaching, Deleting].map(|s| eni("eni-1", Secondary, s, Some("i-2")));
    let other_vpc = Eni {
        vpc_id: OTHER_VPC.to_string(),
        ..free.clone()
    };
    let other_zone = Eni {
        zone_id: OTHER_ZONE.to_string(),
        ..free.clone()
    };
    let elsewhere = Eni {
        zone_id: OTHER_ZONE.to_string(),
        ..other_vpc.clone()
    };
    let [pending, starting, running, stopping, stopped] =
        [Pending, Starting, Running, Stopping, Stopped].map(|s| instance("i-1", s));
    let vpc = Err(D::PlacementVpcMismatch);
    let primary_err = Err(D::PrimaryEniNotAllowed("eni-p".to_string()));
    let limit = Err(D::EniPerInstanceLimit { limit: 3 });
    // The instance type allows 3 ENIs; `attached` counts the instance's primary ENI too.
    let attach = |eni, instance, eni_kind, instance_kind, attached| {
        check_attach(eni, instance, eni_kind, instance_kind, attached, 3)
    };
    // Checked in order: ENI type → ENI state → instance state → VPC → zone → kinds → quantity.
    #[rustfmt::skip]
    table(&[
        ("running instance", attach(&free, &running, Basic, Basic, 1), Ok(())),
        ("stopped instance", attach(&free, &stopped, Basic, Basic, 1), Ok(())),
        ("advanced groups on both", attach(&free, &running, Advanced, Advanced, 1), Ok(())),
        ("one below the ENI quantity", attach(&free, &running, Basic, Basic, 2), Ok(())),
        ("a primary ENI", attach(&primary, &running, Basic, Basic, 1), primary_err.clone()),
        ("type before everything", attach(&primary, &pending, Advanced, Basic, 3), primary_err),
        ("ENI attaching", attach(&attaching, &running, Basic, Basic, 1), Err(eni_state("Attaching"))),
        ("ENI in use", attach(&in_use, &running, Basic, Basic, 1), Err(eni_state("InUse"))),
        ("ENI detaching", attach(&detaching, &running, Basic, Basic, 1), Err(eni_state("Detaching"))),
        ("ENI deleting", attach(&deleting, &running, Basic, Basic, 1), Err(eni_state("Deleting"))),
        ("ENI state before instance state", attach(&in_use, &pending, Basic, Basic, 1), Err(eni_state("InUse"))),
        ("instance pending", attach(&free, &pending, Basic, Basic, 1), Err(D::InstanceBeingCreated)),
        ("instance starting", attach(&free, &starting, Basic, Basic, 1), Err(instance_state("Starting"))),
        ("instance stopping", attach(&free, &stopping, Basic, Basic, 1), Err(instance_state("Stopping"))),
        ("instance state before VPC", attach(&other_vpc, &starting, Basic, Basic, 1), Err(instance_state("Starting"))),
        ("another VPC", attach(&other_vpc, &running, Basic, Basic, 1), vpc.clone()),
        ("VPC before zone", attach(&elsewhere, &running, Basic, Basic, 1), vpc),
        ("another zone", attach(&other_zone, &running, Basic, Basic, 1), Err(D::ZoneMismatch)),
        ("zone before kinds", attach(&other_zone, &running, Advanced, Basic, 1), Err(D::ZoneMismatch)),
        ("basic ENI, advanced instance", attach(&free, &running, Basic, Advanced, 1), Err(D::AttachKindMismatch)),
        ("advanced ENI, basic instance", attach(&free, &running, Advanced, Basic, 1), Err(D::AttachKindMismatch)),
        ("kinds before quantity", attach(&free, &running, Advanced, Basic, 3), Err(D::AttachKindMismatch)),
        ("at the ENI quantity", attach(&free, &running, Basic, Basic, 3), limit.clone()),
        ("past the ENI quantity", attach(&free, &stopped, Basic, Basic, 4), limit),
    ]);
}

#[test]
fn check_private_ip_count_table() {
    let exceeded = |limit| Err(D::IpCountExceeded { limit });
    #[rustfmt::skip]
    table(&[
        ("no address", check_private_ip_count(0, 1), Ok(())),
        ("exactly the limit", check_private_ip_count(1, 1), Ok(())),
        ("one over", check_private_ip_count(2, 1), exceeded(1)),
        ("exactly a larger limit", check_private_ip_count(10, 10), Ok(())),
        ("one over a larger limit", check_private_ip_count(11, 10), exceeded(10)),
        ("no address allowed", check_private_ip_count(1, 0), exceeded(0)),
    ]);
}

#[test]
fn check_detach_table() {
    let [attaching, in_use, detaching] =
        [Attaching, InUse, Detaching].map(|s| eni("eni-1", Secondary, s, Some("i-1")));
    let on_other = eni("eni-1", Secondary, InUse, Some("i-2"));
    let free = eni("eni-1", Secondary, Available, None);
    let primary = eni("eni-p", Primary, InUse, Some("i-1"));
    let primary_elsewhere = eni("eni-p", Primary, InUse, Some("i-2"));
    let [pending, running, stopping, stopped] =
        [Pending, Running, Stopping, Stopped].map(|s| instance("i-1", s));
    let not_attached = Err(D::EniNotAttachedTo {
        eni_id: "eni-1".to_string(),
        instance_id: "i-1".to_string(),
    });
    // Checked in order: ENI type → attachment → ENI state → instance state.
    #[rustfmt::skip]
    table(&[
        ("in use on a running instance", check_detach(&in_use, &running), Ok(())),
        ("in use on a stopped instance", check_detach(&in_use, &stopped), Ok(())),
        ("stuck in Detaching, retried", check_detach(&detaching, &running), Ok(())),
        ("a primary ENI", check_detach(&primary, &running), Err(D::DetachPrimary)),
        ("type before attachment", check_detach(&primary_elsewhere, &running), Err(D::DetachPrimary)),
        ("attached to another instance", check_detach(&on_other, &running), not_attached.clone()),
        // An Available ENI is attached to nothing; that is reported, not its state.
        ("attached to nothing", check_detach(&free, &running), not_attached.clone()),
        ("attachment before instance state", check_detach(&on_other, &pending), not_attached),
        ("still attaching", check_detach(&attaching, &running), Err(eni_state("Attaching"))),
        ("ENI state before instance state", check_detach(&attaching, &stopping), Err(eni_state("Attaching"))),
        ("instance stopping", check_detach(&in_use, &stopping), Err(instance_state("Stopping"))),
        ("instance pending", check_detach(&detaching, &pending), Err(D::InstanceBeingCreated)),
    ]);
}

#[test]
fn check_delete_eni_table() {
    let secondary = |status| eni("eni-1", Secondary, status, None);
    let in_use = eni("eni-1", Secondary, InUse, Some("i-1"));
    let primary = eni("eni-p", Primary, InUse, Some("i-1"));
    let primary_available = eni("eni-p", Primary, Available, None);
    let primary_err = Err(D::PrimaryEniNotAllowed("eni-p".to_string()));
    #[rustfmt::skip]
    table(&[
        ("available", check_delete_eni(&secondary(Available)), Ok(())),
        ("stuck in Deleting, retried", check_delete_eni(&secondary(Deleting)), Ok(())),
        ("in use", check_delete_eni(&in_use), Err(eni_state("InUse"))),
        ("attaching", check_delete_eni(&secondary(Attaching)), Err(eni_state("Attaching"))),
        ("detaching", check_delete_eni(&secondary(Detaching)), Err(eni_state("Detaching"))),
        ("a primary ENI", check_delete_eni(&primary), primary_err.clone()),
        ("type before state", check_delete_eni(&primary_available), primary_err),
    ]);
}

#[test]
fn check_modify_eni_table() {
    let primary = eni("eni-p", Primary, InUse, Some("i-1"));
    let secondary = eni("eni-s", Secondary, InUse, Some("i-1"));
    #[rustfmt::skip]
    table(&[
        ("primary, name and description", check_modify_eni(&primary, false), Ok(())),
        ("primary, anything more", check_modify_eni(&primary, true), Err(D::PrimaryOnlyNameAndDescription)),
        ("secondary, name and description", check_modify_eni(&secondary, false), Ok(())),
        ("secondary, anything more", check_modify_eni(&secondary, true), Ok(())),
    ]);
}

#[test]
fn check_queue_number_change_table() {
    let primary = eni("eni-p", Primary, InUse, Some("i-1"));
    let free = eni("eni-s", Secondary, Available, None);
    let attached = eni("eni-s", Secondary, InUse, Some("i-1"));
    let attaching = eni("eni-s", Secondary, Attaching, Some("i-1"));
    #[rustfmt::skip]
    table(&[
        ("primary, even on a stopped instance", check_queue_number_change(&primary, Some(Stopped)), Err(D::PrimaryQueueNumber)),
        ("available secondary", check_queue_number_change(&free, None), Ok(())),
        ("attached to a stopped instance", check_queue_number_change(&attached, Some(Stopped)), Ok(())),
        ("attached to a running instance", check_queue_number_change(&attached, Some(Running)), Err(D::QueueNumberState)),
        ("attaching", check_queue_number_change(&attaching, Some(Stopped)), Err(D::QueueNumberState)),
    ]);
}

#[test]
fn check_lifecycle_table() {
    use Lifecycle::{Delete, Start, Stop};
    let calls = [Start, Stop, Delete { force: false }, Delete { force: true }];
    // Which of `calls` each status allows.
    #[rustfmt::skip]
    let matrix = [
        //         Start  Stop   Delete Delete{force}
        (Pending,  [false, false, false, true]),
        (Starting, [false, false, false, true]),
        (Running,  [false, true,  false, true]),
        (Stopping, [false, false, false, true]),
        (Stopped,  [true,  false, true,  true]),
    ];
    assert_eq!(
        matrix.len(),
        InstanceStatus::ALL.len(),
        "one row per status"
    );
    let rows: Vec<_> = matrix
        .iter()
        .flat_map(|&(status, allowed)| {
            calls.iter().zip(allowed).map(move |(&call, ok)| {
                let want = if ok {
                    Ok(())
                } else {
                    Err(instance_state(status.api_name()))
                };
                let got = check_lifecycle(&instance("i-1", status), call);
                (format!("{call:?} from {}", status.api_name()), got, want)
            })
        })
        .collect();
    table(&rows);
}
