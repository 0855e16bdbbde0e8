//! The checker on a small hand-written store: clean as written, and each invariant broken
//! once to show the checker names it.

use std::path::PathBuf;

use rusqlite::Connection;

use super::{check_connection, check_data_dir, CheckError, Report};
use crate::model::Limits;

/// A fresh store (created and migrated by the store itself) holding one account, a VPC with
/// a vSwitch (192.168.1.0/24, zone h), basic groups sg-b1 and sg-b2, advanced group sg-a1,
/// instance i-1 (ecs.g6.large: 2 ENIs) with primary ENI eni-p1 in sg-b1, and secondary ENI
/// eni-s1 in sg-b2 attached to it.
fn store() -> (PathBuf, Connection) {
    let dir = std::env::temp_dir().join(format!("ecsnet-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    drop(crate::store::open(&dir, 1).expect("the store opens"));
    let conn = Connection::open(crate::store::database_path(&dir)).unwrap();
    // The tests break the store on purpose, foreign keys included.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO accounts VALUES ('acct', 0);
         INSERT INTO vpcs (id, account_id, region_id, name, description, cidr_block, status, vrouter_id, route_table_id, created_at)
             VALUES ('vpc-1', 'acct', 'cn-hangzhou', '', '', '192.168.0.0/16', 'Available', 'vrt', 'vtb', 0),
                    ('vpc-2', 'acct', 'cn-hangzhou', '', '', '10.0.0.0/16', 'Available', 'vrt', 'vtb', 0);
         INSERT INTO vswitches (id, account_id, region_id, vpc_id, zone_id, name, description, cidr_block, status, created_at)
             VALUES ('vsw-1', 'acct', 'cn-hangzhou', 'vpc-1', 'cn-hangzhou-h', '', '', '192.168.1.0/24', 'Available', 0);
         INSERT INTO security_groups (id, account_id, region_id, vpc_id, name, description, kind, inner_access_policy, created_at)
             VALUES ('sg-b1', 'acct', 'cn-hangzhou', 'vpc-1', '', '', 'normal', 'Accept', 0),
                    ('sg-b2', 'acct', 'cn-hangzhou', 'vpc-1', '', '', 'normal', 'Accept', 0),
                    ('sg-a1', 'acct', 'cn-hangzhou', 'vpc-1', '', '', 'enterprise', 'Drop', 0),
                    ('sg-other', 'acct', 'cn-hangzhou', 'vpc-2', '', '', 'normal', 'Accept', 0);
         INSERT INTO instances (id, account_id, region_id, zone_id, vpc_id, vswitch_id, name, description, host_name, instance_type, image_id, status, created_at)
             VALUES ('i-1', 'acct', 'cn-hangzhou', 'cn-hangzhou-h', 'vpc-1', 'vsw-1', '', '', '', 'ecs.g6.large', 'img', 'Running', 0);
         INSERT INTO enis (id, account_id, region_id, zone_id, vpc_id, vswitch_id, name, description, type, status, instance_id, mac_address, delete_on_release, source_dest_check, created_at)
             VALUES ('eni-p1', 'acct', 'cn-hangzhou', 'cn-hangzhou-h', 'vpc-1', 'vsw-1', '', '', 'Primary', 'InUse', 'i-1', 'm', 1, 0, 0),
                    ('eni-s1', 'acct', 'cn-hangzhou', 'cn-hangzhou-h', 'vpc-1', 'vsw-1', '', '', 'Secondary', 'InUse', 'i-1', 'm', 0, 0, 0);
         INSERT INTO eni_groups VALUES ('eni-p1', 'sg-b1', 1, 0), ('eni-s1', 'sg-b2', 2, 0);
         -- 192.168.1.10 and 192.168.1.11
         INSERT INTO private_ips VALUES ('vsw-1', 3232235786, 'eni-p1', 1), ('vsw-1', 3232235787, 'eni-s1', 1);",
    )
    .unwrap();
    (dir, conn)
}

fn check(conn: &Connection) -> Report {
    check_connection(conn, &Limits::default()).unwrap()
}

/// Applies `sql` to the clean store and asserts the checker reports `rule` with every one
/// of `ids` in one line.
#[track_caller]
fn broken(sql: &str, rule: &str, ids: &[&str]) {
    let (_dir, conn) = store();
    assert!(check(&conn).is_clean(), "{:?}", check(&conn).violations);
    conn.execute_batch(sql).unwrap();
    let report = check(&conn);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.rule == rule && ids.iter().all(|id| v.detail.contains(id))),
        "after {sql}: expected {rule} naming {ids:?}, got {:?}",
        report.violations
    );
}

