#!/usr/bin/env python3
"""Generate Django password-hash test vectors for latchkey-password.

Every ``encoded`` value is produced by Django's own ``make_password`` (with a
hasher instance or subclass of Django's hashers), and every entry is checked
with Django's own ``check_password`` before it is printed, so the file is a
faithful record of what Django 5.2 writes and accepts.

Needs a Python with Django 5.2 + argon2-cffi + bcrypt, e.g. the oracle's venv
(``shared/oracle/run.sh`` creates ``shared/oracle/.venv`` and installs
``bcrypt==5.0.0 argon2-cffi==25.1.0`` into it), or any venv made like this::

    python3 -m venv /tmp/django-venv
    /tmp/django-venv/bin/pip install -r ../../../../shared/oracle/requirements.txt \
        bcrypt==5.0.0 argon2-cffi==25.1.0

Run from this directory (crates/latchkey-password/testdata)::

    ORACLE_VENV=../../../../shared/oracle/.venv python3 make_vectors.py > django_vectors.json
    # or directly:
    /tmp/django-venv/bin/python make_vectors.py > django_vectors.json

If Django cannot be imported and ``ORACLE_VENV`` is set, the script re-executes
itself with ``$ORACLE_VENV/bin/python``.  No Django project is needed: the
script calls ``settings.configure(PASSWORD_HASHERS=[...all hashers...])`` and
``django.setup()`` itself.  Takes ~15 s (PBKDF2 at 1,000,000 iterations and
argon2 at 100 MiB are deliberately slow).

Output: a JSON list on stdout, one object per line, each::

    {"hasher": "<Django algorithm name>", "password": "...", "wrong": "...",
     "encoded": "<make_password output>", "params": "default" | "reduced",
     "usable": true, "must_update": <bool>, "note": "..."}

``check_password(password, encoded)`` is True and ``check_password(wrong,
encoded)`` is False for every usable entry; ``must_update`` is what the DEFAULT
instance of that algorithm (``get_hasher(hasher).must_update(encoded)``)
reports.  Unusable entries (``make_password(None)``, ``"usable": false``,
``"hasher": "unusable"``) fail ``check_password`` for both passwords and have
``"must_update": false`` (Django's ``verify_password`` returns
``(False, False)`` for them).

Deterministic except for the random salts (and the random suffix of the
unusable values).
"""

import json
import os
import sys
import unicodedata

try:
    import django  # noqa: F401
except ImportError:  # pragma: no cover - convenience re-exec
    venv = os.environ.get("ORACLE_VENV")
    if venv and not os.environ.get("_MAKE_VECTORS_REEXEC"):
        python = os.path.join(venv, "bin", "python")
        os.environ["_MAKE_VECTORS_REEXEC"] = "1"
        os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])
    sys.exit("make_vectors.py: Django is not importable; run it with the oracle venv's "
             "python or set ORACLE_VENV (see the docstring)")

import django
from django.conf import settings

settings.configure(
    PASSWORD_HASHERS=[
        # Django 5.2's default first (it is the "preferred" hasher), then the
        # rest of global_settings.PASSWORD_HASHERS, then the legacy ones.
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ],
)
django.setup()

import argon2  # noqa: E402
from django.contrib.auth import hashers as H  # noqa: E402

assert django.VERSION[:2] == (5, 2), f"expected Django 5.2, got {django.get_version()}"


# --- reduced-parameter subclasses (same algorithm names, so Django's default
# instances verify them; their must_update is True) -------------------------

class ReducedPBKDF2(H.PBKDF2PasswordHasher):
    iterations = 1000


class ReducedPBKDF2SHA1(H.PBKDF2SHA1PasswordHasher):
    iterations = 1000


