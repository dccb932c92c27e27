"""Serializers of the surveys' endpoints. Fields are explicit; scores, status and ownership are never taken
from a client except through the services that own their rules. Answers sent through the API are validated
page by page by the hosted survey's own form (SurveyPageForm), so both channels accept exactly the same."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxprogram.models import Channel
from cxprogram.selectors import Scope
from surveys.display_logic import Answers
from surveys.forms.responses import SurveyPageForm, field_name
from surveys.links import ResponseContext
from surveys.models import Answer, Question, Response, Sentiment, Survey
from surveys.scoring import score_band
from surveys.selectors.surveys import survey_with_questions
from surveys.text.pii import mask

QT = Question.Type


# Surveys -------------------------------------------------------------------------------------------------


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
        choices=Sentiment.choices, allow_null=True, help_text="A comment's sentiment, once analysed."
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


# Metrics -------------------------------------------------------------------------------------------------


# Follow-up cases -----------------------------------------------------------------------------------------
