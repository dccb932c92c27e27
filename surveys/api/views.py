"""Endpoints of the surveys app: surveys to read, responses to read and create, invitations per transaction,
metrics for a slice, and follow-up cases with their status changes. Each checks the caller's scope and calls
the services and selectors the pages use."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response as APIResponse
from rest_framework.views import APIView

from cxprogram.api.inputs import TextLookupMixin
from cxprogram.api.pagination import CreatedCursorPagination, SubmittedCursorPagination
from cxprogram.api.permissions import IsEmployee, IsLeadOrManager, api_scope
from cxprogram.models import Segment, Unit
from cxprogram.replica import reads_from_replica
from surveys.anonymity import period_label, period_parse, period_start
from surveys.api.filters import FollowUpFilter, InvitationFilter, ResponseFilter
from surveys.api.serializers.distribution import (
    SUPPRESSION_MESSAGES,
    InvitationCreateSerializer,
    InvitationResultSerializer,
    InvitationSerializer,
)
from surveys.api.serializers.followups import (
    CloseSerializer,
    ContactedSerializer,
    FollowUpDetailSerializer,
    FollowUpSerializer,
    NoteSerializer,
    ResolveSerializer,
)
from surveys.api.serializers.responses import ResponseCreateSerializer, ResponseSerializer, in_scope
from surveys.api.serializers.results import MetricsQuerySerializer, MetricsSerializer
from surveys.api.serializers.surveys import SurveySerializer
from surveys.forms.results import ANONYMOUS_FILTERS
from surveys.models import Answer, Choice, FollowUpEvent, Invitation, Question, Response, Survey, ThemeMention
from surveys.selectors.anonymous import Period, anonymous_results
from surveys.selectors.followups import followups_visible
from surveys.selectors.metrics import QuestionResult, Slice, question_results
from surveys.selectors.responses import responses_visible
from surveys.selectors.results import responses_count
from surveys.services.distribution import invitation_for_transaction
from surveys.services.followups import followup_close, followup_contacted, followup_note, followup_resolve
from surveys.services.responses import response_submit


class SurveyViewSet(TextLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Surveys with their public link and questions: CX leads see drafts too, everyone else live and closed
    surveys (what customers can see)."""

    serializer_class = SurveySerializer
    permission_classes = [IsEmployee]
    lookup_field = "public_id"
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        questions = Question.objects.order_by("page", "order", "id").prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
        )
        surveys = Survey.objects.prefetch_related(Prefetch("questions", queryset=questions)).order_by("name", "id")
        if not api_scope(self.request).can_author:
            surveys = surveys.exclude(status=Survey.Status.DRAFT)
        return surveys


# Answers with their comments' analyses and theme mentions: two prefetch queries per page, whatever its size.
ANSWERS_WITH_ANALYSIS = (
    Prefetch(
        "answers",
        queryset=Answer.objects.select_related("question", "analysis").order_by(
            "question__page", "question__order", "pk"
        ),
    ),
    Prefetch("answers__analysis__mentions", queryset=ThemeMention.objects.select_related("theme")),
)


class ResponseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responses with answers and context, newest first (cursor pages); create one collected elsewhere."""

    permission_classes = [IsEmployee]
    pagination_class = SubmittedCursorPagination
    filterset_class = ResponseFilter

    def get_queryset(self):
        return (
            responses_visible(api_scope(self.request))
            .select_related("survey", "customer__segment", "unit", "followup")
            .prefetch_related(*ANSWERS_WITH_ANALYSIS)
            .order_by("-submitted_at", "-id")
        )

    def get_permissions(self):
        # Responses from other channels come from CX leads' and managers' integrations: a frontline employee
        # could otherwise record answers about themselves and move their own KPIs.
        return [IsLeadOrManager()] if self.action == "create" else super().get_permissions()

    def get_serializer_class(self):
        return ResponseCreateSerializer if self.action == "create" else ResponseSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": api_scope(self.request)}

    @extend_schema(request=ResponseCreateSerializer, responses={201: ResponseSerializer})
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        survey = data["survey"]
        response = response_submit(
            survey=survey,
            questions=list(survey.questions.all()),
            answers=data["answers"],
            language=data["language"],
            source=entry_source(api_scope(request)),
            customer=data["customer"],
            context=payload.context_of(),
            entered_by=request.user,
        )
        created = (
            Response.objects.select_related("survey", "customer__segment", "unit", "followup")
            .prefetch_related(*ANSWERS_WITH_ANALYSIS)
            .get(pk=response.pk)
        )
        return APIResponse(
            ResponseSerializer(created, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


def entry_source(scope) -> str:
    """An integration account (a kiosk, a call-centre system) collects answers; anyone else enters them, and what
    a person enters counts toward nobody's KPIs, points or eNPS."""
    employee = scope.employee
    return Response.Source.API if employee is not None and employee.integration else Response.Source.STAFF


