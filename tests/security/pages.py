"""Every page that shows text a customer, an employee or an author typed, with who opens it and which typed
fields (tags of `conftest.World.text`) it must show.

To cover a new page, add a `Page` here."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from tests.security.conftest import World


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # a key of World.people, "admin" for the superuser, None for a customer without a session
    url: Callable[[World], str]
    shows: tuple[str, ...]
    status: int = 200
    language: str = "en"  # the browser's Accept-Language


SURVEY_TEXTS = ("qnps", "qhelp", "qlow", "qhigh", "qchoice", "choice", "choice2", "qcomment", "qshort")
CASE_WORK = ("contact", "note", "rsubj", "rbody", "action")
CUSTOMER_WORDS = ("comment", "short", "praise", "praise2")  # what the customer typed, unhappy and then happy
JOURNEY = ("jname", "stname", "tpname")
KPI_CARDS = ("kname", "kdesc", "kunit")
# Bob's thanks, the praise the store manager passed on, and the celebrations of the KPIs met (they name the KPI).
RECOGNITIONS = ("recog", "vname", "praise", "owner", "kname", "kunit")


def _map(w: World) -> str:
    return f"/journeys/{w.journey.pk}/"


def _touchpoint(w: World) -> str:
    return f"/journeys/{w.journey.pk}/touchpoints/{w.touchpoint.pk}/"


def _timeline(w: World) -> str:
    return f"/customers/{w.customer.pk}/"


PAGES = [
    # What a customer sees.
    Page("survey page", None, lambda w: "/s/hostile/?lang=en", ("title", "intro", *SURVEY_TEXTS)),
    Page("survey page in Russian", None, lambda w: "/s/hostile/?lang=ru", ("title_ru", "intro_ru", *SURVEY_TEXTS)),
    Page("personal invitation", None, lambda w: f"/s/i/{w.open_invitation.token}/", ("title", *SURVEY_TEXTS)),
    Page("thank-you page", None, lambda w: "/s/hostile/thanks/neutral/?lang=en", ("title", "thanks")),
    Page("thank-you page, unhappy", None, lambda w: "/s/hostile/thanks/unhappy/?lang=en", ("title", "sad")),
    Page("thank-you page, happy", None, lambda w: "/s/hostile/thanks/happy/?lang=en", ("title", "glad")),
    # What employees see.
    Page("overview", "lead", lambda w: "/", ("seg",)),
    Page("unit list", "lead", lambda w: "/units/", ("unit",)),
    Page("unit page", "store_manager", lambda w: f"/units/{w.units['north_store'].pk}/", ("unit", "ename", "etitle")),
    Page(
        "employee page",
        "lead",
        lambda w: f"/employees/{w.people['alice'].pk}/",
        ("ename", "etitle", "unit", *KPI_CARDS, *RECOGNITIONS, "comment", "short"),
    ),
    Page("my page", "alice", lambda w: "/me/", ("ename", "etitle", "unit", *KPI_CARDS, *RECOGNITIONS, "comment")),
    Page("results list", "lead", lambda w: "/results/", ("title",)),
    Page("results", "lead", lambda w: "/results/hostile/", ("title", "unit", "choice", "choice2", "comment", "short")),
    Page("results by employee", "lead", lambda w: "/results/hostile/?by=employee", ("ename",)),
    Page("results by segment", "lead", lambda w: "/results/hostile/?by=segment", ("seg",)),
    Page("results by touchpoint", "lead", lambda w: "/results/hostile/?by=touchpoint", ("tp",)),
    Page("results of a manager", "store_manager", lambda w: "/results/hostile/", ("title", "unit", "comment")),
    Page("allies", "lead", lambda w: "/results/hostile/allies/", ("title", "cname", "seg", "unit", "comment")),
    Page("follow-up queue", "lead", lambda w: "/followups/?state=done", ("cname", "unit", "owner")),
    Page("follow-up queue of a manager", "store_manager", lambda w: "/followups/?state=done", ("cname", "unit")),
    Page(
        "case page",
        "store_manager",
        lambda w: f"/followups/{w.resolved_case.pk}/",
        (
            "title",
            "unit",
            "ename",
            "owner",
            "cname",
            "seg",
            "comment",
            "short",
            "choice",
            "tname",
            "tsubj",
            "tbody",
            *CASE_WORK,
        ),
    ),
    Page("closed case page", "lead", lambda w: f"/followups/{w.closed_case.pk}/", ("cname", "close")),
    # Journeys: the author's map and the customers' words at each touchpoint.
    Page("journeys", "lead", lambda w: "/journeys/", ("jname", "pname", "owner")),
    Page("journey map", "lead", _map, ("jname", "pname", "owner", "stname", "tpname", "seg", "unit")),
    Page("journey map of a manager", "store_manager", _map, (*JOURNEY, "seg", "unit")),
    Page(
        "touchpoint page",
        "lead",
        _touchpoint,
        (*JOURNEY, "tpdesc", "tpback", "impr", "owner", "unit", "title", "qnps", "cname", *CUSTOMER_WORDS),
    ),
    Page("touchpoint page of a manager", "store_manager", _touchpoint, (*JOURNEY, "impr", *CUSTOMER_WORDS)),
    Page("priorities", "lead", lambda w: f"/journeys/{w.journey.pk}/priorities/", (*JOURNEY, "impr", "owner")),
    Page(
        "customer search", "store_manager", lambda w: f"/customers/?q={quote(w.text('cext'))}", ("cname", "cext", "seg")
    ),
    Page(
        "customer timeline",
        "store_manager",
        _timeline,
        ("cname", "cext", "seg", "unit", "title", *JOURNEY, *CUSTOMER_WORDS, "ename", "owner"),
    ),
    Page("customer timeline of who served", "alice", _timeline, ("cname", *JOURNEY, *CUSTOMER_WORDS, "ename")),
    # KPIs and recognition.
    Page(
        "team page",
        "store_manager",
        lambda w: f"/team/{w.units['north_store'].pk}/",
        ("unit", "ename", "kname", "kunit", "praise2"),
    ),
    Page("outcome analysis", "lead", lambda w: "/kpis/outcomes/", ("kname", "kunit")),
    Page(
        "KPI values by hand",
        "store_manager",
        lambda w: "/kpis/values/",
        ("kname", "kunit", "mnote", "unote", "ename", "owner", "unit"),
    ),
    Page("celebration wall", "alice", lambda w: "/wall/", (*RECOGNITIONS, "ename")),
    Page("celebration wall in Russian", "alice", lambda w: "/wall/", ("recog", "vname_ru", "praise"), language="ru"),
    Page("my recognitions", "bob", lambda w: "/wall/?mine=1", ("recog", "vname", "ename")),
    Page("recognition form", "alice", lambda w: "/recognise/", ("vname", "owner", "unit")),
    Page("recognition form of a manager", "store_manager", lambda w: "/recognise/", ("vname", "praise2", "ename")),
    # What the author sees in the admin.
    Page("admin: surveys", "admin", lambda w: "/admin/surveys/survey/", ("sname",)),
    Page(
        "admin: survey",
        "admin",
        lambda w: f"/admin/surveys/survey/{w.survey.pk}/change/",
        ("sname", "title", "title_ru", "intro", "intro_ru", "thanks", "sad", "glad", "qnps", "qchoice", "qcomment"),
    ),
    Page(
        "admin: question",
        "admin",
        lambda w: f"/admin/surveys/question/{w.questions['choice'].pk}/change/",
        ("qchoice", "choice", "choice2"),
    ),
    Page("admin: questions", "admin", lambda w: "/admin/surveys/question/", ("sname",)),
    Page("admin: customers", "admin", lambda w: "/admin/cxprogram/customer/", ("cext", "cname", "seg", "unit")),
    Page("admin: customer", "admin", lambda w: f"/admin/cxprogram/customer/{w.customer.pk}/change/", ("cext", "cname")),
    Page("admin: responses", "admin", lambda w: "/admin/surveys/response/", ("sname", "cname", "unit", "ename")),
    Page(
        "admin: response",
        "admin",
        lambda w: f"/admin/surveys/response/{w.resolved_case.response_id}/change/",
        ("comment", "short", "choice", "tp"),
    ),
    Page("admin: invitations", "admin", lambda w: "/admin/surveys/invitation/", ("sname", "cname", "unit")),
    Page("admin: follow-up cases", "admin", lambda w: "/admin/surveys/followup/", ("unit", "owner")),
    Page(
        "admin: follow-up case",
        "admin",
        lambda w: f"/admin/surveys/followup/{w.resolved_case.pk}/change/",
        ("unit", "owner", *CASE_WORK),
    ),
    Page("admin: reply templates", "admin", lambda w: "/admin/surveys/replytemplate/", ("tname", "tsubj")),
    Page("admin: units", "admin", lambda w: "/admin/cxprogram/unit/", ("unit",)),
    Page("admin: employees", "admin", lambda w: "/admin/cxprogram/employee/", ("ename", "etitle", "unit")),
    Page("admin: segments", "admin", lambda w: "/admin/cxprogram/segment/", ("seg",)),
    Page("admin: personas", "admin", lambda w: "/admin/journeys/persona/", ("pname",)),
    Page("admin: persona", "admin", lambda w: f"/admin/journeys/persona/{w.persona.pk}/change/", ("pname", "pgoals")),
    Page("admin: journeys", "admin", lambda w: "/admin/journeys/journey/", ("jname", "pname", "owner")),
    Page("admin: journey", "admin", lambda w: f"/admin/journeys/journey/{w.journey.pk}/change/", ("jname", "stname")),
    Page(
        "admin: stage",
        "admin",
        lambda w: f"/admin/journeys/stage/{w.touchpoint.stage_id}/change/",
        ("jname", "stname", "tpname", "tpdesc", "tpback"),
    ),
    Page(
        "admin: touchpoint",
        "admin",
        lambda w: f"/admin/journeys/touchpoint/{w.touchpoint.pk}/change/",
        ("tpname", "tpdesc", "tpback", "impr"),
    ),
    Page("admin: touchpoints", "admin", lambda w: "/admin/journeys/touchpoint/", ("tpname", "stname", "unit")),
    Page("admin: pain points", "admin", lambda w: "/admin/journeys/improvement/", ("impr", "tpname", "owner")),
    Page("admin: KPIs", "admin", lambda w: "/admin/kpis/kpi/", ("kname", "kunit")),
    Page("admin: KPI", "admin", lambda w: f"/admin/kpis/kpi/{w.kpis['employee'].pk}/change/", ("kname", "kdesc")),
    Page("admin: KPI measurements", "admin", lambda w: "/admin/kpis/kpimeasurement/", ("kname", "kunit", "ename")),
    Page("admin: KPI values by hand", "admin", lambda w: "/admin/kpis/kpimanualvalue/", ("kname", "ename", "owner")),
    Page("admin: company values", "admin", lambda w: "/admin/kpis/companyvalue/", ("vname", "vname_ru")),
    Page(
        "admin: company value",
        "admin",
        lambda w: f"/admin/kpis/companyvalue/{w.value.pk}/change/",
        ("vname", "vname_ru", "vdesc"),
    ),
    Page("admin: recognitions", "admin", lambda w: "/admin/kpis/recognition/", ("ename", "owner", "unit", "vname")),
    Page(
        "admin: recognition",
        "admin",
        lambda w: f"/admin/kpis/recognition/{w.recognition.pk}/change/",
        ("recog", "ename", "vname"),
    ),
    Page("admin: customer praise", "admin", lambda w: f"/admin/kpis/recognition/{w.praise.pk}/change/", ("praise",)),
    Page("admin: points ledger", "admin", lambda w: "/admin/kpis/pointentry/", ("ename", "owner")),
]
