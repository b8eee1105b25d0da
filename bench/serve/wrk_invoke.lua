-- wrk script for Loam's InvokeEndpoint: BODY (file), CTYPE, TOKEN (bearer) from the environment.
-- Prints one WRKJSON line like ../../shared/bench/serve/wrk_post.lua.
wrk.method = os.getenv("METHOD") or "POST"
if wrk.method == "POST" then
  local f = io.open(os.getenv("BODY"), "rb"); wrk.body = f:read("*a"); f:close()
  wrk.headers["Content-Type"] = os.getenv("CTYPE") or "text/csv"
end
if os.getenv("TOKEN") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN") end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "requests": %d, "sock_errors": %d, "non2xx": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
