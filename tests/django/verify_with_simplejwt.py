#!/usr/bin/env python3
"""Verify tokens with simplejwt itself: `AccessToken(token)` and `RefreshToken(token)`.

    verify_with_simplejwt.py SIGNING_KEY access=TOKEN refresh=TOKEN ...

Prints one JSON object per token (its payload) and exits 0 when every token verifies; exits 1
naming the first that does not. Run with the oracle venv's Python (tests/django/oracle-venv.sh).
No database: the blacklist app is not installed, so only signature and claims are checked.
"""

import json
import sys

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="unused-for-verification-0123456789abcdef",
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework_simplejwt"],
    SIMPLE_JWT={"SIGNING_KEY": sys.argv[1]},
    USE_TZ=True,
)
django.setup()

from rest_framework_simplejwt.exceptions import TokenError  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken  # noqa: E402

for arg in sys.argv[2:]:
    kind, _, token = arg.partition("=")
    cls = {"access": AccessToken, "refresh": RefreshToken}[kind]
    try:
        print(json.dumps(cls(token).payload))
    except TokenError as err:
        print(f"{kind} token refused by simplejwt: {err}", file=sys.stderr)
        sys.exit(1)
