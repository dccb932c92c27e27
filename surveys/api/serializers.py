"""Serializers of the surveys' endpoints. Fields are explicit; scores, status and ownership are never taken
from a client except through the services that own their rules. Answers sent through the API are validated
page by page by the hosted survey's own form (SurveyPageForm), so both channels accept exactly the same."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxprogram.api.inputs import date_in_range
from cxprogram.models import Channel, Customer
from cxprogram.selectors import Scope
from surveys.display_logic import Answers
from surveys.forms.responses import SurveyPageForm, field_name
from surveys.links import ResponseContext, survey_public_link
from surveys.models import Answer, Choice, FollowUp, FollowUpEvent, Invitation, Question, Response, Survey
from surveys.scoring import score_band
from surveys.selectors.surveys import survey_with_questions
from surveys.text.pii import mask

QT = Question.Type


# Surveys -------------------------------------------------------------------------------------------------


class ChoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "order", "text_en", "text_ru"]
        read_only_fields = fields


class ShowIfSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="Code of the earlier question the condition reads.")
    operator = serializers.ChoiceField(choices=Question.Operator.choices)
    value = serializers.IntegerField(allow_null=True)
    choice = serializers.IntegerField(allow_null=True, help_text="Choice id for “includes the choice”.")


class QuestionSerializer(serializers.ModelSerializer):
    scale_min = serializers.SerializerMethodField()
    scale_max = serializers.SerializerMethodField()
    choices = ChoiceSerializer(many=True, read_only=True)
    show_if = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id", "code", "type", "page", "order", "required", "text_en", "text_ru", "help_en", "help_ru",
            "scale_min", "scale_max", "low_label_en", "low_label_ru", "high_label_en", "high_label_ru",
            "max_length", "choices", "show_if",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_scale_min(self, question: Question) -> int | None:
        return question.scale[0] if question.scale else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_scale_max(self, question: Question) -> int | None:
        return question.scale[1] if question.scale else None

    @extend_schema_field(ShowIfSerializer(allow_null=True))
    def get_show_if(self, question: Question) -> dict | None:
        if not question.show_if_question_id:
            return None
        codes = self.context.get("question_codes") or {}
        source = codes.get(question.show_if_question_id) or question.show_if_question.code
        return {
            "question": source,
            "operator": question.show_if_operator,
            "value": question.show_if_value,
            "choice": question.show_if_choice_id,
        }


class SurveySerializer(serializers.ModelSerializer):
    public_link = serializers.SerializerMethodField(help_text="The survey's public link (no context).")
    questions = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "public_id", "name", "kind", "status", "title_en", "title_ru", "intro_en", "intro_ru",
            "default_language", "anonymous", "public_link", "created_at", "updated_at", "questions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_public_link(self, survey: Survey) -> str:
        return settings.SITE_URL + survey_public_link(survey=survey)

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, survey: Survey) -> list[dict]:
        questions = list(survey.questions.all())
        context = {**self.context, "question_codes": {q.pk: q.code for q in questions}}
        return QuestionSerializer(questions, many=True, context=context).data


# Responses -----------------------------------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's code.")
    type = serializers.ChoiceField(choices=Question.Type.choices)
    number = serializers.IntegerField(allow_null=True, help_text="Scale and yes/no answers (yes = 1).")
    choices = serializers.ListField(child=serializers.IntegerField(), help_text="Chosen choice ids.")
    text = serializers.CharField(
        allow_blank=True, help_text="Phone numbers, e-mails and card numbers are masked except for CX leads."
    )
    sentiment = serializers.ChoiceField(
        choices=["negative", "neutral", "positive"], allow_null=True, help_text="A comment's sentiment, once analysed."
    )
    score = serializers.FloatField(allow_null=True, help_text="A comment's sentiment score, −1..1.")
    themes = serializers.ListField(child=serializers.CharField(), help_text="Codes of the themes the comment mentions.")


class ResponseSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(slug_field="public_id", read_only=True)
    customer = serializers.SlugRelatedField(
        slug_field="external_id",
        read_only=True,
        allow_null=True,
        help_text="The customer's external id (none for anonymous surveys).",
    )
    segment = serializers.SerializerMethodField(help_text="The customer's segment code.")
    unit = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the unit that served."
    )
    band = serializers.SerializerMethodField(help_text="From the first NPS, CSAT or CES answer.")
    followup = serializers.SerializerMethodField(help_text="Id of the follow-up case it opened.")
    answers = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = [
            "id", "survey", "submitted_at", "source", "language", "duration_seconds", "customer", "segment",
            "unit", "employee", "touchpoint", "channel", "transaction_ref", "contact_details", "band", "followup",
            "answers",
        ]  # fmt: skip
        read_only_fields = fields
        # Read-only choice fields lose allow_blank, and with it the empty value in the schema's enum.
        extra_kwargs = {"channel": {"allow_blank": True}}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_segment(self, response: Response) -> str | None:
        customer = response.customer
        return customer.segment.code if customer and customer.segment_id else None

    @extend_schema_field(serializers.ChoiceField(choices=["happy", "neutral", "unhappy"]))
    def get_band(self, response: Response) -> str:
        questions, answers = _questions_and_answers(response)
        return score_band(questions, answers)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_followup(self, response: Response) -> int | None:
        followup = getattr(response, "followup", None)
        return followup.pk if followup else None

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, response: Response) -> list[dict]:
        grouped: dict[int, dict] = {}
        for answer in _ordered_answers(response):
            question = answer.question
            row = grouped.setdefault(
                question.pk,
                {"question": question.code, "type": question.type, "number": None, "choices": [], "text": "",
                 "sentiment": None, "score": None, "themes": []},
            )  # fmt: skip
            if answer.choice_id:
                row["choices"].append(answer.choice_id)
            elif answer.number is not None:
                row["number"] = answer.number
            else:
                scope = self.context.get("scope")
                row["text"] = answer.text if scope is not None and scope.is_lead else mask(answer.text)
                analysis = getattr(answer, "analysis", None)
                if analysis is not None:
                    row["sentiment"], row["score"] = analysis.sentiment, analysis.score
                    row["themes"] = sorted({m.theme.code for m in analysis.mentions.all()})
        return list(grouped.values())


def _ordered_answers(response: Response) -> list[Answer]:
    return sorted(response.answers.all(), key=lambda a: (a.question.page, a.question.order, a.question_id, a.pk))


def _questions_and_answers(response: Response) -> tuple[list[Question], Answers]:
    questions: dict[int, Question] = {}
    answers: Answers = {}
    for answer in _ordered_answers(response):
        questions.setdefault(answer.question_id, answer.question)
        if answer.number is not None:
            answers[answer.question_id] = answer.number
    return list(questions.values()), answers


class ResponseCreateSerializer(serializers.Serializer):
    """A response collected elsewhere (a kiosk, a call centre). The answers are checked by the hosted page's
    own rules: types and ranges, choices of the question, required questions while shown, display logic."""

    survey = serializers.CharField(max_length=32, help_text="The survey's public id; it must be live.")
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Answers by question code: a number for scales and yes/no (yes = 1), a choice id (single), "
        "a list of choice ids (multiple), or text.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text="The language the customer answered in."
    )
    customer = serializers.CharField(max_length=100, required=False, help_text="The customer's external id.")
    unit = serializers.CharField(max_length=50, required=False, help_text="Code of the unit that served.")
    employee = serializers.IntegerField(required=False, help_text="Id of the employee who served.")
    touchpoint = serializers.SlugField(max_length=50, required=False, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default="")
    transaction_ref = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        scope: Scope = self.context["scope"]
        errors: dict[str, list[str]] = {}
        survey = live_survey(scope, attrs["survey"], errors)
        context = {
            "customer": in_scope(scope.customers(), "external_id", attrs.get("customer"), "customer", errors),
            "unit": in_scope(scope.units(), "code", attrs.get("unit"), "unit", errors),
            "employee": in_scope(scope.employees(), "pk", attrs.get("employee"), "employee", errors),
        }
        if survey is not None and survey.anonymous:
            # Someone typing in answers to an anonymous survey would be answering for others (or ballot-stuffing
            # the pulse); and nothing may tie such answers to a customer or an employee.
            errors["survey"] = [ANONYMOUS_ENTRY]
            survey = None
        answers = {}
        language = attrs.get("language") or (survey.default_language if survey else "")
        if survey is not None:
            answers = page_answers(survey, attrs["answers"], language, errors)
        if errors:
            raise serializers.ValidationError(errors)
        attrs.update(survey=survey, answers=answers, language=language, **context)
        return attrs

    def context_of(self) -> ResponseContext:
        data = self.validated_data
        return ResponseContext(
            unit=data["unit"],
            employee=data["employee"],
            touchpoint=data["touchpoint"],
            channel=data["channel"],
            transaction_ref=data["transaction_ref"],
        )


ANONYMOUS_ENTRY = _lazy(
    "This survey is anonymous: its answers come only from the respondents' own links and cannot be entered here."
)

ANONYMOUS_CONTEXT = _lazy(
    "This survey is anonymous: its answers are never tied to an employee or a transaction, so leave this out."
)


def live_survey(scope: Scope, public_id: str, errors: dict) -> Survey | None:
    """The visible survey with this public id if it accepts answers; otherwise an error on "survey"."""
    survey = survey_with_questions(public_id=public_id)
    if survey is None or (survey.status == Survey.Status.DRAFT and not scope.can_author):
        errors["survey"] = [_("Unknown survey “%(id)s”.") % {"id": public_id}]
        return None
    if survey.status != Survey.Status.LIVE:
        errors["survey"] = [_("This survey is %(status)s and does not accept answers.") % {
            "status": survey.get_status_display().lower()
        }]  # fmt: skip
        return None
    return survey


def in_scope(queryset, field: str, value, name: str, errors: dict):
    """The object of the caller's scope that `value` names, or None; an error on `name` when it names none."""
    if value in (None, ""):
        return None
    found = queryset.filter(**{field: value}).first()
    if found is None:
        errors[name] = [_("Unknown %(what)s “%(value)s”, or not yours to use.") % {"what": name, "value": value}]
    return found


