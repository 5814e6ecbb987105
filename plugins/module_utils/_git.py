# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""What git asks of an encrypted .env file: a three-way merge by variable (the merge driver), a view for
``git diff`` and ``git log -p`` (the textconv), and the checks of the pre-commit guard. Plain functions of bytes
and rings; the entry point (bin/fernet-dotenv-git) runs git and reads the files.

A merge opens base, ours and theirs, merges the documents and encrypts the result again, so the MAC is recomputed
and every unchanged token is kept. The documents are merged as units: each line of comments and blank lines,
keyed by its text, and each binding, keyed by its name (and occurrence). The order of the units is merged like
diff3 does it, except that both sides adding different units at one place is no conflict (both are kept, ours
first); a binding's value and its layout (export, quoting, inline comment) are merged by name. Where both sides
changed the same thing differently, ours is kept and the conflict is reported by name, never by value - and only
a name that some version writes in clear: a binding the values format keeps inside the layout (its "name" may be
a line of an unquoted PEM body) merges and conflicts as layout.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import Entry, EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import (
    ChecksumMismatchError,
    EnvParseError,
    FernetDotenvError,
    InvalidKeyError,
    KeyNotFoundError,
    NotEncryptedError,
    WrongKeyError,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import (
    DecryptedEnv,
    EncryptedEnv,
    decrypt,
    encrypt,
    names_in_clear,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing, KeyRings

# the seed's plaintext files; .env.example (no secrets, by convention) is not among them
DEFAULT_PLAINTEXT_PATTERNS = (".env", ".env.local", ".env.*.local", ".env.secrets")
ENCRYPTED_SUFFIX = ".env.encrypted"
LAYOUT_CONFLICT = "the comments and layout"
# the errors that mean "this key ring cannot open that file": the merge falls back, the view shows names only
NO_KEY_ERRORS = (KeyNotFoundError, WrongKeyError, InvalidKeyError)
_MARKER_CONTEXT = b"fernet.dotenv diff marker v1"
_BLANK_LINES = re.compile(r"(?:[^\S\r\n]*(?:\r\n|\n|\r))*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+")  # the parser's line ends only, not str.splitlines()'s
_ABSENT = object()
_BOM = "\ufeff"


@dataclass
class MergeResult:
    """The file to leave in the work tree, and what both sides changed differently (names, or LAYOUT_CONFLICT)."""

    data: bytes = field(repr=False)
    conflicts: list[str]


def merge_files(base: bytes, ours: bytes, theirs: bytes, rings: KeyRings, *, path: str) -> MergeResult:
    """Merge three versions of an encrypted file by variable. An empty base means both sides added the file.
    Raises the collection's errors when a version cannot be opened (no key, wrong key, damaged)."""
    opened_ours = decrypt(ours, rings, path=f"{path} (ours)")
    opened_theirs = decrypt(theirs, rings, path=f"{path} (theirs)")
    base_document = decrypt(base, rings, path=f"{path} (base)").document if base.strip() else EnvDocument([])
    document, conflicts = merge_documents(base_document, opened_ours.document, opened_theirs.document)
    key = _writing_key(rings, opened_ours, opened_theirs)
    for opened, data in ((opened_ours, ours), (opened_theirs, theirs)):
        if opened.kid == key.kid and opened.format == opened_ours.format and opened.document.text == document.text:
            return MergeResult(data=data, conflicts=conflicts)
    written = encrypt(document, KeyRing([key]), format=opened_ours.format, previous=[opened_ours, opened_theirs])
    return MergeResult(data=written, conflicts=conflicts)


def _writing_key(rings: KeyRings, ours: DecryptedEnv, theirs: DecryptedEnv) -> Key:
    """The key of ours, unless a ring holds both keys and puts theirs first: a branch opened before a rotation
    merges into the rotated one (or the other way round) under the newer key."""
    for ring in rings.configured() or [rings.for_opening(ours.kid)]:
        kids = ring.kids
        if ours.kid in kids and theirs.kid in kids:
            return ring.keys[min(kids.index(ours.kid), kids.index(theirs.kid))]
    key = rings.for_opening(ours.kid).find(ours.kid)
    if key is None:  # decrypt found it a moment ago; a key file changed in between
        raise KeyNotFoundError(f"The key of {ours.path} is no longer configured (file kid {ours.kid})")
    return key


def merge_documents(base: EnvDocument, ours: EnvDocument, theirs: EnvDocument) -> tuple[EnvDocument, list[str]]:
    """The three-way merge of three documents, and the names both sides changed differently (ours kept)."""
    # a byte order mark belongs to the file, not to the first line: whichever side added or removed it decides
    marks = [document.text.startswith(_BOM) for document in (base, ours, theirs)]
    if any(marks):
        base, ours, theirs = (EnvDocument.parse(document.text[1:] if mark else document.text)
                              for document, mark in zip((base, ours, theirs), marks))
        document, conflicts = merge_documents(base, ours, theirs)
        return (EnvDocument.parse(_BOM + document.text) if _pick(*marks) else document), conflicts
    units = [_units(document) for document in (base, ours, theirs)]
    bindings = [{unit.key: unit.entry for unit in version if unit.entry is not None} for version in units]
    shown = {unit.key[1] for version in units for unit in version if unit.entry is not None and not unit.hidden}
    conflicts: list[str] = []
    resolved: dict[tuple, Entry | None] = {}
    for key in dict.fromkeys(unit.key for unit in units[1] + units[2] + units[0] if unit.entry is not None):
        entry, conflict = _merge_binding(*(version.get(key) for version in bindings))
        resolved[key] = entry
        # a name is said only when some version shows it in clear (in git, that name is public already)
        name = key[1] if key[1] in shown else LAYOUT_CONFLICT
        if conflict and name not in conflicts:
            conflicts.append(name)
    order, layout_conflict = _merge_order(*units)
    present = set(order)
    for index, unit in enumerate(units[1]):  # a binding kept by a conflict that the order had dropped
        if unit.entry is not None and resolved[unit.key] is not None and unit not in present:
            earlier = [before for before in units[1][:index] if before in present]
            order.insert(order.index(earlier[-1]) + 1 if earlier else 0, unit)
            present.add(unit)
    if layout_conflict and LAYOUT_CONFLICT not in conflicts:
        conflicts.append(LAYOUT_CONFLICT)
    pieces: list[str] = []
    emitted = set()
    for unit in order:
        text = unit.text
        if unit.entry is not None:
            entry = resolved[unit.key]
            if entry is None or unit.key in emitted:  # a binding both sides moved can come twice
                continue
            emitted.add(unit.key)
            text = entry.text
        if pieces and not pieces[-1].endswith(("\n", "\r")):
            pieces[-1] += "\r\n" if "\r\n" in ours.text else "\n"
        pieces.append(text)
    try:
        # every piece is whole entries, so the merged text must read as the pieces do one by one
        expected = [(entry.name, entry.raw_value) for piece in pieces for entry in EnvDocument.parse(piece).bindings]
        document = EnvDocument.parse("".join(pieces))
    except EnvParseError:
        document = None
    if document is None or [(entry.name, entry.raw_value) for entry in document.bindings] != expected:
        # never expected: keep ours whole and say so
        return EnvDocument.parse(ours.text), conflicts + ([] if LAYOUT_CONFLICT in conflicts else [LAYOUT_CONFLICT])
    return document, conflicts


class _Unit:
    """A merge unit: a line of comments, blank lines or bindings kept in the layout (entry None), or a binding
    whose name is in clear, without the blank lines before it. Units are equal when their keys are: a line's text,
    a binding's name and occurrence."""

    __slots__ = ("key", "text", "entry", "hidden")

    def __init__(self, key: tuple, text: str, entry: Entry | None = None, *, hidden: bool = False) -> None:
        self.key, self.text, self.entry, self.hidden = key, text, entry, hidden

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unit) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def _units(document: EnvDocument) -> list[_Unit]:
    def line(text: str) -> _Unit:
        # keyed without its line end: a last line that gains one, or CRLF for LF, is no change of the line
        return _Unit(("text", text.rstrip("\r\n")), text)

    # a binding whose name the values format keeps inside the layout (its "name" may be a piece of a value, such as
    # a line of an unquoted PEM body) counts as layout: rewritten on both sides, it conflicts as layout, unnamed
    clear = {id(entry) for entry in names_in_clear(document)}
    units: list[_Unit] = []
    seen: Counter = Counter()
    for entry in document.entries:
        if entry.name is None:
            units.extend(map(line, _LINE.findall(entry.text)))
            continue
        blank = _BLANK_LINES.match(entry.lead).group(0)
        units.extend(map(line, _LINE.findall(blank)))
        seen[entry.name] += 1
        units.append(_Unit(("var", entry.name, seen[entry.name]), "", replace(entry, lead=entry.lead[len(blank):]),
                           hidden=id(entry) not in clear))
    return units


def _pick(base, ours, theirs):
    """A three-way choice of one thing that has no conflict of its own: a side's version where it changed it."""
    if ours is not None and ours != base:
        return ours
    if theirs is not None and theirs != base:
        return theirs
    return ours if ours is not None else base if base is not None else theirs


def _line_end(entry: Entry | None) -> str | None:
    return None if entry is None else entry.tail[len(entry.tail.rstrip("\r\n")):]


def _merge_binding(base: Entry | None, ours: Entry | None, theirs: Entry | None) -> tuple[Entry | None, bool]:
    """One binding's three versions: (the merged binding or None when removed, whether both sides conflict). A
    line end is no change of its own: the last line of a file gains one when a side appends after it."""
    entry, conflict = _merge_line(*(None if version is None else replace(version, tail=version.tail.rstrip("\r\n"))
                                    for version in (base, ours, theirs)))
    if entry is None:
        return None, conflict
    return replace(entry, tail=entry.tail + (_pick(*map(_line_end, (base, ours, theirs))) or "")), conflict


def _merge_line(base: Entry | None, ours: Entry | None, theirs: Entry | None) -> tuple[Entry | None, bool]:
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    if ours is None or theirs is None:
        return ours, True  # changed on one side, removed on the other
    merged = []
    for part in (lambda entry: entry.raw_value, lambda entry: (entry.lead, entry.tail)):
        old = part(base) if base is not None else _ABSENT
        mine, other = part(ours), part(theirs)
        if mine == other or other == old:
            merged.append((mine, ours))
        elif mine == old:
            merged.append((other, theirs))
        else:
            return ours, True
    (value, value_from), ((lead, tail), layout_from) = merged
    if (value_from.raw_value is None) != (layout_from.raw_value is None):
        return ours, True  # a binding that gained or lost its '=' on one side and changed layout on the other
    return Entry(lead=lead, name=ours.name, raw_value=value, tail=tail), False


def _merge_order(base: list, ours: list, theirs: list) -> tuple[list, bool]:
    """diff3 over unit keys: the units both sides keep in place anchor the merge; between anchors, a side that
    changed nothing takes the other's units. Returns the order and whether comments conflict."""
    in_ours, in_theirs = _matches(base, ours), _matches(base, theirs)
    anchors = [index for index in range(len(base)) if index in in_ours and index in in_theirs]
    in_ours[len(base)], in_theirs[len(base)] = len(ours), len(theirs)
    order: list = []
    conflict = False
    start_base = start_ours = start_theirs = 0
    for anchor in anchors + [len(base)]:
        chunk, clash = _merge_chunk(base[start_base:anchor], ours[start_ours:in_ours[anchor]],
                                    theirs[start_theirs:in_theirs[anchor]])
        order.extend(chunk)
        conflict = conflict or clash
        if anchor < len(base):
            # a line both sides keep; one side may have given it a line end it lacked
            kept = (ours[in_ours[anchor]], theirs[in_theirs[anchor]])
            order.append(next((unit for unit in kept if unit.text != base[anchor].text), base[anchor]))
        start_base, start_ours, start_theirs = anchor + 1, in_ours[anchor] + 1, in_theirs[anchor] + 1
    return order, conflict


def _matches(base: list, other: list) -> dict[int, int]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return {block.a + offset: block.b + offset for block in matcher.get_matching_blocks() for offset in range(block.size)}


def _merge_chunk(base: list, ours: list, theirs: list) -> tuple[list, bool]:
    """One stretch between anchors. Bindings removed by either side go, bindings added by either side come (a
    binding's own conflicts are decided by name); comment lines changed on both sides differently conflict."""
    if ours == base:
        return list(theirs), False
    if theirs in (base, ours):
        return list(ours), False
    if base:
        # comment lines that both sides wrote differently in one place conflict; lines that one side wrote, or that
        # either side removed, merge (into an empty stretch, both sides' lines come in, ours first)
        written = [_lines_of(version) - _lines_of(base) for version in (ours, theirs)]
        if written[0] and written[1] and written[0] != written[1]:
            return list(ours), True
    gone = Counter(base) - Counter(theirs)
    merged = []
    for unit in ours:
        if gone[unit] > 0:
            gone[unit] -= 1
        else:
            merged.append(unit)
    added = Counter(theirs) - Counter(base) - (Counter(ours) - Counter(base))
    for index, unit in enumerate(theirs):
        if added[unit] <= 0:
            continue
        added[unit] -= 1
        # after the last unit of the merge that comes before it on their side, else at the end
        earlier = [before for before in theirs[:index] if before in merged]
        merged.insert(len(merged) - merged[::-1].index(earlier[-1]) if earlier else len(merged), unit)
    return merged, False


def _lines_of(units: list) -> Counter:
    return Counter(unit for unit in units if unit.entry is None or unit.hidden)


def describe(data: bytes, rings: KeyRings | None, *, path: str) -> str:
    """A view of an encrypted file for git diff: one line per variable whose name is in clear, then one for the
    rest (comments, blank lines, the variables kept inside the layout). With a key, each carries a marker of its
    line: a truncated HMAC keyed from the primary key of the ring that opens the file, so the same line shows the
    same marker in every version that ring opens (across a rotation too, when the ring holds both keys), and
    without the key a marker can be neither reversed nor tested against a guess. Without a key, each carries a
    digest of its token instead (public: the token is in the file). Never a value, never a character of one."""
    try:
        info = EncryptedEnv.parse(data, path=path)
        info.check_shape()
    except NotEncryptedError:
        return f"# {path}: not an encrypted .env file (its content is not shown)\n"
    except ChecksumMismatchError as exc:
        return f"# {exc}\n"
    kid = f"kid {info.kid}" if info.kid else "a bare Fernet token"
    try:
        if rings is None:
            raise KeyNotFoundError("no key")
        ring = rings.for_opening(info.kid)
        opened = info.decrypt(ring)
        document = opened.document
    except NO_KEY_ERRORS:
        return _describe_without_key(info, kid)
    except FernetDotenvError as exc:  # damaged, or no cryptography library here: say why; the names still show
        return f"# {exc}\n" + _describe_without_key(info, kid)
    marker_key = hmac.new(ring.primary.raw, _MARKER_CONTEXT, hashlib.sha256).digest()

    def marker(text: str) -> str:
        return hmac.new(marker_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:10]

    shown = {id(entry) for entry in names_in_clear(document)}
    lines = [f"# fernet.dotenv {opened.format} file, {'written by ' if info.kid else ''}{kid}"]
    layout: list[str] = []
    for entry in document.entries:
        if id(entry) in shown:
            # blank lines before a binding belong to the layout; export, quotes and an inline comment to the line
            blank = _BLANK_LINES.match(entry.lead).group(0)
            layout.append(blank)
            lines.append(f"{entry.name}  [{marker(chr(0).join((entry.lead[len(blank):], entry.raw_value or '', entry.tail)))}]")
        else:
            layout.append(entry.text)
    lines.append(f"# comments and layout [{marker(''.join(layout))}]")
    return "".join(f"{line}\n" for line in lines)


def _describe_without_key(info: EncryptedEnv, kid: str) -> str:
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode("ascii")).hexdigest()[:10]

    if info.format != "values":
        return (f"# fernet.dotenv {info.format} file, {kid} (no key for it here; its names are encrypted too)\n"
                f"[token {digest(info.lines[-1])}]\n")
    lines = [f"# fernet.dotenv values file, written by {kid} (no key for it here: names and tokens only)"]
    for line in info.lines[1:-2]:
        name, _sep, token = line.partition("=")
        lines.append(f"{name}  [token {digest(token)}]" if token else name)
    lines.append(f"# comments and layout [token {digest(info.lines[-2].partition('=')[2])}]")
    return "".join(f"{line}\n" for line in lines)


