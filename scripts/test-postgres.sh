#!/usr/bin/env bash
# The store conformance run on PostgreSQL (issue 8): the end-to-end suites with every test
# server on its own schema of one database, then the several-servers tests (tests/postgres.rs).
# Starts the machine's PostgreSQL when it is not running and FAILS when it cannot reach it.
# ECSNET_TEST_DATABASE_URL defaults to the local trust-auth database `test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export ECSNET_TEST_DATABASE_URL="${ECSNET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
PSQL=(psql "$ECSNET_TEST_DATABASE_URL" -v ON_ERROR_STOP=1 -qAt)

if ! pg_isready -q -d "$ECSNET_TEST_DATABASE_URL"; then
    echo "== starting PostgreSQL"
    for version in $(ls /etc/postgresql 2>/dev/null); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do
        pg_isready -q -d "$ECSNET_TEST_DATABASE_URL" && break
        sleep 1
    done
fi
if ! "${PSQL[@]}" -c "SELECT 1" >/dev/null; then
    echo "FAIL: PostgreSQL is unreachable at $ECSNET_TEST_DATABASE_URL" >&2
    exit 1
fi

drop_test_schemas() {
    "${PSQL[@]}" -c "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ecsnet\_t\_%'" |
        while read -r schema; do
            "${PSQL[@]}" -c "DROP SCHEMA $schema CASCADE" 2>/dev/null || true
        done
}
drop_test_schemas
trap drop_test_schemas EXIT

# The suites that drive the store end to end (snapshots, the SQLite checker, the crash and
# CLI tests are SQLite's own).
cargo test \
    --test seed_flow --test e2e_groups --test e2e_enis --test e2e_instances_vpc \
    --test e2e_instance_changes --test e2e_launch_enis --test e2e_queue_number \
    --test e2e_rules --test e2e_tags_idempotency --test e2e_transitions \
    --test e2e_dry_run_and_filters --test postgres
# The concurrent conflict stress with two servers on one schema, then the checker over it
# (the SQLite-only stress runs stay in the plain `cargo test`).
cargo test --test stress two_postgres_servers
# Restart keeps state (the credentials-file tests run the binary on a data dir).
cargo test --test restart -- --skip credentials --skip another_root_key
