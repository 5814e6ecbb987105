# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Keys, key rings, fingerprints and kids, and where a key ring comes from.

A key is URL-safe base64 of 32 random bytes. A ring is one or more keys separated by commas, spaces or newlines;
the first (primary) encrypts, all decrypt. In ring text '#' starts a comment that runs to the end of the line (the
key archive notes each key's kid and retirement time that way). A fingerprint is "sha256:" + hex SHA-256 of the raw key bytes, and a
kid its first 16 hex digits: both may be printed, a key never is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable, Mapping

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import (
    InvalidKeyError,
    KeyNotFoundError,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._fernet import KEY_BYTES

ENV_KEY = "SECRETS_MASTER_KEY"
ENV_KEY_FILE = "SECRETS_MASTER_KEY_FILE"
_NAME_RE = re.compile(r"[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*")
_SEPARATORS = re.compile(r"[\s,]+")
_COMMENT = re.compile(r"#[^\n]*")
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}=?")
# Anything in a longer text that the key parser would take for a key, padded or not.
KEY_TEXT = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?:=|(?![A-Za-z0-9_=-]))")


def ring_parts(text: str) -> list[str]:
    """The key texts of a ring text, comments dropped (not yet checked to be keys)."""
    return [part for part in _SEPARATORS.split(_COMMENT.sub("", text)) if part]


def _ordinal(position: int) -> str:
    return f"key {position} of the ring"


class Key:
    """One Fernet key. repr() and str() show the kid only."""

    __slots__ = ("raw", "fingerprint", "kid")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise InvalidKeyError(f"Invalid Fernet key: a key must be {KEY_BYTES} bytes, not {len(raw)}")
        self.raw = raw
        self.fingerprint = "sha256:" + hashlib.sha256(raw).hexdigest()
        self.kid = self.fingerprint[7:23]

    @classmethod
    def from_text(cls, text: str, *, what: str = "the key") -> Key:
        """Parse a URL-safe base64 key; the message names the key by position, never by content."""
        if not _KEY_RE.fullmatch(text):
            raise InvalidKeyError(
                f"Invalid Fernet key: {what} is not URL-safe base64 of {KEY_BYTES} bytes "
                f"(a Fernet key is 44 characters ending in '=')"
            )
        try:
            raw = base64.urlsafe_b64decode(text if text.endswith("=") else text + "=")
        except (binascii.Error, ValueError):
            raise InvalidKeyError(f"Invalid Fernet key: {what} is not URL-safe base64") from None
        return cls(raw)

    @classmethod
    def generate(cls) -> Key:
        return cls(os.urandom(KEY_BYTES))

    def to_text(self) -> str:
        """The key itself, for writing a key file. Never log or return this."""
        return base64.urlsafe_b64encode(self.raw).decode("ascii")

    def __repr__(self) -> str:
        return f"Key(kid={self.kid})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)


class KeyRing:
    """An ordered, duplicate-free list of keys; the first is the primary."""

    __slots__ = ("keys", "source", "path")

    def __init__(self, keys: list[Key], *, source: str = "the key ring") -> None:
        unique: list[Key] = []
        for key in keys:
            if key not in unique:
                unique.append(key)
        if not unique:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {source} holds no key")
        self.keys = tuple(unique)
        self.source = source
        self.path: str | None = None  # the key file it was read from, if any

    @classmethod
    def from_text(cls, text: str, *, source: str = "the key ring") -> KeyRing:
        parts = ring_parts(text)
        if not parts:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {source} holds no key")
        keys = [
            Key.from_text(part, what=f"{_ordinal(n)} in {source}" if len(parts) > 1 else f"the key in {source}")
            for n, part in enumerate(parts, 1)
        ]
        return cls(keys, source=source)

    @classmethod
    def from_file(cls, path: str, *, what: str = "the master key file") -> KeyRing:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {what} {path} does not exist") from None
        except IsADirectoryError:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {what} {path} is a directory") from None
        except UnicodeDecodeError:
            raise InvalidKeyError(f"Invalid Fernet key: {what} {path} is not text") from None
        except OSError as exc:
            raise KeyNotFoundError(f"{ENV_KEY} not found: cannot read {what} {path}: {exc.strerror}") from None
        ring = cls.from_text(text, source=f"{what} {path}")
        ring.path = path
        return ring

    @classmethod
    def union(cls, *rings: KeyRing | None, source: str = "the key ring") -> KeyRing:
        """Every key of the given rings (None skipped), in order, each once."""
        return cls([key for ring in rings if ring is not None for key in ring.keys], source=source)

    @property
    def primary(self) -> Key:
        return self.keys[0]

    @property
    def fingerprints(self) -> list[str]:
        return [key.fingerprint for key in self.keys]

    @property
    def kids(self) -> list[str]:
        return [key.kid for key in self.keys]

    def find(self, kid: str) -> Key | None:
        for key in self.keys:
            if key.kid == kid:
                return key
        return None

    def find_fingerprint(self, fingerprint: str) -> Key | None:
        for key in self.keys:
            if key.fingerprint == fingerprint:
                return key
        return None

    def with_primary(self, key: Key) -> KeyRing:
        """A ring where key encrypts and every key of this ring still decrypts (the rotation ring new,old...)."""
        return KeyRing([key, *self.keys], source=self.source)

    def to_text(self) -> str:
        """The ring as written to a key file: keys separated by commas, primary first. Never log this."""
        return ",".join(key.to_text() for key in self.keys) + "\n"

    def __repr__(self) -> str:
        return f"KeyRing(kids={self.kids})"

    __str__ = __repr__


