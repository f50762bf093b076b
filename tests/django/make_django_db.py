#!/usr/bin/env python3
"""Make a real Django database for the import tests, with Django's own code.

Runs the oracle project's ``migrate`` (../shared/oracle: Django 5.2, DRF's authtoken,
simplejwt's token_blacklist), then creates, through Django's ORM and hashers:

- one user per password format Django 5.2 writes (``make_password(..., hasher=NAME)``):
  pbkdf2_sha256 (the default), pbkdf2_sha1, argon2, bcrypt_sha256, bcrypt, scrypt, md5;
  a user with an unusable password, an inactive user, a staff superuser, a user with a
  non-ASCII username, first and last name;
- a DRF key for every user (the oracle's post_save signal, DRF's documented recipe);
- for alice: a refresh token that stays outstanding, one that simplejwt blacklisted, and
  the access token of the outstanding one (``RefreshToken.for_user``);
- a group with a member, so the import has something to report as left behind;
- with ``--bulk N``: N more users sharing one pbkdf2 hash, each with a DRF key and an
  outstanding refresh token, written with ``bulk_create`` (for the size measurement).

Writes a JSON manifest of the credentials to ``--manifest`` (passwords, DRF keys, tokens),
which the Rust tests read. Run it with the oracle venv's Python (tests/django/oracle-venv.sh
prints its path), with ``ORACLE_DB=/path.sqlite3`` or ``ORACLE_DATABASE_URL=postgres://…``
and ``SECRET_KEY`` set; the database must be new (a fresh file, an empty PostgreSQL database).
"""

import argparse
import json
import os
import secrets
import sys
from datetime import timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_DIR = os.path.abspath(os.environ.get("ORACLE_DIR", os.path.join(HERE, "..", "..", "..", "shared", "oracle")))
sys.path.insert(0, ORACLE_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oracle_project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

# Every hasher Django 5.2 ships that writes a format: the legacy ones only hash when listed.
ALL_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
FORMATS = ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt", "md5"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--bulk", type=int, default=0)
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    users = []

    def add(username, password, hasher, **fields):
        encoded = make_password(password, hasher=hasher) if password is not None else make_password(None)
        user = User.objects.create(username=username, password=encoded, **fields)
        users.append({
            "id": user.id,
            "username": username,
            "password": password,
            "format": hasher if password is not None else "unusable",
            "is_active": user.is_active,
            "key": Token.objects.get(user=user).key,
        })
        return user

    with override_settings(PASSWORD_HASHERS=ALL_HASHERS):
        alice = add("alice", "alice-pass-123", "pbkdf2_sha256", email="alice@example.com",
                    first_name="Alice", last_name="Liddell")
        for name in FORMATS:
            add(f"user_{name}", f"{name}-pässword-1", name, email=f"{name}@example.com")
        add("unusable", None, None)
        add("carol", "carol-pass-123", "pbkdf2_sha256", is_active=False)
        add("admin", "admin-pass-123", "bcrypt_sha256", is_staff=True, is_superuser=True)
        add("zoë.müller", "zoe-pass-1234", "argon2", first_name="Zoë", last_name="Müller")

    group = Group.objects.create(name="editors")
    alice.groups.add(group)
    alice.last_login = timezone.now() - timedelta(days=3)
    alice.save(update_fields=["last_login"])

    outstanding = RefreshToken.for_user(alice)
    blacklisted = RefreshToken.for_user(alice)
    blacklisted.blacklist()

    if args.bulk:
        encoded = make_password("bulk-pass-123")
        now = timezone.now()
        bulk = User.objects.bulk_create(
            [User(username=f"bulk{n:06d}", email=f"bulk{n}@example.com", password=encoded, date_joined=now)
             for n in range(args.bulk)],
            batch_size=1000,
        )
        # bulk_create sends no post_save: the keys are made here, as the signal would.
        Token.objects.bulk_create([Token(user=u, key=secrets.token_hex(20)) for u in bulk], batch_size=1000)
        expires = now + timedelta(days=1)
        OutstandingToken.objects.bulk_create(
            [OutstandingToken(user=u, jti=secrets.token_hex(16), token="(bulk)", created_at=now, expires_at=expires)
             for u in bulk],
            batch_size=1000,
        )

    manifest = {
        "users": users,
        "access": str(outstanding.access_token),
        "refresh_outstanding": str(outstanding),
        "refresh_blacklisted": str(blacklisted),
        "alice_id": alice.id,
    }
    with open(args.manifest, "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
