"""The celebration wall and the recognition pages: who sees what, escaping, query counts and permissions."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cxprogram.selectors import scope_for
from kpis.models import PointEntry, Recognition
from kpis.selectors.recognition import recognitions_visible
from surveys.models import Answer, Question, Response
from tests.kpis.factories import CompanyValueFactory, RecognitionFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"


@pytest.fixture
def care(db):
    return CompanyValueFactory(code="care", name_en="Customer care", name_ru="Забота о клиенте")


@pytest.fixture
def wall(org, care):
    """Recognitions of every visibility from carol (south) to alice (north store), a unit achievement of the north
    region, and a unit recognition from alice to carol in the south store."""
    p, u = org["people"], org["units"]

    def rec(giver, receiver, visibility, message, **extra):
        return RecognitionFactory(
            giver=giver, receiver=receiver, visibility=visibility, value=care, message=message, **extra
        )

    return {
        "company": rec(p["carol"], p["alice"], "company", "Company-wide thanks", points=30),
        "unit": rec(p["carol"], p["alice"], "unit", "Unit thanks"),
        "private": rec(p["carol"], p["alice"], "private", "Private thanks", points=20),
        "region_achievement": RecognitionFactory(
            source="achievement",
            giver=None,
            receiver=None,
            unit=u["north"],
            value=None,
            visibility="unit",
            message="North NPS: target met",
        ),
        "south_unit": rec(p["alice"], p["carol"], "unit", "Thanks, south"),
    }


VISIBLE = {
    "alice": {"company", "unit", "private", "region_achievement", "south_unit"},
    "bob": {"company", "unit", "region_achievement"},
    "store_manager": {"company", "unit", "private", "region_achievement"},
    "north_manager": {"company", "unit", "private", "region_achievement"},
    "south_manager": {"company", "south_unit"},
    "carol": {"company", "unit", "private", "south_unit"},
    "lead": {"company", "unit", "private", "region_achievement", "south_unit"},
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_visibility_matrix(org, wall, viewer):
    ids = set(recognitions_visible(scope_for(org["people"][viewer].user)).values_list("pk", flat=True))
    assert ids == {wall[name].pk for name in VISIBLE[viewer]}


def signed_in(org, who: str) -> Client:
    client = Client()
    client.force_login(org["people"][who].user)
    return client


def test_bob_sees_neither_alices_private_recognitions_nor_her_points(org, wall):
    alice = org["people"]["alice"]
    PointEntry.objects.create(employee=alice, amount=50, reason="Recognised", recognition=wall["company"])
    bob = signed_in(org, "bob")

    page = bob.get("/wall/").content.decode()
    assert "Company-wide thanks" in page
    assert "Unit thanks" in page
    assert "Private thanks" not in page
    assert "+30 points" not in page  # points are for the giver, the receiver and CX leads
    assert bob.get(f"/employees/{alice.pk}/").status_code == 404
    assert "Private thanks" not in bob.get("/me/").content.decode()
    for page_number in ("2", "last", "0", "x"):
        assert "Private thanks" not in bob.get(f"/wall/?page={page_number}").content.decode()
    assert page.count('class="verbatim wall-entry') == 3  # company, unit and the north region's achievement
    assert bob.get("/wall/?mine=1").content.decode().count('class="verbatim wall-entry') == 0  # none are bob's
    mine = signed_in(org, "alice").get("/wall/?mine=1").content.decode()
    assert ("Private thanks" in mine, "North NPS: target met" in mine) == (True, False)


def test_alice_sees_her_recognitions_and_points_on_her_page(org, wall):
    alice = org["people"]["alice"]
    PointEntry.objects.create(employee=alice, amount=30, reason="Recognised", recognition=wall["company"])
    PointEntry.objects.create(employee=alice, amount=20, reason="Recognised", recognition=wall["private"])
    page = signed_in(org, "alice").get("/me/").content.decode()
    assert "My recognitions" in page
    assert "Private thanks" in page
    assert "Company-wide thanks" in page
    assert "<dd>50</dd>" in page  # her balance
    wall_page = signed_in(org, "alice").get("/wall/").content.decode()
    assert "+30 points" in wall_page
    assert "+20 points" in wall_page


def test_messages_and_customer_words_are_escaped(org, care):
    p = org["people"]
    RecognitionFactory(giver=p["bob"], receiver=p["alice"], value=care, message="<script>alert(1)</script>")
    page = signed_in(org, "alice").get("/wall/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_wall_query_count_does_not_grow_with_recognitions(org, care, django_assert_max_num_queries):
    p = org["people"]
    for n in range(45):
        RecognitionFactory(
            giver=p["bob"], receiver=p["alice"], value=care, message=f"Thanks #{n}",
            created_at=timezone.now() - timedelta(minutes=n),
        )  # fmt: skip
    client = signed_in(org, "store_manager")
    with django_assert_max_num_queries(5):
        first = client.get("/wall/")
    with django_assert_max_num_queries(5):
        last = client.get("/wall/?page=3")
    assert first.content.decode().count("Thanks #") == 20
    assert "Thanks #0<" in first.content.decode()
    assert last.content.decode().count("Thanks #") == 5
    assert "Page 3 of 3" in last.content.decode()


# --- the recognition form ---------------------------------------------------------------------------------------


def test_recognise_a_colleague_through_the_form(org, care, settings):
    settings.RECOGNITION_MONTHLY_ALLOWANCE = 50
    p = org["people"]
    client = signed_in(org, "bob")
    form = client.get("/recognise/").content.decode()
    assert "You have 50 points left to give this month." in form
    assert "<legend>Company value they lived</legend>" in form
    assert f'value="{p["bob"].pk}"' not in form  # nobody can pick themselves

    response = client.post(
        "/recognise/",
        {"receiver": p["alice"].pk, "value": care.pk, "message": "Stayed late to help", "visibility": "private",
         "points": 15},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/wall/"
    recognition = Recognition.objects.get()
    assert (recognition.giver, recognition.receiver, recognition.points, recognition.visibility) == (
        p["bob"], p["alice"], 15, "private",
    )  # fmt: skip
    assert "You have 35 points left to give this month." in client.get("/recognise/").content.decode()


def test_over_the_allowance_the_form_says_how_many_points_are_left(org, care, settings):
    settings.RECOGNITION_MONTHLY_ALLOWANCE = 50
    p = org["people"]
    client = signed_in(org, "bob")
    data = {"receiver": p["alice"].pk, "value": care.pk, "message": "Thanks", "visibility": "company", "points": 51}
    response = client.post("/recognise/", data)
    assert response.status_code == 400
    assert "You have 50 points left to give this month." in response.content.decode()
    assert not Recognition.objects.exists()


def test_choosing_oneself_or_nonsense_is_a_400_with_a_message(org, care):
    p = org["people"]
    client = signed_in(org, "bob")
    data = {"receiver": p["bob"].pk, "value": care.pk, "message": "Me", "visibility": "company", "points": 1}
    response = client.post("/recognise/", data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.post("/recognise/", {"receiver": "x", "value": "", "points": "many"})
    assert response.status_code == 400
    assert not Recognition.objects.exists()


# --- permissions on every URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/wall/", "/recognise/"])
def test_pages_need_a_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_who_is_not_an_employee_sees_nothing(db, care):
    user = get_user_model().objects.create_user("visitor", password=PASSWORD)
    client = Client()
    client.force_login(user)
    assert client.get("/wall/").status_code == 403
    assert client.get("/recognise/").status_code == 403
    assert client.post("/recognise/praise/1/").status_code == 404


@pytest.fixture
def praise(org):
    alice = org["people"]["alice"]
    alice.user.first_name = "Алиса"
    alice.user.save()
    survey = SurveyFactory(anonymous=False)
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=Question.Type.LONG_TEXT)
    response = Response.objects.create(
        survey=survey, unit=alice.unit, employee=org["people"]["bob"], language="ru", source="invitation",
        submitted_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    Answer.objects.create(response=response, question=nps, question_type="nps", number=10)
    return Answer.objects.create(
        response=response, question=comment, question_type="long_text", text="Алиса помогла <b>подобрать</b> шторы"
    )


def test_the_manager_sends_a_suggestion_with_one_click(org, care, praise):
    client = signed_in(org, "store_manager")
    page = client.get("/recognise/").content.decode()
    assert "«Алиса помогла &lt;b&gt;подобрать&lt;/b&gt; шторы»" in page
    assert f'action="/recognise/praise/{praise.pk}/"' in page

    response = client.post(f"/recognise/praise/{praise.pk}/", {"next": "/recognise/"})
    assert response.status_code == 302
    assert response["Location"] == "/recognise/"
    recognition = Recognition.objects.get()
    assert (recognition.receiver, recognition.source, recognition.answer) == (
        org["people"]["alice"],
        "customer",
        praise,
    )
    again = client.post(f"/recognise/praise/{praise.pk}/")
    assert again.status_code == 409
    assert "already been passed on" in again.content.decode()
    assert Recognition.objects.count() == 1
    assert "Алиса помогла" in signed_in(org, "alice").get("/wall/").content.decode()


@pytest.mark.parametrize("who", ["alice", "bob", "south_manager"])
def test_only_the_employees_managers_can_send_a_suggestion(org, care, praise, who):
    client = signed_in(org, who)
    assert client.post(f"/recognise/praise/{praise.pk}/").status_code == 404
    assert "/recognise/praise/" not in client.get("/recognise/").content.decode()
    assert not Recognition.objects.exists()


def test_sending_a_suggestion_needs_post_and_csrf(org, care, praise):
    client = signed_in(org, "store_manager")
    assert client.get(f"/recognise/praise/{praise.pk}/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org["people"]["store_manager"].user)
    assert strict.post(f"/recognise/praise/{praise.pk}/").status_code == 403
    assert client.post("/recognise/praise/999999/").status_code == 404
    assert not Recognition.objects.exists()


def test_the_nav_links_the_wall(org):
    assert 'href="/wall/"' in signed_in(org, "bob").get("/me/").content.decode()


def test_the_demo_alice_sees_her_recognitions_and_bob_not_her_private_ones():
    from django.core.management import call_command

    call_command("seed_demo", password="pw-demo-4", customers=300, responses=1500)
    counts = (Recognition.objects.count(), PointEntry.objects.count())
    call_command("seed_demo", password="pw-demo-4", customers=300, responses=1500)
    assert (Recognition.objects.count(), PointEntry.objects.count()) == counts  # idempotent

    alice, bob = Client(), Client()
    assert alice.login(username="alice", password="pw-demo-4")
    assert bob.login(username="bob", password="pw-demo-4")
    me = alice.get("/me/").content.decode()
    assert "Лучшие оценки консультаций в магазине за месяц. Так держать!" in me
    assert "Спасибо, что поддержала меня в трудный день." in me  # private, but hers
    assert "Забота о клиенте" in alice.get("/wall/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    for url in ("/wall/", "/wall/?page=2", "/me/", "/recognise/"):
        assert "Спасибо, что поддержала меня в трудный день." not in bob.get(url).content.decode()
    alice_pk = Recognition.objects.filter(receiver__user__username="alice").values_list("receiver", flat=True)[0]
    assert bob.get(f"/employees/{alice_pk}/").status_code == 404
    assert Recognition.objects.filter(source="customer", unit__code="msk-tverskaya").count() == 3


def test_the_admin_shows_the_ledger_with_balances_read_only(org, wall, admin_client):
    alice = org["people"]["alice"]
    PointEntry.objects.create(employee=alice, amount=30, reason="Recognised by Carol", recognition=wall["company"])
    PointEntry.objects.create(employee=alice, amount=-5, reason="Correction")
    ledger = admin_client.get("/admin/kpis/pointentry/")
    assert ledger.status_code == 200
    assert ledger.content.decode().count('<td class="field-balance">25</td>') == 2
    assert admin_client.get("/admin/kpis/pointentry/add/").status_code == 403
    assert admin_client.get("/admin/kpis/recognition/add/").status_code == 403
    assert admin_client.get(f"/admin/kpis/recognition/{wall['private'].pk}/change/").status_code == 200
    assert admin_client.get("/admin/kpis/companyvalue/").status_code == 200


def test_the_recognise_page_query_count_does_not_grow(org, care, praise, django_assert_max_num_queries):
    for code in ("team", "ownership", "honesty"):
        CompanyValueFactory(code=code, name_en=code.title())
    client = signed_in(org, "store_manager")
    with django_assert_max_num_queries(9):  # sign-in 3, allowance, colleagues, values, suggestions 3
        page = client.get("/recognise/")
    assert page.content.decode().count('name="value"') == 4
    assert page.content.decode().count("/recognise/praise/") == 1
