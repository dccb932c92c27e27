"""What the closed loop writes for people, stored as codes and parameters and worded at display time in the
reader's language: why a case was opened, and each event of its history.

A case's reasons are a list of `[code, parameter]` pairs: `["nps", 3]`, `["csat", 2]`, `["ces", 6]`,
`["contact_me", None]`, `["keywords", "грязно, rude"]` (the customer's words stay as typed), and for rows that
could not be read back, `["text", "…"]`. An event's parameters depend on its kind (see `event_text`)."""

from django.utils.translation import gettext as _

LEADS = None  # an owner or target of None is the CX leads' queue


def reason_text(code: str, parameter=None) -> str:
    """One reason in the active language: "NPS 3", "asked to be contacted", "comment mentions “грязно”"."""
    if code in ("nps", "csat", "ces"):
        return f"{code.upper()} {parameter}"
    if code == "contact_me":
        return _("asked to be contacted")
    if code == "complaint":
        return _("complaint from outside (%(channel)s)") % {"channel": parameter}
    if code == "keywords":
        return _("comment mentions “%(words)s”") % {"words": parameter}
    return str(parameter or code)


def reasons_text(codes: list) -> str:
    """All reasons of a case, joined: "NPS 3; asked to be contacted"."""
    return "; ".join(reason_text(*pair) for pair in codes or [])


def owner_text(name: str | None) -> str:
    return name if name else _("CX leads")


def event_text(kind: str, params: dict, text: str, root_cause_label=None) -> str:
    """An event's line in the active language. Parameters by kind: opened {"reasons"}; assigned {"from", "to"}
    (names, None for the CX leads; "unit" when a complaint was routed to a unit); warned and escalated {"to"};
    resolved {"root_cause"} with the action as the text; answered {"solved"}. Other kinds (notes, contacts,
    replies) carry what a person typed as the text."""
    if not params:
        return text
    if kind == "opened":
        return reasons_text(params.get("reasons", []))
    if kind == "assigned":
        if "unit" in params:  # a CX lead routed a complaint to a unit
            moved = f"{owner_text(params.get('from'))} → {owner_text(params.get('to'))}"
            return _("routed to %(unit)s: %(moved)s") % {"unit": params["unit"], "moved": moved}
        if "from" in params:
            return f"{owner_text(params['from'])} → {owner_text(params.get('to'))}"
        return owner_text(params.get("to"))
    if kind in ("warned", "escalated"):
        return owner_text(params.get("to"))
    if kind == "resolved" and root_cause_label is not None:
        return f"{root_cause_label(params.get('root_cause', ''))}: {text}"
    if kind == "answered":
        return _("solved") if params.get("solved") else _("not solved")
    if "public" in params:  # a public answer drafted for review or sent back: the typed text after the words
        said = _("public answer drafted for review") if params["public"] == "drafted" else _("public answer sent back")
        return f"{said}: {text}"
    return text


def reasons_from_text(text: str) -> list:
    """Codes read back from reasons written in English before they were stored as codes (the migration)."""
    codes = []
    for part in (p.strip() for p in text.split(";")):
        head, _space, tail = part.partition(" ")
        if head in ("NPS", "CSAT", "CES") and tail.lstrip("-").isdigit():
            codes.append([head.lower(), int(tail)])
        elif part in ("asked to be contacted", "просит связаться"):
            codes.append(["contact_me", None])
        elif part.startswith("comment mentions “") and part.endswith("”"):
            codes.append(["keywords", part[len("comment mentions “") : -1]])
        elif part:
            codes.append(["text", part])
    return codes
