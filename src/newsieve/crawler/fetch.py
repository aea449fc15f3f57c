"""One-off fetches of a single page with httpx, behind an SSRF guard.

This is the fetcher of ``newsieve fetch URL`` and of the HTTP API's URL mode. Its public
surface is :func:`fetch`, :class:`FetchConfig`, :class:`FetchedPage` and
:func:`check_target`; their signatures are stable.

Every hop (the first URL and each redirect) is checked the same way:

1. the scheme is ``http`` or ``https`` and the host is not a known metadata name
   (``metadata.google.internal``...);
2. the host is resolved, and *every* address it resolves to must be public
   (``ipaddress``'s ``is_global``, not multicast): private, loopback, link-local (which holds
   169.254.169.254), unique-local (which holds fd00:ec2::254), CGNAT, reserved and
   unspecified addresses are refused, also when written as IPv4-mapped IPv6;
3. the connection goes to the checked address itself (the URL's host is replaced by the
   IP, the ``Host`` header and TLS SNI keep the name), so a second DNS answer cannot
   rebind the name to an internal address between the check and the connect.

``allow_private=True`` turns the guard off; ``allow`` lets named hosts or CIDRs through
(``("127.0.0.1", "10.0.0.0/8", "intranet.example")``), which is how tests reach their
loopback servers.

Errors (all from ``newsieve.exceptions``)::

    FetchError                  redirect limit passed, redirect without Location, bad URL,
    │                           a non-HTML answer, a transport error
    ├── FetchBlocked            the guard refused a hop
    ├── FetchTooLarge           Content-Length or the bytes read passed ``max_bytes``
    ├── FetchTimeout            connect, read or the whole fetch took too long
    └── FetchStatusError        the final answer is 4xx/5xx
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from newsieve.exceptions import (
    FetchBlocked,
    FetchError,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
)

__all__ = [
    "HTML_TYPES",
    "METADATA_HOSTS",
    "FetchConfig",
    "FetchedPage",
    "check_target",
    "fetch",
    "parse_content_type",
]

HTML_TYPES: frozenset[str] = frozenset({"text/html", "application/xhtml+xml"})
"""Content types a fetch accepts. A missing Content-Type is accepted (the filters sniff)."""

METADATA_HOSTS: frozenset[str] = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
"""Cloud metadata names, refused before any DNS lookup (their addresses are link-local anyway)."""

_METADATA_IPS = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
     ipaddress.ip_address("100.100.100.200")}  # Alibaba Cloud's metadata address (CGNAT range)
)

DEFAULT_USER_AGENT = "newsieve/0.1 (+https://github.com/newsieve/newsieve)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Plain values of a fetch (``Settings.fetch_config()`` builds one from the settings).

    >>> FetchConfig(timeout=5.0, allow=("127.0.0.1",)).max_redirects
    5
    """

    timeout: float = 10.0
    """Seconds for connect and for each read, and (times three) for the whole fetch."""
    max_bytes: int = 5 * 1024 * 1024
    """Body bytes read at most (after content decoding); past them ``FetchTooLarge``."""
    max_redirects: int = 5
    """Redirect hops followed at most; one more is a ``FetchError``."""
    allow_private: bool = False
    """Turn the SSRF guard off entirely (trusted, local use only)."""
    allow: tuple[str, ...] = ()
    """Hosts, IPs or CIDRs the guard lets through although they are not public."""
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(slots=True)
class FetchedPage:
    """What a fetch returns: the final hop's answer, the body as bytes (the filters decode)."""

    url: str
    """The final URL, after redirects."""
    status: int
    headers: dict[str, str]
    content_type: str | None
    """Media type of the Content-Type header, lower case, without parameters."""
    charset: str | None
    """``charset`` parameter of the Content-Type header, as given (``gbk``), or ``None``."""
    body: bytes
    redirects: list[str] = field(default_factory=list)
    """The URLs that redirected, in order (the first is the requested URL)."""


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``'text/html; charset=GBK'`` -> ``('text/html', 'GBK')``.

    >>> parse_content_type('text/html; charset="gb2312"')
    ('text/html', 'gb2312')
    """
    if not value:
        return None, None
    parts = [p.strip() for p in value.split(";")]
    media = parts[0].lower() or None
    charset = None
    for param in parts[1:]:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media, charset


# -- the guard ---------------------------------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _unwrap(ip: Address) -> Address:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def _is_public(ip: Address) -> bool:
    ip = _unwrap(ip)
    return ip.is_global and not ip.is_multicast and not ip.is_reserved and ip not in _METADATA_IPS


def _split_allow(allow: Iterable[str]) -> tuple[set[str], list[Network]]:
    names: set[str] = set()
    nets: list[Network] = []
    for item in allow:
        item = item.strip()
        if not item:
            continue
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.add(item.lower().rstrip("."))
    return names, nets


def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    out: list[Address] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    if not out:
        raise FetchError(f"{host} resolves to no address")
    return out


def check_target(
    url: str, *, allow_private: bool = False, allow: Sequence[str] = ()
) -> list[Address]:
    """Check one URL against the guard; return the addresses it may be fetched from.

    Raises ``FetchBlocked`` when the scheme is not http(s), the host is a metadata name, or
    any address the host resolves to is not public (unless allowed). ``allow_private``
    still resolves the name, and returns every address.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchBlocked(f"{url}: only http and https URLs are fetched")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise FetchBlocked(f"{url}: no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"{url}: bad port") from exc
    names, nets = _split_allow(allow)
    if not allow_private and host in METADATA_HOSTS and host not in names:
        raise FetchBlocked(f"{url}: {host} is a cloud metadata host")
    addresses = _resolve(host, port)
    if allow_private or host in names:
        return addresses
    for ip in addresses:
        if _is_public(ip) or any(_unwrap(ip) in net or ip in net for net in nets):
            continue
        raise FetchBlocked(f"{url}: {host} resolves to {ip}, which is not a public address")
    return addresses


def _pinned(url: str, ip: Address) -> tuple[str, str, str]:
    """The URL with its host replaced by ``ip``; the Host header value; the SNI name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip_text = f"[{ip}]" if isinstance(ip, ipaddress.IPv6Address) else str(ip)
    netloc = ip_text if parts.port is None else f"{ip_text}:{parts.port}"
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, host


# -- the fetch ---------------------------------------------------------------------------------


def fetch(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
    allow_private: bool = False,
    allow: Sequence[str] = (),
    user_agent: str = DEFAULT_USER_AGENT,
) -> FetchedPage:
    """Fetch one HTML page, checking every hop with the SSRF guard.

    >>> page = fetch("https://example.com/news/1.html", timeout=5)   # doctest: +SKIP
    >>> page.status, page.content_type, page.charset, len(page.body)  # doctest: +SKIP
    (200, 'text/html', 'utf-8', 1256)

    Hand ``page.body`` with ``content_type``/``charset``/``url`` to ``newsieve.filters.clean``.
    """
    deadline = time.monotonic() + 3 * timeout
    redirects: list[str] = []
    current = url
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False) as client:
        while True:
            addresses = check_target(current, allow_private=allow_private, allow=allow)
            target, host_header, sni = _pinned(current, addresses[0])
            request = client.build_request(
                "GET", target, headers={**headers, "Host": host_header}, extensions={"sni_hostname": sni}
            )
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"{current}: timed out ({exc.__class__.__name__})") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: {exc.__class__.__name__}: {exc}") from exc
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"{current}: HTTP {response.status_code} without Location")
                    redirects.append(current)
                    if len(redirects) > max_redirects:
                        raise FetchError(f"{url}: more than {max_redirects} redirects")
                    current = urljoin(current, location.strip())
                    continue
                return _read(current, response, redirects, max_bytes=max_bytes, deadline=deadline)
            finally:
                response.close()


def _read(
    url: str, response: httpx.Response, redirects: list[str], *, max_bytes: int, deadline: float
) -> FetchedPage:
    if response.status_code >= 400:
        raise FetchStatusError(response.status_code, url)
    media, charset = parse_content_type(response.headers.get("content-type"))
    if media is not None and media not in HTML_TYPES:
        raise FetchError(f"{url}: {media} is not an HTML page")
    length = response.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchTooLarge(f"{url}: Content-Length {length} is over the cap of {max_bytes} bytes")
    body = bytearray()
    try:
        for chunk in response.iter_bytes(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise FetchTooLarge(f"{url}: body passed the cap of {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchTimeout(f"{url}: the whole fetch took too long")
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"{url}: timed out while reading ({exc.__class__.__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
    return FetchedPage(
        url=url,
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        content_type=media,
        charset=charset,
        body=bytes(body),
        redirects=redirects,
    )
