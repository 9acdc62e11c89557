"""Dates as attendees read them on the self-service pages: long form in Copenhagen time,
whatever offset the organiser wrote ("tirsdag den 3. oktober 2023 kl. 09.00")."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from tilmeld_contracts.common import Language

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")

_MOMENT = {"da": "EEEE 'den' d. MMMM y 'kl.' HH.mm", "en": "EEEE d MMMM y 'at' HH:mm"}
_CLOCK = {"da": "HH.mm", "en": "HH:mm"}
_CLOCK_SPAN = {"da": "kl. {start}–{end}", "en": "{start}–{end}"}
_SPAN = {"da": "fra {start} til {end}", "en": "from {start} to {end}"}


def format_moment(moment: datetime, language: Language) -> str:
    return format_datetime(moment.astimezone(LOCAL_TIME), _MOMENT[language], locale=language)


def format_clock(moment: datetime, language: Language) -> str:
    return format_datetime(moment.astimezone(LOCAL_TIME), _CLOCK[language], locale=language)


def format_clock_span(start: datetime, end: datetime, language: Language) -> str:
    """A round within the event's day: "kl. 11.15–12.15"."""
    return _CLOCK_SPAN[language].format(
        start=format_clock(start, language), end=format_clock(end, language)
    )


def format_span(start: datetime, end: datetime, language: Language) -> str:
    """One day: "tirsdag den 3. oktober 2023 kl. 09.00–15.30"; longer: "fra ... til ..."."""
    if start.astimezone(LOCAL_TIME).date() == end.astimezone(LOCAL_TIME).date():
        return f"{format_moment(start, language)}–{format_clock(end, language)}"
    return _SPAN[language].format(
        start=format_moment(start, language), end=format_moment(end, language)
    )