@dataclass
class Verdict:
    """What the guard says of one staged encrypted file: a problem (None when it may be committed), and whether a
    key verified it (else only its shape was checked)."""

    problem: str | None
    verified: bool = False
    variables: int = 0


def check_encrypted(data: bytes, rings: KeyRings | None, *, path: str) -> Verdict:
    """A staged *.env.encrypted: well-formed, and with a key for its kid, intact (MAC and every token)."""
    try:
        info = EncryptedEnv.parse(data, path=path)
        info.check_shape()
    except NotEncryptedError:
        return Verdict(f"{path} is not an encrypted .env file (a plaintext file, or a conflict left unresolved?)")
    except ChecksumMismatchError as exc:
        return Verdict(str(exc))
    if rings is None:
        return Verdict(None)
    try:
        ring = rings.for_opening(info.kid)
        if info.kid is not None and ring.find(info.kid) is None:
            return Verdict(None)  # another environment's file: this clone cannot verify it, and that is no fault
        variables = len(info.decrypt(ring).document.names)
    except NO_KEY_ERRORS:
        return Verdict(None)
    except (ChecksumMismatchError, EnvParseError) as exc:
        return Verdict(str(exc))
    return Verdict(None, verified=True, variables=variables)


class PathPatterns:
    """gitignore-style patterns: a pattern without '/' matches a file name at any depth, one with '/' a path from
    the repository root ('**' for any directories), a trailing '/' a directory; '!' re-includes; the last pattern
    that matches decides."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.rules: list[tuple[bool, bool, bool, re.Pattern[str]]] = []
        for pattern in patterns:
            pattern = pattern.strip()
            if not pattern or pattern.startswith("#"):
                continue
            negate = pattern.startswith("!")
            pattern = pattern[1:] if negate else pattern
            directory = pattern.endswith("/")
            pattern = pattern.rstrip("/")
            anchored = "/" in pattern
            self.rules.append((negate, directory, anchored, re.compile(_glob(pattern.lstrip("/")))))

    def matches(self, path: str) -> bool:
        """Whether a path from the repository root is matched (itself, or a directory above it)."""
        parts = path.strip("/").split("/")
        decided = False
        for negate, directory, anchored, regex in self.rules:
            ends = range(1, len(parts) if directory else len(parts) + 1)
            candidates = ("/".join(parts[:end]) if anchored else parts[end - 1] for end in ends)
            if any(regex.fullmatch(candidate) for candidate in candidates):
                decided = not negate
        return decided


def _glob(pattern: str) -> str:
    """A gitignore glob as a regular expression: '*' and '?' stay within a path segment, '**' crosses them."""
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        elif pattern[index] == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                out.append(re.escape("["))
                index += 1
            else:
                out.append(fnmatch.translate(pattern[index:end + 1])[4:-3])
                index = end + 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return "".join(out)


def is_encrypted_name(path: str) -> bool:
    return path.rsplit("/", 1)[-1].endswith(ENCRYPTED_SUFFIX)
