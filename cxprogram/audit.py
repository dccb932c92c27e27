"""The audit trail: who created or changed responses, KPI definitions and values, points, cases and roles.

django-auditlog records changes to the models listed in AUDITLOG_INCLUDE_TRACKING_MODELS as they are saved,
with the signed-in user as the actor; CX leads read the entries in the admin (Audit log). Responses are logged
here explicitly, so that an anonymous answer never gets an entry (its exact time would be one more clue)."""

from collections.abc import Iterable

from auditlog.context import auditlog_value, disable_auditlog
from auditlog.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

ERASED = "[erased]"


def audit_actor_set(user: AbstractBaseUser) -> None:
    """Make `user` the actor of the entries written during this request: the API authenticates a token after
    the audit middleware has run, so the middleware saw nobody."""
    try:
        context = auditlog_value.get()
    except LookupError:  # outside a request (tasks, commands): entries have no actor
        return
    if context.get("actor") is None:
        context["actor"] = user


def audit_created(*, instance: Model, actor: AbstractBaseUser | None, changes: dict[str, object]) -> LogEntry:
    """One "created" entry for `instance`, naming the user who entered it (None: the respondent's own device)."""
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.CREATE,
        actor=actor,
        changes={field: [None, "" if value is None else str(value)] for field, value in changes.items()},
    )


def audit_skipped():
    """A context in which saves write no automatic entries: for rows that are their own record (a follow-up case
    opened by a survey's rules has its "opened" event, and no person to name), so that every database writes
    them alike (on PostgreSQL a submission's rows go in one statement, which no model signal sees)."""
    return disable_auditlog()


def audit_erased(*, instance: Model, actor: AbstractBaseUser | None, what: str) -> LogEntry:
    """The entry that records an erasure or anonymisation: what kind of data went, never the data itself."""
    return LogEntry.objects.log_create(
        instance, force_log=True, action=LogEntry.Action.UPDATE, actor=actor, changes={"erased": ["", what]}
    )


def audit_redact(*, model: type[Model], pks: Iterable[object]) -> int:
    """Blank the recorded values and names in the existing entries of these objects (who acted and when stay)."""
    content_type = ContentType.objects.get_for_model(model)
    keys = [str(pk) for pk in pks]
    if not keys:
        return 0
    return LogEntry.objects.filter(content_type=content_type, object_pk__in=keys).update(
        changes={}, changes_text="", object_repr=ERASED, serialized_data=None, additional_data=None
    )
