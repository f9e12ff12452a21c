"""Whose ``X-Forwarded-For`` a service believes: only the proxies ``PEERLEARN_TRUSTED_PROXIES`` names.

uvicorn believes proxy headers from 127.0.0.1 by default, so any local caller (or a sidecar)
could pick the client address the rate limits count by. Here the default is to believe no one:
uvicorn's ``proxy_headers`` is off unless proxies are named, and then only their addresses
(or networks) are trusted.
"""

from __future__ import annotations

import ipaddress
from typing import Any


def networks(value: str) -> list[str]:
    """The comma-separated addresses and networks of ``value``, each checked; ValueError naming a bad one."""
    found: list[str] = []
    for part in (item.strip() for item in value.split(",")):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
        found.append(part)
    return found


def uvicorn_options(value: str) -> dict[str, Any]:
    """``uvicorn.run`` keyword arguments that trust proxy headers from ``value``'s proxies only."""
    trusted = networks(value)
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}
