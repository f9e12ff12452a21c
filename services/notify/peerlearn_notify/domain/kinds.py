"""What people are told about (kinds), how each may reach them by mail (modes), and the
settings rules: defaults, strict validation, quiet hours in a valid timezone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peerlearn.errors import Invalid

Mode = Literal["immediate", "daily", "weekly", "off"]
MODES: tuple[str, ...] = ("immediate", "daily", "weekly", "off")

# Every kind and its default mail mode (issue 11: what someone waits on is immediate).
DEFAULT_MODES: dict[str, Mode] = {
    "question_routed": "immediate",
    "answer_posted": "immediate",
    "mentorship_requested": "immediate",
    "mentorship_accepted": "immediate",
    "mentorship_declined": "immediate",
    "mentorship_expired": "immediate",
    "new_suggestion": "daily",
    "thread_activity": "daily",
    "answer_accepted": "daily",
    "cohort_joined": "daily",
    # The other party of a mentorship logged a session or closed it (low priority).
    "mentorship_update": "daily",
    # An org admin hears that one of the org's webhooks kept failing and was disabled.
    "webhook_disabled": "daily",
}
KINDS: tuple[str, ...] = tuple(DEFAULT_MODES)
# Kinds whose mail carries what neither the inbox nor a digest line can: the introduction holds
# the other person's address and the invitation. Set to immediate, such a mail is never rolled
# into a digest by the daily cap or by the person being in the web app; in quiet hours it waits
# for their end.
MAIL_ONLY_DETAILS: frozenset[str] = frozenset({"mentorship_accepted"})
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Preferences:
    """A person's notification settings, with the defaults filled in."""

    modes: dict[str, Mode] = field(default_factory=lambda: dict(DEFAULT_MODES))
    timezone: str = "UTC"
    quiet_start: str | None = None  # "HH:MM" local, inclusive
    quiet_end: str | None = None  # "HH:MM" local, exclusive

    def mode_of(self, kind: str) -> Mode:
        """The mail mode of ``kind`` for this person."""
        return self.modes.get(kind, DEFAULT_MODES.get(kind, "daily"))


def preferences(
    modes: dict[str, str], timezone: str, quiet_start: str | None, quiet_end: str | None
) -> Preferences:
    """Checked settings: unknown kinds or modes, a timezone that does not exist, half or
    malformed quiet hours are :class:`Invalid`, naming what is wrong."""
    unknown = sorted(set(modes) - set(KINDS))
    if unknown:
        raise Invalid(f"unknown notification kinds: {', '.join(unknown)}", extra={"kinds": list(KINDS)})
    bad = sorted(kind for kind, mode in modes.items() if mode not in MODES)
    if bad:
        raise Invalid(f"mode of {', '.join(bad)} must be one of {', '.join(MODES)}")
    zone_of(timezone)
    if (quiet_start is None) != (quiet_end is None):
        raise Invalid("quiet hours need both quiet_start and quiet_end (or neither)")
    for name, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if value is not None and not _CLOCK.match(value):
            raise Invalid(f"{name} must be a time HH:MM (00:00-23:59), not {value!r}")
    merged: dict[str, Mode] = {**DEFAULT_MODES}
    merged.update({kind: mode for kind, mode in modes.items()})  # type: ignore[misc]
    return Preferences(modes=merged, timezone=timezone, quiet_start=quiet_start, quiet_end=quiet_end)


def zone_of(timezone: str) -> ZoneInfo:
    """The IANA timezone ``timezone``; :class:`Invalid` when there is none of that name."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {timezone!r} (an IANA name such as Europe/Paris)") from None
