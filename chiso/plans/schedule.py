"""Due dates of a recurring task's occurrences (pure; dateutil.rrule does the calendar work).

Each period's occurrence falls due on the period's last working-calendar day as directives
usually put it: weekly on Friday, twice a month on the 15th and the month's last day, monthly
on the last day, quarterly on 31/3, 30/6, 30/9, 31/12, yearly on 31/12.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dateutil.rrule import FR, MONTHLY, WEEKLY, YEARLY, rrule

from chiso.plans.choices import Recurrence

Rule = Callable[[dt.datetime, dt.datetime], rrule]

RULES: dict[str, Rule] = {
    Recurrence.WEEKLY: lambda s, u: rrule(WEEKLY, byweekday=FR, dtstart=s, until=u),
    Recurrence.TWICE_MONTHLY: lambda s, u: rrule(MONTHLY, bymonthday=(15, -1), dtstart=s, until=u),
    Recurrence.MONTHLY: lambda s, u: rrule(MONTHLY, bymonthday=-1, dtstart=s, until=u),
    Recurrence.QUARTERLY: lambda s, u: rrule(
        MONTHLY, bymonth=(3, 6, 9, 12), bymonthday=-1, dtstart=s, until=u
    ),
    Recurrence.YEARLY: lambda s, u: rrule(YEARLY, bymonth=12, bymonthday=31, dtstart=s, until=u),
}


def due_dates(
    recurrence: str, start: dt.date, until: dt.date, deadline: dt.date | None = None
) -> list[dt.date | None]:
    """The due dates from `start` to `until` (both included).

    A one-off task, or one whose period is not stated ("định kỳ"), has a single occurrence due
    on its deadline (None when the document gives none).
    """
    rule = RULES.get(recurrence)
    if rule is None:
        return [deadline]
    stop = min(until, deadline) if deadline else until
    begin = dt.datetime.combine(start, dt.time())
    return [d.date() for d in rule(begin, dt.datetime.combine(stop, dt.time()))]
