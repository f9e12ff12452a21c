"""Which secrets a service refuses to start with: short ones and placeholders.

``PEERLEARN_JWT_SECRET`` signs every person's token and ``PEERLEARN_ADMIN_TOKEN`` is the
platform admin: a guessable one gives everything away, so a value that is shorter than
:data:`MIN_LENGTH`, made of a few repeated characters, or a placeholder left from a manifest
stops start-up with a message naming the variable. Empty is not checked here: it means the
runner generates one (or, for the admin token, that there is no platform admin).
"""

from __future__ import annotations

MIN_LENGTH = 32
# Fewer distinct characters than this is a pattern, not a secret ("aaaa…", "abab…").
MIN_DISTINCT = 6
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "fill-in", "example")


def weakness(value: str) -> str:
    """Why ``value`` is not acceptable as a secret ('' when it is, or when it is empty)."""
    if not value:
        return ""
    lowered = value.lower()
    for placeholder in PLACEHOLDERS:
        if placeholder in lowered:
            return f"looks like a placeholder ({placeholder!r}); generate one, e.g. `openssl rand -base64 48`"
    if len(value) < MIN_LENGTH:
        return f"is {len(value)} characters; at least {MIN_LENGTH} are needed"
    if len(set(value)) < MIN_DISTINCT:
        return f"uses only {len(set(value))} different characters; use a random value"
    return ""
