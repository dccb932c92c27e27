"""Serializers of follow-up cases: the queue, one case with its history, and the actions on it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxprogram.models import Customer
from surveys.models import FollowUp, FollowUpEvent
from surveys.text.pii import mask


class FollowUpEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    text = serializers.CharField(
        source="display_text", read_only=True, help_text="The event in the request's language, or what was typed."
    )

    class Meta:
        model = FollowUpEvent
        fields = ["at", "kind", "actor", "text", "params"]
        read_only_fields = fields

    def to_representation(self, event: FollowUpEvent) -> dict:
        """What the customer wrote back is a comment like any other: masked for all but CX leads."""
        row = super().to_representation(event)
        scope = self.context.get("scope")
        if event.kind == FollowUpEvent.Kind.WROTE and not (scope is not None and scope.is_lead):
            row["text"] = mask(row["text"])
        return row

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: FollowUpEvent) -> str | None:
        return str(event.actor) if event.actor_id else None


class CaseCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["external_id", "name", "email", "phone", "language", "value_tier"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    response = serializers.PrimaryKeyRelatedField(read_only=True)
    survey = serializers.CharField(source="response.survey.public_id", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    customer = serializers.SerializerMethodField(help_text="None for anonymous surveys.")
    overdue = serializers.SerializerMethodField()
    reasons = serializers.CharField(read_only=True, help_text="Why the case was opened, in the request's language.")
    reason_codes = serializers.JSONField(
        read_only=True, help_text='The same as [code, parameter] pairs: ["nps", 3], ["contact_me", null], ...'
    )

    class Meta:
        model = FollowUp
        fields = [
            "id", "status", "priority", "reasons", "reason_codes", "response", "survey", "customer", "unit", "owner",
            "due_at", "overdue", "first_contact_at", "resolved_at", "escalated_at", "escalated_to", "root_cause",
            "action_taken", "recovered", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        # Read-only choice fields lose allow_blank, and with it the empty value in the schema's enum.
        extra_kwargs = {"root_cause": {"allow_blank": True}}

    @extend_schema_field(CaseCustomerSerializer(allow_null=True))
    def get_customer(self, case: FollowUp) -> dict | None:
        customer = case.response.customer
        if case.response.survey.anonymous or customer is None:
            return None
        return CaseCustomerSerializer(customer).data

    def get_overdue(self, case: FollowUp) -> bool:
        return case.status == FollowUp.Status.NEW and case.due_at < self.context["now"]


class FollowUpDetailSerializer(FollowUpSerializer):
    events = FollowUpEventSerializer(many=True, read_only=True)

    class Meta(FollowUpSerializer.Meta):
        fields = [*FollowUpSerializer.Meta.fields, "events"]
        read_only_fields = fields


class ContactedSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ResolveSerializer(serializers.Serializer):
    root_cause = serializers.ChoiceField(choices=FollowUp.RootCause.choices)
    action_taken = serializers.CharField(max_length=2000)
    ask_if_solved = serializers.BooleanField(
        default=False, help_text="E-mail the customer a one-click question: is it solved?"
    )


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the customer could not be reached.")
