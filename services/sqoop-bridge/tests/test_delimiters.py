"""Sqoop's text format: delimiter arguments, escapeAndEnclose, and reading records back."""

from __future__ import annotations

import random

import pytest
from sqoop_bridge.delimiters import (
    MYSQL_DELIMITERS,
    NUL,
    Delimiters,
    RecordSyntaxError,
    escape_and_enclose,
    format_record,
    parse_delimiter,
    parse_records,
)
from sqoop_bridge.errors import UsageError


@pytest.mark.parametrize(
    ("text", "char"),
    [
        (",", ","),
        ("\\t", "\t"),
        ("\\n", "\n"),
        ("\\0", NUL),
        ("\\001", "\x01"),
        ("\\0x1f", "\x1f"),
        ("\\\\", "\\"),
        ("\\'", "'"),
        ("|", "|"),
    ],
)
def test_delimiter_arguments_read_as_sqoop_does(text: str, char: str) -> None:
    assert parse_delimiter("--fields-terminated-by", text) == char


@pytest.mark.parametrize("text", ["", "ab", "\\q", "\\0xzz"])
def test_bad_delimiter_arguments_are_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_delimiter("--fields-terminated-by", text)


def test_default_delimiters_write_values_raw_as_sqoop() -> None:
    d = Delimiters()
    assert escape_and_enclose('a,"b"\n', d) == 'a,"b"\n'
    assert format_record(["1", "x,y", "null"], d) == "1,x,y,null\n"


def test_escape_without_enclosure_escapes_delimiters_and_itself() -> None:
    d = Delimiters(escaped_by="\\")
    assert escape_and_enclose("a,b\\c\nd", d) == "a\\,b\\\\c\\\nd"


def test_optional_enclosure_only_when_a_delimiter_occurs() -> None:
    d = MYSQL_DELIMITERS
    assert escape_and_enclose("plain", d) == "plain"
    assert escape_and_enclose("O'Brien", d) == "O\\'Brien"
    assert escape_and_enclose("a,b", d) == "'a,b'"
    assert escape_and_enclose("it's, ok", d) == "'it\\'s, ok'"


def test_required_enclosure_encloses_every_field() -> None:
    d = Delimiters(enclosed_by='"', escaped_by="\\", enclose_required=True)
    assert format_record(["1", 'say "hi"'], d) == '"1","say \\"hi\\""\n'


def test_enclosure_without_escape_cannot_escape_the_encloser() -> None:
    d = Delimiters(enclosed_by='"', enclose_required=False)
    assert escape_and_enclose("a,b", d) == '"a,b"'


NASTY = [
    "",
    "plain",
    "a,b",
    'q"uote',
    "it's",
    "back\\slash",
    "new\nline",
    "tab\there",
    "Mère de Famille, Lyon",
    "\\",
    ",",
    "\n",
    '"',
    "null",
]

DELIMITER_SETS = [
    Delimiters(escaped_by="\\"),
    MYSQL_DELIMITERS,
    Delimiters(enclosed_by='"', escaped_by="\\", enclose_required=True),
    Delimiters(fields="\t", lines="\n", escaped_by="\\"),
    Delimiters(fields="\x01", lines="\n", escaped_by="\\", enclosed_by='"'),
    Delimiters(fields="|", lines="\r", enclosed_by="'", escaped_by="#"),
]


@pytest.mark.parametrize("d", DELIMITER_SETS, ids=[repr(d.as_args()) for d in DELIMITER_SETS])
def test_any_text_survives_a_write_and_read_with_an_escape_character(d: Delimiters) -> None:
    rng = random.Random(7)
    records = [[rng.choice(NASTY) + rng.choice(NASTY) for _ in range(4)] for _ in range(300)]
    text = "".join(format_record(r, d) for r in records)
    assert list(parse_records(text, d)) == records


def test_plain_records_split_on_delimiters() -> None:
    assert list(parse_records("1,a,\n2,,b\n", Delimiters())) == [["1", "a", ""], ["2", "", "b"]]
    assert list(parse_records("", Delimiters())) == []
    assert list(parse_records("1,a", Delimiters())) == [["1", "a"]]


def test_unterminated_enclosure_is_an_error() -> None:
    with pytest.raises(RecordSyntaxError):
        list(parse_records("1,'abc\n", MYSQL_DELIMITERS))


def test_conflicting_delimiters_are_refused() -> None:
    with pytest.raises(UsageError):
        Delimiters(fields=",", lines=",")
    with pytest.raises(UsageError):
        Delimiters(fields=",", escaped_by=",")
