# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The .env dialect: a parser that keeps every byte, and a writer for single values.

The dialect is python-dotenv 1.2's: parse(text).as_dict() equals dotenv_values(path, interpolate=False) for every
file python-dotenv reads without a warning. Where python-dotenv warns and skips a line, this parser stops with
"<path>:<line>: ..." instead, and never quotes the line, since it may hold a secret.

A document is a list of entries whose raw text, joined, is the source byte for byte. A binding's entry splits into
the text before its value (indent, ``export``, name, ``=``), the raw value as written (quotes included) and the text
after it (inline comment, line end): the values format encrypts each raw value on its own and the rest as layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import EnvParseError, FernetDotenvError

_NEWLINE = re.compile(r"\r\n|\n|\r")
_BLANK = re.compile(r"\s*", re.MULTILINE)
_SPACES = re.compile(r"[^\S\r\n]*")
_EXPORT = re.compile(r"(?:export[^\S\r\n]+)?")
_QUOTED_NAME = re.compile(r"'([^']+)'")
_BARE_NAME = re.compile(r"([^=#\s]+)")
_EQUALS = re.compile(r"=[^\S\r\n]*")
_SINGLE_QUOTED = re.compile(r"'(?:\\.|[^'\\])*'", re.DOTALL)
_DOUBLE_QUOTED = re.compile(r'"(?:\\.|[^"\\])*"', re.DOTALL)
_REST_OF_LINE = re.compile(r"[^\r\n]*")
_COMMENT = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
# ${NAME} and ${NAME:-default}, as python-dotenv expands them; $NAME without braces stays text
_REFERENCE_NEVER_FROM_ENVIRONMENT = "SECRETS_MASTER_KEY"  # and every name that starts with it
_REFERENCE = re.compile(r"\$\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\}")
_LINE_END = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_DOUBLE_ESCAPES = re.compile(r"\\[\\'\"abfnrtv]")
_SINGLE_ESCAPES = re.compile(r"\\[\\']")
_ESCAPED = {
    "\\\\": "\\", "\\'": "'", '\\"': '"', "\\a": "\a", "\\b": "\b",
    "\\f": "\f", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\v": "\v",
}
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_@%+=:,./~^-]*")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Entry:
    """One parsed piece of a .env text: a binding (name set) or a comment/blank run (name None).
    repr() shows the name only: the rest may hold a value or a comment about one."""

    lead: str = field(repr=False)
    name: str | None = None
    raw_value: str | None = field(default=None, repr=False)
    tail: str = field(default="", repr=False)

    @property
    def is_binding(self) -> bool:
        return self.name is not None

    @property
    def text(self) -> str:
        return self.lead + (self.raw_value or "") + self.tail

    @property
    def value(self) -> str | None:
        return decode_value(self.raw_value)


def decode_value(raw: str | None) -> str | None:
    """The value python-dotenv reads from a raw value as written in the file."""
    if raw is None:
        return None
    # python-dotenv reads files in text mode: universal newlines turn CRLF and CR into LF before parsing.
    raw = _NEWLINE.sub("\n", raw)
    if raw.startswith("'"):
        return _SINGLE_ESCAPES.sub(lambda m: _ESCAPED[m.group(0)], raw[1:-1])
    if raw.startswith('"'):
        return _DOUBLE_ESCAPES.sub(lambda m: _ESCAPED[m.group(0)], raw[1:-1])
    comment = inline_comment_start(raw)
    return (raw if comment is None else raw[:comment]).rstrip()


def inline_comment_start(raw: str) -> int | None:
    """Where the inline comment of a bare value starts - the whitespace run before the first '#' that follows
    whitespace - or None. python-dotenv cuts at the leftmost match of \\s+#.*; that regex takes quadratic time on a
    long run of spaces with no '#' after it, this scan takes linear time for any text."""
    position = raw.find("#", 1)
    while position != -1:
        if raw[position - 1].isspace():
            start = position - 1
            while start > 0 and raw[start - 1].isspace():
                start -= 1
            return start
        position = raw.find("#", position + 1)
    return None


