"""A throw-away service-account key, generated per test session (no real key is ever in the repo)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@lru_cache(maxsize=1)
def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def service_account_info(
    token_uri: str, email: str = "funnel-ledger@test-project.iam.gserviceaccount.com"
) -> dict[str, Any]:
    return {
        "type": "service_account",
        "project_id": "test-project",
        "private_key_id": "0123456789abcdef",
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
