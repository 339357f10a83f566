#!/usr/bin/env bash
# bench/serve_load.sh: sustained ingest of `firebreak serve` (issue 7), measured from a second
# process on loopback by firebreak_serve_load (bench/serve_load.cpp). Results: bench/README.md,
# section "serve: sustained ingest".
#
# Builds nothing. Build the two release binaries once first (other engineers share the build
# folder and the 2 cores: always through the lock):
#   flock build/.lock cmake --preset release     # only if build/release is not configured yet
#   flock build/.lock cmake --build --preset release --target firebreak firebreak_serve_load
#
# For each shape it starts a fresh `firebreak serve` (new state folder, 127.0.0.1 port 0,
# detection only: the built-in rules, no playbooks, no sources, no evidence digests), runs the
# load for FB_LOAD_DURATION seconds, waits for the drain, records serve's peak RSS (VmHWM), stops
# serve and writes bench/out/serve-load/results.md (+ one JSON file per run).
#
# Knobs (environment):
#   FIREBREAK, SERVE_LOAD   the binaries (default: build/release/...)
#   FIREBREAK_TOKEN         the bearer token (default: a random one)
#   FB_LOAD_DURATION        seconds per run (20)
#   FB_LOAD_MATCH_RATIO     fraction of records that make a finding (0.01)
#   FB_LOAD_SHAPES          "BATCHxCONNECTIONS[@RATE] ..." ("1x8 100x4 500x2"; @RATE: open loop
#                           at RATE events/s in total, e.g. 100x4@10000)
#   FB_LOAD_BACKPRESSURE    1 = also the small-queue run (serve.queue.max-batches 4, 1 worker) (1)
#   FB_LOAD_OUT             results folder (bench/out/serve-load)
#   FB_LOAD_PIN             1 = serve on core 1 with 1 detection worker, the load on core 0, when
#                           taskset exists and there are 2+ cores; 0 = no pinning, workers: 0 (1)
set -euo pipefail
cd "$(dirname "$0")/.."

FIREBREAK=${FIREBREAK:-build/release/apps/firebreak/firebreak}
SERVE_LOAD=${SERVE_LOAD:-build/release/bench/firebreak_serve_load}
DURATION=${FB_LOAD_DURATION:-20}
MATCH=${FB_LOAD_MATCH_RATIO:-0.01}
SHAPES=${FB_LOAD_SHAPES:-"1x8 100x4 500x2"}
BACKPRESSURE=${FB_LOAD_BACKPRESSURE:-1}
PIN=${FB_LOAD_PIN:-1}
OUT=${FB_LOAD_OUT:-bench/out/serve-load}

for bin in "$FIREBREAK" "$SERVE_LOAD"; do
    if [[ ! -x $bin ]]; then
        echo "missing $bin: flock build/.lock cmake --build --preset release --target firebreak firebreak_serve_load" >&2
        exit 1
    fi
done
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

# Copies, so a rebuild during the run changes nothing.
mkdir -p "$OUT" /tmp/fb-serve-load
cp "$FIREBREAK" /tmp/fb-serve-load/firebreak
cp "$SERVE_LOAD" /tmp/fb-serve-load/firebreak_serve_load
FIREBREAK=/tmp/fb-serve-load/firebreak
SERVE_LOAD=/tmp/fb-serve-load/firebreak_serve_load

if [[ -z ${FIREBREAK_TOKEN:-} ]]; then
    FIREBREAK_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
export FIREBREAK_TOKEN

SERVE_PIN=()
LOAD_PIN=()
WORKERS=0
if [[ $PIN == 1 ]] && command -v taskset >/dev/null && (($(nproc) >= 2)); then
    SERVE_PIN=(taskset -c 1)
    LOAD_PIN=(taskset -c 0)
    WORKERS=1
fi

serve_pid=
stop_serve() {
    if [[ -n $serve_pid ]] && kill -0 "$serve_pid" 2>/dev/null; then
        kill -TERM "$serve_pid"
        wait "$serve_pid" 2>/dev/null || true
    fi
    serve_pid=
}
trap stop_serve EXIT

