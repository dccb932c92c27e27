"""Reads of the organisation: who may see what, and the figures on the organisation pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import ngettext

from .models import Customer, CustomerCount, CustomerImport, Employee, Heartbeat, Segment, Unit, WebhookDelivery


@dataclass(frozen=True)
class Scope:
    """What one signed-in person may see: CX leads everything, managers their unit subtree,
    frontline employees their own records."""

    role: str
    employee: Employee | None

    @property
    def is_lead(self) -> bool:
        return self.role == Employee.Role.CX_LEAD

    @property
    def is_manager(self) -> bool:
        return self.role == Employee.Role.MANAGER

    @property
    def is_member(self) -> bool:
        """Has a place in the program: an employee record, or a CX lead (a superuser counts as one)."""
        return self.is_lead or self.employee is not None

    # Capabilities: what a person may do, named once here and used by the views, the menu in base.html and
    # the API's permissions alike.
    @property
    def can_author(self) -> bool:
        """Build surveys, journeys and KPIs in the admin, see drafts, and change the organisation's records."""
        return self.is_lead

    @property
    def can_see_results(self) -> bool:
        """Read results, journey maps, the team page and the metrics and invitations API (managers within their
        unit subtree)."""
        return self.is_lead or self.is_manager

    @property
    def can_see_outcomes(self) -> bool:
        """Read the analysis of which behaviours move customers, across the whole program."""
        return self.is_lead

    @property
    def can_work_cases(self) -> bool:
        """Work follow-up cases: CX leads and managers, and frontline employees on their own customers' cases
        when FOLLOWUP_FRONTLINE_SEES_OWN is on."""
        return self.is_lead or self.is_manager or (self.employee is not None and settings.FOLLOWUP_FRONTLINE_SEES_OWN)

    @property
    def can_route_complaints(self) -> bool:
        """Pick the unit a complaint from outside is about, which gives its case to that unit's manager."""
        return self.is_lead

    @property
    def can_review_public_answers(self) -> bool:
        """Approve or send back public answers to complaints (CX leads, and managers within their unit subtree)."""
        return self.employee is not None and (self.is_lead or self.is_manager)

    @property
    def can_recognise_for_team(self) -> bool:
        """Send the praise customers wrote about a team's people as recognitions (managers and CX leads)."""
        return self.employee is not None and (self.is_lead or self.is_manager)

    @property
    def has_own_page(self) -> bool:
        """Has a KPI page of their own (/me/)."""
        return self.employee is not None

    def results_units(self) -> QuerySet[Unit] | None:
        """Units whose results the person reads: None for every unit (CX leads), a manager's subtree; call only
        when `can_see_results`."""
        return None if self.is_lead else self.units()

    def units(self) -> QuerySet[Unit]:
        if self.is_lead:
            return Unit.objects.all()
        if self.is_manager:
            return Unit.objects.subtree_of(self.employee.unit)
        if self.employee:
            return Unit.objects.filter(pk=self.employee.unit_id)
        return Unit.objects.none()

    def employees(self) -> QuerySet[Employee]:
        if self.is_lead:
            return Employee.objects.all()
        if self.is_manager:
            return Employee.objects.filter(unit__in=self.units())
        if self.employee:
            return Employee.objects.filter(pk=self.employee.pk)
        return Employee.objects.none()

    def customers(self) -> QuerySet[Customer]:
        if self.is_lead:
            return Customer.objects.all()
        if self.is_manager:
            return Customer.objects.filter(home_unit__in=self.units())
        # Frontline employees see the customers they served; that link arrives with survey responses.
        return Customer.objects.none()


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The scope of a user; superusers count as CX leads, users with no employee record see nothing."""
    if not user.is_authenticated:
        return Scope(role="", employee=None)
    employee = Employee.objects.select_related("unit").filter(user=user).first()
    if user.is_superuser and (employee is None or employee.role != Employee.Role.CX_LEAD):
        return Scope(role=Employee.Role.CX_LEAD, employee=employee)
    if employee is None:
        return Scope(role="", employee=None)
    return Scope(role=employee.role, employee=employee)


def account_editable_by(actor: AbstractBaseUser, user: AbstractBaseUser | None) -> bool:
    """Whether `actor` may change `user`'s account (password included): a superuser anyone; others only people
    who are not superusers and hold no permission the actor lacks, or a CX lead could take over an account that
    can do more than they can."""
    if user is None or actor.is_superuser:
        return True
    return not user.is_superuser and user.get_all_permissions() <= actor.get_all_permissions()


def request_scope(request: HttpRequest) -> Scope:
    """The scope of the request's user, looked up once per request."""
    if not hasattr(request, "_cx_scope"):
        request._cx_scope = scope_for(request.user)
    return request._cx_scope


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The unit's parents from the company down, excluding the unit itself (one query per level; levels are few)."""
    chain = []
    current = unit.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain[::-1]


@dataclass(frozen=True)
class CustomerMix:
    """Customers of some units counted by segment and value tier."""

    tiers: list[tuple[str, str]]
    rows: list[dict]
    total: int
    contactable: int


