-- wrk script: POST one OpenAI chat request. BODY_FILE holds the body; AUTH (optional) the value of
-- the Authorization header (the direct side needs the signed 0G session token).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

-- One machine-readable line for side_by_side.sh: rps, p50/p99 in microseconds, non-200 answers.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.0f p50_us=%d p90_us=%d p99_us=%d requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / seconds, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    summary.requests, (summary.errors.status or 0),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
