"""Fixed-window counters in the cache, for login attempts and public endpoints.

With CACHE_URL pointing at Redis the counters are shared by every server process. When that cache cannot be
reached, counting goes on in this process's memory for a while (a limit per process instead of none), so a cache
outage never turns a survey answer or a sign-in into an error page.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)
RETRY_SHARED_CACHE_AFTER_SECONDS = 10  # meanwhile every request would wait for a connection that fails

_local = LocMemCache("ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})
_shared_down_until = 0.0


def client_address(request: HttpRequest) -> str:
    """The client's IP address, trusting only as many X-Forwarded-For hops as TRUSTED_PROXY_COUNT."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def login_key(username: str) -> str:
    """The failure counter of a username: hashed, so that any text typed as a username makes a short, safe key."""
    return "login:user:" + hashlib.sha256(username.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]


def count(key: str) -> int:
    """How many hits the key has in its current window."""
    return _counted(lambda store: store.get(f"rl:{key}", 0))


def hit(key: str, window_seconds: int) -> int:
    """Record one hit and return the count in the current window (the window starts with the first hit)."""
    return _counted(lambda store: _hit(store, f"rl:{key}", window_seconds))


def release(key: str) -> None:
    """Give one hit back (an attempt that turned out fine); never below zero, never starting a window."""
    _counted(lambda store: _release(store, f"rl:{key}"))


def _release(store, full_key: str) -> None:
    try:
        if store.decr(full_key) < 0:
            store.incr(full_key)
    except ValueError:  # no window open
        pass


def reset(key: str) -> None:
    _counted(lambda store: store.delete(f"rl:{key}"))


def _hit(store, full_key: str, window_seconds: int) -> int:
    if isinstance(store, RedisCache):  # one round trip: start the window if none is open, then count
        key = store.make_and_validate_key(full_key)
        pipe = store._cache.get_client(key, write=True).pipeline(transaction=True)
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])  # stored as a plain integer, as the cache's own incr() keeps it
    if store.add(full_key, 1, timeout=window_seconds):
        return 1
    try:
        return store.incr(full_key)
    except ValueError:  # the window ended between add() and incr()
        store.add(full_key, 1, timeout=window_seconds)
        return 1


def store():
    """The shared cache, or this process's memory while the shared cache is known to be unreachable."""
    return cache if time.monotonic() >= _shared_down_until else _local


def shared_cache_failed(error: Exception) -> None:
    """Count in this process's memory for a while: the shared cache just failed."""
    global _shared_down_until  # one flag per process, like the cache connection itself
    _shared_down_until = time.monotonic() + RETRY_SHARED_CACHE_AFTER_SECONDS
    logger.warning("Cache unreachable (%s); counting in this process for %d s.", error,
                   RETRY_SHARED_CACHE_AFTER_SECONDS)  # fmt: skip


def _counted(operation):
    """Run `operation` on the shared cache, or on this process's memory while the shared cache is unreachable."""
    current = store()
    if current is cache:
        try:
            return operation(cache)
        except CACHE_ERRORS as error:
            shared_cache_failed(error)
    return operation(_local)
