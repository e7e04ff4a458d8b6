"""Caching tiers and the HTTP caching headers.

- `keys`: variant and source keys (canonical options + source + requested format + settings
  version; never the signature), the Accept class, the settings version.
- `record`: a result plus metadata as one compact blob (length + orjson header + bytes).
- `tier`: the `get`/`set`/`delete` protocol every tier implements.
- `memory`: L1, an in-process LRU bounded in bytes with a TTL per entry, of any sized value.
- `breaker`: the circuit breaker that stops calling Redis while it is down.
- `redis_guard`: the Redis client (one server or a Cluster) behind a tight timeout + breaker.
- `redis_client`: redis-py's client built from a URL; loaded with the first client only.
- `redis_tier`: L2 in Redis, the per-source purge index and the purge broadcast (pub/sub).
- `tiered`: L1 (values as they are) then L2 (encoded) as one tier; an L2 hit fills L1.
- `variants`: typed results, decoded in L1, blobs in L2 (storage TTL with stale grace, purge).
- `singleflight`: one run per key in a process, a Redis lock across replicas, both together.
- `http`: Cache-Control, ETag and Vary for the CDN tier.
"""
