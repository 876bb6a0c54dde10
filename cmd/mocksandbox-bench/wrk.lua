-- mocksandbox-bench's wrk script. It sends pre-built raw requests, checks
-- every answer, stops each thread after its share of the requests, and
-- prints one "bench-result {json}" line with the full latency histogram.
--
--   wrk ... -s wrk.lua URL -- FILE THREADS COUNT STATUS REPLAYED CONTAINS
--
-- FILE holds the requests, each followed by a NUL byte; thread t (1-based)
-- sends requests t, t+THREADS, ... and stops once it has the answers to its
-- share of the first COUNT. FILE holds one spare request per connection
-- after those, for the requests still in flight at the stop (each request
-- is sent at most once: a create sent twice would be a replay). STATUS is
-- the status every answer must have, REPLAYED is 1 when
-- X-Mocksandbox-Replayed: true is required and 0 when it must be absent,
-- and CONTAINS ("-" for none) must occur in every body.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local threads, count = {}, 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  local nthreads, count = tonumber(args[2]), tonumber(args[3])
  reqs, share = {}, 0
  local pos, i = 1, 0
  while pos <= #data do
    local e = string.find(data, "\0", pos, true)
    if not e then break end
    if i % nthreads == tid - 1 then
      reqs[#reqs + 1] = string.sub(data, pos, e - 1)
      if i < count then share = share + 1 end
    end
    i = i + 1
    pos = e + 1
  end
  want, wantReplayed, contains = tonumber(args[4]), args[5] == "1", args[6]
  if contains == "-" then contains = nil end
  idx, got, bad, firstbad, bytes, t0, t1 = 0, 0, 0, "", 0, 0, 0
end

function request()
  if t0 == 0 then t0 = now_us() end
  idx = idx + 1
  if idx > #reqs then
    -- Not reached: at most one request per connection is in flight when
    -- the thread stops. Should it happen, resend a request rather than fail.
    idx = 1
  end
  return reqs[idx]
end

function response(status, headers, body)
  got = got + 1
  t1 = now_us()
  bytes = bytes + #body
  local err
  if status ~= want then
    err = "status " .. status
  elseif (headers["X-Mocksandbox-Replayed"] == "true") ~= wantReplayed then
    err = "X-Mocksandbox-Replayed: " .. tostring(headers["X-Mocksandbox-Replayed"])
  elseif contains and not string.find(body, contains, 1, true) then
    err = "no " .. contains .. " in the body"
  end
  if err then
    bad = bad + 1
    if firstbad == "" then firstbad = err .. ": " .. string.sub(body, 1, 300) end
  end
  if got == share then
    io.write("bench-thread-stopped\n")
    io.flush()
    wrk.thread:stop()
  end
end

local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\\128-\255]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function done(summary, latency, requests)
  local got, bad, bytes, first, t0, t1 = 0, 0, 0, "", 0, 0
  for _, t in ipairs(threads) do
    got = got + t:get("got")
    bad = bad + t:get("bad")
    bytes = bytes + t:get("bytes")
    if first == "" then first = t:get("firstbad") end
    local s, e = t:get("t0"), t:get("t1")
    if s > 0 and (t0 == 0 or s < t0) then t0 = s end
    if e > t1 then t1 = e end
  end
  local hist = {}
  for i = 1, #latency do
    local v, c = latency(i)
    hist[#hist + 1] = string.format("[%d,%d]", v, c)
  end
  local e = summary.errors
  io.write(string.format(
    'bench-result {"requests":%d,"duration":%d,"got":%d,"bad":%d,"firstBad":%s,"bytes":%d,"start":%d,"end":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"hist":[%s]}\n',
    summary.requests, summary.duration, got, bad, quote(first), bytes, t0, t1,
    e.connect, e.read, e.write, e.timeout, table.concat(hist, ",")))
end
