"""Credentials for the fuzzer, fetched fresh for every request.

The API itself ends credentials (logout, logout everywhere, a password change reset the key),
so one token given once would be dead after the fuzzer's first `POST /api/token/logout-all/`
and every later protected request would test only the 401. A fresh login per request keeps the
"valid credentials" runs valid. LATCHKEY_FUZZ_AUTH picks the scheme: `bearer` (an access token
from `POST /api/token/`) or `token` (the key from `POST /auth/token/`); unset, no provider is
registered and the run is anonymous.
"""

import json
import os
import urllib.request

import schemathesis

BASE = os.environ["LATCHKEY_FUZZ_BASE"]
USER = {"username": os.environ["LATCHKEY_FUZZ_USER"], "password": os.environ["LATCHKEY_FUZZ_PASSWORD"]}
SCHEME = os.environ.get("LATCHKEY_FUZZ_AUTH", "")


def _post(path: str) -> dict:
    request = urllib.request.Request(
        BASE + path, data=json.dumps(USER).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


if SCHEME:
    if SCHEME not in ("bearer", "token"):
        raise SystemExit(f"LATCHKEY_FUZZ_AUTH={SCHEME!r}: expected bearer or token")

    @schemathesis.auth(refresh_interval=None)
    class FreshCredentials:
        def get(self, case, ctx):
            if SCHEME == "bearer":
                return "Bearer " + _post("/api/token/")["access"]
            return "Token " + _post("/auth/token/")["token"]

        def set(self, case, data, ctx):
            case.headers = case.headers or {}
            case.headers["Authorization"] = data
