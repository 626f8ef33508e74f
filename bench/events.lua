-- wrk script: POSTs ~150-byte events with random session ids, counts statuses per thread,
-- and prints one JSON line (latencies in microseconds) for bench/run.ts to parse.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local payloads = {
  { "card_click", '{"card_id":"c_%05d","position":%d,"list":"recommended"}' },
  { "sage_query", '{"query":"quiet hotels near the lake %05d","results":%d}' },
  { "filter_change", '{"filter":"price","from":"any","to":"under_%05d_%d"}' },
}
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  math.randomseed(os.time() * 100 + id)
  sent, answered, accepted, unavailable, other = 0, 0, 0, 0, 0
end

function request()
  sent = sent + 1
  local kind = payloads[math.random(1, 3)]
  local session = string.format("%08x%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff),
    math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  local payload = string.format(kind[2], math.random(0, 99999), math.random(1, 48))
  local body = '{"session_id":"' .. session .. '","event_type":"' .. kind[1] .. '","payload":' .. payload .. '}'
  return wrk.format("POST", "/api/events", headers, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status == 202 then
    accepted = accepted + 1
  elseif status == 503 then
    unavailable = unavailable + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { sent = 0, answered = 0, accepted = 0, unavailable = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"sent":%d,"answered":%d,"accepted":%d,"unavailable":%d,"other":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}\n',
    summary.duration, summary.requests, totals.sent, totals.answered, totals.accepted, totals.unavailable, totals.other,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
