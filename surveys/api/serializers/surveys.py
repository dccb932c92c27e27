"""Serializers of surveys with their questions, choices and display logic (read-only: authoring is the admin's)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from surveys.links import survey_public_link
from surveys.models import Choice, Question, Survey


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
