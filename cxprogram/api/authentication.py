"""Token authentication that also names the token's user as the actor of the audit trail."""

from rest_framework.authentication import TokenAuthentication

from cxprogram.audit import audit_actor_set


class AuditedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            audit_actor_set(result[0])
        return result
