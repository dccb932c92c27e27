"""POST /api/v1/text/analyse/: themes and sentiment of any text, by the program's own taxonomy and model."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response as APIResponse
from rest_framework.views import APIView

from cxprogram.api.permissions import IsLeadOrManager
from surveys.models import Sentiment
from surveys.services.text import text_analyse

MAX_TEXT = 10_000


class TextAnalyseRequest(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, help_text=_("The text to analyse, Russian or English."))
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, allow_null=True, required=False, default=None, help_text=_("Null: detected.")
    )


class MentionSerializer(serializers.Serializer):
    theme = serializers.CharField(help_text="The theme's code.")
    sentiment = serializers.ChoiceField(choices=Sentiment.choices)
    start = serializers.IntegerField(help_text="Offset of the first character of the words that mark the theme.")
    end = serializers.IntegerField(help_text="Offset just after the last one.")


class TextAnalyseResult(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, allow_blank=True)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices)
    score = serializers.FloatField(help_text="From −1 (negative) to 1 (positive).")
    themes = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the themes mentioned and of the themes above them."
    )
    mentions = MentionSerializer(many=True)


class TextAnalyseView(APIView):
    """Themes and sentiment of a text (nothing is stored): CX leads and managers."""

    permission_classes = [IsLeadOrManager]

    @extend_schema(request=TextAnalyseRequest, responses={200: TextAnalyseResult})
    def post(self, request):
        payload = TextAnalyseRequest(data=request.data)
        payload.is_valid(raise_exception=True)
        result = text_analyse(text=payload.validated_data["text"], language=payload.validated_data["language"])
        return APIResponse(TextAnalyseResult(result).data)