# run LABEL BATCH CONNECTIONS WORKERS MAX_BATCHES MATCH_RATIO [RATE]
run() {
    local label=$1 batch=$2 conns=$3 workers=$4 max_batches=$5 match=$6 rate=${7:-0}
    local dir=$OUT/$label
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/firebreak.yaml" <<EOF
# Detection only: built-in rules, no playbooks (responses would dominate), no sources.
serve:
  token: \${FIREBREAK_TOKEN}
  workers: $workers
  queue: {max-batches: $max_batches, max-bytes: 256MiB}
  seal-every: 0
builtin-playbooks: false
EOF
    "${SERVE_PIN[@]}" "$FIREBREAK" serve --config "$dir/firebreak.yaml" --listen 127.0.0.1:0 \
        --state "$dir/state" --port-file "$dir/port" --quiet >"$dir/serve.log" 2>&1 &
    serve_pid=$!
    for _ in $(seq 300); do
        [[ -s $dir/port ]] && break
        kill -0 "$serve_pid" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
        sleep 0.1
    done
    local port
    port=$(cat "$dir/port")
    echo "== $label: batch $batch x $conns connections, serve workers $workers, queue $max_batches batches, match ratio $match, rate ${rate} (0 = closed loop), ${DURATION} s" >&2
    # serve's CPU time (user + system clock ticks) over the load and the drain.
    local ticks0 ticks1 hwm
    ticks0=$(awk '{print $14 + $15}' "/proc/$serve_pid/stat")
    /usr/bin/time -f '%U %S' -o "$dir/load.time" "${LOAD_PIN[@]}" "$SERVE_LOAD" \
        --url "http://127.0.0.1:$port" --batch "$batch" --connections "$conns" \
        --duration "$DURATION" --match-ratio "$match" --rate "$rate" --label "$label" --json \
        >"$dir/load.json"
    ticks1=$(awk '{print $14 + $15}' "/proc/$serve_pid/stat")
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$serve_pid/status")
    python3 - "$dir/load.json" "$hwm" "$workers" "$max_batches" "$((ticks1 - ticks0))" \
        "$(getconf CLK_TCK)" "$(awk '{print $1 + $2}' "$dir/load.time")" <<'EOF'
import json, sys
path, hwm, workers, max_batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ticks, hz, load_cpu = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
d = json.load(open(path))
d["serve_vmhwm_kib"] = hwm
d["serve_workers"] = workers
d["queue_max_batches"] = max_batches
wall = d["elapsed_s"] + (d["drain_s"] or 0)
d["serve_cpu_s"] = ticks / hz
d["serve_cpu_share"] = ticks / hz / wall if wall > 0 else None
d["load_cpu_s"] = load_cpu
json.dump(d, open(path, "w"))
EOF
    du -sk "$dir/state/wal" 2>/dev/null | awk '{print "wal on disk after the run: " $1 " KiB"}' >&2
    stop_serve
}

start_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
labels=()
for shape in $SHAPES; do
    rate=0
    if [[ $shape == *@* ]]; then
        rate=${shape#*@}
        shape=${shape%@*}
    fi
    batch=${shape%x*}
    conns=${shape#*x}
    label="b${batch}-c${conns}"
    [[ $rate == 0 ]] || label+="-r${rate}"
    run "$label" "$batch" "$conns" "$WORKERS" 1024 "$MATCH" "$rate"
    labels+=("$label")
done
if [[ $BACKPRESSURE == 1 ]]; then
    # Slow consumers: one detection worker, a queue of 4 batches, 10% of records make findings.
    run backpressure 500 4 1 4 0.1
    labels+=(backpressure)
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$OUT" "$start_utc" "$load_start" "$load_end" "$(nproc)" "${#SERVE_PIN[@]}" "${labels[@]}" <<'EOF' >"$OUT/results.md"
import json, sys, platform, subprocess
out, start, l0, l1, nproc, pinned, labels = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] != "0", sys.argv[7:]
model = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip(); break
try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
except OSError:
    commit = "?"
print(f"# serve: sustained ingest\n")
print(f"{start}, HEAD `{commit}` (plus uncommitted work), {nproc} cores ({model}), load average {l0} before, {l1} after.")
print("serve pinned to core 1, load generator to core 0" if pinned else "no pinning")
print()
print("| run | batch x conns | rate | workers / queue | acked events/s | requests/s | request p50 / p90 / p99 / max ms | 503 | 429 | errors | drain s | ingest-to-finding p50 / p90 / p99 s | events_total | new findings | WAL fsyncs / appends | serve VmHWM MiB | serve CPU (share of wall) | load generator CPU s |")
print("| --- | --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |")
for label in labels:
    d = json.load(open(f"{out}/{label}/load.json"))
    lat, s, f = d["latency_ms"], d["server"], d["server"]["ingest_to_finding_s"]
    fmt = lambda v, n: "-" if v is None else f"{v:.{n}f}"
    print(f"| {label} | {d['batch']} x {d['connections']} | {d['rate'] or 'closed'} | {d['serve_workers']} / {d['queue_max_batches']} | "
          f"{d['events_per_s']:.0f} | {d['requests_per_s']:.0f} | "
          f"{fmt(lat['p50'],2)} / {fmt(lat['p90'],2)} / {fmt(lat['p99'],2)} / {fmt(lat['max'],1)} | "
          f"{d['refused_503']} | {d['refused_429']} | {d['errors']} | {fmt(d['drain_s'],2)} | "
          f"{fmt(f['p50'],4)} / {fmt(f['p90'],4)} / {fmt(f['p99'],4)} | {s['events_total']:.0f} | {s['findings_new']:.0f} | "
          f"{s['wal_fsyncs']:.0f} / {s['wal_appended']:.0f} | {d['serve_vmhwm_kib']/1024:.0f} | "
          f"{d['serve_cpu_s']:.1f} s ({d['serve_cpu_share']*100:.0f}%) | {d['load_cpu_s']:.1f} |")
EOF
cat "$OUT/results.md"
