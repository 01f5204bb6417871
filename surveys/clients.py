"""What a request says about its client, kept with a response as non-PII under the terms: the address
truncated to its network, the user agent shortened, the referrer without its query."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class ClientInfo:
    """Request metadata, non-PII under the terms; the address arrives already truncated."""
    ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None


def describe_client(remote_addr: str | None, user_agent: str | None, referrer: str | None,
                    truncate_ip: bool = True) -> ClientInfo:
    return ClientInfo(ip=_truncate_ip(remote_addr) if truncate_ip else remote_addr,
                      user_agent=(user_agent or None) and user_agent[:300],
                      referrer=_strip_query(referrer))


def _truncate_ip(addr: str | None) -> str | None:
    try:
        ip = ipaddress.ip_address(addr or "")
    except ValueError:
        return None
    # The /24 or /48 network's address, by mask: building the network object cost more than the rest.
    kept = _V4_KEPT if ip.version == 4 else _V6_KEPT
    return str(type(ip)(int(ip) & kept))


_V4_KEPT = ~((1 << 8) - 1) & (2**32 - 1)
_V6_KEPT = ~((1 << 80) - 1) & (2**128 - 1)


def _strip_query(url: str | None) -> str | None:
    """Query strings and fragments can carry identifiers; keep where the visitor came from, not who."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:500] or None
