"""Google OAuth token endpoint emulator: both grants through the real google-auth library, errors, expiry."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from emulators.google_oauth import GOOGLE_TOKEN_URL, JWT_BEARER_GRANT, GoogleOAuthEmulator
from emulators.server import RunningServer, serve_in_thread

SA_EMAIL = "funnel-ledger@demo-project.iam.gserviceaccount.com"
ANALYTICS = "https://www.googleapis.com/auth/analytics.readonly"
SHEETS = "https://www.googleapis.com/auth/spreadsheets"


class WallClock:
    """A wall clock that only moves when told; starts at the real now because google-auth signs with it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _sa_info(key: rsa.RSAPrivateKey, token_uri: str, email: str = SA_EMAIL) -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": "demo-project",
        "private_key_id": "0123456789abcdef",
        "private_key": _private_pem(key),
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(key: rsa.RSAPrivateKey, claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{_b64(signature)}"


@pytest.fixture(scope="module")
def sa_key() -> rsa.RSAPrivateKey:
    return _new_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return _new_key()


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def oauth(sa_key: rsa.RSAPrivateKey, wall: WallClock) -> GoogleOAuthEmulator:
    return GoogleOAuthEmulator(
        clients={"client-1.apps.googleusercontent.com": "s3cret"},
        refresh_tokens={"1//refresh-ok", "1//refresh-revoked"},
        service_accounts={SA_EMAIL: _public_pem(sa_key)},
        wall_clock=wall,
    )


@pytest.fixture
def server(oauth: GoogleOAuthEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(oauth) as srv:
        yield srv


def _user_creds(server: RunningServer, **overrides: Any) -> user_credentials.Credentials:
    kwargs: dict[str, Any] = {
        "token": None,
        "refresh_token": "1//refresh-ok",
        "client_id": "client-1.apps.googleusercontent.com",
        "client_secret": "s3cret",
        "token_uri": f"{server.base_url}/token",
    }
    kwargs.update(overrides)
    return user_credentials.Credentials(**kwargs)


def _token(creds: Any) -> str:
    token = creds.token
    assert isinstance(token, str)
    return token


def _post_token(server: RunningServer, form: dict[str, str]) -> requests.Response:
    return requests.post(f"{server.base_url}/token", data=form, timeout=5)


# ------------------------------------------------------------------ service account (JWT bearer)


def test_service_account_refresh_through_google_auth(
    oauth: GoogleOAuthEmulator, server: RunningServer, sa_key: rsa.RSAPrivateKey
) -> None:
    info = _sa_info(sa_key, f"{server.base_url}/token")
    creds = service_account.Credentials.from_service_account_info(info, scopes=[ANALYTICS])
    creds.refresh(GoogleAuthRequest())

    assert creds.token is not None and creds.token.startswith("ya29.")
    issued = oauth.token_info(creds.token)
    assert issued is not None
    assert issued.subject == SA_EMAIL
    assert issued.scopes == frozenset({ANALYTICS})
    assert issued.grant_type == JWT_BEARER_GRANT
    assert oauth.is_valid(_token(creds), "https://www.googleapis.com/auth/analytics") is True
    assert oauth.is_valid(_token(creds), SHEETS) is False
    assert oauth.is_valid("ya29.not-issued-here") is False
    assert oauth.counts_by_status()[("token", 200)] == 1


def test_service_account_with_wrong_key_gets_invalid_signature(
    server: RunningServer, other_key: rsa.RSAPrivateKey
) -> None:
    info = _sa_info(other_key, f"{server.base_url}/token")
    creds = service_account.Credentials.from_service_account_info(info, scopes=[ANALYTICS])
    with pytest.raises(RefreshError) as excinfo:
        creds.refresh(GoogleAuthRequest())
    assert excinfo.value.args[1] == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}


def test_unknown_service_account_is_invalid_grant(server: RunningServer, sa_key: rsa.RSAPrivateKey) -> None:
    info = _sa_info(sa_key, f"{server.base_url}/token", email="stranger@demo-project.iam.gserviceaccount.com")
    creds = service_account.Credentials.from_service_account_info(info, scopes=[ANALYTICS])
    with pytest.raises(RefreshError) as excinfo:
        creds.refresh(GoogleAuthRequest())
    assert excinfo.value.args[1]["error_description"] == "Invalid grant: account not found"


def test_unverified_mode_accepts_any_well_formed_jwt(wall: WallClock, other_key: rsa.RSAPrivateKey) -> None:
    oauth = GoogleOAuthEmulator(wall_clock=wall)
    with serve_in_thread(oauth) as srv:
        info = _sa_info(other_key, f"{srv.base_url}/token", email="anyone@x.iam.gserviceaccount.com")
        creds = service_account.Credentials.from_service_account_info(info, scopes=[SHEETS])
        creds.refresh(GoogleAuthRequest())
        assert oauth.is_valid(_token(creds), SHEETS) is True
        resp = requests.post(
            f"{srv.base_url}/token", data={"grant_type": JWT_BEARER_GRANT, "assertion": "not.a-jwt"}, timeout=5
        )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("iat_offset", "exp_offset", "aud", "scope", "error", "description"),
    [
        # Lifetime over one hour.
        (0, 3601, "SELF", ANALYTICS, "invalid_grant", "short-lived"),
        # Already expired.
        (-4000, -1, "SELF", ANALYTICS, "invalid_grant", "short-lived"),
        # Issued far in the future.
        (1000, 2000, "SELF", ANALYTICS, "invalid_grant", "short-lived"),
        # Audience is some other service.
        (0, 3600, "https://example.invalid/token", ANALYTICS, "invalid_grant", "Failed audience check"),
        # No scope: an ID-token request, not emulated.
        (0, 3600, "SELF", "", "invalid_scope", "Invalid OAuth scope"),
        # Google's real token URL as audience is fine.
        (0, 3600, GOOGLE_TOKEN_URL, ANALYTICS, None, None),
    ],
)
def test_jwt_claim_checks(
    server: RunningServer,
    wall: WallClock,
    sa_key: rsa.RSAPrivateKey,
    iat_offset: int,
    exp_offset: int,
    aud: str,
    scope: str,
    error: str | None,
    description: str | None,
) -> None:
    now = int(wall.now.timestamp())
    claims: dict[str, Any] = {
        "iss": SA_EMAIL,
        "aud": f"{server.base_url}/token" if aud == "SELF" else aud,
        "iat": now + iat_offset,
        "exp": now + exp_offset,
    }
    if scope:
        claims["scope"] = scope
    resp = _post_token(server, {"grant_type": JWT_BEARER_GRANT, "assertion": _jwt(sa_key, claims)})
    if error is None:
        assert resp.status_code == 200
        assert resp.json()["scope"] == ANALYTICS
        return
    assert resp.status_code == 400
    assert resp.json()["error"] == error
    assert description is not None and description in resp.json()["error_description"]


