"""The "write to us" form: a customer's message becomes one complaint case in the same queue and SLA machinery,
routed by the signed unit link or the store they pick, in their language; bots, replays, floods and bad input get
no case and a clear message."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.links import write_link
from surveys.models import Answer, Complaint, FollowUp, ThemeMention
from surveys.services.text import taxonomy_seed_retail
from surveys.tasks import analyse_new_comments

pytestmark = pytest.mark.django_db

MONDAY_10_MSK = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


@pytest.fixture
def monday(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_10_MSK)


def hidden(html: str) -> dict:
    fields = {}
    for name in ("form_token", "lang", "csrfmiddlewaretoken", "ctx"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        if match:
            fields[name] = match.group(1)
    return fields


def send(client, data: dict, url: str = "", language: str = "ru"):
    page = client.get(url or reverse("write"), headers={"accept-language": language})
    data = {**hidden(page.content.decode()), **data}
    return client.post(reverse("write"), data, headers={"accept-language": language})


def test_a_message_from_a_stores_link_is_a_case_of_that_store_due_the_same_day(org, client, monday):
    store = org["units"]["north_store"]
    page = client.get(write_link(unit=store), headers={"accept-language": "ru"}).content.decode()
    assert "Напишите нам" in page and "North store" in page
    assert 'name="unit"' not in page  # the signed link names the store; nothing to pick

    answer = send(
        client,
        {"text": "Продавец нагрубил на кассе", "contact_by": "phone", "phone": "+7 912 345-67-89", "name": "Анна"},
        url=write_link(unit=store),
    )

    assert answer.status_code == 302
    complaint = Complaint.objects.select_related("followup__response").get()
    case = complaint.followup
    assert (complaint.channel, complaint.unit, complaint.author_handle, complaint.text) == (
        "web", store, "Анна", "Продавец нагрубил на кассе",
    )  # fmt: skip
    assert (case.unit, case.owner, case.status) == (store, org["people"]["store_manager"], "new")
    assert case.due_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 18:00 in Moscow, the same business day
    assert (case.response.contact_details, case.response.language, case.response.channel) == (
        "+7 912 345-67-89", "ru", "web",
    )  # fmt: skip
    thanks = client.get(answer.url).content.decode()
    assert "Спасибо!" in thanks and "Мы свяжемся с вами до 7 декабря, 18:00." in thanks


def test_the_customer_picks_the_store_in_english_and_asks_for_an_e_mail(org, client, monday):
    answer = send(
        client,
        {"text": "The sofa arrived broken", "contact_by": "email", "email": "nora@example.com",
         "phone": "8 (912) 000-11-22", "unit": org["units"]["south_store"].pk},
        language="en",
    )  # fmt: skip
    case = FollowUp.objects.select_related("response").get()
    assert (case.unit, case.owner) == (org["units"]["south_store"], org["people"]["south_manager"])
    assert case.response.contact_details == "nora@example.com · 8 (912) 000-11-22"  # the chosen way first
    assert "We will contact you by 7 December, 18:00." in client.get(answer.url).content.decode()


def test_no_contact_wanted_and_no_store_named_goes_to_the_leads_queue(org, client, monday):
    answer = send(client, {"text": "Очень душно в зале", "contact_by": "none", "phone": "", "email": ""})
    case = FollowUp.objects.select_related("response").get()
    assert (case.unit, case.owner, case.response.contact_details) == (None, None, "")
    assert "Команда прочитает его и примет меры до 7 декабря, 18:00." in client.get(answer.url).content.decode()


def test_a_double_submit_or_a_replayed_post_makes_one_case(org, client, monday, monkeypatch):
    page = client.get(reverse("write"), headers={"accept-language": "ru"}).content.decode()
    data = {**hidden(page), "text": "Долго ждали доставку", "contact_by": "phone", "phone": "+79120001122"}
    first = client.post(reverse("write"), data)
    sent_at = time.time()
    monkeypatch.setattr(time, "time", lambda: sent_at + 61)  # the replay a minute later lands on the same page
    second = client.post(reverse("write"), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.url == second.url
    assert (Complaint.objects.count(), FollowUp.objects.count(), Answer.objects.count()) == (1, 1, 1)


def test_bad_input_is_refused_field_by_field_in_russian(org, client):
    answer = send(client, {"text": "   ", "contact_by": "email", "email": "not-an-address", "phone": "12"})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert 'id="id_text_error">Напишите, что случилось, хотя бы в нескольких словах.</p>' in page
    assert 'aria-describedby="id_text_error"' in page
    assert 'id="id_email_error">Введите правильный адрес электронной почты, например name@example.com.</p>' in page
    assert 'id="id_phone_error">Введите номер телефона из 6–15 цифр, например +7 912 345-67-89.</p>' in page
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"contact_by": "phone", "phone": ""}, "phone", "Enter the phone number we should call."),
        ({"contact_by": "email", "email": ""}, "email", "Enter the e-mail address we should write to."),
        ({"contact_by": "fax"}, "contact_by", "Choose how we should contact you."),
        ({"contact_by": "none", "unit": "99999"}, "unit", "Choose a store from the list."),
        ({"contact_by": "none", "text": "x" * 5001}, "text", "Please keep it under 5000 characters."),
    ],
)
def test_each_bad_field_gets_its_own_message_in_english(org, client, data, field, message):
    answer = send(client, {"text": "Hello", **data}, language="en")
    assert answer.status_code == 400
    assert f'id="id_{field}_error">{message}</p>' in answer.content.decode()
    assert Complaint.objects.count() == 0


def test_a_tampered_or_missing_form_token_sends_nothing_and_says_so(org, client):
    answer = client.post(
        reverse("write"), {"text": "Привет", "contact_by": "none", "form_token": "forged", "lang": "ru"}
    )
    assert answer.status_code == 400
    assert "Форма устарела, и ничего не отправлено. Нажмите «Отправить» ещё раз." in answer.content.decode()
    assert Complaint.objects.count() == 0


def test_a_tampered_unit_link_names_no_store(org, client):
    token = write_link(unit=org["units"]["north_store"]).split("ctx=")[1]
    send(client, {"text": "Грязно", "contact_by": "none"}, url=f"{reverse('write')}?ctx={token[:-2]}xx")
    assert Complaint.objects.get().unit is None


def test_the_honeypot_gets_a_quiet_thank_you_and_no_case(org, client):
    answer = send(client, {"text": "buy pills", "contact_by": "none", "website": "http://spam.example"})
    assert answer.status_code == 302
    assert client.get(answer.url).status_code == 200
    assert Complaint.objects.count() == 0


def test_a_flood_from_one_address_is_stopped_with_a_clear_message(org, client, settings):
    settings.SURVEY_SUBMIT_LIMIT = 2
    for n in range(2):
        assert send(client, {"text": f"Жалоба {n}", "contact_by": "none"}).status_code == 302
    answer = send(client, {"text": "Жалоба 3", "contact_by": "none"})
    assert answer.status_code == 429
    assert "Мы только что получили много сообщений из вашей сети." in answer.content.decode()
    assert Complaint.objects.count() == 2


def test_a_forged_thanks_link_is_not_found(client, db):
    assert client.get(reverse("write-thanks", args=["forged"])).status_code == 404


def test_customer_text_is_escaped_when_shown_back(org, client):
    answer = send(client, {"text": "<script>alert(1)</script>", "contact_by": "phone", "name": "<b>x</b>"})
    page = answer.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_form_messages_get_themes_like_any_complaint(org, client, django_capture_on_commit_callbacks):
    taxonomy_seed_retail()
    with django_capture_on_commit_callbacks(execute=True):
        send(client, {"text": "Курьер опоздал на три часа, никто не позвонил", "contact_by": "none"})
    assert analyse_new_comments() == 1
    mentions = ThemeMention.objects.filter(response=FollowUp.objects.get().response_id).select_related("theme")
    assert sorted((m.theme.code, m.sentiment) for m in mentions) == [
        ("delivery_couriers", "negative"), ("delivery_time", "negative"),
    ]  # fmt: skip


def test_the_complaints_results_page_shows_the_loop_by_channel_beside_the_seeds(org, client, monday):
    send(client, {"text": "Очень душно в зале", "contact_by": "none"})
    FollowUp.objects.update(first_contact_at=MONDAY_10_MSK + timedelta(hours=2), status="contacted")
    client.force_login(org["people"]["lead"].user)
    page = client.get(reverse("results-detail", args=["complaints-from-outside"]), headers={"accept-language": "en"})
    html = re.sub(r"\s+", " ", page.content.decode())
    assert page.status_code == 200
    assert "55% of people who complain expect an answer the same day, 29% get one, and 58%" in html
    assert re.search(r'<th scope="row">Website</th> <td class="num">1</td> <td class="num">100% <small', html)