#[test]
fn a_consistent_store_is_clean() {
    let (dir, conn) = store();
    let report = check(&conn);
    assert!(report.is_clean(), "{:?}", report.violations);
    assert!(
        report.summary().contains("1 instances, 2 ENIs"),
        "{}",
        report.summary()
    );
    assert!(report.summary().ends_with("0 violations"));
    drop(conn);
    assert!(check_data_dir(&dir, &Limits::default()).unwrap().is_clean());
}

#[test]
fn a_missing_store_is_an_error_not_a_new_one() {
    let dir = std::env::temp_dir().join(format!("ecsnet-check-{}", uuid::Uuid::new_v4()));
    assert!(matches!(
        check_data_dir(&dir, &Limits::default()),
        Err(CheckError::Missing(_))
    ));
    assert!(!dir.exists());
}

#[test]
fn resources_in_no_group() {
    broken(
        "DELETE FROM eni_groups WHERE eni_id = 'eni-s1'",
        "no-group",
        &["eni-s1"],
    );
    broken(
        "DELETE FROM eni_groups WHERE eni_id = 'eni-p1'",
        "no-group",
        &["i-1", "eni-p1"],
    );
}

#[test]
fn mixed_kinds_on_one_resource() {
    broken(
        "INSERT INTO eni_groups VALUES ('eni-p1', 'sg-a1', 1, 1)",
        "mixed-kinds",
        &["i-1"],
    );
    broken(
        "INSERT INTO eni_groups VALUES ('eni-s1', 'sg-a1', 2, 1)",
        "mixed-kinds",
        &["eni-s1"],
    );
}

#[test]
fn attached_eni_of_the_other_kind() {
    broken(
        "UPDATE eni_groups SET group_id = 'sg-a1' WHERE eni_id = 'eni-s1'",
        "attach-kind",
        &["eni-s1", "i-1"],
    );
}

#[test]
fn instance_without_its_primary_eni() {
    broken(
        "DELETE FROM private_ips WHERE eni_id = 'eni-p1';
         DELETE FROM eni_groups WHERE eni_id = 'eni-p1';
         DELETE FROM enis WHERE id = 'eni-p1'",
        "primary-eni",
        &["i-1"],
    );
    broken(
        "UPDATE enis SET status = 'Available' WHERE id = 'eni-p1'",
        "primary-eni",
        &["eni-p1", "i-1"],
    );
}

#[test]
fn group_limits_and_capacities() {
    let limits = Limits {
        groups_per_eni: 1,
        basic_group_capacity: 1,
        ..Limits::default()
    };
    let (_dir, conn) = store();
    assert!(check_connection(&conn, &limits).unwrap().is_clean());
    conn.execute_batch("INSERT INTO eni_groups VALUES ('eni-s1', 'sg-b1', 2, 1)")
        .unwrap();
    let report = check_connection(&conn, &limits).unwrap();
    let rules: Vec<&str> = report.violations.iter().map(|v| v.rule).collect();
    assert_eq!(
        rules,
        ["groups-per-resource", "group-capacity"],
        "{report:?}"
    );
    assert!(report.violations[1].detail.contains("sg-b1"));
}

#[test]
fn groups_of_another_vpc() {
    broken(
        "UPDATE eni_groups SET group_id = 'sg-other' WHERE eni_id = 'eni-s1'",
        "group-vpc",
        &["eni-s1", "sg-other"],
    );
}

#[test]
fn more_enis_than_the_type_allows() {
    broken(
        "INSERT INTO enis (id, account_id, region_id, zone_id, vpc_id, vswitch_id, name, description, type, status, instance_id, mac_address, delete_on_release, source_dest_check, created_at)
             VALUES ('eni-s2', 'acct', 'cn-hangzhou', 'cn-hangzhou-h', 'vpc-1', 'vsw-1', '', '', 'Secondary', 'InUse', 'i-1', 'm', 0, 0, 0);
         INSERT INTO eni_groups VALUES ('eni-s2', 'sg-b2', 3, 0);
         INSERT INTO private_ips VALUES ('vsw-1', 3232235788, 'eni-s2', 1);",
        "enis-per-instance",
        &["i-1"],
    );
}

