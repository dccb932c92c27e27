"""Request rates: per token (or signed-in user), and per address for the endpoints open without a login
(the schema and its documentation).

Rates come from settings.API_THROTTLE_RATES at request time, so they can be changed by the environment."""

from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from cxprogram import ratelimit


class CacheOutageTolerant:
    """Throttle history in the shared cache, or in this process's memory while that cache is unreachable (as the
    site's own rate limits do), so a Redis outage never turns an API call into a 500."""

    def allow_request(self, request, view):
        self.cache = ratelimit.store()
        try:
            return super().allow_request(request, view)
        except ratelimit.CACHE_ERRORS as error:
            ratelimit.shared_cache_failed(error)
            self.cache = ratelimit.store()
            return super().allow_request(request, view)


class TokenRateThrottle(CacheOutageTolerant, SimpleRateThrottle):
    scope = "token"

    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        # A user has one token, so the user's id names it, and the key itself never lands in the cache.
        ident = f"token:{request.user.pk}" if isinstance(request.auth, Token) else f"session:{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonThrottle(CacheOutageTolerant, AnonRateThrottle):
    scope = "anon"

    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return ratelimit.client_address(request)
