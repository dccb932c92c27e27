"""Every page that shows text a customer, an employee or an author typed, with who opens it and which typed
fields (tags of `conftest.World.text`) it must show.

To cover a new page, add a `Page` here (the journey map and the KPI pages will join this list)."""

from collections.abc import Callable
from dataclasses import dataclass

from tests.security.conftest import World


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # a key of World.people, "admin" for the superuser, None for a customer without a session
    url: Callable[[World], str]
    shows: tuple[str, ...]
    status: int = 200


SURVEY_TEXTS = ("qnps", "qhelp", "qlow", "qhigh", "qchoice", "choice", "choice2", "qcomment", "qshort")
CASE_WORK = ("contact", "note", "rsubj", "rbody", "action")

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
    Page("employee page", "lead", lambda w: f"/employees/{w.people['alice'].pk}/", ("ename", "etitle", "unit")),
    Page("my page", "alice", lambda w: "/me/", ("ename", "etitle", "unit")),
    Page("results list", "lead", lambda w: "/results/", ("sname",)),
    Page("results", "lead", lambda w: "/results/hostile/", ("sname", "unit", "choice", "choice2", "comment", "short")),
    Page("results by employee", "lead", lambda w: "/results/hostile/?by=employee", ("ename",)),
    Page("results by segment", "lead", lambda w: "/results/hostile/?by=segment", ("seg",)),
    Page("results by touchpoint", "lead", lambda w: "/results/hostile/?by=touchpoint", ("tp",)),
    Page("results of a manager", "store_manager", lambda w: "/results/hostile/", ("sname", "unit", "comment")),
    Page("allies", "lead", lambda w: "/results/hostile/allies/", ("sname", "cname", "seg", "unit", "comment")),
    Page("follow-up queue", "lead", lambda w: "/followups/?state=done", ("cname", "unit", "owner")),
    Page("follow-up queue of a manager", "store_manager", lambda w: "/followups/?state=done", ("cname", "unit")),
    Page(
        "case page",
        "store_manager",
        lambda w: f"/followups/{w.resolved_case.pk}/",
        (
            "sname",
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
]
