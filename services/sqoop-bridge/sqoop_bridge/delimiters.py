"""Sqoop's text format: delimiter arguments, `FieldFormatter.escapeAndEnclose`, and a record parser.

Writing follows Sqoop 1.4.7 exactly. Reading (for `export` and `--merge-key`) is a superset of
Sqoop's RecordParser: Sqoop's export splits the input on line ends first, so a newline inside an
enclosed or escaped field breaks the record there; this parser keeps it inside the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from sqoop_bridge.errors import UsageError

NUL = ""  # Sqoop's '\000': "not set"

_NAMED = {"b": "\b", "n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


def parse_delimiter(flag: str, text: str) -> str:
    """A delimiter argument as Sqoop's SqoopOptions.toChar reads it: 'c', '\\t', '\\0', '\\0ooo', '\\0xhh'."""
    if len(text) == 1:
        return text
    if not text:
        raise UsageError(f"{flag}: a delimiter cannot be empty")
    if text[0] != "\\":
        raise UsageError(f"{flag} {text!r}: a delimiter is one character or an escape such as '\\t' or '\\0x01'")
    body = text[1:]
    if body in _NAMED:
        return _NAMED[body]
    if body == "0":
        return NUL
    try:
        if body.startswith(("0x", "0X")):
            return chr(int(body[2:], 16))
        if body.startswith("0"):
            return chr(int(body[1:], 8))
    except ValueError:
        pass
    raise UsageError(f"{flag} {text!r}: unknown escape (use \\b \\n \\r \\t \\\" \\' \\\\ \\0 \\0ooo or \\0xhh)")


@dataclass(frozen=True)
class Delimiters:
    """Sqoop's DelimiterSet: fields, lines, enclosed-by (optional or required) and escaped-by."""

    fields: str = ","
    lines: str = "\n"
    enclosed_by: str = NUL
    escaped_by: str = NUL
    enclose_required: bool = False

    def __post_init__(self) -> None:
        if not self.fields or not self.lines:
            raise UsageError("fields and lines terminators cannot be '\\0'")
        if self.fields == self.lines:
            raise UsageError("--fields-terminated-by and --lines-terminated-by must differ")
        if self.escaped_by and self.escaped_by in (self.fields, self.lines, self.enclosed_by):
            raise UsageError("--escaped-by must differ from the other delimiters")

    def as_args(self) -> list[str]:
        args = ["--fields-terminated-by", show(self.fields), "--lines-terminated-by", show(self.lines)]
        if self.enclosed_by:
            args += ["--enclosed-by" if self.enclose_required else "--optionally-enclosed-by", show(self.enclosed_by)]
        if self.escaped_by:
            args += ["--escaped-by", show(self.escaped_by)]
        return args


MYSQL_DELIMITERS = Delimiters(",", "\n", "'", "\\", False)


def show(char: str) -> str:
    """A delimiter written back as an argument Sqoop would accept."""
    for name, value in _NAMED.items():
        if value == char and name not in "\"'":
            return "\\" + name
    if not char:
        return "\\0"
    if char.isprintable():
        return char
    return f"\\0x{ord(char):02x}"


def escape_and_enclose(text: str, d: Delimiters) -> str:
    """Sqoop 1.4.7's FieldFormatter.escapeAndEnclose, line for line."""
    escape, enclose = d.escaped_by, d.enclosed_by
    out = text.replace(escape, escape + escape) if escape else text
    if not enclose:
        if escape:
            out = out.replace(d.fields, escape + d.fields).replace(d.lines, escape + d.lines)
        return out
    if escape:
        out = out.replace(enclose, escape + enclose)
    if d.enclose_required or d.fields in text or d.lines in text:
        return enclose + out + enclose
    return out


def format_record(fields: Iterable[str], d: Delimiters) -> str:
    """One record: escaped/enclosed fields joined by the field delimiter, ended by the line delimiter."""
    if not d.escaped_by and not d.enclosed_by:
        return d.fields.join(fields) + d.lines
    return d.fields.join(escape_and_enclose(f, d) for f in fields) + d.lines


class RecordSyntaxError(ValueError):
    """A record that cannot be read with the given delimiters (e.g. an unterminated enclosed field)."""


def parse_records(text: str, d: Delimiters) -> Iterator[list[str]]:
    """The records of `text` as lists of field strings (escapes removed, enclosures stripped)."""
    if not d.escaped_by and not d.enclosed_by:
        body = text[: -len(d.lines)] if text.endswith(d.lines) else text
        if not body:
            return
        for line in body.split(d.lines):
            yield line.split(d.fields)
        return
    yield from _parse_slow(text, d)


def _parse_slow(text: str, d: Delimiters) -> Iterator[list[str]]:
    specials = [c for c in (d.fields, d.lines, d.enclosed_by, d.escaped_by) if c]
    token = re.compile("|".join(re.escape(c) for c in specials))
    fields: list[str] = []
    current: list[str] = []
    enclosed = False  # inside an enclosed field
    at_field_start = True
    was_enclosed = False
    pos, n = 0, len(text)
    while pos < n:
        m = token.search(text, pos)
        if m is None:
            current.append(text[pos:])
            at_field_start = False
            break
        if m.start() > pos:
            current.append(text[pos : m.start()])
            at_field_start = False
        c = m.group()
        pos = m.end()
        if c == d.escaped_by:
            if pos >= n:
                raise RecordSyntaxError("escape character at end of input")
            current.append(text[pos])
            pos += 1
            at_field_start = False
        elif enclosed:
            if c == d.enclosed_by:
                enclosed = False
            else:
                current.append(c)
        elif c == d.enclosed_by and at_field_start:
            enclosed = True
            was_enclosed = True
            at_field_start = False
        elif c == d.fields:
            fields.append("".join(current))
            current, at_field_start, was_enclosed = [], True, False
        elif c == d.lines:
            fields.append("".join(current))
            yield fields
            fields, current, at_field_start, was_enclosed = [], [], True, False
        else:
            current.append(c)
            at_field_start = False
    if enclosed:
        raise RecordSyntaxError("unterminated enclosed field at end of input")
    if current or fields or was_enclosed:
        fields.append("".join(current))
        yield fields


def with_input(output: Delimiters, **given: str | bool | None) -> Delimiters:
    """Export's input delimiters: each --input-* flag given, else the output flag (SqoopOptions.getInput*)."""
    changes = {k: v for k, v in given.items() if v is not None}
    return replace(output, **changes)  # type: ignore[arg-type]