class ReducedArgon2(H.Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 256
    parallelism = 1


class Argon2iMixin:
    """Django's Argon2PasswordHasher with the argon2i variety (older Django wrote these)."""

    def params(self):
        p = super().params()
        p.type = argon2.low_level.Type.I
        return p


class Argon2iReduced(Argon2iMixin, ReducedArgon2):
    pass


class Argon2iDjango110(Argon2iMixin, H.Argon2PasswordHasher):
    # Django 1.10's Argon2PasswordHasher defaults (argon2i, t=2, m=512, p=2).
    time_cost = 2
    memory_cost = 512
    parallelism = 2


class ReducedBCryptSHA256(H.BCryptSHA256PasswordHasher):
    rounds = 4


class ReducedBCrypt(H.BCryptPasswordHasher):
    rounds = 4


class ReducedScrypt(H.ScryptPasswordHasher):
    work_factor = 2**10


def argon2i_low_level(password, salt, time_cost, memory_cost, parallelism):
    """argon2i via argon2-cffi's low-level API, formatted like Argon2PasswordHasher.encode."""
    data = argon2.low_level.hash_secret(
        password.encode(),
        salt.encode(),
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=argon2.DEFAULT_HASH_LENGTH,
        type=argon2.low_level.Type.I,
    )
    return "argon2" + data.decode("ascii")


# --- passwords ---------------------------------------------------------------

NON_ASCII = "pässwörd-日本"  # NFC
LONG = "correct horse battery staple, " * 3  # 90 bytes (> 72)
LONG72 = LONG.encode()[:72].decode()  # exactly 72 bytes

# (password, wrong, description)
P_ASCII = ("hunter2-Secret", "hunter2-secret", "plain ASCII; wrong differs only in case")
P_EMPTY = ("", " ", "empty password; wrong is a single space")
P_NONASCII = (NON_ASCII, unicodedata.normalize("NFD", NON_ASCII),
              "non-ASCII, NFC, hashed as UTF-8; wrong is the NFD form of the same text "
              "(Django does not normalize)")
P_LONG = (LONG, LONG.encode()[:72].decode() + "DIFFERENT TAIL",
          f"{len(LONG.encode())} bytes (> 72); wrong has the same first 72 bytes")
P_SPACES = ("  spaced out  ", "spaced out", "two spaces at both ends; wrong is the stripped form")
P_LONG72 = (LONG72, LONG72[:-1] + "X",
            "exactly 72 bytes, bcrypt's maximum (with bcrypt 5.0 Django's plain bcrypt hasher "
            "raises ValueError for > 72 bytes); wrong differs in the last byte")

ALL5 = [P_ASCII, P_EMPTY, P_NONASCII, P_LONG, P_SPACES]

entries = []


def add(hasher_obj, algorithm, pw, params, note, encoded=None):
    password, wrong, desc = pw
    if encoded is None:
        encoded = H.make_password(password, hasher=hasher_obj)
    assert encoded.startswith(algorithm + "$"), encoded
    assert H.identify_hasher(encoded).algorithm == algorithm
    assert H.check_password(password, encoded) is True, (algorithm, password, encoded)
    assert H.check_password(wrong, encoded) is False, (algorithm, wrong, encoded)
    must_update = H.get_hasher(algorithm).must_update(encoded)
    assert must_update == (params != "default"), (algorithm, params, must_update)
    entries.append({
        "hasher": algorithm,
        "password": password,
        "wrong": wrong,
        "encoded": encoded,
        "params": params,
        "usable": True,
        "must_update": must_update,
        "note": f"{note}; {desc}",
    })


def split(pws, n_default, default_obj, reduced_obj, algorithm, default_note, reduced_note):
    for i, pw in enumerate(pws):
        if i < n_default:
            add(default_obj, algorithm, pw, "default", default_note)
        else:
            add(reduced_obj, algorithm, pw, "reduced", reduced_note)


# pbkdf2_sha256: 2 at the default, the rest reduced.
split([P_ASCII, P_NONASCII, P_EMPTY, P_LONG, P_SPACES], 2,
      H.PBKDF2PasswordHasher(), ReducedPBKDF2(), "pbkdf2_sha256",
      "Django 5.2 default: 1,000,000 iterations",
      "reduced: 1000 iterations")

# pbkdf2_sha1: 1 at the default, the rest reduced.
split([P_ASCII, P_EMPTY, P_NONASCII, P_LONG, P_SPACES], 1,
      H.PBKDF2SHA1PasswordHasher(), ReducedPBKDF2SHA1(), "pbkdf2_sha1",
      "Django 5.2 default: 1,000,000 iterations",
      "reduced: 1000 iterations")

# argon2 (argon2id): 2 at the default, the rest reduced.
split([P_ASCII, P_NONASCII, P_EMPTY, P_LONG, P_SPACES], 2,
      H.Argon2PasswordHasher(), ReducedArgon2(), "argon2",
      "Django 5.2 default: argon2id v=19 m=102400 t=2 p=8",
      "reduced: argon2id v=19 m=256 t=1 p=1")

# argon2i (older Django); verified by Django 5.2's default Argon2PasswordHasher.
add(Argon2iDjango110(), "argon2", P_ASCII, "reduced",
    "argon2i at Django 1.10's defaults (v=19 m=512 t=2 p=2)")
add(Argon2iReduced(), "argon2", P_NONASCII, "reduced", "argon2i v=19 m=256 t=1 p=1")
_salt = H.Argon2PasswordHasher().salt()
_ll = argon2i_low_level(P_SPACES[0], _salt, 1, 256, 1)
assert _ll == Argon2iReduced().encode(P_SPACES[0], _salt)  # the two ways agree exactly
add(None, "argon2", P_SPACES, "reduced",
    "argon2i v=19 m=256 t=1 p=1, made with argon2.low_level.hash_secret(type=Type.I)", encoded=_ll)

# bcrypt_sha256: 1 at the default, the rest reduced.
split([P_ASCII, P_EMPTY, P_NONASCII, P_LONG, P_SPACES], 1,
      H.BCryptSHA256PasswordHasher(), ReducedBCryptSHA256(), "bcrypt_sha256",
      "Django 5.2 default: 12 rounds ($2b$12$); bcrypt of hex(sha256(utf8 password))",
      "reduced: 4 rounds ($2b$04$); bcrypt of hex(sha256(utf8 password))")

# bcrypt (no pre-hash): 1 at the default, the rest reduced.  > 72 bytes cannot
# be hashed or checked by this stack (bcrypt 5.0 raises), so 72 bytes instead.
split([P_ASCII, P_EMPTY, P_NONASCII, P_LONG72, P_SPACES], 1,
      H.BCryptPasswordHasher(), ReducedBCrypt(), "bcrypt",
      "Django 5.2 default: 12 rounds ($2b$12$); bcrypt of the raw utf8 password",
      "reduced: 4 rounds ($2b$04$); bcrypt of the raw utf8 password")

# scrypt: 1 at the default, the rest reduced.
split([P_ASCII, P_EMPTY, P_NONASCII, P_LONG, P_SPACES], 1,
      H.ScryptPasswordHasher(), ReducedScrypt(), "scrypt",
      "Django 5.2 default: N=16384 r=8 p=5 dklen=64",
      "reduced: N=1024 r=8 p=5 dklen=64")

# md5 (salted): only one parameter set.
for pw in [P_ASCII, P_EMPTY, P_NONASCII, P_LONG, P_SPACES]:
    add(H.MD5PasswordHasher(), "md5", pw, "default", "salted MD5: md5(salt + password) hex")

# Unusable passwords: make_password(None) = "!" + 40 random chars.
for password, wrong, desc in [
    ("", "!", "password is the empty string"),
    ("!", "", "password is '!' (the unusable prefix itself)"),
    (P_ASCII[0], P_ASCII[1], "an ordinary password"),
]:
    encoded = H.make_password(None)
    assert encoded.startswith("!") and len(encoded) == 41 and not H.is_password_usable(encoded)
    assert H.check_password(password, encoded) is False
    assert H.check_password(wrong, encoded) is False
    assert H.check_password(encoded, encoded) is False
    entries.append({
        "hasher": "unusable",
        "password": password,
        "wrong": wrong,
        "encoded": encoded,
        "params": "default",
        "usable": False,
        "must_update": False,
        "note": "make_password(None): '!' + 40 random [a-zA-Z0-9]; check_password is False for "
                f"every password (even the encoded value itself); {desc}",
    })

sys.stdout.write("[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n]\n")
