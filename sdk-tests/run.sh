#!/usr/bin/env bash
# The official SDK tests: build ecsnet, install the pinned Python and Node SDKs, and drive a real
# server through each of them (pytest, then node --test). A missing python3, node or npm fails;
# nothing is ever skipped. Run from anywhere: bash sdk-tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

fail() { echo "sdk-tests: FAIL: $*" >&2; exit 1; }
for tool in cargo python3 node npm; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (the SDK tests need it)"
done

echo "== cargo build"
cargo build
export ECSNET_BIN="${ECSNET_BIN:-$root/target/debug/ecsnet}"

echo "== Python SDKs: venv sdk-tests/python/.venv, pip install -r requirements.txt"
venv=sdk-tests/python/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r sdk-tests/python/requirements.txt

echo "== Node SDKs: npm ci"
(cd sdk-tests/node && npm ci --no-audit --no-fund)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
echo "== pytest (aliyun-python-sdk-core, alibabacloud-ecs20140526)"
if (cd sdk-tests/python && .venv/bin/python -m pytest -q) | tee "$out/py"; then
    py=ok
else
    py=FAILED status=1
fi

echo "== node --test (@alicloud/pop-core GET and POST, @alicloud/ecs20140526)"
if (cd sdk-tests/node && node --test --test-reporter=spec) | tee "$out/node"; then js=ok; else js=FAILED status=1; fi

py_counts=$(grep -E '(passed|failed|error)' "$out/py" | tail -1 | tr -d '=' | xargs)
js_counts=$(grep -oE '^\S+ (pass|fail) [0-9]+$' "$out/node" | grep -oE '(pass|fail) [0-9]+' | paste -sd' ' -)
echo "sdk-tests: python $py (${py_counts:-no result}); node $js (${js_counts:-no result})"
exit $status