def test_service_account_key_may_be_given_as_private_key_pem(wall: WallClock, sa_key: rsa.RSAPrivateKey) -> None:
    oauth = GoogleOAuthEmulator(service_accounts={SA_EMAIL: _private_pem(sa_key)}, wall_clock=wall)
    with serve_in_thread(oauth) as srv:
        creds = service_account.Credentials.from_service_account_info(
            _sa_info(sa_key, f"{srv.base_url}/token"), scopes=[SHEETS]
        )
        creds.refresh(GoogleAuthRequest())
    assert oauth.is_valid(_token(creds), SHEETS) is True


# ------------------------------------------------------------------ refresh-token grant


def test_user_refresh_through_google_auth(oauth: GoogleOAuthEmulator, server: RunningServer) -> None:
    creds = _user_creds(server)
    creds.refresh(GoogleAuthRequest())
    token = creds.token
    assert isinstance(token, str) and token.startswith("ya29.")
    issued = oauth.token_info(token)
    assert issued is not None
    assert issued.subject == "client-1.apps.googleusercontent.com"
    assert issued.grant_type == "refresh_token"
    # No scope requested: the default set (GA4, Ads, Sheets, Drive) is granted.
    assert oauth.is_valid(token, "https://www.googleapis.com/auth/adwords") is True
    assert oauth.is_valid(token, "https://www.googleapis.com/auth/analytics") is True


def test_refresh_with_requested_scopes_grants_exactly_those(oauth: GoogleOAuthEmulator, server: RunningServer) -> None:
    creds = _user_creds(server, scopes=[ANALYTICS])
    creds.refresh(GoogleAuthRequest())
    assert oauth.is_valid(_token(creds), ANALYTICS) is True
    assert oauth.is_valid(_token(creds), SHEETS) is False
    assert creds.granted_scopes == [ANALYTICS]


def test_token_response_body_matches_google(server: RunningServer) -> None:
    resp = _post_token(
        server,
        {
            "grant_type": "refresh_token",
            "client_id": "client-1.apps.googleusercontent.com",
            "client_secret": "s3cret",
            "refresh_token": "1//refresh-ok",
            "scope": "https://www.googleapis.com/auth/adwords",
        },
    )
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert body["expires_in"] == 3599
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "https://www.googleapis.com/auth/adwords"


