"""Serializers of invitations: the list, asking for one per transaction, and why none was sent."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from cxprogram.models import Channel
from cxprogram.selectors import Scope
from surveys.api.serializers.responses import ANONYMOUS_CONTEXT, in_scope
from surveys.models import Invitation, Survey


class InvitationSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(slug_field="public_id", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="external_id", read_only=True, allow_null=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = [
            "id", "survey", "customer", "unit", "employee", "touchpoint", "channel", "transaction_ref",
            "language", "delivery", "sent_at", "opened_at", "responded_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        # Read-only choice fields lose allow_blank, and with it the empty value in the schema's enum.
        extra_kwargs = {"channel": {"allow_blank": True}, "language": {"allow_blank": True}}


class InvitationCreateSerializer(serializers.Serializer):
    """One transaction to ask a customer about: the invitation is refused (with the reason) for opted-out,
    unsubscribed or recently asked customers, a repeated transaction reference, or a missing e-mail address."""

    survey = serializers.CharField(max_length=32, help_text="The survey's public id.")
    customer = serializers.CharField(max_length=100, help_text="The customer's external id.")
    unit = serializers.CharField(max_length=50, required=False, help_text="Code of the unit that served.")
    employee = serializers.IntegerField(required=False, help_text="Id of the employee who served.")
    touchpoint = serializers.SlugField(max_length=50, required=False, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default="")
    transaction_ref = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True, help_text="Each reference is asked about once."
    )
    send_email = serializers.BooleanField(
        default=True, help_text="E-mail the invitation; false: only create it and return its link."
    )

    def validate(self, attrs):
        scope: Scope = self.context["scope"]
        errors: dict[str, list[str]] = {}
        survey = Survey.objects.filter(public_id=attrs["survey"]).first()
        if survey is None or (survey.status == Survey.Status.DRAFT and not scope.can_author):
            errors["survey"] = [_("Unknown survey “%(id)s”.") % {"id": attrs["survey"]}]
        attrs["survey"] = survey
        attrs["customer"] = in_scope(scope.customers(), "external_id", attrs["customer"], "customer", errors)
        attrs["unit"] = in_scope(scope.units(), "code", attrs.get("unit"), "unit", errors)
        attrs["employee"] = in_scope(scope.employees(), "pk", attrs.get("employee"), "employee", errors)
        if survey is not None and survey.anonymous and (attrs["employee"] or attrs.get("transaction_ref")):
            field = "employee" if attrs["employee"] else "transaction_ref"
            errors[field] = [ANONYMOUS_CONTEXT]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


SUPPRESSION_MESSAGES = {
    "survey_not_live": _("The survey is not live."),
    "opted_out": _("The customer has not agreed to feedback requests or has opted out."),
    "unsubscribed": _("The customer's e-mail address is unsubscribed."),
    "throttled": _("The customer was asked recently (the survey's or the program's contact period)."),
    "duplicate": _("This transaction has been asked about already."),
    "no_email": _("The customer has no e-mail address."),
}


class InvitationResultSerializer(serializers.Serializer):
    invited = serializers.BooleanField(help_text="False when the invitation was suppressed; see reason.")
    reason = serializers.ChoiceField(
        choices=["", *SUPPRESSION_MESSAGES], help_text="Why nothing was sent: survey_not_live, opted_out, "
        "unsubscribed, throttled, duplicate, no_email."
    )  # fmt: skip
    message = serializers.CharField(allow_blank=True)
    invitation = InvitationSerializer(allow_null=True)
    link = serializers.URLField(allow_null=True, help_text="The personal survey link of the new invitation.")
