-- wrk script of `ferry bench network`: counts completed responses per millisecond of CLOCK_MONOTONIC (the clock
-- Java's System.nanoTime reads on Linux), one table per wrk thread, merged when the run is done. Prints
--   ferry-timeline ms <first ms> <counts, one per ms, comma separated>
--   ferry-timeline status <non-2xx responses>
-- so the caller can bin the responses (per 100 ms) and find the longest time without any response.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } ferry_timespec;
int clock_gettime(int clock, ferry_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("ferry_timespec")

local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + math.floor(tonumber(ts.tv_nsec) / 1000000)
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

-- per thread: responses per ms, keyed by ms
per_ms = {}
bad_status = 0

function response(status, headers, body)
    local ms = now_ms()
    per_ms[ms] = (per_ms[ms] or 0) + 1
    if status < 200 or status > 299 then
        bad_status = bad_status + 1
    end
end

function done(summary, latency, requests)
    local merged = {}
    local first, last = nil, nil
    local bad = 0
    for _, t in ipairs(threads) do
        for ms, n in pairs(t:get("per_ms")) do
            merged[ms] = (merged[ms] or 0) + n
            if first == nil or ms < first then first = ms end
            if last == nil or ms > last then last = ms end
        end
        bad = bad + t:get("bad_status")
    end
    if first == nil then
        io.write("ferry-timeline ms none\n")
    else
        local parts = {}
        for ms = first, last do
            parts[#parts + 1] = tostring(merged[ms] or 0)
        end
        io.write("ferry-timeline ms ", first, " ", table.concat(parts, ","), "\n")
    end
    io.write("ferry-timeline status ", bad, "\n")
end
