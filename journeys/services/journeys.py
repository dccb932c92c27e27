"""Writes of the journeys app: duplicating a journey, and exporting and importing it as JSON."""

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxprogram.models import Employee, Segment, Unit
from journeys.models import Improvement, Journey, Persona, Stage, Touchpoint, TouchpointMeasure
from surveys.models import Question

FORMAT = "cxprogram.journey/1"
TOUCHPOINT_FIELDS = [
    "code",
    "name",
    "channel",
    "moment_of_truth",
    "target",
    "expected_emotion",
    "description",
    "backstage",
]
IMPROVEMENT_FIELDS = ["kind", "description", "status", "customer_value", "effort"]


def journey_export(journey: Journey) -> dict:
    """The journey as a self-contained document: persona, stages, touchpoints with their measuring questions
    (by survey public id and question code) and improvements; people and units by their natural keys."""
    persona = journey.persona
    stages = journey.stages.order_by("order", "pk").prefetch_related(
        "touchpoints__measures__question__survey", "touchpoints__improvements__owner__user", "touchpoints__owner_unit"
    )
    return {
        "format": FORMAT,
        "name": journey.name,
        "state": journey.state,
        "owner": _username(journey.owner),
        "outcome_question": _question_ref(journey.outcome_question),
        "persona": None
        if persona is None
        else {
            "name": persona.name,
            "goals": persona.goals,
            "needs": persona.needs,
            "pains": persona.pains,
            "segments": sorted(persona.segments.values_list("code", flat=True)),
        },
        "stages": [
            {
                "name": stage.name,
                "touchpoints": [
                    {
                        **{field: getattr(touchpoint, field) for field in TOUCHPOINT_FIELDS},
                        "owner_unit": touchpoint.owner_unit.code if touchpoint.owner_unit else None,
                        "measures": [
                            {**_question_ref(m.question), "tagged_only": m.tagged_only}
                            for m in touchpoint.measures.all()
                        ],
                        "improvements": [
                            {**{field: getattr(i, field) for field in IMPROVEMENT_FIELDS}, "owner": _username(i.owner)}
                            for i in touchpoint.improvements.all()
                        ],
                    }
                    for touchpoint in sorted(stage.touchpoints.all(), key=lambda t: (t.order, t.pk))
                ],
            }
            for stage in stages
        ],
    }


@transaction.atomic
def journey_import(*, data: object) -> Journey:
    """Create a journey from `journey_export`'s document. Raises ValidationError listing every problem (missing
    fields, unknown units, surveys or people, touchpoint codes already in use); nothing is saved then."""
    if isinstance(data, dict) and data.get("format") == FORMAT and (shape := _shape_errors(data)):
        raise ValidationError(shape)
    reader = _Reader(data)
    journey = reader.journey()
    if reader.errors:
        transaction.set_rollback(True)
        raise ValidationError(reader.errors)
    return journey


@transaction.atomic
def journey_duplicate(*, journey: Journey) -> Journey:
    """A copy of the journey (e.g. to draft its future state): same stages, touchpoints, measures and open
    improvements; touchpoint codes get a free suffix, since responses find touchpoints by code."""
    document = journey_export(journey)
    taken = set(Touchpoint.objects.values_list("code", flat=True))
    for stage in document["stages"]:
        for touchpoint in stage["touchpoints"]:
            touchpoint["code"] = _free_code(touchpoint["code"], taken)
            taken.add(touchpoint["code"])
            touchpoint["improvements"] = [i for i in touchpoint["improvements"] if i["status"] in Improvement.OPEN]
    document["name"] = _("%(name)s (copy)") % {"name": journey.name}
    return journey_import(data=document)


