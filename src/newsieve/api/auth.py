"""Bearer tokens with roles: reader < moderator < admin.

Tokens come from the ``api_tokens`` setting (``token:role[:name]``). A request without a
token where one is needed gets 401 (``missing_token``), an unknown token 401
(``invalid_token``), a known token with too small a role 403 (``insufficient_role``). The
token itself never appears in an answer, a log line or the audit log: only its name.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newsieve.exceptions import ConfigError

from .problems import ApiProblem

__all__ = ["ROLES", "Principal", "TokenTable", "parse_tokens"]

ROLES: tuple[str, ...] = ("reader", "moderator", "admin")
ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str

    def has(self, role: str) -> bool:
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(role)


def parse_tokens(entries: Iterable[str]) -> dict[str, Principal]:
    """``["tok1:moderator:alice", "tok2:reader"]`` → token → principal.

    >>> parse_tokens(["s3cret:moderator:alice"])["s3cret"]
    Principal(name='alice', role='moderator')
    """
    table: dict[str, Principal] = {}
    for n, entry in enumerate(entries, 1):
        parts = entry.strip().split(":")
        if len(parts) not in (2, 3) or not parts[0]:
            raise ConfigError(f"api_tokens entry {n}: expected token:role[:name]")
        token, role = parts[0], parts[1]
        if role not in ROLES:
            raise ConfigError(f"api_tokens entry {n}: role {role!r} is not one of {', '.join(ROLES)}")
        name = parts[2] if len(parts) == 3 and parts[2] else f"{role}-{n}"
        table[token] = Principal(name=name, role=role)
    return table


class TokenTable:
    def __init__(self, entries: Iterable[str]) -> None:
        self._tokens = parse_tokens(entries)

    def lookup(self, token: str) -> Principal | None:
        found = None
        for known, principal in self._tokens.items():
            # compare every entry, in constant time each, so timing says nothing
            if hmac.compare_digest(known.encode(), token.encode()):
                found = principal
        return found

    def authenticate(self, request: Request, role: str) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="newsieve"'}
        if not header:
            raise ApiProblem(
                401, "missing_token", f"this endpoint needs a bearer token with role {role} or above",
                challenge,
            )
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiProblem(
                401, "invalid_token", "the Authorization header must be 'Bearer <token>'",
                {"WWW-Authenticate": 'Bearer realm="newsieve", error="invalid_request"'},
            )
        principal = self.lookup(token.strip())
        if principal is None:
            raise ApiProblem(
                401, "invalid_token", "the bearer token is not known",
                {"WWW-Authenticate": 'Bearer realm="newsieve", error="invalid_token"'},
            )
        if not principal.has(role):
            raise ApiProblem(
                403, "insufficient_role",
                f"this endpoint needs role {role} or above; "
                f"the token of {principal.name} has {principal.role}",
            )
        return principal


# Declares the scheme in the OpenAPI document; the header is read and checked by TokenTable.
_BEARER = HTTPBearer(auto_error=False, description="A token of `api_tokens`, e.g. `Bearer tok1`.")


def require(role: str, *, open_access: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the caller's principal, or a 401/403 problem."""
    if open_access:

        async def anonymous() -> Principal:  # async: a sync dependency would cost a thread hop
            return Principal(ANONYMOUS, "reader")

        return anonymous

    async def dependency(
        request: Request, _: HTTPAuthorizationCredentials | None = Depends(_BEARER)  # noqa: B008
    ) -> Principal:
        table: TokenTable = request.app.state.tokens
        principal = table.authenticate(request, role)
        request.state.principal = principal
        return principal

    return dependency
