package redisstore

import "github.com/redis/go-redis/v9"

// The scripts run with EVALSHA, falling back to EVAL the first time a
// server has not seen them; each is one round trip after that.

// takeover claims KEYS[1] unless it holds a record still live at ARGV[1]
// (unix ms); it returns nil when it claimed, else the holder. An
// unreadable holder is returned, not overwritten, so the caller reports it.
var takeover = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
	local exp = string.match(cur, '^1|%d|(%d+)|')
	if not exp or tonumber(exp) > tonumber(ARGV[1]) then
		return cur
	end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return false
`)

// casSet replaces KEYS[1] with ARGV[2] (PX ARGV[3]) if its token is
// ARGV[1]; it returns 1 if it did.
var casSet = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur or string.match(cur, '^1|%d|%d+|([^|]*)|') ~= ARGV[1] then
	return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// casDel deletes KEYS[1] if its token is ARGV[1]; it returns 1 if it did.
var casDel = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur or string.match(cur, '^1|%d|%d+|([^|]*)|') ~= ARGV[1] then
	return 0
end
redis.call('DEL', KEYS[1])
return 1
`)
