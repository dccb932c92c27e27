"""Journeys in the API: the map with each touchpoint's live score for a period, segment and unit."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cxprogram.api.inputs import date_in_range
from journeys.forms.journeys import DEFAULT_DAYS
from journeys.models import Journey
from surveys.api.serializers.results import FigureSerializer


class MapQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(
        required=False, validators=[date_in_range], help_text="Default: 90 days before date_to."
    )
    date_to = serializers.DateField(required=False, validators=[date_in_range], help_text="Default: today.")
    unit = serializers.CharField(max_length=50, required=False, help_text="Unit code (with the units below it).")
    segment = serializers.CharField(max_length=50, required=False, help_text="Segment code.")

    def validate(self, attrs):
        attrs["date_to"] = attrs.get("date_to") or timezone.localdate()
        attrs["date_from"] = attrs.get("date_from") or attrs["date_to"] - timedelta(days=DEFAULT_DAYS - 1)
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        return attrs


class JourneySerializer(serializers.ModelSerializer):
    persona = serializers.StringRelatedField()
    owner = serializers.CharField(source="owner.user.username", default=None, read_only=True)

    class Meta:
        model = Journey
        fields = ["id", "name", "state", "persona", "owner"]
        read_only_fields = fields


class ImportanceSerializer(serializers.Serializer):
    r = serializers.FloatField(allow_null=True, help_text="Pearson r with the same customers' overall NPS.")
    pairs = serializers.IntegerField(help_text="Customers who answered both.")


class TouchpointScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="touchpoint.pk")
    code = serializers.CharField(source="touchpoint.code")
    name = serializers.CharField(source="touchpoint.name")
    channel = serializers.CharField(source="touchpoint.channel")
    moment_of_truth = serializers.BooleanField(source="touchpoint.moment_of_truth")
    target = serializers.FloatField(source="touchpoint.target", allow_null=True)
    expected_emotion = serializers.IntegerField(source="touchpoint.expected_emotion")
    metric = serializers.CharField(
        source="score.metric", help_text="nps, csat, ces, rating, yes_no; empty if unmeasured."
    )
    score = FigureSerializer(source="score.figure", allow_null=True)
    previous = FigureSerializer(source="score.previous", allow_null=True, help_text="The period just before.")
    change = serializers.FloatField(source="score.change", allow_null=True)
    status = serializers.CharField(source="score.status", help_text="met, below, no_target, no_data, unmeasured.")
    importance = ImportanceSerializer(allow_null=True)
    key = serializers.BooleanField(help_text="A computed moment of truth: strongly related to overall NPS.")
    fix_first = serializers.BooleanField(help_text="A computed moment of truth below its target.")


class StageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="stage.pk")
    name = serializers.CharField(source="stage.name")
    expected_emotion = serializers.FloatField(source="expected", allow_null=True)
    measured_emotion = serializers.FloatField(source="measured", allow_null=True)
    touchpoints = TouchpointScoreSerializer(source="cards", many=True)


class PeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class JourneyMapSerializer(serializers.Serializer):
    journey = JourneySerializer()
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    importance_computed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the touchpoints' importance was computed (in the background); null: being computed, and "
        "every `importance` is null meanwhile.",
    )
    stages = StageSerializer(source="columns", many=True)