def encode_value(value: str | None) -> str | None:
    """A raw value that decode_value reads back as value: bare when safe, else single or double quoted."""
    if value is None:
        return None
    if _PLAIN_VALUE.fullmatch(value):
        return value
    if not any(c in value for c in "'\\\r"):
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'"{escaped}"'


class _Cursor:
    __slots__ = ("text", "pos", "path")

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.pos = 0
        self.path = path

    def take(self, pattern: re.Pattern[str]) -> str | None:
        match = pattern.match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group(0)

    def peek(self) -> str:
        return self.text[self.pos:self.pos + 1]

    def fail(self, pos: int, reason: str) -> EnvParseError:
        # line numbers are only needed for errors, so they are counted only then
        line = 1 + len(_NEWLINE.findall(self.text, 0, pos))
        return EnvParseError(f"{self.path}:{line}: {reason}")


def _parse_entry(cur: _Cursor) -> Entry:
    start = cur.pos
    cur.take(_BLANK)
    key_pos = cur.pos
    if cur.pos == len(cur.text):
        return Entry(lead=cur.text[start:])
    cur.take(_EXPORT)
    first = cur.peek()
    name: str | None = None
    if first != "#":
        pattern = _QUOTED_NAME if first == "'" else _BARE_NAME
        match = pattern.match(cur.text, cur.pos)
        if match is None:
            raise cur.fail(key_pos, "expected a variable name (NAME=value, export NAME=value or a # comment)")
        # a quoted name may span lines; python-dotenv sees its line breaks as LF, like those of values
        name = _NEWLINE.sub("\n", match.group(1)) if first == "'" else match.group(1)
        cur.pos = match.end()
    cur.take(_SPACES)
    raw: str | None = None
    value_start = cur.pos
    if cur.peek() == "=":
        equals = cur.take(_EQUALS) or "="
        value_start = cur.pos
        first = cur.peek()
        # "KEY= # note" is an empty value and a comment; "KEY=#x" is the value "#x" (python-dotenv's rule).
        if len(equals) > 1 and first == "#":
            raw = ""
        elif first in ("'", '"'):
            raw = cur.take(_SINGLE_QUOTED if first == "'" else _DOUBLE_QUOTED)
            if raw is None:
                kind = "single" if first == "'" else "double"
                raise cur.fail(key_pos, f"unterminated {kind}-quoted value")
        else:
            raw = cur.take(_REST_OF_LINE) or ""
    lead = cur.text[start:value_start]
    tail_start = cur.pos
    cur.take(_COMMENT)
    if cur.take(_LINE_END) is None:
        # never the name: python-dotenv reads the first word of any line as one, and it may be a secret
        what = "after the value" if raw is not None else "after the variable name" if name else "in the comment"
        raise cur.fail(cur.pos, f"unexpected text {what} (quote the value, or start comments with ' #')")
    return Entry(lead=lead, name=name, raw_value=raw, tail=cur.text[tail_start:cur.pos])


