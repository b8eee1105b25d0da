#!/bin/bash
# Serving bench, one run, peers back to back (REPS times): single-row CSV invocations, wrk -t2 -c32.
#   bare node:http answering a constant (../../../shared/bench/serve/app_node.js, GET /ping)
#   bare node:http answering a constant to the same CSV POST (node_constant.cjs)
#   Loam: InvokeEndpoint (bearer token) on the built-in GBDT endpoint (100 trees, depth 6, 50 features),
#         the main process alone and with one serving worker (server.servingWorkers: 1)
#   FastAPI + uvicorn, 2 workers, XGBoost inplace_predict on the same-shaped model (app_fastapi.py)
# usage: bash bench/serve/run.sh [DURATION=15s] [REPS=3]   (after: /usr/bin/python3 bench/serve/prepare.py and npm run build)
# Loam runs from the build (packages/*/dist), as `loam up` does; only this driver script goes through tsx.
# Every server runs in its own process group (setsid) and is stopped with kill -- -PGID (only ours).
# Each row also gives the CPU time per request of the server's process group and of wrk (/proc, time(1)).
set -u
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd); PEER=/work/shared/bench/serve
export BENCH_DATA=${BENCH_DATA:-$HOME/.cache/loam-bench/data}; D=$BENCH_DATA/serve
DUR=${1:-15s}; REPS=${2:-3}; OUT=${BENCH_OUT:-$HOME/.cache/loam-bench/results}/serve-loam.jsonl; mkdir -p "$(dirname "$OUT")"
WRK="wrk -t2 -c32"
# CPU ticks (user + system, every thread) of the processes in process group $1: a server and its workers.
group_ticks() { /usr/bin/python3 - "$1" <<'PY'
import os, sys
g, t = sys.argv[1], 0
for p in os.listdir('/proc'):
    if not p.isdigit(): continue
    try: s = open(f'/proc/{p}/stat').read()
    except OSError: continue
    f = s[s.rindex(')') + 2:].split()
    if f[2] == g: t += int(f[11]) + int(f[12])
print(t)
PY
}
HZ=$(getconf CLK_TCK)
measure() { # name url method ctype body [token]; $P: the server's process group
  local name=$1 url=$2
  env METHOD=$3 CTYPE=$4 BODY=$5 TOKEN=${6:-} $WRK -d3s -s "$HERE/wrk_invoke.lua" "$url" > /dev/null
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local t0; t0=$(group_ticks "$P")
  local r; r=$(env METHOD=$3 CTYPE=$4 BODY=$5 TOKEN=${6:-} /usr/bin/time -f '%U %S' -o "$D/wrk-time" $WRK -d"$DUR" -s "$HERE/wrk_invoke.lua" "$url" | grep WRKJSON | sed 's/^WRKJSON //')
  local t1; t1=$(group_ticks "$P")
  # CPU per request: the server (all its processes) and wrk, over the measured run.
  local cpu; cpu=$(/usr/bin/python3 -c "import json,sys; n=json.loads(sys.argv[1])['requests']; u,s=map(float,open(sys.argv[2]).read().split()[-2:]); print(f'\"server_cpu_us_per_req\": {1e6*($t1-$t0)/$HZ/n:.1f}, \"wrk_cpu_us_per_req\": {1e6*(u+s)/n:.1f}')" "$r" "$D/wrk-time")
  echo "{\"server\": \"$name\", \"rep\": $rep, \"loadavg_before\": $load, $cpu, ${r#\{}" | tee -a "$OUT"
}
for rep in $(seq "$REPS"); do
  # bare node: constant answer
  setsid env PORT=8090 WORKERS=1 node "$PEER/app_node.js" > /dev/null 2>&1 & P=$!
  for i in $(seq 50); do curl -sf localhost:8090/ping > /dev/null && break; sleep 0.1; done
  measure node_http_constant http://127.0.0.1:8090/ping GET text/plain /dev/null
  kill -- -$P; wait $P 2>/dev/null

  # bare node: constant answer to the same POST (body read and dropped)
  setsid env PORT=8091 node "$HERE/node_constant.cjs" > /dev/null 2>&1 & P=$!
  for i in $(seq 50); do curl -sf -X POST localhost:8091/x > /dev/null && break; sleep 0.1; done
  measure node_http_constant_post http://127.0.0.1:8091/endpoints/bench/invocations POST text/csv "$D/payload.csv"
  kill -- -$P; wait $P 2>/dev/null

  # Loam: the main process alone, then with one serving worker (ADR 0015)
  for W in 0 1; do
    setsid bash -c "cd '$ROOT' && LOAM_SERVER__SERVING_WORKERS=$W exec npx tsx bench/serve/serve-loam.ts 8095" > "$D/loam.log" 2>&1 & P=$!
    for i in $(seq 3000); do grep -q '^READY' "$D/loam.log" && break; sleep 0.2; done
    read -r _ URL TOKEN PRED < <(grep '^READY' "$D/loam.log")
    echo "loam prediction for the payload: $PRED (xgboost: $(cat "$D/expected.txt"))"
    measure "loam_invoke_csv_workers$W" "$URL/endpoints/bench/invocations" POST text/csv "$D/payload.csv" "$TOKEN"
    kill -- -$P; wait $P 2>/dev/null
  done

  # FastAPI + uvicorn, 2 workers, XGBoost
  setsid bash -c "cd '$PEER' && exec /usr/bin/python3 -m uvicorn app_fastapi:app --port 8081 --workers 2 --no-access-log --log-level warning" > "$D/fastapi.log" 2>&1 & P=$!
  for i in $(seq 100); do curl -sf localhost:8081/ping > /dev/null && break; sleep 0.2; done
  measure fastapi_uvicorn_w2_csv http://127.0.0.1:8081/invocations POST text/csv "$D/payload.csv"
  kill -- -$P; wait $P 2>/dev/null; sleep 0.5
done
