"""Local emulator of Google's OAuth 2.0 token endpoint (``https://oauth2.googleapis.com/token``).

Contract: shared/reference/api-wire-formats.md §3.6 (refresh-token grant) and §6 (service-account
JWT-bearer grant, as performed by ``google-auth``). The other Google emulators (GA4, Google Ads, Sheets)
take an instance of :class:`GoogleOAuthEmulator` and ask it whether a bearer token is valid, so a client
exercised here goes through exactly the token exchange it performs against Google.

Endpoints:

* ``POST /token`` (form-encoded; a JSON body is accepted too): ``grant_type=refresh_token`` with
  ``client_id``, ``client_secret``, ``refresh_token`` and optional ``scope``; and
  ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` with an RS256 ``assertion`` whose claims carry
  ``iss``, ``scope``, ``aud`` (the token URL), ``iat`` and ``exp``.
* ``GET /tokeninfo?access_token=...``: what Google's tokeninfo endpoint says about an issued token.

Choices made where the real behaviour is unknown or irrelevant offline:

* A refresh-token grant without ``scope`` is given ``refresh_token_scopes`` (every scope the pipeline
  uses by default), since the emulator has no record of what the user consented to.
* A JWT's ``aud`` may be the URL the request was sent to or Google's real token URL.
* ``iat`` may be up to ``_CLOCK_SKEW_S`` seconds in the future; ``exp - iat`` may not exceed one hour.
* Issued access tokens live ``token_lifetime_s`` seconds; the response says one second less
  (``expires_in: 3599`` for the default), as Google does.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import load_pem_x509_certificate
from werkzeug.wrappers import Request, Response

from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "DEFAULT_REFRESH_TOKEN_SCOPES",
    "GOOGLE_TOKEN_URL",
    "JWT_BEARER_GRANT",
    "GoogleOAuthEmulator",
    "IssuedToken",
]

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

#: Scopes a refresh-token grant receives when the request names none (GA4, Google Ads, Sheets, Drive).
DEFAULT_REFRESH_TOKEN_SCOPES: tuple[str, ...] = (
    "https://www.googleapis.com/auth/analytics.readonly",
    "https://www.googleapis.com/auth/adwords",
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)

# Google accepts assertions whose iat is slightly ahead of its clock; the exact tolerance is unpublished.
_CLOCK_SKEW_S = 300
_MAX_ASSERTION_LIFETIME_S = 3600

_BAD_JWT_TIME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)

JSON = dict[str, Any]
_PublicKey = rsa.RSAPublicKey


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedToken:
    """An access token handed out by the emulator.

    Attributes:
        token: The opaque ``ya29.`` access token.
        scopes: The scopes the token carries.
        expires_at: Expiry as epoch seconds (on the emulator's wall clock).
        subject: Who it was issued to: the OAuth client id or the service account's ``client_email``.
        grant_type: ``refresh_token`` or the JWT-bearer grant URN.
    """

    token: str
    scopes: frozenset[str]
    expires_at: float
    subject: str
    grant_type: str

    def has_scope(self, scope_prefix: str | None) -> bool:
        """Whether any scope starts with ``scope_prefix`` (always True when it is None)."""
        return scope_prefix is None or any(s.startswith(scope_prefix) for s in self.scopes)


class _OAuthError(Exception):
    """An error rendered as Google's OAuth error body ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class GoogleOAuthEmulator(RequestCounter):
    """WSGI app emulating Google's OAuth 2.0 token endpoint and keeping the tokens it issued.

    Request counts are keyed ``"token"`` (every grant), ``"tokeninfo"`` and ``"not_found"``.
    """

    def __init__(
        self,
        *,
        clients: Mapping[str, str] | None = None,
        refresh_tokens: Iterable[str] | None = None,
        service_accounts: Mapping[str, str] | None = None,
        token_lifetime_s: int = 3600,
        refresh_token_scopes: Iterable[str] = DEFAULT_REFRESH_TOKEN_SCOPES,
        wall_clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """Create the emulator.

        Args:
            clients: OAuth client id → client secret accepted by the refresh-token grant; None accepts
                any non-empty pair.
            refresh_tokens: Refresh tokens accepted; None accepts any non-empty token.
            service_accounts: Service-account ``client_email`` → PEM used to verify the assertion's
                signature (a public key, an X.509 certificate or the private key itself); None accepts
                any well-formed RS256 JWT without verifying its signature or issuer.
            token_lifetime_s: Lifetime of issued access tokens.
            refresh_token_scopes: Scopes given to a refresh-token grant that does not name any.
            wall_clock: Source of "now" (aware datetime) for ``iat``/``exp`` checks and token expiry.
                Real ``google-auth`` signs with the real time, so tests that use it should start this
                clock at the real now and move it forward from there.

        Raises:
            ValueError: When a service-account PEM is not an RSA key or certificate.
        """
        super().__init__()
        self._clients = dict(clients) if clients is not None else None
        self._refresh_tokens = set(refresh_tokens) if refresh_tokens is not None else None
        self._revoked: set[str] = set()
        self._service_accounts: dict[str, _PublicKey] | None = (
            {email: _load_public_key(pem) for email, pem in service_accounts.items()}
            if service_accounts is not None
            else None
        )
        if token_lifetime_s <= 1:
            raise ValueError("token_lifetime_s must be > 1")
        self.token_lifetime_s = token_lifetime_s
        self._refresh_token_scopes = frozenset(refresh_token_scopes)
        self._wall_clock = wall_clock
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ token registry

    def _now(self) -> float:
        return self._wall_clock().timestamp()

    def issue_token(self, scopes: Iterable[str], *, subject: str = "test", lifetime_s: int | None = None) -> str:
        """Mint a valid access token without an HTTP round trip (for tests of the other emulators).

        Args:
            scopes: Scopes the token carries.
            subject: Who the token is issued to.
            lifetime_s: Lifetime in seconds; defaults to ``token_lifetime_s``.

        Returns:
            The access token.
        """
        issued = self._issue(frozenset(scopes), subject, "test", lifetime_s)
        return issued.token

    def _issue(self, scopes: frozenset[str], subject: str, grant: str, lifetime_s: int | None = None) -> IssuedToken:
        # Real tokens are ~170 characters of base64url after "ya29."; length does not matter to clients.
        token = "ya29." + secrets.token_urlsafe(48)
        issued = IssuedToken(
            token=token,
            scopes=scopes,
            expires_at=self._now() + (lifetime_s if lifetime_s is not None else self.token_lifetime_s),
            subject=subject,
            grant_type=grant,
        )
        with self._lock:
            self._tokens[token] = issued
        return issued

    def token_info(self, token: str, *, include_expired: bool = False) -> IssuedToken | None:
        """Return what the emulator knows about a token.

        Args:
            token: An access token.
            include_expired: Also return tokens that have expired (to tell "expired" from "unknown").

        Returns:
            The issued token, or None when unknown (or expired, unless ``include_expired``).
        """
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or (not include_expired and self._now() >= issued.expires_at):
            return None
        return issued

    def is_valid(self, token: str, scope_prefix: str | None = None) -> bool:
        """Whether ``token`` was issued here, has not expired and carries a matching scope.

        Args:
            token: The bearer token a client sent.
            scope_prefix: When given, some scope of the token must start with it (for example
                ``"https://www.googleapis.com/auth/analytics"`` accepts ``analytics`` and
                ``analytics.readonly``).

        Returns:
            True when the token may be used.
        """
        issued = self.token_info(token)
        return issued is not None and issued.has_scope(scope_prefix)

    def expire_all(self) -> None:
        """Make every issued token expire now (clients must refresh)."""
        now = self._now()
        with self._lock:
            self._tokens = {
                t: IssuedToken(i.token, i.scopes, min(i.expires_at, now), i.subject, i.grant_type)
                for t, i in self._tokens.items()
            }

    def revoke_refresh_token(self, refresh_token: str) -> None:
        """Revoke a refresh token: later grants with it fail with ``Token has been expired or revoked.``"""
        with self._lock:
            self._revoked.add(refresh_token)

    def issued_tokens(self) -> list[IssuedToken]:
        """Return every token issued so far (expired ones included), oldest first."""
        with self._lock:
            return list(self._tokens.values())

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/token":
            name = "token"
            if request.method != "POST":
                response = _error(405, "invalid_request", f"Method {request.method} is not allowed")
            else:
                try:
                    response = json_response(self._handle_token(request))
                except _OAuthError as err:
                    response = _error(err.status, err.error, err.description)
        elif path == "/tokeninfo":
            name = "tokeninfo"
            response = self._handle_tokeninfo(request)
        else:
            name = "not_found"
            response = json_response({"error": "not_found", "error_description": "Not Found"}, 404)
        self._count(name, response.status_code)
        return response

    # ------------------------------------------------------------------ handlers

    def _handle_token(self, request: Request) -> JSON:
        form = _form(request)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _OAuthError(400, "invalid_request", "Required parameter is missing: grant_type")
        if grant_type == "refresh_token":
            issued = self._refresh_grant(form)
        elif grant_type == JWT_BEARER_GRANT:
            issued = self._jwt_grant(form, request)
        else:
            raise _OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        return {
            "access_token": issued.token,
            # Google answers one second short of the real lifetime.
            "expires_in": self.token_lifetime_s - 1,
            "scope": " ".join(sorted(issued.scopes)),
            "token_type": "Bearer",
        }

    def _refresh_grant(self, form: Mapping[str, str]) -> IssuedToken:
        client_id = form.get("client_id", "")
        client_secret = form.get("client_secret", "")
        refresh_token = form.get("refresh_token", "")
        if not client_id:
            raise _OAuthError(400, "invalid_request", "Could not determine client ID from request.")
        if self._clients is not None:
            if client_id not in self._clients:
                raise _OAuthError(401, "invalid_client", "The OAuth client was not found.")
            if not secrets.compare_digest(self._clients[client_id], client_secret):
                raise _OAuthError(401, "invalid_client", "Unauthorized")
        elif not client_secret:
            raise _OAuthError(400, "invalid_request", "client_secret is missing.")
        if not refresh_token:
            raise _OAuthError(400, "invalid_request", "Missing required parameter: refresh_token")
        with self._lock:
            revoked = refresh_token in self._revoked
        if revoked:
            raise _OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
        if self._refresh_tokens is not None and refresh_token not in self._refresh_tokens:
            raise _OAuthError(400, "invalid_grant", "Bad Request")
        requested = frozenset(form.get("scope", "").split())
        return self._issue(requested or self._refresh_token_scopes, client_id, "refresh_token")

    def _jwt_grant(self, form: Mapping[str, str], request: Request) -> IssuedToken:
        assertion = form.get("assertion", "")
        if not assertion:
            raise _OAuthError(400, "invalid_request", "Missing required parameter: assertion")
        parts = assertion.split(".")
        if len(parts) != 3:
            raise _OAuthError(400, "invalid_grant", "Invalid JWT: not a compact JWS (expected 3 segments)")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, binascii.Error) as exc:
            raise _OAuthError(400, "invalid_grant", "Invalid JWT: malformed segment") from exc
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise _OAuthError(400, "invalid_grant", "Invalid JWT: header and claims must be JSON objects")
        if header.get("alg") != "RS256":
            raise _OAuthError(400, "invalid_grant", f"Invalid JWT: unsupported alg {header.get('alg')!r}")

        issuer = str(claims.get("iss") or "")
        if not issuer:
            raise _OAuthError(400, "invalid_grant", "Invalid JWT: missing iss claim")
        if self._service_accounts is not None:
            key = self._service_accounts.get(issuer)
            if key is None:
                raise _OAuthError(400, "invalid_grant", "Invalid grant: account not found")
            signed = f"{parts[0]}.{parts[1]}".encode("ascii")
            try:
                key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature as exc:
                raise _OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from exc

        audience = claims.get("aud")
        accepted = {f"{request.host_url}token", GOOGLE_TOKEN_URL}
        if audience not in accepted:
            raise _OAuthError(
                400,
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URL}",
            )
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float) or isinstance(iat, bool):
            raise _OAuthError(400, "invalid_grant", _BAD_JWT_TIME)
        now = self._now()
        if iat > now + _CLOCK_SKEW_S or exp <= now or exp < iat or exp - iat > _MAX_ASSERTION_LIFETIME_S:
            raise _OAuthError(400, "invalid_grant", _BAD_JWT_TIME)
        scopes = frozenset(str(claims.get("scope") or "").split())
        if not scopes:
            # An assertion without scope asks for an ID token (target_audience); not emulated.
            raise _OAuthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        # Domain-wide delegation (sub) is accepted as-is: the token is issued to the impersonated user.
        subject = str(claims.get("sub") or issuer)
        return self._issue(scopes, subject, JWT_BEARER_GRANT)

    def _handle_tokeninfo(self, request: Request) -> Response:
        token = request.args.get("access_token", "")
        issued = self.token_info(token) if token else None
        if issued is None:
            return _error(400, "invalid_token", "Invalid Value")
        now = self._now()
        return json_response(
            {
                "azp": issued.subject,
                "aud": issued.subject,
                "scope": " ".join(sorted(issued.scopes)),
                "exp": str(int(issued.expires_at)),
                "expires_in": str(max(0, int(issued.expires_at - now))),
                "access_type": "offline" if issued.grant_type == "refresh_token" else "online",
            }
        )


def _error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _form(request: Request) -> dict[str, str]:
    """Read the body as a form (what every Google client sends) or, failing that, as a JSON object."""
    raw = request.get_data(cache=True)
    content_type = (request.mimetype or "").lower()
    if content_type == "application/json":
        try:
            body = json.loads(raw or b"{}")
        except ValueError as exc:
            raise _OAuthError(400, "invalid_request", "Invalid JSON payload") from exc
        if not isinstance(body, dict):
            raise _OAuthError(400, "invalid_request", "Invalid JSON payload")
        return {str(k): str(v) for k, v in body.items()}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _load_public_key(pem: str) -> _PublicKey:
    """Read an RSA public key from a public-key PEM, an X.509 certificate PEM or a private-key PEM."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key: Any
    if b"CERTIFICATE" in data:
        key = load_pem_x509_certificate(data).public_key()
    elif b"PRIVATE KEY" in data:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("service-account keys must be RSA (RS256)")
    return key
