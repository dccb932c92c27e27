"""A complaint that names no unit waits in the CX leads' queue until a lead picks its unit, on the case page or in
the admin; that moves the case to the unit's manager. Nobody else can. Complaints get themes and sentiment like
any comment."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxprogram.models import Customer
from cxprogram.services import cx_lead_group_sync
from surveys.models import Answer, Complaint, FollowUp, FollowUpEvent, ThemeMention
from surveys.services.complaints import Incoming, complaint_receive
from surveys.services.privacy import customer_erase, retention_apply
from surveys.services.text import taxonomy_seed_retail
from surveys.tasks import analyse_new_comments

pytestmark = pytest.mark.django_db


def unrouted(text: str = "Курьер опоздал на три часа, никто не позвонил") -> Complaint:
    complaint, _new = complaint_receive(
        incoming=Incoming(
            message_id="<x1@mail.example>", channel="email", text=text, author_email="anna@mail.example",
            author_handle="Анна", subject="Жалоба",
        )
    )  # fmt: skip
    return complaint


def route(client: Client, complaint: Complaint, unit_pk) -> object:
    return client.post(reverse("followup-act", args=[complaint.followup_id, "unit"]), {"unit": unit_pk})


def test_a_lead_picks_the_unit_and_the_case_goes_to_its_manager(org, client):
    complaint = unrouted()
    case = complaint.followup
    assert (case.unit, case.owner) == (None, None)
    manager = Client()
    manager.force_login(org["people"]["store_manager"].user)
    assert manager.get(case.get_absolute_url()).status_code == 404  # not theirs yet
    client.force_login(org["people"]["lead"].user)
    page = client.get(case.get_absolute_url(), headers={"accept-language": "en"}).content.decode()
    assert "Which store or team is it about?" in page
    assert "North store (north-store)" in page and ">North<" not in page  # stores and teams only

    answer = route(client, complaint, org["units"]["north_store"].pk)

    assert answer.status_code == 302
    case.refresh_from_db()
    complaint.refresh_from_db()
    assert (case.unit, case.owner, complaint.unit, case.response.unit) == (
        org["units"]["north_store"], org["people"]["store_manager"],
        org["units"]["north_store"], org["units"]["north_store"],
    )  # fmt: skip
    moved = case.events.filter(kind=FollowUpEvent.Kind.ASSIGNED).get()
    assert moved.actor == org["people"]["lead"]
    assert moved.display_text == f"routed to North store: CX leads → {org['people']['store_manager']}"
    assert manager.get(case.get_absolute_url()).status_code == 200  # now the manager's
    assert "Which store or team" not in manager.get(case.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["store_manager", "north_manager", "alice"])
def test_nobody_but_a_lead_routes_a_complaint(org, who):
    complaint = unrouted()
    FollowUp.objects.filter(pk=complaint.followup_id).update(unit=org["units"]["north_store"])  # visible to them
    client = Client()
    client.force_login(org["people"][who].user)
    assert route(client, complaint, org["units"]["south_store"].pk).status_code == 404
    complaint.refresh_from_db()
    assert complaint.unit is None
    assert not FollowUpEvent.objects.filter(followup_id=complaint.followup_id, kind="assigned").exists()


@pytest.mark.parametrize("unit", ["", "north", "999999", "1; DROP TABLE", "99999999999999999999"])
def test_a_unit_that_is_not_a_store_or_team_is_refused_in_words(org, client, unit):
    complaint = unrouted()
    if unit == "north":
        unit = org["units"]["north"].pk
    client.force_login(org["people"]["lead"].user)
    answer = client.post(
        reverse("followup-act", args=[complaint.followup_id, "unit"]), {"unit": unit}, headers={"accept-language": "ru"}
    )
    assert answer.status_code == 400
    assert "Выберите магазин или команду." in answer.content.decode()
    complaint.refresh_from_db()
    assert complaint.unit is None


def test_a_case_that_is_no_complaint_has_no_unit_to_pick(org, client):
    complaint = unrouted()
    case = complaint.followup
    complaint.delete()  # the case stays, as a survey answer's case would
    client.force_login(org["people"]["lead"].user)
    assert client.post(reverse("followup-act", args=[case.pk, "unit"]), {"unit": 1}).status_code == 404


def test_a_lead_routes_in_the_admin_too(org):
    complaint = unrouted()
    lead = org["people"]["lead"].user
    lead.is_staff = True
    lead.save()
    lead.groups.add(cx_lead_group_sync())
    admin = Client()
    admin.force_login(lead)
    url = f"/admin/surveys/complaint/{complaint.pk}/change/"
    assert admin.get(url).status_code == 200
    assert admin.post(url, {"unit": org["units"]["south_store"].pk}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.unit == org["units"]["south_store"]
    assert complaint.followup.owner == org["people"]["south_manager"]
    manager = Client()
    manager.force_login(org["people"]["south_manager"].user)
    assert manager.get(url).status_code == 403  # the admin is for CX leads only


def test_complaints_get_themes_and_sentiment_and_the_desk_filters_on_them(
    org, client, django_capture_on_commit_callbacks
):
    taxonomy_seed_retail()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = unrouted("Курьер опоздал на три часа, никто не позвонил")
    assert analyse_new_comments() == 1  # the beat's next scan
    mentions = ThemeMention.objects.filter(response=complaint.followup.response_id).select_related("theme")
    assert sorted((m.theme.code, m.sentiment) for m in mentions) == [
        ("delivery_couriers", "negative"), ("delivery_time", "negative"),
    ]  # fmt: skip
    client.force_login(org["people"]["lead"].user)
    page = client.get(complaint.followup.get_absolute_url(), headers={"accept-language": "ru"}).content.decode()
    assert "theme-chip sentiment-negative" in page
    listed = client.get("/followups/", {"theme": "delivery", "sentiment": "negative"}).content.decode()
    assert f'href="/followups/{complaint.followup_id}/"' in listed
    other = client.get("/followups/", {"theme": "price"}).content.decode()
    assert f'href="/followups/{complaint.followup_id}/"' not in other


def test_erasing_a_customer_erases_what_they_e_mailed_but_keeps_the_message_id(org):
    complaint = unrouted("Меня зовут Анна Иванова, телефон +7 900 000-00-00")
    customer = Customer.objects.create(external_id="A-1", name="Анна", email="Anna@Mail.Example")
    customer_erase(customer=customer, actor=None)
    complaint.refresh_from_db()
    assert (complaint.text, complaint.author_handle, complaint.author_email, complaint.subject) == (
        "[erased]",
        "",
        "",
        "",
    )
    assert complaint.message_id == "<x1@mail.example>"
    assert Answer.objects.get(response=complaint.followup.response_id).text == "[erased]"
    # Read again from the mailbox: still the one case, nothing of hers comes back.
    again, created = complaint_receive(
        incoming=Incoming(message_id="<x1@mail.example>", channel="email", text="Меня зовут Анна")
    )
    assert (again.pk, created) == (complaint.pk, False)


def test_retention_erases_old_complaints(org):
    old = timezone.now() - timedelta(days=800)
    complaint, _new = complaint_receive(
        incoming=Incoming(
            message_id="<old@mail.example>", channel="email", text="Старая жалоба", author_email="old@mail.example",
            received_at=old,
        )
    )  # fmt: skip
    fresh = unrouted()
    retention_apply(months=24)
    complaint.refresh_from_db()
    fresh.refresh_from_db()
    assert (complaint.text, complaint.author_email) == ("[erased]", "")
    assert (fresh.text, fresh.author_email) == ("Курьер опоздал на три часа, никто не позвонил", "anna@mail.example")
