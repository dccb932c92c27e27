"""Fixed-window counters in the cache, for login attempts and public endpoints.

With CACHE_URL pointing at Redis the counters are shared by every server process.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address, trusting only as many X-Forwarded-For hops as TRUSTED_PROXY_COUNT."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def count(key: str) -> int:
    """How many hits the key has in its current window."""
    return cache.get(f"rl:{key}", 0)


def hit(key: str, window_seconds: int) -> int:
    """Record one hit and return the count in the current window (the window starts with the first hit)."""
    full_key = f"rl:{key}"
    if cache.add(full_key, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(full_key)
    except ValueError:  # the window ended between add() and incr()
        cache.add(full_key, 1, timeout=window_seconds)
        return 1


def reset(key: str) -> None:
    cache.delete(f"rl:{key}")
