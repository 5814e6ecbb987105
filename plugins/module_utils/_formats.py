# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The encrypted file formats: values (default), whole, and bare Fernet tokens (read only).

values::

    $FERNET_DOTENV;1;values;kid=3f2a9c0d1e4b5a67
    DB_HOST=gAAAAA...            one line per binding: the name in clear, the raw value as its own token
    @layout=gAAAAA...            everything else of the source (comments, blank lines, quoting, export, and every
                                 binding whose name is not written in clear) as a token
    @mac=<hex>                   HMAC-SHA256 over the lines above, keyed from the key that wrote the file

Only identifier-shaped names of bindings written with '=' are put in clear. python-dotenv reads each continuation
line of an unquoted multi-line value (a PEM or base64 body) as a name of its own, and such a "name" is a piece of
a secret; base64 has '=' only as padding, at the end. So these bindings stay inside the layout, whole: a name that
is not an identifier, a binding without '=', one whose value is only '=' padding, and one with an empty value whose
name looks like data (mixed case, no '_') or that directly follows another binding kept in the layout. Files of
0.1.0 (non-identifier names percent-encoded in clear, bindings without '=' as a bare name line) are still read.

whole::

    $FERNET_DOTENV;1;whole;kid=3f2a9c0d1e4b5a67;sha256=<hex SHA-256 of the token>
    gAAAAA...                    the whole .env as one token

