"""The program's core records shared by every app: units, employees, customers and segments; and the
outbound webhooks that tell other systems what happened."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .webhook_addresses import url_refusal


class Channel(models.TextChoices):
    """Where an interaction happened; shared by survey responses and journey touchpoints."""

    WEB = "web", _("Website")
    APP = "app", _("Mobile app")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    DELIVERY = "delivery", _("Delivery")
    SELF_SERVICE = "self_service", _("Self-service")


class UnitQuerySet(models.QuerySet):
    def subtree_of(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and every unit below it, found by a recursive query in the database."""
        table = self.model._meta.db_table
        # The table name is the model's own; the unit id goes in as a query parameter.
        tree = (
            f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s "  # noqa: S608  # nosec B608  # see above
            f"UNION ALL SELECT u.id FROM {table} u JOIN tree ON u.parent_id = tree.id) SELECT id FROM tree"
        )
        return self.filter(id__in=RawSQL(tree, [unit.pk]))  # noqa: S611  # nosec B611  # the id is a parameter


class Unit(models.Model):
    """A place in the organisation: the company, a region, a store or a team."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        STORE = "store", _("Store")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"), max_length=50, unique=True, help_text=_("Stable key used by imports and the API.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="company", parent__isnull=True) | (~Q(kind="company") & Q(parent__isnull=False)),
                name="unit_company_is_root",
                violation_error_message=_("The company has no parent unit; every other unit has one."),
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit-detail", args=[self.pk])

    def clean(self) -> None:
        allowed_parents = {
            self.Kind.REGION: {self.Kind.COMPANY},
            self.Kind.STORE: {self.Kind.COMPANY, self.Kind.REGION},
            self.Kind.TEAM: {self.Kind.COMPANY, self.Kind.REGION, self.Kind.STORE},
        }
        if self.kind == self.Kind.COMPANY:
            if self.parent_id:
                raise ValidationError({"parent": _("The company is the top of the hierarchy and has no parent.")})
            return
        if self.parent is None:
            raise ValidationError({"parent": _("Choose the unit this one belongs to.")})
        if self.parent.kind not in allowed_parents.get(self.kind, set()):
            raise ValidationError(
                {
                    "parent": _("A %(kind)s cannot belong to a %(parent)s.")
                    % {"kind": self.get_kind_display().lower(), "parent": self.parent.get_kind_display().lower()}
                }
            )
        if self.pk and Unit.objects.subtree_of(self).filter(pk=self.parent_id).exists():
            raise ValidationError({"parent": _("A unit cannot belong to itself or to a unit below it.")})


class Segment(models.Model):
    """A group of customers with similar needs, used to cut every metric."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def contactable(self) -> "CustomerQuerySet":
        """Customers who agreed to be asked for feedback and have not opted out."""
        return self.filter(consent=True, opted_out_at__isnull=True)


class Customer(models.Model):
    """A customer as known to the company's systems, keyed by their external id."""

    class ValueTier(models.TextChoices):
        HIGH = "high", _("High value")
        MEDIUM = "medium", _("Medium value")
        LOW = "low", _("Low value")

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, default="ru")
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    value_tier = models.CharField(
        _("value tier"), max_length=8, choices=ValueTier.choices, default=ValueTier.MEDIUM, db_index=True
    )
    home_unit = models.ForeignKey(
        Unit,
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        help_text=_("The store or team that usually serves this customer."),
    )
    consent = models.BooleanField(_("agreed to feedback requests"), default=True)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "external_id"]

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def can_be_contacted(self) -> bool:
        return self.consent and self.opted_out_at is None


class CustomerCount(models.Model):
    """Customers added (n > 0) or taken out (n < 0) by one writing statement, per home unit, segment (plain numbers,
    0 = none), value tier and whether they can be contacted; the customer mix sums them. Kept by PostgreSQL triggers
    and summed up now and then (cxprogram.customer_counts); SQLite keeps none."""

    home_unit_id = models.IntegerField(_("home unit"), default=0)
    segment_id = models.IntegerField(_("segment"), default=0)
    value_tier = models.CharField(_("value tier"), max_length=8)
    contactable = models.BooleanField(_("can be asked for feedback"))
    n = models.IntegerField(_("customers"))

    class Meta:
        verbose_name = _("customer count")
        verbose_name_plural = _("customer counts")
        indexes = [models.Index(fields=["home_unit_id"], name="customer_count_home_unit")]

    def __str__(self) -> str:
        return f"{self.home_unit_id} · {self.segment_id} · {self.value_tier}: {self.n}"