def test_unknown_refresh_token_is_invalid_grant(server: RunningServer) -> None:
    creds = _user_creds(server, refresh_token="1//who-knows")
    with pytest.raises(RefreshError) as excinfo:
        creds.refresh(GoogleAuthRequest())
    assert excinfo.value.args[1] == {"error": "invalid_grant", "error_description": "Bad Request"}


def test_revoked_refresh_token(oauth: GoogleOAuthEmulator, server: RunningServer) -> None:
    oauth.revoke_refresh_token("1//refresh-revoked")
    creds = _user_creds(server, refresh_token="1//refresh-revoked")
    with pytest.raises(RefreshError) as excinfo:
        creds.refresh(GoogleAuthRequest())
    assert excinfo.value.args[1] == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }


@pytest.mark.parametrize(
    ("client_id", "secret", "description"),
    [
        ("client-1.apps.googleusercontent.com", "wrong", "Unauthorized"),
        ("nobody.apps.googleusercontent.com", "s3cret", "The OAuth client was not found."),
    ],
)
def test_bad_client_is_401_invalid_client(server: RunningServer, client_id: str, secret: str, description: str) -> None:
    resp = _post_token(
        server,
        {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": secret,
            "refresh_token": "1//refresh-ok",
        },
    )
    assert resp.status_code == 401
    assert resp.json() == {"error": "invalid_client", "error_description": description}


def test_unsupported_and_missing_grant_type(oauth: GoogleOAuthEmulator, server: RunningServer) -> None:
    resp = _post_token(server, {"grant_type": "password", "username": "a", "password": "b"})
    assert resp.status_code == 400
    assert resp.json() == {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: password"}
    resp = _post_token(server, {"refresh_token": "1//refresh-ok"})
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    assert oauth.counts()["token"] == 2
    assert oauth.issued_tokens() == []


# ------------------------------------------------------------------ expiry and tokeninfo


def test_tokens_expire_after_their_lifetime(oauth: GoogleOAuthEmulator, wall: WallClock) -> None:
    token = oauth.issue_token([ANALYTICS])
    wall.advance(3599)
    assert oauth.is_valid(token) is True
    wall.advance(1)
    assert oauth.is_valid(token) is False
    assert oauth.token_info(token) is None
    expired = oauth.token_info(token, include_expired=True)
    assert expired is not None and expired.scopes == frozenset({ANALYTICS})


def test_expire_all(oauth: GoogleOAuthEmulator, server: RunningServer) -> None:
    creds = _user_creds(server)
    creds.refresh(GoogleAuthRequest())
    minted = oauth.issue_token([SHEETS])
    assert oauth.is_valid(_token(creds)) and oauth.is_valid(minted)
    oauth.expire_all()
    assert oauth.is_valid(_token(creds)) is False
    assert oauth.is_valid(minted) is False
    # A new refresh yields a fresh, valid token.
    creds.refresh(GoogleAuthRequest())
    assert oauth.is_valid(_token(creds)) is True
    assert len(oauth.issued_tokens()) == 3


def test_custom_lifetime(wall: WallClock) -> None:
    oauth = GoogleOAuthEmulator(token_lifetime_s=60, wall_clock=wall)
    with serve_in_thread(oauth) as srv:
        resp = requests.post(
            f"{srv.base_url}/token",
            data={"grant_type": "refresh_token", "client_id": "c", "client_secret": "s", "refresh_token": "r"},
            timeout=5,
        )
    assert resp.json()["expires_in"] == 59
    token = resp.json()["access_token"]
    wall.advance(59)
    assert oauth.is_valid(token)
    wall.advance(1)
    assert not oauth.is_valid(token)


def test_tokeninfo(oauth: GoogleOAuthEmulator, server: RunningServer, wall: WallClock) -> None:
    token = oauth.issue_token([ANALYTICS], subject="someone")
    wall.advance(600)
    resp = requests.get(f"{server.base_url}/tokeninfo", params={"access_token": token}, timeout=5)
    assert resp.status_code == 200
    body = resp.json()
    assert body["scope"] == ANALYTICS
    assert body["expires_in"] == "3000"
    assert body["azp"] == "someone"
    resp = requests.get(f"{server.base_url}/tokeninfo", params={"access_token": "ya29.nope"}, timeout=5)
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_token", "error_description": "Invalid Value"}