Every line of a values file is ASCII. Anything a reader finds inconsistent - a layout of the wrong shape, a token
that is not UTF-8, a name that does not match its layout - is a Checksum mismatch, never a Python error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from ansible_collections.fernet.dotenv.plugins.module_utils import _fernet
from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument, Entry
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import (
    ChecksumMismatchError,
    EnvParseError,
    FernetDotenvError,
    NotEncryptedError,
    WrongKeyError,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing, KeyRings

FORMATS = ("values", "whole")
MAGIC = "$FERNET_DOTENV"
FORMAT_VERSION = 1
_HEADER = re.compile(
    r"\$FERNET_DOTENV;(?P<version>[0-9]{1,9});(?P<format>values|whole);kid=(?P<kid>[0-9a-f]{16})"
    r"(?:;sha256=(?P<sha256>[0-9a-f]{64}))?"
)
_CLEAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_LAYOUT = "@layout"
_MAC = "@mac"
_MAC_CONTEXT = b"fernet.dotenv values-format MAC v1"
_MAC_LINE = re.compile(r"@mac=[0-9a-f]{64}")


def _mac_key(key: Key) -> bytes:
    return hmac.new(key.raw, _MAC_CONTEXT, hashlib.sha256).digest()


def _mac(key: Key, lines: list[str]) -> str:
    return hmac.new(_mac_key(key), "".join(f"{line}\n" for line in lines).encode("ascii"), hashlib.sha256).hexdigest()


def _damaged(path: str, what: str) -> ChecksumMismatchError:
    return ChecksumMismatchError(f"Cannot decrypt {path}: Checksum mismatch: {what}")


def _wrong_key(path: str, kid: str | None, ring: KeyRing) -> WrongKeyError:
    written_by = f"file kid {kid}" if kid else "file kid unknown: a bare Fernet token names no key"
    return WrongKeyError(
        f"Cannot decrypt {path}: Invalid encryption key or corrupted file "
        f"({written_by}, ring holds {', '.join(ring.kids)})"
    )


@dataclass
class DecryptedEnv:
    """An encrypted file opened with a ring: its plaintext, its format and the fingerprint of the key that wrote it.
    The plaintext is parsed into a document only when asked for (rotation never needs to). repr() never shows it."""

    plaintext: bytes = field(repr=False)
    format: str
    key_fingerprint: str
    path: str = "<content>"
    # values format only: tokens by (name, raw value) and the layout token, so that re-encrypting with the same
    # key keeps every unchanged line as it is
    tokens: dict[tuple[str, str | None], str] = field(default_factory=dict, repr=False)
    layout: tuple[str, str] | None = field(default=None, repr=False)
    parsed: EnvDocument | None = field(default=None, repr=False)

    @property
    def document(self) -> EnvDocument:
        if self.parsed is None:
            try:
                self.parsed = EnvDocument.from_bytes(self.plaintext, path=self.path)
            except EnvParseError as exc:
                raise EnvParseError(f"{exc} (in the decrypted content)") from None
        return self.parsed

    @property
    def kid(self) -> str:
        return self.key_fingerprint[7:23]

    @property
    def text(self) -> str:
        return self.document.text

    def as_dict(self) -> dict[str, str | None]:
        return self.document.as_dict()


@dataclass(frozen=True)
class EncryptedEnv:
    """An encrypted file read without a key: enough to say what it is and which key wrote it."""

    format: str
    kid: str | None
    path: str
    lines: tuple[str, ...] = ()
    sha256: str | None = None

    @classmethod
    def parse(cls, data: bytes, *, path: str = "<content>") -> EncryptedEnv:
        stripped = data.strip()
        if _fernet.looks_like_token(stripped):
            return cls(format="bare", kid=None, path=path, lines=(stripped.decode("ascii"),))
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            text = None
        lines = [line.rstrip("\r") for line in (text or "").split("\n") if line.strip()]
        header = _HEADER.fullmatch(lines[0]) if lines else None
        if header is None:
            # A damaged header on an otherwise well-formed file is damage, not "not encrypted".
            if text is None or not lines or not (_looks_like_header(lines[0]) or _looks_encrypted_body(lines[1:])):
                if data.startswith(MAGIC.encode()) or (text is None and b"\n@mac=" in data):
                    raise _damaged(path, "the file is not ASCII")
                raise NotEncryptedError(
                    f"Cannot decrypt {path}: not an encrypted .env file "
                    f"(no {MAGIC} header and not a bare Fernet token)"
                )
            raise _damaged(path, "the header line is damaged")
        if int(header["version"]) != FORMAT_VERSION:
            raise _damaged(
                path,
                f"unsupported format version {header['version']} in the header "
                "(damaged, or written by a newer fernet.dotenv)",
            )
        if (header["format"] == "whole") != (header["sha256"] is not None):
            raise _damaged(path, "the header line is damaged")
        return cls(
            format=header["format"], kid=header["kid"], path=path, lines=tuple(lines), sha256=header["sha256"]
        )

    def check_shape(self) -> None:
        """What can be checked without a key: every line has the shape of its format (whole: the token matches the
        checksum in the header). A file that passes may still fail its MAC; only a key tells."""
        if self.format == "whole":
            if len(self.lines) != 2 or not _fernet.looks_like_token(self.lines[1].encode("ascii")):
                raise _damaged(self.path, "a whole-format file holds a header and one token")
            if not hmac.compare_digest(hashlib.sha256(self.lines[1].encode("ascii")).hexdigest(), self.sha256 or ""):
                raise _damaged(self.path, "the token does not match the checksum in the header")
            return
        if self.format != "values":
            return
        body = self.lines[1:]
        if len(body) < 2 or not body[-2].startswith(f"{_LAYOUT}=") or not _MAC_LINE.fullmatch(body[-1]):
            raise _damaged(self.path, f"the file does not end with the {_LAYOUT} and {_MAC} lines")
        for line in body[:-2]:
            name, sep, token = line.partition("=")
            if not name or name.startswith("@") or (sep and not _fernet.looks_like_token(token.encode("ascii"))):
                raise _damaged(self.path, "a variable line is malformed")
        if not _fernet.looks_like_token(body[-2][len(_LAYOUT) + 1:].encode("ascii")):
            raise _damaged(self.path, f"the {_LAYOUT} line is malformed")

    def written_by(self, key: Key) -> bool:
        """Whether key wrote this file (for a bare token, whether key authenticates it)."""
        if self.format == "bare":
            return _fernet.verify_mac(key.raw, self.lines[0].encode("ascii"))
        return self.kid == key.kid

    def _key_for(self, ring: KeyRing, probe: bytes) -> Key:
        key = ring.find(self.kid) if self.kid else None
        if key is not None:
            return key
        # kid not in the ring: a ring key that still authenticates a token means the header was damaged
        if any(_fernet.verify_mac(candidate.raw, probe) for candidate in ring.keys):
            raise _damaged(self.path, "the key id in the header is damaged")
        raise _wrong_key(self.path, self.kid, ring)

    def decrypt(self, ring: KeyRing) -> DecryptedEnv:
        if self.format == "bare":
            return self._decrypt_bare(ring)
        if self.format == "whole":
            return self._decrypt_whole(ring)
        return self._decrypt_values(ring)

    def _decrypt_bare(self, ring: KeyRing) -> DecryptedEnv:
        token = self.lines[0].encode("ascii")
        for key in ring.keys:
            if _fernet.verify_mac(key.raw, token):
                return DecryptedEnv(plaintext=_open(key, token, self.path), format="bare", key_fingerprint=key.fingerprint,
                                    path=self.path)
        raise _wrong_key(self.path, None, ring)

    def _decrypt_whole(self, ring: KeyRing) -> DecryptedEnv:
        if len(self.lines) != 2:
            raise _damaged(self.path, "a whole-format file holds a header and one token")
        token = self.lines[1].encode("ascii")
        if not hmac.compare_digest(hashlib.sha256(token).hexdigest(), self.sha256 or ""):
            raise _damaged(self.path, "the token does not match the checksum in the header")
        key = self._key_for(ring, token)
        return DecryptedEnv(plaintext=_open(key, token, self.path), format="whole", key_fingerprint=key.fingerprint,
                            path=self.path)

    def _decrypt_values(self, ring: KeyRing) -> DecryptedEnv:
        body = self.lines[1:]
        if len(body) < 2 or not body[-1].startswith(f"{_MAC}=") or not body[-2].startswith(f"{_LAYOUT}="):
            raise _damaged(self.path, f"the file does not end with the {_LAYOUT} and {_MAC} lines")
        layout_token = body[-2][len(_LAYOUT) + 1:]
        key = self._key_for(ring, layout_token.encode("ascii"))
        expected = _mac(key, list(self.lines[:-1]))
        if not hmac.compare_digest(expected, body[-1][len(_MAC) + 1:]):
            raise _damaged(self.path, "a line was changed, added, removed or reordered")
        pairs: list[tuple[str, str | None]] = []
        for line in body[:-2]:
            name, sep, token = line.partition("=")
            if not name or name.startswith("@") or (sep and not token):
                raise _damaged(self.path, "a variable line is malformed")
            if "%" in name:  # a name 0.1.0 percent-encoded; names written now are identifiers
                try:
                    name = unquote(name, errors="strict")
                except UnicodeDecodeError:
                    raise _damaged(self.path, "a variable name does not decode") from None
            pairs.append((name, token if sep else None))
        try:
            layout = json.loads(_text(_open(key, layout_token.encode("ascii"), self.path), self.path))
        except ValueError:
            raise _damaged(self.path, "the layout does not decode") from None
        if not isinstance(layout, list):
            raise _damaged(self.path, "the layout is not a list")
        entries: list[Entry] = []
        tokens: dict[tuple[str, str | None], str] = {}
        remaining = iter(pairs)
        for item in layout:
            if isinstance(item, str):
                entries.append(Entry(lead=item))
            elif isinstance(item, dict):
                entries.append(_hidden_entry(item, self.path))
            elif isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], str):
                try:
                    name, token = next(remaining)
                except StopIteration:
                    raise _damaged(self.path, "the layout names more variables than the file holds") from None
                raw = None if token is None else _text(_open(key, token.encode("ascii"), self.path), self.path)
                if not _lead_names(item[0], name, has_value=raw is not None):
                    raise _damaged(self.path, "a variable name does not match the layout")
                if token is not None:
                    tokens[(name, raw)] = token
                entries.append(Entry(lead=item[0], name=name, raw_value=raw, tail=item[1]))
            else:
                raise _damaged(self.path, "the layout holds an item of the wrong shape")
        if next(remaining, None) is not None:
            raise _damaged(self.path, "the file holds more variables than the layout names")
        document = EnvDocument(entries)
        return DecryptedEnv(
            plaintext=document.to_bytes(), format="values", key_fingerprint=key.fingerprint, path=self.path, tokens=tokens,
            layout=(json.dumps(layout), layout_token), parsed=document,
        )


