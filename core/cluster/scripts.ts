/**
 * The Redis side of cluster mode: key names and the Lua scripts that make each step atomic. Every key of a job
 * is `<prefix>:job:{<job key>}:…` (one hash slot per job); the member list and the scripts' own key names assume
 * one Redis server (or a primary with replicas), not Redis Cluster.
 *
 * Times inside the scripts are Redis's (TIME), never an instance's clock, so instances whose clocks disagree
 * still agree on who is alive and whose lease ran out.
 */

/** The key names of a cluster prefix. */
export function clusterKeys(prefix: string) {
  const job = (key: string) => `${prefix}:job:{${key}}`;
  return {
    members: `${prefix}:members`,
    member: (id: string) => `${prefix}:member:${id}`,
    jobs: `${prefix}:jobs`,
    lease: (key: string) => `${job(key)}:lease`,
    epoch: (key: string) => `${job(key)}:epoch`,
    want: (key: string) => `${job(key)}:want`,
    log: (key: string) => `${job(key)}:log`,
    snap: (key: string) => `${job(key)}:snap`,
    floor: (key: string) => `${job(key)}:floor`,
    channel: (key: string) => job(key),
    /** The prefix of every job channel, for telling a job's key from its channel. */
    channelPrefix: `${prefix}:job:{`,
  };
}

/** How long a job's keys outlive its last write when nobody wants it any more. */
export const JOB_RETENTION_MS = 3_600_000;

/**
 * One heartbeat of an instance: refreshes its membership, and for each job it names, what it wants of it.
 * ARGV: prefix, instance id, ttl ms, the instance's description (JSON), then pairs (job key, mode): `h` keep
 * (renew if mine), `g` give it up (to the instance its wanters prefer) but still want it, `p` take if free and this
 * instance is the one the job's wanters prefer (rendezvous hashing), `a` take if free, `r` let go (not wanted here).
 * Returns { redis time ms, { per job: `held|<value>|<preferred>`, `took|<value>`, `other|<value>`, `free`,
 * `released` }, members alive }.
 */
export const HEARTBEAT = `
local prefix, me, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local members = prefix .. ':members'
redis.call('ZADD', members, now + ttl, me)
redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
redis.call('SET', prefix .. ':member:' .. me, ARGV[4], 'PX', ttl * 3)
local out = {}
local function preferred(key, want)
  local best, bestHash = nil, nil
  for _, w in ipairs(redis.call('ZRANGE', want, 0, -1)) do
    local h = redis.sha1hex(key .. '|' .. w)
    if bestHash == nil or h > bestHash then best, bestHash = w, h end
  end
  return best or ''
end
for i = 5, #ARGV, 2 do
  local key, mode = ARGV[i], ARGV[i + 1]
  local base = prefix .. ':job:{' .. key .. '}'
  local want, lease = base .. ':want', base .. ':lease'
  local holder = redis.call('GET', lease)
  local mine = holder and string.sub(holder, 1, #me + 1) == me .. '|'
  if mode == 'r' then
    redis.call('ZREM', want, me)
    if mine then redis.call('DEL', lease) end
    out[#out + 1] = 'released'
  elseif mode == 'g' and mine then
    redis.call('DEL', lease)
    out[#out + 1] = 'gave'
  else
    redis.call('ZADD', want, now + ttl, me)
    redis.call('ZREMRANGEBYSCORE', want, '-inf', now)
    redis.call('PEXPIRE', want, ttl * 3)
    redis.call('ZADD', prefix .. ':jobs', now, key)
    if mine then
      redis.call('PEXPIRE', lease, ttl)
      out[#out + 1] = 'held|' .. holder .. '|' .. preferred(key, want)
    elseif holder then
      out[#out + 1] = 'other|' .. holder
    else
      local take = mode == 'a' or (mode == 'p' and preferred(key, want) == me)
      if take then
        local epoch = redis.call('INCR', base .. ':epoch')
        redis.call('PEXPIRE', base .. ':epoch', ${JOB_RETENTION_MS * 24})
        local value = me .. '|' .. epoch
        redis.call('SET', lease, value, 'PX', ttl)
        out[#out + 1] = 'took|' .. value
      else
        out[#out + 1] = 'free'
      end
    end
  end
end
redis.call('ZREMRANGEBYSCORE', prefix .. ':jobs', '-inf', now - ${JOB_RETENTION_MS})
return { now, out, redis.call('ZCARD', members) }
`;

/**
 * Publishes one update of a job, fenced: only while the lease still holds this holder's value (instance and
 * epoch), only with a seq above everything the stream and the job's floor hold, and as a change only right after
 * the stream's last entry. ARGV: prefix, job key, lease value, seq, at, full ('1'|'0'), body, snapshot ('' for
 * none), maxlen, retention ms.
 * Returns { 1 } published, { 0 } fenced (another holder), { -1, top } not in step: publish a whole state above `top`.
 */
export const PUBLISH = `
local base = ARGV[1] .. ':job:{' .. ARGV[2] .. '}'
if redis.call('GET', base .. ':lease') ~= ARGV[3] then return { 0 } end
local log = base .. ':log'
local seq = tonumber(ARGV[4])
local top = 0
local last = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
if #last > 0 then top = tonumber(string.match(last[1][1], '^(%d+)')) end
local floor = tonumber(redis.call('GET', base .. ':floor') or '0')
local above = math.max(top, floor)
if seq <= above or (ARGV[6] ~= '1' and (top == 0 or seq ~= top + 1)) then return { -1, above } end
redis.call('XADD', log, 'MAXLEN', '~', ARGV[9], ARGV[4] .. '-0', 'at', ARGV[5], 'epoch', string.match(ARGV[3], '|(%d+)$'), 'full', ARGV[6], 'body', ARGV[7])
redis.call('PEXPIRE', log, ARGV[10])
if ARGV[8] ~= '' then redis.call('SET', base .. ':snap', ARGV[8], 'PX', ARGV[10]) else redis.call('PEXPIRE', base .. ':snap', ARGV[10]) end
redis.call('PUBLISH', base, ARGV[4] .. '|' .. ARGV[5] .. '|' .. ARGV[6] .. '|' .. ARGV[7])
return { 1 }
`;

/**
 * Raises jobs' floors: a seq that the job's next publish must pass, because viewers of an instance that ran the job
 * on its own while Redis was away hold seqs up to it. ARGV: prefix, retention ms, then pairs (job key, seq).
 */
export const RAISE_FLOOR = `
for i = 3, #ARGV, 2 do
  local floor = ARGV[1] .. ':job:{' .. ARGV[i] .. '}:floor'
  local cur = tonumber(redis.call('GET', floor) or '0')
  if cur < tonumber(ARGV[i + 1]) then redis.call('SET', floor, ARGV[i + 1], 'PX', ARGV[2]) end
end
return 1
`;
