-- wrk script for bench/batch.ts: POSTs /api/events/batch as the SDK does (src/client/transport.ts):
-- {"sent_at":<ms>,"batch":[...]} with 50 events of ONE session (a tab's), each with an event_id (UUID v7),
-- a client timestamp, a payload and a full context, and a browser User-Agent from a small pool.
-- Counts 202s (and the status of a refusal) and prints one JSON line.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local BATCH = 50
local payloads = {
  { "card_click", '{"card_id":"c_%05d","position":%d,"list":"recommended"}' },
  { "sage_query", '{"query":"quiet hotels near the lake %05d","results":%d}' },
  { "filter_change", '{"filter":"price","from":"any","to":"under_%05d_%d"}' },
}
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/%d.0",
}
local context = '"context":{"path":"/search/%d","referrer":"https://www.example.org/blog/post-%d","utm_source":"newsletter",' ..
  '"utm_medium":"email","utm_campaign":"spring-%d","screen_width":1440}'

function init(args)
  math.randomseed(os.time() * 100 + id)
  sent, accepted, other, last_refusal, refusal_body = 0, 0, 0, 0, ""
end

-- A UUID v7 as the SDK makes them (src/client/ids.ts): 48 bits of Unix time in milliseconds, then
-- random bits, so later ids sort later. wrk's clock has whole seconds: the milliseconds are counted
-- on from it per thread, which keeps the ids in order as the SDK's are.
local function uuid(ms)
  return string.format("%08x-%04x-7%03x-%04x-%06x%06x", math.floor(ms / 65536), ms % 65536,
    math.random(0, 0xfff), 0x8000 + math.random(0, 0x3fff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

local last_ms = 0
local function now_ms()
  last_ms = math.max(os.time() * 1000, last_ms + 1)
  return last_ms
end

function request()
  sent = sent + 1
  local now = math.floor(os.time() * 1000)
  local session = uuid(now_ms())
  local events = {}
  for i = 1, BATCH do
    local kind = payloads[math.random(1, 3)]
    local payload = string.format(kind[2], math.random(0, 99999), math.random(1, 48))
    events[i] = '{"event_id":"' .. uuid(now_ms()) .. '","session_id":"' .. session .. '","event_type":"' .. kind[1] ..
      '","payload":' .. payload .. ',' .. string.format(context, math.random(1, 50), math.random(1, 20), math.random(1, 5)) ..
      ',"timestamp":' .. (now - (BATCH - i) * 1000) .. '}'
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = string.format(agents[math.random(1, #agents)], 100 + math.random(0, 39)),
  }
  return wrk.format("POST", "/api/events/batch", headers, '{"sent_at":' .. now .. ',"batch":[' .. table.concat(events, ",") .. ']}')
end

function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else
    other = other + 1
    last_refusal = status
    refusal_body = string.sub(body or "", 1, 200)
  end
end

function done(summary, latency, requests)
  local totals = { sent = 0, accepted = 0, other = 0 }
  local refusal = 0
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
    if thread:get("last_refusal") ~= 0 then
      refusal = thread:get("last_refusal")
      io.stderr:write("sdk-batch.lua: a batch was answered " .. refusal .. ": " .. thread:get("refusal_body") .. "\n")
    end
  end
  io.write(string.format('WRK_JSON {"duration_us":%d,"accepted":%d,"other":%d,"refusal":%d,"p50":%d,"p99":%d}\n',
    summary.duration, totals.accepted, totals.other, refusal, latency:percentile(50), latency:percentile(99)))
end