class Employee(models.Model):
    """A person of the company with a login: their role decides what they see."""

    class Role(models.TextChoices):
        CX_LEAD = "cx_lead", _("CX lead")
        MANAGER = "manager", _("Manager")
        FRONTLINE = "frontline", _("Frontline employee")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="employee"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="employees")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.FRONTLINE, db_index=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    language = models.CharField(
        _("language of e-mails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ru",
        help_text=_("Alerts about cases and other e-mails to this person are written in it."),
    )
    integration = models.BooleanField(
        _("integration account"),
        default=False,
        help_text=_(
            "A kiosk or another system that collects customers' answers: what it enters counts as collected; "
            "it has no KPIs, points or recognitions."
        ),
    )

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def get_absolute_url(self) -> str:
        return reverse("employee-detail", args=[self.pk])


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """An address another system gave us: events are POSTed to it as JSON, signed with its secret."""

    class Event(models.TextChoices):
        RESPONSE_SUBMITTED = "response.submitted", _("Response submitted")
        CASE_OPENED = "case.opened", _("Follow-up case opened")
        CASE_OVERDUE = "case.overdue", _("Follow-up case overdue")
        CASE_RESOLVED = "case.resolved", _("Follow-up case resolved or closed")

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"),
        max_length=500,
        help_text=_("https:// address of the receiving system; private and local network addresses are refused."),
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_webhook_secret,
        help_text=_("The receiver checks the X-CX-Signature header with it (HMAC-SHA256 of timestamp.body)."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = [e for e in self.events or [] if e not in self.Event.values]
        if unknown:
            raise ValidationError({"events": _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}})
        if self.url and (problem := url_refusal(self.url)):
            raise ValidationError({"url": problem})


class WebhookDelivery(models.Model):
    """One event for one webhook: stored with the change that caused it, then sent and retried by Celery."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40, choices=Webhook.Event.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.get_status_display()})"


class Heartbeat(models.Model):
    """The last sign of life of one background process (a Celery worker or beat), written every few seconds by the
    process itself (cxprogram/heartbeats.py). In the database, so that the web processes read it on the embedded
    default as in production, and it outlives a Redis outage."""

    class Role(models.TextChoices):
        WORKER = "worker", _("worker")
        BEAT = "beat", _("scheduler")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    node = models.CharField(_("process"), max_length=200)
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        constraints = [models.UniqueConstraint(fields=["role", "node"], name="heartbeat_one_row_per_process")]
        indexes = [models.Index(fields=["role", "seen_at"], name="heartbeat_latest")]

    def __str__(self) -> str:
        return f"{self.role} {self.node}"


class CustomerImport(models.Model):
    """A customer CSV file being imported by a Celery worker. The file is kept in the database (any worker machine
    reads it) until the import ends; the counters and the listed bad lines are the progress and the report, and
    `lines_done` is where a worker that died picks up again."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(_("file contents"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progressed_at = models.DateTimeField(_("last progress"), default=timezone.now)
    lines_done = models.PositiveIntegerField(_("lines read"), default=0)
    chars_done = models.PositiveBigIntegerField(_("characters read"), default=0)
    chars_total = models.PositiveBigIntegerField(_("characters in the file"), default=0)
    created = models.PositiveIntegerField(_("new customers"), default=0)
    updated = models.PositiveIntegerField(_("updated customers"), default=0)
    skipped = models.PositiveIntegerField(_("lines skipped"), default=0)
    errors = models.JSONField(_("lines not imported"), default=list, blank=True)  # [[line, [message, ...]], ...]
    failure = models.TextField(_("why it failed"), blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.chars_done / self.chars_total) if self.chars_total else 0
