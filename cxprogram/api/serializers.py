"""Serializers of the organisation's endpoints. Fields are listed explicitly; what a client may not set is
read-only. Customer rows are validated by the CSV import's CustomerRowForm, so both paths accept the same."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import serializers

from cxprogram.forms import CustomerRowForm
from cxprogram.models import Customer, Employee, Segment, Unit
from cxprogram.selectors import account_editable_by

CUSTOMER_WRITE_FIELDS = ("name", "email", "phone", "language", "segment", "value_tier", "consent", "home_unit")
BULK_MAX_ROWS = 1000


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The parent unit's code."
    )

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent"]
        read_only_fields = fields


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "code", "name", "description"]
        read_only_fields = fields


class EmployeeSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True, help_text="Empty when unknown.")
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The unit's code.")

    class Meta:
        model = Employee
        fields = ["id", "username", "first_name", "last_name", "email", "role", "title", "unit"]
        read_only_fields = fields


class EmployeeUpsertSerializer(serializers.Serializer):
    """A person by username: created, or updated when the username exists (CX leads only). Only the fields sent
    are changed; a new person needs `role` and `unit`."""

    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Employee.Role.choices, required=False)
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), required=False, help_text="The unit's code."
    )

    def validate_username(self, value: str) -> str:
        user = get_user_model().objects.filter(username=value).first()
        if user is not None and user.is_superuser:
            raise serializers.ValidationError(_("This user is a superuser; change them in the admin."))
        caller = self.context["request"].user if "request" in self.context else None
        if caller is not None and not account_editable_by(caller, user):
            raise serializers.ValidationError(
                _("This user holds permissions you do not have; only a superuser may change them.")
            )
        return value

    def validate(self, attrs):
        exists = Employee.objects.filter(user__username=attrs["username"]).exists()
        missing = [name for name in ("role", "unit") if name not in attrs]
        if not exists and missing:
            raise serializers.ValidationError({name: [_("A new employee needs this field.")] for name in missing})
        return attrs


class CustomerSerializer(serializers.ModelSerializer):
    segment = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The segment's code."
    )
    home_unit = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The home unit's code."
    )
    email = serializers.CharField(read_only=True, help_text="Empty when unknown.")

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "name",
            "email",
            "phone",
            "language",
            "segment",
            "value_tier",
            "consent",
            "home_unit",
            "opted_out_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(serializers.Serializer):
    """One customer to insert or update by external id. Only the fields sent are written, and a blank or
    null value never erases what is stored (as in the CSV import); opt-out is never set by a client."""

    external_id = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True, allow_null=True)
    segment = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True, help_text="Segment code or name."
    )
    value_tier = serializers.ChoiceField(
        choices=Customer.ValueTier.choices, required=False, allow_blank=True, allow_null=True
    )
    consent = serializers.BooleanField(required=False, allow_null=True)
    home_unit = serializers.CharField(
        max_length=50, required=False, allow_blank=True, allow_null=True, help_text="Unit code."
    )

    def validate(self, attrs):
        lookups = self.context.get("lookups") or customer_lookups()
        data = {name: _as_form_text(value) for name, value in attrs.items()}
        form = CustomerRowForm(data, segments=lookups["segments"], units=lookups["units"])
        if not form.is_valid():
            raise serializers.ValidationError({name: list(messages) for name, messages in form.errors.items()})
        sent = set(attrs)
        return {name: value for name, value in form.cleaned_data.items() if name in sent and value not in (None, "")}


def customer_lookups() -> dict:
    """Segments by lower-cased code and name, units by lower-cased code: what CustomerRowForm resolves against."""
    return {
        "segments": {key.lower(): s for s in Segment.objects.all() for key in (s.code, s.name)},
        "units": {u.code.lower(): u for u in Unit.objects.all()},
    }


def _as_form_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class CustomerBulkSerializer(serializers.Serializer):
    customers = serializers.ListField(
        child=CustomerWriteSerializer(), min_length=1, max_length=BULK_MAX_ROWS, help_text="At most 1000 rows."
    )

    def validate_customers(self, rows):
        seen: dict[str, int] = {}
        errors = {}
        for index, row in enumerate(rows):
            key = row["external_id"]
            if key in seen:
                errors[index] = {
                    "external_id": [
                        _("external_id “%(id)s” appears earlier in the request (row %(row)d).")
                        % {"id": key, "row": seen[key]}
                    ]
                }
            seen.setdefault(key, index)
        if errors:
            raise serializers.ValidationError(errors)
        return rows


class CustomerBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