def page_answers(survey: Survey, raw: dict, language: str, errors: dict) -> Answers:
    """Validate answers given by question code with the hosted page's form, page after page with the answers
    of earlier pages (so display logic and "required while shown" work as on the page); errors go to
    "answers.<code>"."""
    questions = list(survey.questions.all())
    by_code = {q.code: q for q in questions}
    answer_errors: dict[str, list[str]] = {}
    for code in raw:
        if code not in by_code:
            answer_errors[code] = [_("This survey has no question “%(code)s”.") % {"code": code}]
    data = {}
    for code, value in raw.items():
        question = by_code.get(code)
        if question is None:
            continue
        if question.type in Question.TEXT_TYPES and value is not None and not isinstance(value, str):
            answer_errors[code] = [_("Send the answer to a text question as text.")]
        elif question.type == QT.MULTIPLE and value is not None and not isinstance(value, list):
            answer_errors[code] = [_("Send a list of choice ids, e.g. [12, 14].")]
        elif question.type not in Question.TEXT_TYPES and isinstance(value, (dict, float)):
            answer_errors[code] = [_("Send a whole number or a choice id.")]
        elif isinstance(value, bool):
            data[field_name(question)] = int(value)
        else:
            data[field_name(question)] = value
    answers: Answers = {}
    for page in sorted({q.page for q in questions}):
        page_questions = [q for q in questions if q.page == page]
        form = SurveyPageForm(
            {k: v for k, v in data.items() if k in {field_name(q) for q in page_questions}},
            questions=page_questions,
            earlier=dict(answers),
            language=language,
        )
        if form.is_valid():
            answers |= form.answers()
            continue
        for question in page_questions:
            if question.code not in answer_errors and field_name(question) in form.errors:
                answer_errors[question.code] = list(form.errors[field_name(question)])
        answers |= {q.pk: form.cleaned_data[field_name(q)] for q in page_questions if _has(form, q)}
    if answer_errors:
        errors["answers"] = answer_errors
    return answers


def _has(form: SurveyPageForm, question: Question) -> bool:
    value = getattr(form, "cleaned_data", {}).get(field_name(question))
    return value not in (None, "", [])


# Invitations ---------------------------------------------------------------------------------------------


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


# Metrics -------------------------------------------------------------------------------------------------


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


# Follow-up cases -----------------------------------------------------------------------------------------


class FollowUpEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    text = serializers.CharField(
        source="display_text", read_only=True, help_text="The event in the request's language, or what was typed."
    )

    class Meta:
        model = FollowUpEvent
        fields = ["at", "kind", "actor", "text", "params"]
        read_only_fields = fields

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
