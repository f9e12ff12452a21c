"""Headers every answer of every service carries, whatever produced it.

- ``X-Content-Type-Options: nosniff``: a browser never guesses a JSON answer is HTML;
- ``Referrer-Policy: no-referrer``: links in answers leak no URLs with ids in them;
- ``Cache-Control: no-store`` on an answer to a request that carried credentials, unless the
  handler chose a policy itself: a shared cache must never hand one person's data to another.

:mod:`peerlearn.request_envelope` applies them to every answer of a kit's service, including the
refusals raised before the handler (a 401 of a bad token, a 429) that Litestar answers outside it.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping

ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
NO_STORE = (b"cache-control", b"no-store")
CREDENTIALS = (b"authorization", b"cookie")


def secured(headers: Iterable[tuple[bytes, bytes]], *, credentialed: bool) -> list[tuple[bytes, bytes]]:
    """An answer's raw (lower-case) headers with :data:`ALWAYS` and, if ``credentialed``, ``no-store``
    added where the answer does not set them itself."""
    secured = list(headers)
    names = {name.lower() for name, _ in secured}
    secured += [pair for pair in ALWAYS if pair[0] not in names]
    if credentialed and NO_STORE[0] not in names:
        secured.append(NO_STORE)
    return secured


def secure_refusal(headers: MutableMapping[str, str], *, credentialed: bool) -> None:
    """Add the same headers to a refusal's (an ``HTTPException``'s) header mapping."""
    names = {name.lower() for name in headers}
    for name, value in [*ALWAYS, *([NO_STORE] if credentialed else [])]:
        if name.decode() not in names:
            headers[name.decode()] = value.decode()