#[test]
fn advanced_groups_on_a_type_that_cannot_use_them() {
    broken(
        "UPDATE instances SET instance_type = 'ecs.t5-lc1m1.small';
         UPDATE eni_groups SET group_id = 'sg-a1' WHERE eni_id = 'eni-p1';
         DELETE FROM private_ips WHERE eni_id = 'eni-s1';
         DELETE FROM eni_groups WHERE eni_id = 'eni-s1';
         DELETE FROM enis WHERE id = 'eni-s1';",
        "instance-type",
        &["i-1"],
    );
}

#[test]
fn attachment_and_status() {
    broken(
        "UPDATE enis SET status = 'Available' WHERE id = 'eni-s1'",
        "attach-state",
        &["eni-s1"],
    );
    broken(
        "UPDATE enis SET instance_id = NULL WHERE id = 'eni-s1'",
        "attach-state",
        &["eni-s1"],
    );
    broken(
        "UPDATE instances SET status = 'Sleeping'",
        "status",
        &["i-1"],
    );
}

#[test]
fn orphan_rows() {
    broken(
        "INSERT INTO eni_groups VALUES ('eni-gone', 'sg-b1', 9, 0)",
        "orphan",
        &["eni-gone"],
    );
    broken(
        "INSERT INTO eni_groups VALUES ('eni-s1', 'sg-gone', 2, 1)",
        "orphan",
        &["sg-gone"],
    );
    broken(
        "INSERT INTO private_ips VALUES ('vsw-1', 3232235800, 'eni-gone', 0)",
        "orphan",
        &["eni-gone"],
    );
    broken(
        "INSERT INTO tags VALUES ('acct', 'cn-hangzhou', 'eni', 'eni-gone', 'k', 'v')",
        "orphan",
        &["eni-gone"],
    );
    broken(
        "INSERT INTO events (at, account_id, region_id, action, resource_ids, request_id) VALUES (0, 'acct', 'cn-hangzhou', 'X', '', 'r');
         INSERT INTO transitions VALUES ('i-gone', 'Instance.Start', 0, 1)",
        "orphan",
        &["i-gone"],
    );
    broken(
        "INSERT INTO transitions VALUES ('i-1', 'Instance.Start', 0, 42)",
        "orphan",
        &["i-1", "missing event"],
    );
    broken(
        "INSERT INTO security_group_rules (id, group_id, direction, ip_protocol, port_range, source_group_id, policy, priority, nic_type, created_at)
             VALUES ('sgr-1', 'sg-gone', 'ingress', 'TCP', '22/22', '', 'accept', 1, 'intranet', 0)",
        "orphan",
        &["sgr-1", "sg-gone"],
    );
    broken(
        "UPDATE enis SET instance_id = 'i-gone' WHERE id = 'eni-s1'",
        "orphan",
        &["eni-s1", "i-gone"],
    );
}

#[test]
fn declared_foreign_keys() {
    broken(
        "INSERT INTO access_keys VALUES ('key', 'secret', 'acct-gone', 1, 0)",
        "foreign-key",
        &["access_keys", "accounts"],
    );
}

#[test]
fn addresses_inside_their_vswitch_and_one_primary() {
    // 192.168.2.1 is outside 192.168.1.0/24; .255 is the broadcast address.
    broken(
        "UPDATE private_ips SET ip = 3232236033 WHERE eni_id = 'eni-s1'",
        "address-in-vswitch",
        &["192.168.2.1", "eni-s1"],
    );
    broken(
        "UPDATE private_ips SET ip = 3232236031 WHERE eni_id = 'eni-s1'",
        "address-in-vswitch",
        &["192.168.1.255"],
    );
    broken(
        "UPDATE private_ips SET is_primary = 0 WHERE eni_id = 'eni-s1'",
        "address-primary",
        &["eni-s1"],
    );
}
