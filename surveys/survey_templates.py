"""Ready-made surveys a CX lead starts from in the builder: questions in order, pages and display logic by code."""

from django.utils.translation import gettext_lazy as _

Q = dict  # one question: code, type, page, texts, optional choices and a condition on an earlier code

TEMPLATES = {
    "relationship-nps": {
        "label": _("Relationship NPS"),
        "survey": {"kind": "relationship", "title_en": "How do you feel about us?",
                   "title_ru": "Как вы к нам относитесь?"},
        "questions": [
            Q(code="nps", type="nps", page=1, text_en="How likely are you to recommend us to a friend?",
              text_ru="Насколько вероятно, что вы порекомендуете нас другу?"),
            Q(code="why_low", type="long_text", page=2, required=False, text_en="What disappointed you?",
              text_ru="Что вас разочаровало?", show_if=("nps", "lte", 6)),
            Q(code="why_high", type="long_text", page=2, required=False, text_en="What do you like most?",
              text_ru="Что вам нравится больше всего?", show_if=("nps", "gte", 9)),
            Q(code="contact_me", type="yes_no", page=3, required=False, text_en="May we contact you about it?",
              text_ru="Можно с вами связаться?"),
        ],
    },
    "transactional-csat": {
        "label": _("Transactional CSAT"),
        "survey": {"kind": "transactional", "title_en": "Your recent purchase", "title_ru": "Ваша недавняя покупка"},
        "questions": [
            Q(code="csat", type="csat", page=1, text_en="How satisfied are you with your purchase?",
              text_ru="Насколько вы довольны покупкой?"),
            Q(code="issue", type="multiple", page=2, required=False, text_en="What went wrong?",
              text_ru="Что пошло не так?", show_if=("csat", "lte", 2),
              choices=[("Price", "Цена"), ("Quality", "Качество"), ("Service", "Обслуживание")]),
            Q(code="comment", type="long_text", page=2, required=False, text_en="Anything else?",
              text_ru="Что-нибудь ещё?"),
        ],
    },
    "ces-support": {
        "label": _("CES after support"),
        "survey": {"kind": "transactional", "title_en": "Your support request",
                   "title_ru": "Ваше обращение в поддержку"},
        "questions": [
            Q(code="ces", type="ces", page=1, text_en="How easy was it to get your issue solved?",
              text_ru="Насколько легко было решить ваш вопрос?"),
            Q(code="solved", type="yes_no", page=1, text_en="Is your issue solved?", text_ru="Ваш вопрос решён?"),
            Q(code="effort_why", type="long_text", page=2, required=False, text_en="What made it hard?",
              text_ru="Что было сложным?", show_if=("ces", "gte", 5)),
        ],
    },
    "store-visit": {
        "label": _("Store visit"),
        "survey": {"kind": "transactional", "title_en": "Your visit to our store", "title_ru": "Ваш визит в магазин"},
        "questions": [
            Q(code="nps", type="nps", page=1, text_en="How likely are you to recommend our store?",
              text_ru="Насколько вероятно, что вы порекомендуете наш магазин?"),
            Q(code="found", type="yes_no", page=2, text_en="Did you find what you came for?",
              text_ru="Вы нашли то, за чем пришли?"),
            Q(code="staff", type="csat", page=2, text_en="How satisfied are you with the staff's help?",
              text_ru="Насколько вы довольны помощью сотрудников?"),
            Q(code="comment", type="long_text", page=3, required=False, text_en="What should we improve?",
              text_ru="Что нам улучшить?", show_if=("nps", "lte", 8)),
        ],
    },
    "employee-pulse": {
        "label": _("Employee pulse"),
        "survey": {"kind": "employee_pulse", "anonymous": True, "title_en": "Team pulse", "title_ru": "Пульс команды"},
        "questions": [
            Q(code="enps", type="nps", page=1, text_en="How likely are you to recommend working here to a friend?",
              text_ru="Насколько вероятно, что вы порекомендуете работу у нас другу?"),
            Q(code="support", type="rating", page=1, scale_min=1, scale_max=5,
              text_en="I get the support I need to serve customers well.",
              text_ru="Я получаю поддержку, нужную, чтобы хорошо обслуживать клиентов."),
            Q(code="idea", type="long_text", page=2, required=False, text_en="One thing we should change?",
              text_ru="Что одно нам стоит изменить?"),
        ],
    },
}  # fmt: skip
