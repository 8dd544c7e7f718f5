-- Usage: JC_KEY=<api_key> wrk -t1 -c1 -d5s -s wrk-pages.lua http://127.0.0.1:PORT  (the key defaults to the sandbox demo key)
key = os.getenv("JC_KEY") or "jc-sandbox-0123456789abcdef0123456789abcdef"
-- Cycles through the 200 pages of 100 users (skip 0..19900), like one client listing them.
local n = 0
request = function()
  local skip = (n % 200) * 100
  n = n + 1
  return wrk.format("GET", "/api/systemusers?limit=100&skip=" .. skip, {["x-api-key"] = key})
end