class KeySources:
    """Where the rings of one task, lookup or vars plugin come from, as the adapters collected them: the task's
    key options, the fernet_dotenv_* variables and the controller's environment. Plain data; nothing is read until
    a ring is asked for."""

    __slots__ = ("master_key", "master_key_file", "master_key_command", "var_master_key", "var_master_key_file",
                 "key_name", "environ", "run_command")

    def __init__(
        self,
        *,
        master_key: str | list[str] | None = None,
        master_key_file: str | None = None,
        master_key_command: str | None = None,
        var_master_key: str | None = None,
        var_master_key_file: str | None = None,
        key_name: str | None = None,
        environ: Mapping[str, str] | None = None,
        run_command: Callable[[str, str | None], KeyRing] | None = None,
    ) -> None:
        self.master_key = master_key
        self.master_key_file = master_key_file
        self.master_key_command = master_key_command
        self.var_master_key = var_master_key
        self.var_master_key_file = var_master_key_file
        self.key_name = key_name or None
        self.environ = os.environ if environ is None else environ
        # a key command runs on the controller only: the adapters give the runner, a module has none
        self.run_command = run_command
        if self.key_name is not None:
            ring_variables(self.key_name)  # a bad name fails before anything is read


def ring_variables(name: str | None) -> tuple[str, str]:
    """The environment variables of a ring: SECRETS_MASTER_KEY(_FILE), or SECRETS_MASTER_KEY_<NAME>(_FILE)."""
    if not name:
        return ENV_KEY, ENV_KEY_FILE
    if not isinstance(name, str) or KEY_TEXT.search(name):
        raise KeyNotFoundError(f"{ENV_KEY} not found: the key name looks like a Fernet key (it is not shown); "
                               "key_name names a ring, such as prod")
    if not _NAME_RE.fullmatch(name):
        raise KeyNotFoundError(
            f"{ENV_KEY} not found: the key name {name!r} is not a name (letters, digits, '_' and '-')"
        )
    upper = name.upper().replace("-", "_")
    if upper == "FILE" or upper.endswith("_FILE"):
        raise KeyNotFoundError(f"{ENV_KEY} not found: the key name {name} cannot end in 'file'")
    return f"{ENV_KEY}_{upper}", f"{ENV_KEY}_{upper}_FILE"


def configured_ring_names(environ: Mapping[str, str]) -> list[str]:
    """The names of the rings the environment configures (SECRETS_MASTER_KEY_<NAME> or its _FILE), sorted."""
    names = set()
    for variable, value in environ.items():
        if not value or not variable.startswith(ENV_KEY + "_") or variable == ENV_KEY_FILE:
            continue
        name = variable[len(ENV_KEY) + 1:]
        names.add(name[:-5] if name.endswith("_FILE") else name)
    # a name no key_name could select (SECRETS_MASTER_KEY_X_FILE_FILE) configures nothing
    return sorted(name for name in names if _NAME_RE.fullmatch(name) and name != "FILE" and not name.endswith("_FILE"))


