-- wrk script for bench/rejections.ts, bench/hooks.ts and bench/batch.ts: POSTs one fixed body
-- (the file BENCH_BODY_FILE) to BENCH_PATH as BENCH_TYPE, as a frontend on another origin does
-- (an Origin header, so CORS does its work; a browser User-Agent, so the default
-- BOT_FILTER=drop stores the events), counts answers by status and prints one JSON line.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local body = file:read("*a")
file:close()
local headers = {
  ["Content-Type"] = os.getenv("BENCH_TYPE"),
  ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  ["Origin"] = "https://www.example.org",
}
local request_text

function init(args)
  statuses = {}
  request_text = wrk.format("POST", os.getenv("BENCH_PATH"), headers, body)
end

function request()
  return request_text
end

function response(status, response_headers, response_body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(counts) do table.insert(parts, string.format('"%d":%d', status, count)) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"seconds":%f,"errors":%d,"p50":%d,"p99":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(parts, ",")))
end
