#!/usr/bin/env bash
# ecsnet against moto's server, in one run, on the same machine: moto first (seeded through
# the EC2 API to each of MOTO_SIZES, every line at concurrency 1, 8, 32), then ecsnet (release
# build, seeded through its API with `ecsnet seed --enis` to each of ECSNET_SIZES, `ecsnet bench`
# at each size, then describe-by-group again with the server's answer cache off; cold start
# and RSS at each size). Results go to $OUT as JSON lines;
# benches/report.py prints the ratios and draws docs/performance.png from them.
#
#   bash benches/compare.sh                                   # the figures in docs/performance.md
#   MOTO_SIZES=2000 ECSNET_SIZES=2000 DURATION=1s bash benches/compare.sh   # a quick look
#
# KEEP_DATA=1 keeps the seeded stores (the path is printed at the end).
# Needs python3 (a venv with moto[server], boto3 and matplotlib is made in benches/.venv) and
# disk for the largest store (about 1.3 GB at 1,000,000 ENIs).
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_SIZES=${MOTO_SIZES:-10000,50000}
ECSNET_SIZES=${ECSNET_SIZES:-10000,50000,100000,1000000}
DURATION=${DURATION:-5s}          # ecsnet: measured time per line and concurrency
MOTO_DURATION=${MOTO_DURATION:-10}  # moto: seconds (it is slow enough to need more)
CONCURRENCY=${CONCURRENCY:-1,8,32}
OUT=${OUT:-benches/results/latest.jsonl}
MOTO_PORT=${MOTO_PORT:-9511}
ECSNET_PORT=${ECSNET_PORT:-9411}
VENV=benches/.venv
KEY_ID=BenchRootKeyId0001
SECRET=BenchRootSecret0001

if [ ! -x "$VENV/bin/moto_server" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "moto[server]==5.2.5" boto3 matplotlib
fi
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/ecsnet"
PY="$VENV/bin/python"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP_DATA:-}" ]; then echo "kept the stores in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$(dirname "$OUT")"
: > "$OUT"
note() { echo "$(date +%T) $*" >&2; }
record() { echo "$1" >> "$OUT"; }
wait_port() { for _ in $(seq 500); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.02; done; exit 1; }

record "{\"line\":\"machine\",\"uptime\":\"$(uptime)\",\"nproc\":$(nproc)}"

# --- moto -------------------------------------------------------------------------------
note "moto: starting its server"
moto_started=$(date +%s.%N)
"$VENV/bin/moto_server" -p "$MOTO_PORT" > "$work/moto.log" 2>&1 &
moto_pid=$!
pids+=("$moto_pid")
until curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" 2>/dev/null; do sleep 0.01; done
moto_start_ms=$(echo "($(date +%s.%N) - $moto_started) * 1000" | bc)
moto_idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$moto_pid/status")
record "{\"server\":\"moto\",\"line\":\"startup\",\"size\":0,\"cold_start_ms\":$moto_start_ms,\"idle_rss_kb\":$moto_idle_kb}"
"$PY" benches/moto_bench.py --endpoint "http://127.0.0.1:$MOTO_PORT" --sizes "$MOTO_SIZES" \
  --concurrency "$CONCURRENCY" --duration "$MOTO_DURATION" >> "$OUT"
record "{\"server\":\"moto\",\"line\":\"rss\",\"size\":${MOTO_SIZES##*,},\"rss_kb\":$(awk '/VmRSS/ {print $2}' "/proc/$moto_pid/status")}"
kill "$moto_pid"; wait "$moto_pid" 2>/dev/null || true

# --- ecsnet -----------------------------------------------------------------------------
largest=${ECSNET_SIZES##*,}
data="$work/ecsnet-data"
serve_args=(--max-enis-per-region $((largest + 1000)) --max-security-groups-per-region 1000)
export ECSNET_ROOT_ACCESS_KEY_ID=$KEY_ID ECSNET_ROOT_ACCESS_KEY_SECRET=$SECRET
target=(--endpoint "127.0.0.1:$ECSNET_PORT" --access-key-id "$KEY_ID" --access-key-secret "$SECRET" --region cn-hangzhou)

note "ecsnet: cold start, empty store"
record "$("$PY" benches/startup.py "$BIN" "$data" "$ECSNET_PORT" "$KEY_ID" "$SECRET" "${serve_args[@]}" \
  | sed 's/^{/{"server":"ecsnet","line":"startup","size":0,/')"

seeded=0
IFS=, read -ra sizes <<< "$ECSNET_SIZES"
for size in "${sizes[@]}"; do
  "$BIN" serve --listen "127.0.0.1:$ECSNET_PORT" --data-dir "$data" "${serve_args[@]}" 2> "$work/ecsnet.log" &
  pid=$!
  pids+=("$pid")
  wait_port "$ECSNET_PORT"
  note "ecsnet: seeding $((size - seeded)) ENIs (to $size)"
  "$BIN" seed --enis $((size - seeded)) --concurrency 32 "${target[@]}" > "$work/seed.json"
  record "$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps({"server":"ecsnet","line":"seed","size":int(sys.argv[2]),"enis":s["NetworkInterfaces"],"seconds":s["Seconds"]}))' "$work/seed.json" "$size")"
  seeded=$size
  note "ecsnet: bench at $size ENIs"
  "$BIN" bench --json --duration "$DURATION" --concurrency "$CONCURRENCY" "${target[@]}" \
    | sed "s/^{/{\"server\":\"ecsnet\",\"size\":$size,/" >> "$OUT"
  record "{\"server\":\"ecsnet\",\"line\":\"rss\",\"size\":$size,\"rss_kb\":$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"),\"disk_kb\":$(du -sk "$data" | cut -f1)}"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  note "ecsnet: describe-by-group at $size ENIs without the answer cache"
  "$BIN" serve --listen "127.0.0.1:$ECSNET_PORT" --data-dir "$data" "${serve_args[@]}" --eni-answer-cache 0 2> "$work/ecsnet.log" &
  pid=$!
  pids+=("$pid")
  wait_port "$ECSNET_PORT"
  "$BIN" bench --json --lines describe-by-group --duration "$DURATION" --concurrency "$CONCURRENCY" "${target[@]}" \
    | sed "s/^{/{\"server\":\"ecsnet\",\"size\":$size,/; s/\"line\":\"describe-by-group\"/\"line\":\"describe-by-group-uncached\"/" >> "$OUT"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  note "ecsnet: cold start at $size ENIs"
  record "$("$PY" benches/startup.py "$BIN" "$data" "$ECSNET_PORT" "$KEY_ID" "$SECRET" "${serve_args[@]}" \
    | sed "s/^{/{\"server\":\"ecsnet\",\"line\":\"startup\",\"size\":$size,/")"
done
record "{\"line\":\"machine-after\",\"uptime\":\"$(uptime)\"}"

"$PY" benches/report.py "$OUT"