_HIDDEN_FIELDS = ("lead", "name", "raw", "tail")


def _hidden_entry(item: dict, path: str) -> Entry:
    """A binding kept whole inside the layout."""
    shaped = sorted(item) == sorted(_HIDDEN_FIELDS) and isinstance(item["raw"], (str, type(None)))
    if not shaped or not all(isinstance(item[part], str) for part in ("lead", "name", "tail")):
        raise _damaged(path, "the layout holds a variable of the wrong shape")
    if not _lead_names(item["lead"], item["name"], has_value=item["raw"] is not None):
        raise _damaged(path, "a variable name does not match the layout")
    return Entry(lead=item["lead"], name=item["name"], raw_value=item["raw"], tail=item["tail"])


def _lead_names(lead: str, name: str, *, has_value: bool) -> bool:
    """Whether the text before a value is what the parser makes of a binding of name: what the lookup reads (the
    name) and what decrypt_env writes (the text) must agree."""
    text = lead.rstrip()
    if "\r" in text:  # a quoted name may span lines; the parser reads its line breaks as LF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if has_value:
        if not text.endswith("="):
            return False
        text = text[:-1].rstrip()
    if not name or text.endswith(f"'{name}'"):
        return bool(name)
    before = text[-len(name) - 1:-len(name)]
    return text.endswith(name) and (before == "" or before.isspace() or before == "\ufeff")


