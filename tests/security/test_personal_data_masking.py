"""Attacks on "personal data in comments is masked for everyone but CX leads": phones typed every way a customer
types them, hostile comments, and the surfaces `tests/surveys/test_personal_data_masking.py` does not visit —
the touchpoint page, complaint cases (their text, subject and the customer's e-mailed answers), the case API,
a kiosk's (integration account's) API token, the XLSX export and the admin."""

from urllib.parse import quote

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.models import Journey, Stage, Touchpoint, TouchpointMeasure
from surveys.links import ResponseContext
from surveys.models import FollowUp
from surveys.services.replies import followup_customer_wrote
from surveys.services.responses import response_submit
from surveys.tasks import analyse_new_comments
from surveys.text.pii import mask
from tests.surveys.test_exports import _sheet
from tests.surveys.test_personal_data_masking import COMMENT, MASKED, SECRETS, comment, page  # noqa: F401

pytestmark = pytest.mark.django_db

PHONE_DIGITS = ("916", "123 45 67", "123-45-67", "1234567", "45 67")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+7 (916) 123-45-67", "•••67"),
        ("8 916 123 45 67", "•••67"),
        ("89161234567", "•••67"),
        ("+7 (916) 123 - 45 - 67", "•••67"),
        ("тел89161234567", "тел•••67"),  # glued to a word
        ("tel:+79161234567", "tel:•••67"),
        ("x+79161234567", "x•••67"),
        ("8‑916‑123‑45‑67", "•••67"),  # non-breaking hyphens, as phones' keyboards type them
        ("8–916–123–45–67", "•••67"),  # en dashes
        ("+7 916\n123 45 67", "•••67"),  # split by a newline
        ("<b>+7 916 123 45 67</b>", "<b>•••67</b>"),
        ("８９１６１２３４５６７", "•••６７"),  # full-width digits
        ("٨٩١٦١٢٣٤٥٦٧", "•••٦٧"),  # Arabic-Indic digits
        ("ivan.petrov+shop@mail.ru", "•••@•••"),
        ("иван@почта.рф", "•••@•••"),
        ("4111 1111 1111 1111", "•••• 1111"),
        ("4111-1111-1111-1111", "•••• 1111"),
        ("4111‑1111‑1111‑1111", "•••• 1111"),
        ("4276 3800\n1234 5679", "•••• 5679"),
        ("оценки 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 и заказ 12345", "оценки 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 и заказ 12345"),
    ],
)
def test_every_way_of_typing_a_phone_an_address_or_a_card_is_masked(text, masked):
    assert mask(text) == masked


HOSTILE = {
    "89161234567": "•••67",
    "<b>+7 916 123 45 67</b> перезвоните": "&lt;b&gt;•••67&lt;/b&gt; перезвоните",
    "Мой номер +7 916\n123 45 67, жду": "Мой номер •••67, жду",
    "тел8‑916‑123‑45‑67 или ivan@example.ru": "тел•••67 или •••@•••",
}


def _answer(survey, text: str, context: ResponseContext, customer) -> None:
    questions = list(survey.questions.order_by("order"))
    response_submit(
        survey=survey, questions=questions, answers={questions[0].pk: 3, questions[1].pk: text}, language="ru",
        source="api", context=context, customer=customer,
    )  # fmt: skip


