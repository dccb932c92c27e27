"""`POST /api/v1/feedback/`: a listening tool or connector hands over a complaint from a review site, a social
network or another channel; it becomes a follow-up case routed to the unit it names."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response as APIResponse
from rest_framework.views import APIView

from cxprogram.api.permissions import IsLeadOrManager, api_scope
from cxprogram.models import Channel
from surveys.api.serializers.responses import in_scope
from surveys.services.complaints import Incoming, complaint_receive


class FeedbackSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=255, help_text="The source's own id; a replay makes no second case.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    text = serializers.CharField(max_length=20000)
    author_handle = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    author_email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="E-mail only: the address an answer from the case goes to (with `message_id` as the thread).",
    )
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    public_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    unit_code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="ru")


class FeedbackResultSerializer(serializers.Serializer):
    followup = serializers.IntegerField()
    created = serializers.BooleanField()
    due_at = serializers.DateTimeField()
    unit_code = serializers.CharField(allow_null=True)


class FeedbackView(APIView):
    """CX leads' integrations route complaints to any unit; a manager's only within their unit subtree (a
    manager's complaint without a unit goes to their own unit)."""

    permission_classes = [IsLeadOrManager]

    @extend_schema(request=FeedbackSerializer, responses={201: FeedbackResultSerializer, 200: FeedbackResultSerializer})
    def post(self, request):
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scope = api_scope(request)
        errors: dict = {}
        unit = in_scope(scope.units(), "code", data["unit_code"], "unit_code", errors)
        if errors:
            raise serializers.ValidationError(errors)
        if unit is None and not scope.is_lead:
            unit = scope.employee.unit
        complaint, created = complaint_receive(
            incoming=Incoming(
                message_id=data["message_id"],
                channel=data["channel"],
                text=data["text"],
                author_handle=data["author_handle"],
                author_email=data["author_email"] if data["channel"] == Channel.EMAIL else "",
                subject=data["subject"],
                public_url=data["public_url"],
                unit=unit,
                received_at=data.get("received_at"),
                language=data["language"],
            )
        )
        if not created and complaint.unit_id is not None and not scope.units().filter(pk=complaint.unit_id).exists():
            # A replayed id must not tell a manager about another unit's complaint.
            raise serializers.ValidationError({"message_id": [_("This message id is taken.")]})
        followup = complaint.followup
        body = FeedbackResultSerializer(
            {
                "followup": followup.pk,
                "created": created,
                "due_at": followup.due_at,
                "unit_code": complaint.unit.code if complaint.unit else None,
            }
        ).data
        return APIResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
