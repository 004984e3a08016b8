-- wrk script for bench/lib/run-load.js: POST a JSON body read from a file, then print one JSON line.
-- Usage: wrk -t1 -c<N> -d<S>s --timeout 10s -s bench/lib/wrk-post.lua <url> -- <body file>
-- Top-level code runs in the main thread and in every load thread; init(args) runs in each load thread
-- only, before wrk builds its request, so the body is read (and set) there.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  local path = args[1]
  if path == nil then error("wrk-post.lua: body file missing (wrk ... -- <body file>)") end
  local f = assert(io.open(path, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

-- Runs once in the main thread after the run. duration and latencies are in microseconds; errors.status
-- counts answers with a status above 399.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"wrkPost":1,"requests":%d,"duration":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