@pytest.fixture
def hostile(comment, django_capture_on_commit_callbacks):  # noqa: F811
    """The hostile comments beside the first one, from the same store and touchpoint."""
    org = comment["org"]
    survey = comment["response"].survey
    context = ResponseContext(unit=org["units"]["north_store"], employee=org["people"]["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        for text in HOSTILE:
            _answer(survey, text, context, org["customers"]["north"])
    return comment


def assert_no_digits(html: str) -> None:
    for secret in (*SECRETS, *PHONE_DIGITS, "ivan@"):
        assert secret not in html, secret


def test_hostile_comments_on_the_results_page_are_masked_and_escaped_for_a_manager(client, hostile):
    html = page(client, hostile["org"]["people"]["north_manager"].user, "/results/res/")
    for masked in HOSTILE.values():
        assert masked in html
    assert_no_digits(html)
    lead = page(client, hostile["org"]["people"]["lead"].user, "/results/res/")
    assert "&lt;b&gt;+7 916 123 45 67&lt;/b&gt; перезвоните" in lead
    assert "89161234567" in lead


def test_the_touchpoint_page_masks_its_comments_for_a_manager(client, hostile):
    org = hostile["org"]
    journey = Journey.objects.create(name="Покупка", owner=org["people"]["lead"])
    stage = Stage.objects.create(journey=journey, order=1, name="Магазин")
    touchpoint = Touchpoint.objects.create(stage=stage, code="store", name="Касса", channel="store", target=0)
    nps = hostile["response"].survey.questions.get(code="nps")
    TouchpointMeasure.objects.create(touchpoint=touchpoint, question=nps)
    url = f"/journeys/{journey.pk}/touchpoints/{touchpoint.pk}/"
    html = page(client, org["people"]["north_manager"].user, url)
    assert MASKED in html
    for masked in HOSTILE.values():
        assert masked in html
    assert_no_digits(html)
    assert COMMENT in page(client, org["people"]["lead"].user, url)


def token_client(employee, *, integration: bool = False) -> APIClient:
    if integration:
        employee.integration = True
        employee.save(update_fields=["integration"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=employee.user)[0].key}")
    return client


def test_a_kiosk_token_reads_a_response_masked(comment):  # noqa: F811
    kiosk = token_client(comment["org"]["people"]["store_manager"], integration=True)
    body = kiosk.get(f"/api/v1/responses/{comment['response'].pk}/").json()
    assert [a["text"] for a in body["answers"] if a["question"] == "comment"] == [MASKED]
    lead = token_client(comment["org"]["people"]["lead"])
    body = lead.get(f"/api/v1/responses/{comment['response'].pk}/").json()
    assert [a["text"] for a in body["answers"] if a["question"] == "comment"] == [COMMENT]


@pytest.fixture
def complaint(org, settings, django_capture_on_commit_callbacks):
    """An e-mailed complaint posted by the store's integration, then the customer's answer to the case's e-mail."""
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True
    kiosk = token_client(org["people"]["store_manager"], integration=True)
    with django_capture_on_commit_callbacks(execute=True):
        posted = kiosk.post(
            "/api/v1/feedback/",
            {"message_id": "<c1@mail.example>", "channel": "email", "text": COMMENT, "author_email": "nora@example.org",
             "subject": "Звонок на 8 916 123 45 67", "unit_code": "north-store"},
            format="json",
        )  # fmt: skip
    assert posted.status_code == 201, posted.content
    case = FollowUp.objects.get(pk=posted.json()["followup"])
    followup_customer_wrote(followup=case, message_id="<c2@mail.example>", text="Мой второй: 8-916-765-43-21")
    return {"org": org, "case": case, "kiosk": kiosk}


def test_a_complaint_case_is_masked_for_its_manager_and_plain_for_a_lead(client, complaint):
    people = complaint["org"]["people"]
    url = f"/followups/{complaint['case'].pk}/"
    html = page(client, people["store_manager"].user, url)
    assert MASKED in html
    assert "Звонок на •••67" in html  # the subject
    assert "Мой второй: •••21" in html  # what the customer wrote back, in the case's history
    assert_no_digits(html)
    assert "765-43-21" not in html
    assert "Перезвоните •••67" in page(client, people["store_manager"].user, "/followups/")
    lead = page(client, people["lead"].user, url)
    assert COMMENT in lead and "Звонок на 8 916 123 45 67" in lead and "Мой второй: 8-916-765-43-21" in lead


def test_the_case_api_masks_what_the_customer_wrote_back_for_the_kiosk_not_the_lead(complaint):
    url = f"/api/v1/followups/{complaint['case'].pk}/"
    events = complaint["kiosk"].get(url).json()["events"]
    assert [e["text"] for e in events if e["kind"] == "wrote"] == ["Мой второй: •••21"]
    events = token_client(complaint["org"]["people"]["lead"]).get(url).json()["events"]
    assert [e["text"] for e in events if e["kind"] == "wrote"] == ["Мой второй: 8-916-765-43-21"]


def xlsx_comment(client, user, **data) -> str:
    client.force_login(user)
    response = client.get("/results/res/export.xlsx", data)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return _sheet(body)[1][-1]


def test_the_xlsx_export_is_masked_unless_a_lead_asks_for_personal_data(client, comment):  # noqa: F811
    people = comment["org"]["people"]
    assert xlsx_comment(client, people["north_manager"].user, personal_data="1") == f"inlineStr:{MASKED}"
    assert xlsx_comment(client, people["lead"].user) == f"inlineStr:{MASKED}"
    assert xlsx_comment(client, people["lead"].user, personal_data="1") == f"inlineStr:{COMMENT}"


def test_a_manager_with_the_staff_flag_cannot_search_comments_in_the_admin(client, comment):  # noqa: F811
    manager = comment["org"]["people"]["north_manager"].user
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    answer = client.get("/admin/surveys/response/", {"q": "916"})
    assert answer.status_code == 403
    assert "916" not in answer.content.decode().replace("q=916", "")


def test_searching_comments_for_digits_cannot_spell_out_a_masked_phone(
    client,
    comment,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    org = comment["org"]
    context = ResponseContext(unit=org["units"]["north_store"], employee=org["people"]["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        _answer(comment["response"].survey, "Заказ 91612 так и не привезли", context, org["customers"]["north"])
    analyse_new_comments()
    manager, lead = org["people"]["north_manager"].user, org["people"]["lead"].user
    for probe in ("916", "916) 1", "123-45", "ivan@", "4276 1"):
        assert MASKED not in page(client, manager, f"/results/res/?q={quote(probe)}"), probe
        assert "Перезвоните •••67" not in page(client, manager, f"/followups/?q={quote(probe)}"), probe
    html = page(client, manager, "/results/res/?q=916")
    assert "Заказ 91612 так и не привезли" in html  # digits still find comments that hold no personal data
    assert MASKED in page(client, manager, "/results/res/?q=" + quote("Перезвоните"))  # and words find them all
    assert "Перезвоните •••67" in page(client, manager, "/followups/?q=" + quote("Перезвоните"))
    assert COMMENT in page(client, lead, "/results/res/?q=" + quote("916) 1"))
    assert "Перезвоните +7 (916)" in page(client, lead, "/followups/?q=916")