def customer_mix(*, home_units: QuerySet[Unit] | None, use_counts: bool = True) -> CustomerMix:
    """Customers by segment with a column per value tier: of these home units (None: every customer), from the
    customer counts on PostgreSQL (cxprogram.customer_counts), else by one aggregate query over the customers."""
    tiers = list(Customer.ValueTier.choices)
    if use_counts and connection.vendor == "postgresql":
        rows = _mix_from_counts(home_units, tiers)
    else:
        customers = Customer.objects.all() if home_units is None else Customer.objects.filter(home_unit__in=home_units)
        per_tier = {code: Count("id", filter=Q(value_tier=code)) for code, _ in tiers}
        contactable = Count("id", filter=Q(consent=True, opted_out_at__isnull=True))
        rows = list(
            customers.order_by()
            .values(segment_name=F("segment__name"))
            .annotate(total=Count("id"), contactable=contactable, **per_tier)
            .order_by("-total", "segment_name")
        )
    top = max((row["total"] for row in rows), default=0)
    for row in rows:
        row["share"] = round(100 * row["total"] / top) if top else 0
        row["tiers"] = [row[code] for code, _ in tiers]
    return CustomerMix(
        tiers=tiers,
        rows=rows,
        total=sum(row["total"] for row in rows),
        contactable=sum(row["contactable"] for row in rows),
    )


def _mix_from_counts(home_units: QuerySet[Unit] | None, tiers: list[tuple[str, str]]) -> list[dict]:
    """The mix's rows from the counts, as the aggregate query gives them: a segment that no longer exists counts as
    none, and the rows come by size, then name (no segment last, as PostgreSQL sorts NULL)."""
    counts = CustomerCount.objects.all()
    if home_units is not None:
        counts = counts.filter(home_unit_id__in=home_units.values("pk"))
    name = Subquery(Segment.objects.filter(pk=OuterRef("segment_id")).values("name"))
    grouped = counts.values("segment_id", "value_tier", "contactable").annotate(total=Sum("n"), name=name).order_by()
    rows: dict[str | None, dict] = {}
    for group in grouped:
        name = group["name"]
        row = rows.setdefault(name, {"segment_name": name, "total": 0, "contactable": 0} | {c: 0 for c, _ in tiers})
        row["total"] += group["total"]
        row[group["value_tier"]] += group["total"]
        row["contactable"] += group["total"] if group["contactable"] else 0
    shown = [row for row in rows.values() if row["total"]]
    return sorted(shown, key=lambda row: (-row["total"], row["segment_name"] is None, row["segment_name"] or ""))


def organisation_overview() -> dict:
    """Headline counts for a CX lead: units by kind, employees by role."""
    units = dict(Unit.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    roles = dict(Employee.objects.values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    return {
        "units": [(label, units.get(code, 0)) for code, label in Unit.Kind.choices],
        "roles": [(label, roles.get(code, 0)) for code, label in Employee.Role.choices],
    }


@dataclass(frozen=True)
class ProcessHealth:
    """What the heartbeats say about one kind of background process (the freshest of its processes counts)."""

    role: str
    seen_at: datetime | None
    stale: bool

    @property
    def state(self) -> str:
        """For /healthz: 'ok', 'stale since <ISO time>' or 'never seen'."""
        if self.seen_at is None:
            return "never seen"
        return f"stale since {self.seen_at.isoformat(timespec='seconds')}" if self.stale else "ok"


@dataclass(frozen=True)
class BackgroundHealth:
    worker: ProcessHealth
    beat: ProcessHealth

    @property
    def stopped(self) -> bool:
        """No worker, or no beat, has been heard from within HEARTBEAT_STALE_SECONDS."""
        return self.worker.stale or self.beat.stale


def background_health(*, now: datetime | None = None) -> BackgroundHealth:
    """The worker's and beat's latest heartbeats against HEARTBEAT_STALE_SECONDS (one query)."""
    now = now or timezone.now()
    latest = dict(Heartbeat.objects.values("role").annotate(latest=Max("seen_at")).values_list("role", "latest"))
    oldest_fresh = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)

    def health(role: str) -> ProcessHealth:
        seen_at = latest.get(role)
        return ProcessHealth(role=role, seen_at=seen_at, stale=seen_at is None or seen_at < oldest_fresh)

    return BackgroundHealth(worker=health(Heartbeat.Role.WORKER), beat=health(Heartbeat.Role.BEAT))


def background_waiting_work() -> list[tuple[str, int]]:
    """What waits for the worker, in words ('35 invitations queued'), with each app's counters named in
    BACKGROUND_WAITING_WORK (lower apps cannot import higher ones): (words, count) pairs, counts above zero only."""
    pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count()
    words = ngettext("%(count)s webhook delivery pending", "%(count)s webhook deliveries pending", pending)
    waiting = [(words % {"count": pending}, pending)]
    # A running import whose worker died waits too: the next worker picks it up where it stopped.
    imports = CustomerImport.objects.filter(
        status__in=[CustomerImport.Status.QUEUED, CustomerImport.Status.RUNNING]
    ).count()
    words = ngettext("%(count)s customer import waiting", "%(count)s customer imports waiting", imports)
    waiting.append((words % {"count": imports}, imports))
    for path in settings.BACKGROUND_WAITING_WORK:
        waiting.extend(import_string(path)())
    return [(label, count) for label, count in waiting if count]