class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invitations (CX leads all, managers those of their unit subtree); create one per transaction."""

    permission_classes = [IsLeadOrManager]
    pagination_class = CreatedCursorPagination
    filterset_class = InvitationFilter

    def get_queryset(self):
        scope = api_scope(self.request)
        invitations = Invitation.objects.select_related("survey", "customer", "unit").order_by("-created_at", "-id")
        return invitations if scope.results_units() is None else invitations.filter(unit__in=scope.units())

    def get_serializer_class(self):
        return InvitationCreateSerializer if self.action == "create" else InvitationSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": api_scope(self.request)}

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationResultSerializer, 200: InvitationResultSerializer},
        summary="Invite a customer to a survey about one transaction",
        description="201 when the invitation was created; 200 with `invited: false` and the reason when "
        "opt-out, unsubscription, contact throttling, a repeated transaction or a missing e-mail suppressed it.",
    )
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        invitation, reason = invitation_for_transaction(
            survey=data["survey"],
            customer=data["customer"],
            touchpoint=data["touchpoint"],
            unit=data["unit"],
            employee=data["employee"],
            channel=data["channel"],
            transaction_ref=data["transaction_ref"],
            send_email=data["send_email"],
        )
        result = {
            "invited": invitation is not None,
            "reason": reason,
            "message": str(SUPPRESSION_MESSAGES.get(reason, "")),
            "invitation": InvitationSerializer(invitation).data if invitation else None,
            "link": settings.SITE_URL + invitation.get_absolute_url() if invitation else None,
        }
        return APIResponse(result, status=status.HTTP_201_CREATED if invitation else status.HTTP_200_OK)


class MetricsView(APIView):
    """NPS, CSAT, CES, rating means, yes shares and choice shares of a survey for a slice, each with its n and
    95% interval (no value below the minimum sample). Managers get their unit subtree only."""

    permission_classes = [IsLeadOrManager]

    @extend_schema(parameters=[MetricsQuerySerializer], responses={200: MetricsSerializer})
    @method_decorator(reads_from_replica)
    def get(self, request):
        scope = api_scope(request)
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        errors: dict[str, list[str]] = {}
        survey = Survey.objects.filter(public_id=params["survey"]).first()
        if survey is None or (survey.status == Survey.Status.DRAFT and not scope.can_author):
            errors["survey"] = [_("Unknown survey “%(id)s”.") % {"id": params["survey"]}]
        unit = in_scope(scope.units(), "code", params.get("unit"), "unit", errors)
        employee = in_scope(scope.employees(), "pk", params.get("employee"), "employee", errors)
        segment = in_scope(Segment.objects.all(), "code", params.get("segment"), "segment", errors)
        questions = []
        if survey is not None:
            questions = list(survey.questions.prefetch_related("choices").order_by("page", "order", "id"))
            if params.get("question"):
                questions = [q for q in questions if q.code == params["question"]]
                if not questions:
                    errors["question"] = [_("This survey has no question “%(code)s”.") % {"code": params["question"]}]
        if survey is not None and survey.anonymous:
            return self.anonymous(survey, questions, params, unit, scope, errors)
        if params.get("period"):
            errors["period"] = [_("Periods are for anonymous surveys; use date_from and date_to.")]
        if errors:
            raise ValidationError(errors)
        slice_ = Slice(
            survey=survey,
            date_from=params.get("date_from"),
            date_to=params.get("date_to"),
            unit=unit,
            employee=employee,
            segment=segment,
            value_tier=params.get("value_tier", ""),
            channel=params.get("channel", ""),
            touchpoint=params.get("touchpoint", ""),
            units_in_scope=scope.results_units(),
        )
        results = question_results(slice_, questions, translation.get_language())
        data = {
            "survey": survey.public_id,
            "responses": responses_count(slice_),
            "questions": [
                {
                    "question": r.question.code,
                    "type": r.question.type,
                    "metric": r.labels[0],
                    "headline": figure(r.headline),
                    "secondary_metric": r.labels[1],
                    "secondary": figure(r.secondary) if r.secondary else None,
                    "distribution": [
                        {"label": label, "count": count, "share": figure(share)}
                        for label, count, share in r.distribution
                    ],
                }
                for r in results
            ],
        }
        return APIResponse(MetricsSerializer(data).data)

    def anonymous(self, survey, questions, params, unit, scope, errors):
        """An anonymous survey's figures: one finished period, one unit subtree, nothing else to filter by, and
        no value (nor n) where the group is too small or could be worked out by subtraction."""
        for name in ("date_from", "date_to", "employee", "segment", "value_tier", "channel", "touchpoint"):
            if params.get(name) not in (None, ""):
                errors[name] = [str(ANONYMOUS_FILTERS)]
        kind = settings.PULSE_PERIOD
        latest = period_start(kind, timezone.localdate()) - timedelta(days=1)
        start = period_parse(kind, params["period"]) if params.get("period") else period_start(kind, latest)
        if start is None or start > latest:
            example = period_label(kind, period_start(kind, latest))
            errors["period"] = [_("Give a finished period, e.g. “%(example)s”.") % {"example": example}]
        if unit is None and not errors:
            unit = Unit.objects.filter(parent__isnull=True).first() if scope.is_lead else scope.employee.unit
        if errors:
            raise ValidationError(errors)
        results = anonymous_results(survey=survey, period=Period(kind, start), unit=unit, trend_periods=1)
        hidden = {"value": None, "n": None, "low": None, "high": None, "unit": "", "enough": False,
                  "min_sample": settings.PULSE_MIN_GROUP}  # fmt: skip
        shown = {item.question.pk: item.figure for item in results.questions}
        data = {
            "survey": survey.public_id,
            "period": results.period.label,
            "unit": unit.code,
            "responses": results.respondents,
            "questions": [
                {
                    "question": q.code,
                    "type": q.type,
                    "metric": QuestionResult(q, None).labels[0],
                    "headline": figure(shown[q.pk]) if shown.get(q.pk) else hidden,
                    "secondary_metric": "",
                    "secondary": None,
                    "distribution": [],
                }
                for q in questions
                if q.pk in shown
            ],
        }
        return APIResponse(MetricsSerializer(data).data)


def figure(f) -> dict:
    def rounded(x):
        return None if x is None else round(x, 2)

    return {
        "value": rounded(f.value),
        "n": f.n,
        "low": rounded(f.low),
        "high": rounded(f.high),
        "unit": f.unit,
        "enough": f.enough,
        "min_sample": f.min_sample,
    }


class FollowUpViewSet(viewsets.ReadOnlyModelViewSet):
    """Follow-up cases the caller may see (as in the queue); status changes and notes go through the closed
    loop's services, with their rules."""

    permission_classes = [IsEmployee]
    filterset_class = FollowUpFilter

    def get_queryset(self):
        cases = followups_visible(api_scope(self.request)).select_related(
            "response__survey", "response__customer", "unit"
        )
        if self.action != "list":
            events = FollowUpEvent.objects.select_related("actor__user").order_by("at", "pk")
            cases = cases.prefetch_related(Prefetch("events", queryset=events))
        return cases.order_by("-priority", "due_at", "id")

    def get_serializer_class(self):
        return FollowUpSerializer if self.action == "list" else FollowUpDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now(), "scope": api_scope(self.request)}

    def _act(self, request, serializer_class, service):
        case = self.get_object()
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        service(followup=case, actor=api_scope(request).employee, **payload.validated_data)
        return APIResponse(FollowUpDetailSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(request=ContactedSerializer, responses={200: FollowUpDetailSerializer})
    @action(detail=True, methods=["post"])
    def contacted(self, request, pk=None):
        """Record a contact with the customer (the first one stops the deadline)."""
        return self._act(request, ContactedSerializer, followup_contacted)

    @extend_schema(request=NoteSerializer, responses={200: FollowUpDetailSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """Add a note to the case's history."""
        return self._act(request, NoteSerializer, followup_note)

    @extend_schema(request=ResolveSerializer, responses={200: FollowUpDetailSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Finish a case that reached the customer, with the root cause and the action taken."""
        return self._act(request, ResolveSerializer, followup_resolve)

    @extend_schema(request=CloseSerializer, responses={200: FollowUpDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Finish a case without reaching the customer; the reason is required."""
        return self._act(request, CloseSerializer, followup_close)
