-- wrk script for bench/tracking-plan.ts. Arguments: <on|off> <events per request>.
--   on:  each event carries a context (path, referrer, utm_*, screen width), and the request a
--        browser User-Agent from a pool of 200 distinct ones (a real site's mix: mostly cache hits);
--   off: the same events without context and without a User-Agent.
-- 1 event per request POSTs /api/events; more POSTs /api/events/batch. Prints one JSON line.
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
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/%d.0",
}
local context = ',"context":{"path":"/search/%d","referrer":"https://www.example.org/blog/post-%d","utm_source":"newsletter",' ..
  '"utm_medium":"email","utm_campaign":"spring-%d","screen_width":1440}'

function init(args)
  mode, size = args[1], tonumber(args[2])
  math.randomseed(os.time() * 100 + id)
  sent, answered, accepted, other = 0, 0, 0, 0
end

local function event()
  local kind = payloads[math.random(1, 3)]
  local session = string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  local payload = string.format(kind[2], math.random(0, 99999), math.random(1, 48))
  local body = '{"session_id":"' .. session .. '","event_type":"' .. kind[1] .. '","payload":' .. payload
  if mode == "on" then body = body .. string.format(context, math.random(1, 50), math.random(1, 20), math.random(1, 5)) end
  return body .. '}'
end

function request()
  sent = sent + 1
  local headers = { ["Content-Type"] = "application/json" }
  if mode == "on" then headers["User-Agent"] = string.format(agents[math.random(1, #agents)], 100 + math.random(0, 39)) end
  if size == 1 then return wrk.format("POST", "/api/events", headers, event()) end
  local events = {}
  for i = 1, size do events[i] = event() end
  return wrk.format("POST", "/api/events/batch", headers, '{"batch":[' .. table.concat(events, ",") .. ']}')
end

function response(status, headers, body)
  answered = answered + 1
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local totals = { sent = 0, answered = 0, accepted = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  io.write(string.format('WRK_JSON {"duration_us":%d,"accepted":%d,"other":%d,"p50":%d,"p99":%d}\n',
    summary.duration, totals.accepted, totals.other, latency:percentile(50), latency:percentile(99)))
end