# What each object of the document may hold: key → the types allowed (None: may be left out or null). Checked before
# anything is read, so a number where a list belongs is a message, not an error page.
_TEXT, _NUMBER, _WHOLE, _FLAG = (str,), (int, float), (int,), (bool,)
_SHAPES = {
    "journey": {"format": _TEXT, "name": _TEXT, "state": _TEXT, "owner": _TEXT, "outcome_question": "question",
                "persona": "persona", "stages": ["stage"]},
    "persona": {"name": _TEXT, "goals": _TEXT, "needs": _TEXT, "pains": _TEXT, "segments": [_TEXT]},
    "question": {"survey": _TEXT, "question": _TEXT, "tagged_only": _FLAG},
    "stage": {"name": _TEXT, "touchpoints": ["touchpoint"]},
    "touchpoint": {"code": _TEXT, "name": _TEXT, "channel": _TEXT, "moment_of_truth": _FLAG, "target": _NUMBER,
                   "expected_emotion": _WHOLE, "description": _TEXT, "backstage": _TEXT, "owner_unit": _TEXT,
                   "measures": ["question"], "improvements": ["improvement"]},
    "improvement": {"kind": _TEXT, "description": _TEXT, "status": _TEXT, "customer_value": _WHOLE,
                    "effort": _WHOLE, "owner": _TEXT},
}  # fmt: skip
_TYPE_NAMES = {
    _TEXT: gettext_lazy("text"), _NUMBER: gettext_lazy("a number"), _WHOLE: gettext_lazy("a whole number"),
    _FLAG: gettext_lazy("true or false"),
}  # fmt: skip


def _shape_errors(data: object) -> list[str]:
    """Every value of the wrong type in the document, with where it is; numbers must be finite."""
    errors: list[str] = []
    pending: list[tuple[object, object, str]] = [(data, "journey", _("journey"))]
    while pending:
        value, shape, where = pending.pop(0)
        if isinstance(shape, list):
            if not isinstance(value, list):
                errors.append(f"{where}: " + _("expected a list."))
                continue
            pending.extend((item, shape[0], f"{where} {n}") for n, item in enumerate(value, start=1))
        elif isinstance(shape, str):
            if not isinstance(value, dict):
                errors.append(f"{where}: " + _("expected an object."))
                continue
            if shape == "journey" and value.get("name") in (None, ""):
                errors.append(f"{where}: " + _("“%(key)s” is required.") % {"key": "name"})
            for key, expected in _SHAPES[shape].items():
                if value.get(key) is not None:
                    pending.append((value[key], expected, f"{where}, {key}"))
        elif (isinstance(value, bool) and shape is not _FLAG) or not isinstance(value, shape):
            errors.append(f"{where}: " + _("expected %(type)s.") % {"type": _TYPE_NAMES[shape]})
        elif isinstance(value, float) and not math.isfinite(value):
            errors.append(f"{where}: " + _("expected a finite number."))
    return errors


def _free_code(code: str, taken: set[str]) -> str:
    number = 2
    while f"{code[:45]}-{number}" in taken:
        number += 1
    return f"{code[:45]}-{number}"


def _username(employee: Employee | None) -> str | None:
    return employee.user.username if employee else None


def _question_ref(question: Question | None) -> dict | None:
    return None if question is None else {"survey": question.survey.public_id, "question": question.code}