class EnvDocument:
    """A parsed .env text that renders back to the same text byte for byte."""

    __slots__ = ("entries",)

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    @classmethod
    def parse(cls, text: str, *, path: str = "<content>") -> EnvDocument:
        bom = _BOM if text.startswith(_BOM) else ""
        cur = _Cursor(text[len(bom):], path)
        entries: list[Entry] = []
        while cur.pos < len(cur.text):
            entries.append(_parse_entry(cur))
        if bom:
            first = entries[0] if entries else Entry(lead="")
            entries[:1] = [replace(first, lead=bom + first.lead)]
        return cls(entries)

    @classmethod
    def from_bytes(cls, data: bytes, *, path: str = "<content>") -> EnvDocument:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise EnvParseError(f"{path}:{line}: not valid UTF-8 (byte {exc.start})") from None
        return cls.parse(text, path=path)

    @classmethod
    def from_dict(cls, values: dict[str, str | None]) -> EnvDocument:
        doc = cls([])
        for name, value in values.items():
            doc.set(name, value)
        return doc

    @property
    def text(self) -> str:
        return "".join(entry.text for entry in self.entries)

    def to_bytes(self) -> bytes:
        return self.text.encode("utf-8")

    @property
    def bindings(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.is_binding]

    @property
    def names(self) -> list[str]:
        """Variable names in first-seen order, each once."""
        return list(self.as_dict())

    def as_dict(self) -> dict[str, str | None]:
        """What dotenv_values(interpolate=False) returns: the last binding of a name wins."""
        return {entry.name: entry.value for entry in self.entries if entry.name is not None}

    def interpolated(self, environ: Mapping[str, str]) -> dict[str, str | None]:
        """What dotenv_values(interpolate=True) returns: bindings in file order, each value's ${NAME} and
        ${NAME:-default} replaced by the value bound so far, else environ's, else the default (else ""); quoting
        makes no difference, and a name without = stays None. One difference, for key custody: SECRETS_MASTER_KEY*
        never come from environ, so that a file cannot pull the controller's rings (another environment's, say) into
        a value."""
        environ = {name: value for name, value in environ.items()
                   if not name.startswith(_REFERENCE_NEVER_FROM_ENVIRONMENT)}
        values: dict[str, str | None] = {}
        for entry in self.bindings:
            value = entry.value
            if value is not None:
                def resolve(match: re.Match[str]) -> str:
                    name, default = match.group("name"), match.group("default")
                    found = values[name] if name in values else environ.get(name, default or "")
                    return found or ""
                value = _REFERENCE.sub(resolve, value)
            values[entry.name] = value
        return values

    def _newline(self) -> str:
        match = _NEWLINE.search(self.text)
        return match.group(0) if match else "\n"

    def set(self, name: str, value: str | None) -> bool:
        """Give every binding of name this value (appending one when absent); True when the text changed."""
        check_name(name)
        raw = encode_value(value)
        before = self.text
        found = False
        for index, entry in enumerate(self.entries):
            if entry.name != name:
                continue
            found = True
            if entry.value == value and (entry.raw_value is None) == (raw is None):
                continue
            lead, tail = entry.lead, entry.tail
            if entry.raw_value is not None and not entry.raw_value.startswith(("'", '"')):
                # keep an inline comment that was part of a bare value
                comment = inline_comment_start(entry.raw_value)
                if comment is not None:
                    tail = entry.raw_value[comment:] + tail
            if entry.raw_value is None and raw is not None:
                lead = lead.rstrip(" \t") + "="
                tail = (" " if tail.lstrip(" \t").startswith("#") else "") + tail.lstrip(" \t")
            elif raw is None:
                lead = lead[:lead.rindex("=")].rstrip(" \t")
                tail = (" " if tail.lstrip(" \t").startswith("#") else "") + tail.lstrip(" \t")
            if raw and not raw.startswith(("'", '"')) and tail.startswith("#"):
                # "KEY= # note" had an empty value; a bare value needs a space before the comment to keep it one
                tail = " " + tail
            self.entries[index] = replace(entry, lead=lead, raw_value=raw, tail=tail)
        if not found:
            newline = self._newline()
            if self.entries and not self.text.endswith(("\n", "\r")):
                last = self.entries[-1]
                self.entries[-1] = replace(last, tail=last.tail + newline)
            lead = name if raw is None else f"{name}="
            self.entries.append(Entry(lead=lead, name=name, raw_value=raw, tail=newline))
        return self.text != before

    def remove(self, name: str) -> bool:
        """Drop every binding of name; True when there was one."""
        kept = [entry for entry in self.entries if entry.name != name]
        changed = len(kept) != len(self.entries)
        self.entries = kept
        return changed


_SETTABLE_NAME = re.compile(r"[^=#\s'\"]+")


def check_name(name: str) -> None:
    """Refuse a name the parser could not read back as a bare name."""
    if not isinstance(name, str) or not _SETTABLE_NAME.fullmatch(name) or name == "export":
        # never echoed: a name pasted by mistake may be a value
        raise FernetDotenvError("The name given is not a usable variable name (no spaces, '=', '#' or quotes)")
