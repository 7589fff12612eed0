"""The cache on Redis, failing open (settings.redis_cache).

django-redis with IGNORE_EXCEPTIONS already turns an unreachable Redis into misses and dropped
writes. One more case matters: allauth takes a lock with `cache.add` before it counts a login
attempt and refuses the login when it cannot get it, so a Redis restart would lock everyone out.
Here `add` answers True while Redis is away: the login limits pause for that while, as the API
throttles do, and people can still sign in.
"""

from __future__ import annotations

from typing import Any

from django_redis.cache import RedisCache, omit_exception


class FailOpenRedisCache(RedisCache):
    @omit_exception(return_value=True)
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.add(*args, **kwargs)
