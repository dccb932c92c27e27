"""The rules that keep anonymous answers anonymous (the employee pulse and every survey marked anonymous).

Pure functions, no database: fixed calendar periods, and which units' figures may be published so that no
group smaller than the threshold can be read directly or worked out by subtracting published figures
(complementary suppression, as statistical offices do it for tables with totals)."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

PERIOD_KINDS = ("month", "quarter")


def period_start(kind: str, day: date) -> date:
    """The first day of the calendar month or quarter containing `day`."""
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def period_end(kind: str, start: date) -> date:
    """The first day after the period that begins on `start`."""
    months = 3 if kind == "quarter" else 1
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1)


def period_label(kind: str, start: date) -> str:
    """“2026-11” for a month, “2026-Q4” for a quarter: also the form a period is asked for in a URL."""
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def period_parse(kind: str, text: str) -> date | None:
    """The start of the period written as `period_label` writes it, or None if it is not one."""
    try:
        year_text, part = text.strip().split("-", 1)
        year = int(year_text)
        if not 2000 <= year <= 2999:
            return None
        if kind == "quarter":
            if len(part) != 2 or part[0] not in "Qq" or part[1] not in "1234":
                return None
            return date(year, 3 * (int(part[1]) - 1) + 1, 1)
        if len(part) != 2 or not part.isdigit() or not 1 <= int(part) <= 12:
            return None
        return date(year, int(part), 1)
    except ValueError:
        return None


def periods_back(kind: str, today: date, count: int) -> list[date]:
    """The starts of the `count` periods up to and including the one containing `today`, newest first."""
    starts = [period_start(kind, today)]
    while len(starts) < count:
        starts.append(period_start(kind, starts[-1] - timedelta(days=1)))
    return starts


def week_start(day: date) -> date:
    """Monday of the week containing `day`: the only date an employee-pulse answer keeps."""
    return day - timedelta(days=day.weekday())


def published_units(counts: Mapping[int, int], parents: Mapping[int, int | None], minimum: int) -> set[int]:
    """The units whose subtree figure may be shown, given each unit's own number of answers (`counts`, by unit id)
    and the unit tree (`parents`: every unit id → its parent id, None for the root).

    A unit is published only if its subtree has at least `minimum` answers, and for every published unit the
    answers not covered by its published descendants — what anyone can work out by subtracting their figures
    from the unit's — are none or at least `minimum`. Where that remainder is too small, the descendant that
    hides least is suppressed too (a complementary suppression), and so on until no small group can be derived.
    Whoever sees any set of published figures can therefore only ever isolate groups of `minimum` or more."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit, parent in parents.items():
        children[parent if parent in parents else None].append(unit)
    total: dict[int, int] = {}
    order: list[int] = []  # post-order: every unit after all the units below it

    def walk(root: int) -> None:
        stack: list[tuple[int, bool]] = [(root, False)]
        while stack:
            unit, done = stack.pop()
            if done:
                total[unit] = counts.get(unit, 0) + sum(total[c] for c in children[unit])
                order.append(unit)
                continue
            stack.append((unit, True))
            stack.extend((c, False) for c in sorted(children[unit]))

    for root in sorted(children[None]):
        walk(root)
    published = {unit for unit in order if total[unit] >= minimum}

    def covering(unit: int) -> list[int]:
        """The highest published units strictly below `unit`."""
        found, stack = [], list(children[unit])
        while stack:
            below = stack.pop()
            if below in published:
                found.append(below)
            else:
                stack.extend(children[below])
        return found

    def remainder(unit: int) -> int:
        return total[unit] - sum(total[d] for d in covering(unit))

    for unit in order:
        if unit not in published:
            continue
        while 0 < remainder(unit) < minimum:
            candidates = covering(unit)  # never empty here: with none, the remainder is the whole total
            # Suppress the published unit below that adds the most hidden answers for the least lost detail:
            # one with a hidden remainder of its own first (then the sum reaches the minimum at once), smallest first.
            hidden = [(remainder(d) == 0, total[d], d) for d in candidates]
            published.discard(min(hidden)[2])
    return published
