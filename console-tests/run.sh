#!/usr/bin/env bash
# The console's browser tests: build ecsnet, make sure Debian's chromium is installed, install
# playwright-core from the lockfile, and walk every console flow in headless Chromium against
# real servers (node --test). A missing browser, node or npm fails; nothing is ever skipped.
# Run from anywhere: bash console-tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

fail() { echo "console-tests: FAIL: $*" >&2; exit 1; }
for tool in cargo node npm; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (the console tests need it)"
done

if [ ! -x /usr/bin/chromium ]; then
    echo "== apt-get install chromium chromium-driver"
    command -v apt-get >/dev/null 2>&1 || fail "/usr/bin/chromium is missing and apt-get is not available"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium chromium-driver
fi
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is still missing after apt-get"
echo "== $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium (version unknown)')"

echo "== cargo build"
cargo build
export ECSNET_BIN="${ECSNET_BIN:-$root/target/debug/ecsnet}"

echo "== npm ci (playwright-core)"
(cd console-tests && npm ci --no-audit --no-fund)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== node --test (headless Chromium; screenshots into docs/console/)"
status=0
(cd console-tests && node --test --test-concurrency=1 --test-reporter=spec) | tee "$out" || status=1
counts=$(grep -oE '^\S+ (tests|pass|fail) [0-9]+$' "$out" | grep -oE '(tests|pass|fail) [0-9]+' | paste -sd' ' -)
[ "$status" -eq 0 ] && result=ok || result=FAILED
echo "console-tests: $result (${counts:-no result}); screenshots: $(ls docs/console/*.png 2>/dev/null | wc -l) in docs/console/"
exit $status
