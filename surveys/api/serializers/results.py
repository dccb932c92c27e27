"""Serializers of the metrics endpoint: the slice asked for, and each question's figures with n and interval."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from cxprogram.api.inputs import date_in_range
from cxprogram.models import Channel, Customer
from surveys.models import Question


class MetricsQuerySerializer(serializers.Serializer):
    survey = serializers.CharField(max_length=32, help_text="The survey's public id.")
    question = serializers.CharField(max_length=50, required=False, help_text="One question's code; default all.")
    date_from = serializers.DateField(required=False, validators=[date_in_range])
    date_to = serializers.DateField(required=False, validators=[date_in_range])
    unit = serializers.CharField(max_length=50, required=False, help_text="Unit code (with the units below it).")
    employee = serializers.IntegerField(required=False)
    segment = serializers.CharField(max_length=50, required=False, help_text="Segment code.")
    value_tier = serializers.ChoiceField(choices=Customer.ValueTier.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    touchpoint = serializers.SlugField(max_length=50, required=False)
    period = serializers.CharField(
        max_length=7,
        required=False,
        help_text="Anonymous surveys only, which have no other filter: a finished calendar month (2026-11) or "
        "quarter (2026-Q4), as PULSE_PERIOD says; default the last finished one.",
    )

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        return attrs


class FigureSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="None below the minimum sample.")
    n = serializers.IntegerField(allow_null=True, help_text="Sample size; None where an anonymous group is hidden.")
    low = serializers.FloatField(allow_null=True, help_text="95% confidence interval, low end.")
    high = serializers.FloatField(allow_null=True, help_text="95% confidence interval, high end.")
    unit = serializers.CharField(allow_blank=True, help_text="“%” for shares, empty for scores.")
    enough = serializers.BooleanField(help_text="Whether n reaches the minimum sample.")
    min_sample = serializers.IntegerField()


class ChoiceShareSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = FigureSerializer()


class QuestionMetricSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's code.")
    type = serializers.ChoiceField(choices=Question.Type.choices)
    metric = serializers.CharField(help_text="What the headline figure means.")
    headline = FigureSerializer()
    secondary_metric = serializers.CharField(allow_blank=True)
    secondary = FigureSerializer(allow_null=True)
    distribution = ChoiceShareSerializer(many=True)


class MetricsSerializer(serializers.Serializer):
    survey = serializers.CharField()
    period = serializers.CharField(required=False, help_text="Anonymous surveys: the period the figures cover.")
    unit = serializers.CharField(required=False, help_text="Anonymous surveys: the unit (with its subtree).")
    responses = serializers.IntegerField(
        allow_null=True, help_text="Responses in the slice; None where an anonymous group is hidden."
    )
    questions = QuestionMetricSerializer(many=True)
