"""Distributions and invitations in the admin: sending a survey to an audience, e-mailing invitations made by
hand, and the addresses that asked for no more."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from surveys.models import (
    Distribution,
    Invitation,
    UnsubscribedAddress,
)
from surveys.services.distribution import distribution_start, invitations_email


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "survey",
        "customer",
        "unit",
        "channel",
        "delivery",
        "created_at",
        "sent_at",
        "opened_at",
        "responded_at",
    ]
    list_filter = ["survey", "delivery", "channel", "distribution"]
    search_fields = ["customer__external_id", "customer__name__unicontains", "transaction_ref"]
    list_select_related = ["survey", "customer", "unit"]
    autocomplete_fields = ["customer", "unit", "employee", "survey"]
    readonly_fields = [
        "token",
        "opened_at",
        "responded_at",
        "created_at",
        "sent_at",
        "delivery",
        "delivery_error",
        "reminders_sent",
        "last_reminded_at",
        "distribution",
    ]
    actions = ["email"]

    @admin.action(description=gettext_lazy("E-mail these invitations (those not sent yet)"))
    def email(self, request, queryset):
        outcome = invitations_email(invitation_ids=list(queryset.values_list("pk", flat=True)))
        if outcome.reached_broker is False:
            self.message_user(
                request,
                ngettext(
                    "%(n)d e-mail is saved as queued, but the task queue cannot be reached: it will be sent "
                    "automatically once the queue is back.",
                    "%(n)d e-mails are saved as queued, but the task queue cannot be reached: they will be sent "
                    "automatically once the queue is back.",
                    outcome.count,
                )
                % {"n": outcome.count},
                messages.WARNING,
            )
        else:
            self.message_user(request, _("Queued %(n)d e-mails.") % {"n": outcome.count}, messages.SUCCESS)


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    """Sends a survey to a chosen audience; the list shows progress while it runs and the response rate."""

    list_display = ["name", "survey", "status", "scheduled_at", "progress", "response_rate"]
    list_filter = ["status", "survey"]
    search_fields = ["name__unicontains"]
    filter_horizontal = ["segments", "units"]
    readonly_fields = ["status", "launched_at", "created_at", "progress", "response_rate"]
    actions = ["launch"]
    fields = [
        "survey", "name", "status", ("segments", "units"), "value_tiers", "external_ids", "scheduled_at",
        ("reminder_after_days", "max_reminders"), "progress", "response_rate", "launched_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        delivery = {
            state: Count("invitations", filter=Q(invitations__delivery=state))
            for state in ("queued", "sending", "sent", "failed")
        }
        return (
            super()
            .get_queryset(request)
            .select_related("survey")
            .annotate(
                total=Count("invitations"),
                opened=Count("invitations", filter=Q(invitations__opened_at__isnull=False)),
                responded=Count("invitations", filter=Q(invitations__responded_at__isnull=False)),
                **{f"n_{state}": count for state, count in delivery.items()},
            )
        )

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, distribution):
        if not getattr(distribution, "total", None):
            return "—"
        done = distribution.n_sent + distribution.n_failed
        return format_html(
            '<progress max="{}" value="{}"></progress> {}',
            distribution.total,
            done,
            _("%(queued)d queued · %(sent)d sent · %(failed)d failed · %(opened)d opened · %(responded)d responded")
            % {
                "queued": distribution.n_queued + distribution.n_sending,
                "sent": distribution.n_sent,
                "failed": distribution.n_failed,
                "opened": distribution.opened,
                "responded": distribution.responded,
            },
        )

    @admin.display(description=gettext_lazy("response rate"))
    def response_rate(self, distribution):
        sent = getattr(distribution, "n_sent", 0)
        return f"{100 * distribution.responded / sent:.0f}%" if sent else "—"

    def get_object(self, request, object_id, from_field=None):
        return self.get_queryset(request).filter(pk=object_id).first()

    @admin.action(description=gettext_lazy("Launch now (or at the scheduled time)"))
    def launch(self, request, queryset):
        started = [distribution_start(distribution_id=pk) for pk in queryset.values_list("pk", flat=True)]
        if "waiting" in started:
            self.message_user(
                request,
                ngettext(
                    "The task queue cannot be reached: %(n)d distribution is scheduled for now and will be "
                    "launched automatically once the queue is back.",
                    "The task queue cannot be reached: %(n)d distributions are scheduled for now and will be "
                    "launched automatically once the queue is back.",
                    started.count("waiting"),
                )
                % {"n": started.count("waiting")},
                messages.WARNING,
            )
        else:
            self.message_user(request, _("Launching; progress shows in the list."), messages.SUCCESS)


@admin.register(UnsubscribedAddress)
class UnsubscribedAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at"]
    search_fields = ["email"]