def _text(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _damaged(path, "a token does not hold UTF-8 text") from None


def _looks_like_header(line: str) -> bool:
    # one flipped byte cannot break both marks
    return line.startswith(MAGIC[:8]) or ";kid=" in line


def _looks_encrypted_body(lines: list[str]) -> bool:
    return bool(lines) and (
        lines[-1].startswith(f"{_MAC}=") or _fernet.looks_like_token(lines[0].encode("ascii", "replace"))
    )


def _open(key: Key, token: bytes, path: str) -> bytes:
    try:
        return _fernet.decrypt(key.raw, token)
    except _fernet.InvalidToken as exc:
        raise _damaged(path, f"a token does not verify ({exc})") from None


def _seal(key: Key, plaintext: bytes) -> str:
    return _fernet.encrypt(key.raw, plaintext).decode("ascii")


def _single_token(key: Key, plaintext: bytes, format: str) -> bytes:
    """A whole-format file, or a bare token (written only over a bare token, so other tools keep reading it)."""
    token = _seal(key, plaintext)
    if format == "bare":
        return f"{token}\n".encode("ascii")
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()
    return f"{MAGIC};{FORMAT_VERSION};whole;kid={key.kid};sha256={digest}\n{token}\n".encode("ascii")


def encrypt(
    document: EnvDocument,
    ring: KeyRing,
    *,
    format: str = "values",
    previous: DecryptedEnv | Sequence[DecryptedEnv] | None = None,
) -> bytes:
    """Encrypt a document with the ring's primary key. With previous (the file being replaced, opened with the
    same ring; or several files, as a merge has), the values format keeps the token of every line whose name and
    raw value did not change. "bare" is for a file that already is a bare token (it stays one, so other Fernet
    tools keep reading it)."""
    key = ring.primary
    if format in ("whole", "bare"):
        return _single_token(key, document.to_bytes(), format)
    if format != "values":
        raise FernetDotenvError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}")
    opened = [previous] if isinstance(previous, DecryptedEnv) else list(previous or ())
    reusable = [env for env in opened if env.format == "values" and env.kid == key.kid]
    old_tokens: dict[tuple[str, str | None], str] = {}
    for env in reversed(reusable):  # the first file's tokens win
        old_tokens.update(env.tokens)
    lines = [f"{MAGIC};{FORMAT_VERSION};values;kid={key.kid}"]
    layout: list[object] = []
    for entry, clear in _bindings_in_clear(document):
        if entry.name is None:
            layout.append(entry.text)
        elif not clear:
            layout.append(dict(lead=entry.lead, name=entry.name, raw=entry.raw_value, tail=entry.tail))
        else:
            layout.append([entry.lead, entry.tail])
            raw = entry.raw_value or ""
            token = old_tokens.get((entry.name, raw)) or _seal(key, raw.encode("utf-8"))
            lines.append(f"{entry.name}={token}")
    layout_json = json.dumps(layout)
    layout_token = next((env.layout[1] for env in reusable if env.layout and env.layout[0] == layout_json), None)
    if layout_token is None:
        layout_token = _seal(key, layout_json.encode("utf-8"))
    lines.append(f"{_LAYOUT}={layout_token}")
    lines.append(f"{_MAC}={_mac(key, lines)}")
    return "".join(f"{line}\n" for line in lines).encode("ascii")


def _bindings_in_clear(document: EnvDocument) -> Iterator[tuple[Entry, bool]]:
    """Every entry, and whether it is a binding whose name the values format writes in clear."""
    hidden = False
    for entry in document.entries:
        if entry.name is None:
            yield entry, False
            continue
        hidden = not _name_in_clear(entry, after_hidden=hidden)
        yield entry, not hidden


def names_in_clear(document: EnvDocument) -> list[Entry]:
    """The bindings whose names the values format writes in clear: the only names a view of a file may show,
    whatever its format (the others may be pieces of a value)."""
    return [entry for entry, clear in _bindings_in_clear(document) if clear]


def _name_in_clear(entry: Entry, *, after_hidden: bool) -> bool:
    """Whether a binding's name may be written in clear (see the module docstring for why)."""
    raw = entry.raw_value
    if raw is None or not _CLEAR_NAME.fullmatch(entry.name or "") or (raw and not raw.strip("=")):
        return False
    if raw == "":
        continued = after_hidden and "\n" not in entry.lead and "\r" not in entry.lead
        return not (continued or _looks_like_data(entry.name or ""))
    return True


def _looks_like_data(name: str) -> bool:
    return "_" not in name and any(c.islower() for c in name) and any(c.isupper() or c.isdigit() for c in name)


def reencrypt(opened: DecryptedEnv, ring: KeyRing) -> bytes:
    """The same file, in the same format, under the ring's primary key (the plaintext is not parsed again)."""
    if opened.format == "values":
        return encrypt(opened.document, ring, format="values")
    return _single_token(ring.primary, opened.plaintext, opened.format)


def decrypt(data: bytes, keys: KeyRing | KeyRings, *, path: str = "<content>") -> DecryptedEnv:
    """Open an encrypted file of any format with a ring, or with the configured ring that holds its kid."""
    info = EncryptedEnv.parse(data, path=path)
    return info.decrypt(keys.for_opening(info.kid) if isinstance(keys, KeyRings) else keys)
