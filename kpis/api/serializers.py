"""Serializers of the kpis' endpoints. Fields are explicit and read-only, except those of a new recognition: the
giver is always the caller, and the source, unit and points' ledger are the service's to set."""

from django.utils import translation
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxprogram.models import Employee

from ..models import CompanyValue, Kpi, KpiMeasurement, Recognition
from ..selectors.recognition import points_shown_to, value_label
from ..services.recognition import MESSAGE_LIMIT


def _language() -> str:
    return (get_language() or "en")[:2]


class KpiSerializer(serializers.ModelSerializer):
    description = serializers.CharField(read_only=True, help_text="The behaviour, in the request's language.")

    class Meta:
        model = Kpi
        fields = [
            "id", "code", "name", "description", "description_en", "description_ru", "metric", "channel", "level",
            "period", "target", "warning", "direction",
            "min_sample", "employee_influence", "points", "active",
        ]  # fmt: skip
        read_only_fields = fields


class KpiMeasurementSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The KPI's code.")
    level = serializers.ChoiceField(source="kpi.level", choices=Kpi.Level.choices, read_only=True)
    period = serializers.ChoiceField(source="kpi.period", choices=Kpi.Period.choices, read_only=True)
    target = serializers.FloatField(source="kpi.target", read_only=True)
    unit = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The measured unit's code (unit and company KPIs).",
    )
    employee = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The measured employee's id (employee KPIs)."
    )
    subject = serializers.SerializerMethodField(help_text="The measured unit's or employee's name.")
    in_progress = serializers.BooleanField(
        read_only=True,
        help_text="The period is still running: `status` then says whether it is on track, not whether it was met.",
    )

    class Meta:
        model = KpiMeasurement
        fields = [
            "id", "kpi", "level", "period", "period_start", "period_end", "unit", "employee", "subject", "value",
            "n", "low", "high", "target", "status", "in_progress", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "value": {"help_text": "None when n is below the KPI's minimum sample (“not enough data”)."},
            "low": {"help_text": "95% confidence interval, low end (none for counts and values entered by hand)."},
            "high": {"help_text": "95% confidence interval, high end."},
        }

    def get_subject(self, measurement: KpiMeasurement) -> str:
        return str(measurement.subject)


class CompanyValueSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="In the request's language.")

    class Meta:
        model = CompanyValue
        fields = ["id", "code", "name", "name_en", "name_ru", "description_en", "description_ru"]
        read_only_fields = fields

    def get_name(self, value: CompanyValue) -> str:
        return value_label(value, _language())


class RecognitionSerializer(serializers.ModelSerializer):
    giver = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the employee who gave it; none for an achievement."
    )
    giver_name = serializers.SerializerMethodField()
    receiver = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the employee recognised; none for a team achievement."
    )
    receiver_name = serializers.SerializerMethodField()
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The receiver's unit code.")
    value = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="The company value's id.")
    value_name = serializers.SerializerMethodField(help_text="In the request's language.")
    points = serializers.SerializerMethodField(
        help_text="Shown to the giver, the receiver and CX leads only; none for everyone else."
    )
    message = serializers.SerializerMethodField(
        help_text="As written; a KPI celebration is worded in the request's language."
    )

    class Meta:
        model = Recognition
        fields = [
            "id", "source", "giver", "giver_name", "receiver", "receiver_name", "unit", "value", "value_name",
            "message", "visibility", "points", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_giver_name(self, recognition: Recognition) -> str | None:
        return str(recognition.giver) if recognition.giver_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_receiver_name(self, recognition: Recognition) -> str | None:
        return str(recognition.receiver) if recognition.receiver_id else None

    def get_value_name(self, recognition: Recognition) -> str:
        return value_label(recognition.value, _language())

    def get_message(self, recognition: Recognition) -> str:
        with translation.override(_language()):
            return recognition.display_message

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_points(self, recognition: Recognition) -> int | None:
        return recognition.points if points_shown_to(self.context["scope"], recognition) else None


class RecognitionCreateSerializer(serializers.Serializer):
    """A thank-you to a colleague, from the token's employee. The checks and their messages are the recognition
    page's: not oneself, not someone who has left, a current company value, a message, points within the giver's
    monthly allowance."""

    receiver = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.select_related("user"), help_text="Id of the colleague to recognise."
    )
    value = serializers.PrimaryKeyRelatedField(
        queryset=CompanyValue.objects.all(), help_text="Id of the company value they lived (see company-values)."
    )
    message = serializers.CharField(
        max_length=MESSAGE_LIMIT, allow_blank=True, help_text="What they did; required, at most 1000 characters."
    )
    visibility = serializers.ChoiceField(choices=Recognition.Visibility.choices, default=Recognition.Visibility.COMPANY)
    points = serializers.IntegerField(
        min_value=0, default=0, help_text="From the giver's monthly allowance (see points); 0 for a simple thank-you."
    )


class PointsSerializer(serializers.Serializer):
    employee = serializers.IntegerField(help_text="The caller's employee id.")
    balance = serializers.IntegerField(help_text="Points received, less corrections.")
    allowance = serializers.IntegerField(help_text="Points each employee may give to colleagues per calendar month.")
    allowance_left = serializers.IntegerField(help_text="Points the caller may still give this month.")
