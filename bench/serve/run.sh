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
set -u
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd); PEER=/work/shared/bench/serve
export BENCH_DATA=${BENCH_DATA:-$HOME/.cache/loam-bench/data}; D=$BENCH_DATA/serve
DUR=${1:-15s}; REPS=${2:-3}; OUT=${BENCH_OUT:-$HOME/.cache/loam-bench/results}/serve-loam.jsonl; mkdir -p "$(dirname "$OUT")"
WRK="wrk -t2 -c32"
measure() { # name url method ctype body [token]
  local name=$1 url=$2
  env METHOD=$3 CTYPE=$4 BODY=$5 TOKEN=${6:-} $WRK -d3s -s "$HERE/wrk_invoke.lua" "$url" > /dev/null
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local r; r=$(env METHOD=$3 CTYPE=$4 BODY=$5 TOKEN=${6:-} $WRK -d"$DUR" -s "$HERE/wrk_invoke.lua" "$url" | grep WRKJSON | sed 's/^WRKJSON //')
  echo "{\"server\": \"$name\", \"rep\": $rep, \"loadavg_before\": $load, ${r#\{}" | tee -a "$OUT"
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