class KeyRings:
    """The rings a task may use, in DESIGN order, resolved on demand.

    The *selected* ring is the first source found: the master_key, master_key_file and master_key_command options,
    the fernet_dotenv_master_key(_file) variables, then the ring's environment pair (SECRETS_MASTER_KEY(_FILE), or
    SECRETS_MASTER_KEY_<NAME>(_FILE) with key_name). Its primary writes new files. A file is opened with the ring
    that holds its kid: the selected ring, else any other ring the environment configures (every named ring and,
    when key_name selects a named ring, the unnamed one). A command-sourced ring is asked once per kid."""

    def __init__(self, sources: KeySources) -> None:
        self.sources = sources
        self._others: list[KeyRing] | None = None
        self._text_ring: KeyRing | None = None

    def _selected(self, kid: str | None) -> KeyRing | None:
        """The selected ring (None when no source is set); kid is what a key command is told. A ring given as text
        is parsed once; a key file is read each time (it may change under a running play)."""
        if isinstance(self.sources.master_key, (list, tuple)):
            # rings an action plugin handed over: they are all there is (the target's environment is not asked)
            return self.from_texts(self.sources.master_key)[0]
        if self._text_ring is None:
            self._text_ring = self._selected_text()
        if self._text_ring is not None:
            return self._text_ring
        given = self.sources
        if given.master_key_file:
            return KeyRing.from_file(given.master_key_file)
        if given.master_key_command:
            if given.run_command is None:
                raise KeyNotFoundError(f"{ENV_KEY} not found: master_key_command runs on the controller only")
            return given.run_command(given.master_key_command, kid)
        if given.var_master_key_file:
            return KeyRing.from_file(given.var_master_key_file)
        file_variable = ring_variables(given.key_name)[1]
        if given.environ.get(file_variable):
            return KeyRing.from_file(given.environ[file_variable])
        return None

    def _selected_text(self) -> KeyRing | None:
        """The selected ring when its source is text (an option, a variable or the environment), else None."""
        given = self.sources
        if given.master_key:
            return KeyRing.from_text(given.master_key, source="the master_key option")
        if given.master_key_file or given.master_key_command:
            return None
        if given.var_master_key:
            return KeyRing.from_text(given.var_master_key, source="the variable fernet_dotenv_master_key")
        if given.var_master_key_file:
            return None
        key_variable = ring_variables(given.key_name)[0]
        if given.environ.get(key_variable):
            return KeyRing.from_text(given.environ[key_variable], source=f"the environment variable {key_variable}")
        return None

    def _from_environment(self, name: str | None) -> KeyRing | None:
        key_variable, file_variable = ring_variables(name)
        env = self.sources.environ
        if env.get(key_variable):
            return KeyRing.from_text(env[key_variable], source=f"the environment variable {key_variable}")
        if env.get(file_variable):
            return KeyRing.from_file(env[file_variable])
        return None

    def _not_found(self) -> KeyNotFoundError:
        key_variable, file_variable = ring_variables(self.sources.key_name)
        named = f" for the ring {self.sources.key_name}" if self.sources.key_name else ""
        return KeyNotFoundError(
            f"{ENV_KEY} not found{named}: set the master_key, master_key_file or master_key_command option, the "
            f"fernet_dotenv_master_key(_file) variable, or {key_variable} or {file_variable} in the controller's "
            "environment"
        )

    def for_writing(self) -> KeyRing:
        """The selected ring: its primary encrypts a new file."""
        ring = self._selected(None)
        if ring is None:
            raise self._not_found()
        return ring

    def others(self) -> list[KeyRing]:
        """The rings besides the selected one that the environment configures: named rings, then the unnamed one."""
        if self._others is None:
            if isinstance(self.sources.master_key, (list, tuple)):
                self._others = [ring for ring in self.from_texts(self.sources.master_key)[1:] if ring]
            else:
                selected = self.sources.key_name.upper().replace("-", "_") if self.sources.key_name else None
                names: list[str | None] = [name for name in configured_ring_names(self.sources.environ)
                                           if name != selected]
                if selected is not None:
                    names.append(None)
                self._others = [ring for ring in map(self._from_environment, names) if ring is not None]
        return self._others

    def for_opening(self, kid: str | None) -> KeyRing:
        """The ring that holds kid. When none does, the union of every candidate, so that the error names them."""
        selected = self._selected(kid)
        candidates = ([selected] if selected is not None else []) + self.others()
        if not candidates:
            raise self._not_found()
        for ring in candidates:
            if kid is not None and ring.find(kid) is not None:
                return ring
        if len(candidates) == 1:
            return candidates[0]
        return KeyRing.union(*candidates, source="the configured rings")

    def configured(self) -> list[KeyRing]:
        """Every configured ring, the selected one first; none is fine."""
        selected = self._selected(None)
        return [*([selected] if selected else []), *self.others()]

    def to_texts(self, *, required: bool = True) -> list[str]:
        """Every ring, the selected one first, as texts for a module's no_log master_key (without required, no
        selected ring is fine). Never log these."""
        selected = self._selected(None)
        if selected is None and required:
            raise self._not_found()
        others = [ring.to_text().strip() for ring in self.others()]
        if selected is None:
            return ["", *others] if others else []
        return [selected.to_text().strip(), *others]

    @staticmethod
    def from_texts(texts: list[str] | tuple[str, ...]) -> list[KeyRing | None]:
        """Rings given as a list of texts; an empty first text means that no ring is selected."""
        if not texts:
            return [None]
        return [KeyRing.from_text(str(text), source=f"ring {n} of the master_key option" if n > 1 else
                                  "the master_key option") if text or n > 1 else None
                for n, text in enumerate(texts, 1)]
