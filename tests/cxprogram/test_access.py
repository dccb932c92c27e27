"""Roles decide what each person sees: leads everything, managers their unit subtree, frontline themselves."""

import pytest
from django.urls import reverse

from cxprogram.selectors import scope_for

pytestmark = pytest.mark.django_db


def names(queryset):
    return sorted(str(obj) for obj in queryset)


def test_scopes_by_role(org):
    people = org["people"]
    lead = scope_for(people["lead"].user)
    north = scope_for(people["north_manager"].user)
    store = scope_for(people["store_manager"].user)
    alice = scope_for(people["alice"].user)

    assert names(lead.units()) == ["Company", "North", "North store", "South", "South store"]
    assert names(north.units()) == ["North", "North store"]
    assert names(store.units()) == ["North store"]
    assert names(alice.units()) == ["North store"]

    assert names(north.employees()) == ["Alice Tester", "Bob Tester", "North Tester", "Store Tester"]
    assert names(store.employees()) == ["Alice Tester", "Bob Tester", "Store Tester"]
    assert names(alice.employees()) == ["Alice Tester"]

    assert names(lead.customers()) == ["Nora North", "Sam South"]
    assert names(north.customers()) == ["Nora North"]
    assert names(alice.customers()) == []


def test_superuser_without_employee_record_is_a_lead_and_a_plain_user_sees_nothing(org, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")
    stranger = django_user_model.objects.create_user("stranger", password="pw-stranger-123")
    assert scope_for(root).is_lead
    assert scope_for(stranger).units().count() == 0
    assert scope_for(stranger).employees().count() == 0


def test_frontline_employee_cannot_open_a_colleagues_page(client, org):
    alice, bob = org["people"]["alice"], org["people"]["bob"]
    client.force_login(alice.user)
    assert client.get(reverse("employee-detail", args=[alice.pk])).status_code == 200
    response = client.get(reverse("employee-detail", args=[bob.pk]))
    assert response.status_code == 404
    assert "Bob" not in response.content.decode()


def test_manager_cannot_open_another_units_pages(client, org):
    client.force_login(org["people"]["store_manager"].user)
    own = client.get(reverse("unit-detail", args=[org["units"]["north_store"].pk]))
    assert own.status_code == 200
    assert "Nora North" not in own.content.decode()  # customer names are not listed, only counts
    assert client.get(reverse("unit-detail", args=[org["units"]["south_store"].pk])).status_code == 404
    assert client.get(reverse("unit-detail", args=[org["units"]["north"].pk])).status_code == 404
    assert client.get(reverse("employee-detail", args=[org["people"]["carol"].pk])).status_code == 404


def test_regional_manager_sees_stores_below(client, org):
    client.force_login(org["people"]["north_manager"].user)
    response = client.get(reverse("unit-detail", args=[org["units"]["north"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "North store" in page
    assert "South store" not in page
    assert client.get(reverse("employee-detail", args=[org["people"]["alice"].pk])).status_code == 200


def test_home_sends_each_role_to_its_page(client, org):
    client.force_login(org["people"]["store_manager"].user)
    page = client.get("/")
    assert (page.status_code, page.context["unit"]) == (200, org["units"]["north_store"])
    client.force_login(org["people"]["alice"].user)
    assert client.get("/").url == reverse("me")
    client.force_login(org["people"]["lead"].user)
    page = client.get("/").content.decode()
    assert "Program overview" in page
    assert "Admin" not in page  # the lead in this fixture is not staff, so no admin link


def test_unit_list_shows_only_visible_units(client, org):
    client.force_login(org["people"]["south_manager"].user)
    page = client.get(reverse("unit-list")).content.decode()
    assert "South store" in page
    assert "North store" not in page


def test_pages_need_a_login(client, org):
    for url in ["/", reverse("me"), reverse("unit-list"), reverse("unit-detail", args=[org["units"]["north"].pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_user_without_employee_record_gets_an_explanation(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="pw-nobody-123"))
    response = client.get(reverse("me"))
    assert response.status_code == 403
    assert "not linked to an employee record" in response.content.decode()


def test_overview_query_count_does_not_grow_with_customers(client, org, django_assert_max_num_queries):
    from tests.cxprogram.factories import CustomerFactory

    client.force_login(org["people"]["lead"].user)
    CustomerFactory.create_batch(50, home_unit=org["units"]["north_store"])
    with django_assert_max_num_queries(15):  # the home page's scores and loop: tests/kpis/test_home.py
        assert client.get("/").status_code == 200


def test_unit_page_query_count_does_not_grow_with_people(client, org, django_assert_max_num_queries):
    from tests.cxprogram.factories import EmployeeFactory

    EmployeeFactory.create_batch(20, unit=org["units"]["north_store"])
    client.force_login(org["people"]["north_manager"].user)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("unit-detail", args=[org["units"]["north_store"].pk])).status_code == 200
