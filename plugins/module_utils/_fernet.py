# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The Fernet token layer: the only place in the collection where ciphertext is produced or opened.

Fernet (https://github.com/fernet/spec) is AES-128-CBC with PKCS7 padding, then HMAC-SHA256 over
version || timestamp || IV || ciphertext (encrypt-then-MAC). A 32-byte key is a 16-byte signing key followed by a
16-byte encryption key. The token layer is written against the spec rather than cryptography's Fernet class so
that the published test vectors (fixed IV and time) run through the very code that encrypts files.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
import struct
import time
import traceback

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

VERSION = 0x80
KEY_BYTES = 32
MAX_CLOCK_SKEW = 60
_HEADER_BYTES = 1 + 8 + 16
_MAC_BYTES = 32
_TOKEN_RE = re.compile(rb"[A-Za-z0-9_-]+={0,2}")


class InvalidToken(FernetDotenvError):
    """A token that is malformed, expired, or not made with this key. Says which, never what it holds."""


def require_cryptography() -> None:
    if not HAS_CRYPTOGRAPHY:
        raise FernetDotenvError(
            "The Python library cryptography is required to encrypt or decrypt: "
            "install it on the host that runs this task (pip install cryptography)"
        )


def _pad(data: bytes) -> bytes:
    count = 16 - len(data) % 16
    return data + bytes((count,)) * count


def _unpad(padded: bytes) -> bytes:
    # the HMAC was verified before decryption (encrypt-then-MAC), so this is no padding oracle
    count = padded[-1] if padded else 0
    if not 1 <= count <= 16 or padded[-count:] != bytes((count,)) * count:
        raise InvalidToken("the token's padding is invalid")
    return padded[:-count]


def encrypt(key: bytes, data: bytes, *, iv: bytes | None = None, now: int | None = None) -> bytes:
    """Return the Fernet token of data under the 32-byte key; iv and now exist for the spec's test vectors."""
    require_cryptography()
    if iv is None:
        iv = os.urandom(16)
    if now is None:
        now = int(time.time())
    encryptor = Cipher(algorithms.AES(key[16:]), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(_pad(data)) + encryptor.finalize()
    body = struct.pack(">BQ", VERSION, now) + iv + ciphertext
    return base64.urlsafe_b64encode(body + hmac.digest(key[:16], body, "sha256"))


def _decode(token: bytes) -> bytes:
    if not _TOKEN_RE.fullmatch(token):
        raise InvalidToken("the token is not URL-safe base64")
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        raise InvalidToken("the token is not URL-safe base64") from None
    if len(raw) < _HEADER_BYTES + 16 + _MAC_BYTES:
        raise InvalidToken("the token is too short")
    if raw[0] != VERSION:
        raise InvalidToken("the token is not a Fernet version 0x80 token")
    return raw


def looks_like_token(text: bytes) -> bool:
    """True when text is shaped like one Fernet token (cheap; says nothing about the key)."""
    return bool(_TOKEN_RE.fullmatch(text)) and text.startswith(b"gAAAAA")


def verify_mac(key: bytes, token: bytes) -> bool:
    """True when the token's HMAC verifies under key: it was made with this key and is intact."""
    try:
        raw = _decode(token)
    except InvalidToken:
        return False
    return hmac.compare_digest(hmac.digest(key[:16], raw[:-_MAC_BYTES], "sha256"), raw[-_MAC_BYTES:])


def decrypt(key: bytes, token: bytes, *, ttl: int | None = None, now: int | None = None) -> bytes:
    """Return the plaintext of a Fernet token, or raise InvalidToken saying what is wrong with it."""
    require_cryptography()
    raw = _decode(token)
    if ttl is not None:
        timestamp = struct.unpack(">Q", raw[1:9])[0]
        current = int(time.time()) if now is None else now
        if timestamp + ttl < current:
            raise InvalidToken("the token has expired")
        if current + MAX_CLOCK_SKEW < timestamp:
            raise InvalidToken("the token is dated in the future")
    if not hmac.compare_digest(hmac.digest(key[:16], raw[:-_MAC_BYTES], "sha256"), raw[-_MAC_BYTES:]):
        raise InvalidToken("the token's HMAC does not verify")
    ciphertext = raw[_HEADER_BYTES:-_MAC_BYTES]
    if len(ciphertext) % 16:
        raise InvalidToken("the token's payload is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key[16:]), modes.CBC(raw[9:25])).decryptor()
    return _unpad(decryptor.update(ciphertext) + decryptor.finalize())