class _Reader:
    """Reads an exported document into new rows, collecting every error with where it was found."""

    def __init__(self, data: object):
        self.data = data
        self.errors: list[str] = []
        self.bad_codes: set[str] = set()

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def journey(self) -> Journey | None:
        data = self.data
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self.error(_("document"), _("this is not a journey exported by cxprogram (format %(f)s).") % {"f": FORMAT})
            return None
        name = self.text(data, "name", _("journey"), required=True, max_length=200)
        state = data.get("state") or Journey.State.CURRENT
        if state not in Journey.State.values:
            self.error(_("journey"), _("unknown state “%(value)s”.") % {"value": state})
        stages = data.get("stages")
        if not isinstance(stages, list) or not stages:
            self.error(_("journey"), _("it needs a list of stages."))
            stages = []
        journey = Journey.objects.create(
            name=name or "?",
            state=state if state in Journey.State.values else Journey.State.CURRENT,
            owner=self.employee(data.get("owner"), _("journey owner")),
            outcome_question=self.question(data.get("outcome_question"), _("outcome question")),
            persona=self.persona(data.get("persona")),
        )
        self.check_codes(stages)
        for order, stage_data in enumerate(stages, start=1):
            self.stage(journey, order, stage_data)
        return journey

    def check_codes(self, stages: list) -> None:
        """Touchpoint codes must be new and distinct: responses find their touchpoint by code."""
        codes = [
            touchpoint.get("code")
            for stage in stages
            if isinstance(stage, dict)
            for touchpoint in stage.get("touchpoints") or []
            if isinstance(touchpoint, dict) and isinstance(touchpoint.get("code"), str)
        ]
        repeated = {code for code in codes if codes.count(code) > 1}
        in_use = set(Touchpoint.objects.filter(code__in=codes).values_list("code", flat=True))
        for code in sorted(repeated):
            self.error(_("touchpoint %(code)s") % {"code": code}, _("this code appears more than once."))
        for code in sorted(in_use):
            self.error(_("touchpoint %(code)s") % {"code": code}, _("this code is already used by another touchpoint."))
        self.bad_codes = repeated | in_use

    def stage(self, journey: Journey, order: int, data: object) -> None:
        where = _("stage %(n)s") % {"n": order}
        if not isinstance(data, dict):
            self.error(where, _("expected an object."))
            return
        stage = Stage.objects.create(
            journey=journey, order=order, name=self.text(data, "name", where, True, 100) or "?"
        )
        for number, item in enumerate(data.get("touchpoints") or [], start=1):
            self.touchpoint(stage, number, item, f"{where}, " + _("touchpoint %(n)s") % {"n": number})

    def touchpoint(self, stage: Stage, order: int, data: object, where: str) -> None:
        if not isinstance(data, dict):
            self.error(where, _("expected an object."))
            return
        values = {field: data.get(field) for field in TOUCHPOINT_FIELDS if data.get(field) is not None}
        values["owner_unit"] = self.unit(data.get("owner_unit"), where)
        measures = [
            (self.question(m, where), isinstance(m, dict) and bool(m.get("tagged_only")))
            for m in data.get("measures") or []
        ]
        touchpoint = Touchpoint(stage=stage, order=order, **values)
        try:
            touchpoint.full_clean(exclude=["stage"], validate_unique=False)
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                self.error(f"{where} ({field})", " ".join(messages))
            return
        if touchpoint.code in self.bad_codes:
            return
        touchpoint.save()
        for question, tagged_only in measures:
            if question is not None:
                TouchpointMeasure.objects.get_or_create(
                    touchpoint=touchpoint, question=question, defaults={"tagged_only": tagged_only}
                )
        for item in data.get("improvements") or []:
            self.improvement(touchpoint, item, where)

    def improvement(self, touchpoint: Touchpoint, data: object, where: str) -> None:
        if not isinstance(data, dict):
            self.error(where, _("an improvement must be an object."))
            return
        values = {field: data[field] for field in IMPROVEMENT_FIELDS if data.get(field) is not None}
        improvement = Improvement(touchpoint=touchpoint, owner=self.employee(data.get("owner"), where), **values)
        try:
            improvement.full_clean(exclude=["touchpoint"])
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                self.error(f"{where} ({field})", " ".join(messages))
            return
        improvement.save()

    def text(self, data: dict, key: str, where: str, required: bool, max_length: int) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.error(where, _("“%(key)s” is required.") % {"key": key})
            return ""
        if not isinstance(value, str) or len(value) > max_length:
            self.error(where, _("“%(key)s” must be text of at most %(n)s characters.") % {"key": key, "n": max_length})
            return ""
        return value

    def persona(self, data: object) -> Persona | None:
        if not data:
            return None
        if not isinstance(data, dict) or not data.get("name"):
            self.error(_("persona"), _("it needs a name."))
            return None
        persona, created = Persona.objects.get_or_create(
            name=str(data["name"])[:100],
            defaults={key: str(data.get(key) or "") for key in ("goals", "needs", "pains")},
        )
        if created:
            codes = data.get("segments") or []
            segments = list(Segment.objects.filter(code__in=codes))
            for code in sorted(set(codes) - {s.code for s in segments}):
                self.error(_("persona"), _("unknown segment “%(code)s”.") % {"code": code})
            persona.segments.set(segments)
        return persona

    def unit(self, code: object, where: str) -> Unit | None:
        if not code:
            return None
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            self.error(where, _("unknown unit “%(code)s”.") % {"code": code})
        return unit

    def employee(self, username: object, where: str) -> Employee | None:
        if not username:
            return None
        employee = Employee.objects.filter(user__username=username).first()
        if employee is None:
            self.error(where, _("unknown person “%(username)s”.") % {"username": username})
        return employee

    def question(self, ref: object, where: str) -> Question | None:
        if not ref:
            return None
        if not isinstance(ref, dict):
            self.error(where, _("a question is given as its survey and question code."))
            return None
        question = (
            Question.objects.filter(survey__public_id=ref.get("survey"), code=ref.get("question"))
            .select_related("survey")
            .first()
        )
        if question is None:
            self.error(
                where,
                _("unknown question “%(question)s” of survey “%(survey)s”.")
                % {"question": ref.get("question"), "survey": ref.get("survey")},
            )
        return question
