"""What the command handlers of every service share: the refusal of a whole request and the period
parameter (one event logged with its answer is `services.archive.eventlog.log_event`)."""

from __future__ import annotations

from services.common.gst.periods import Period


class CommandRefused(ValueError):
    """The whole request is refused (4xx); nothing was logged."""


def check_period(text_value: str, field: str = "rtnprd") -> str:
    """A tax period MMYYYY (ASCII digits, a real month), or the refusal naming the field."""
    try:
        return Period.parse(text_value).mmyyyy
    except ValueError as exc:
        raise CommandRefused(f"{field}: {exc}") from None
