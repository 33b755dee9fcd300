"""The command line without servers: one-line errors, refused passwords and names, job argument handling."""

from __future__ import annotations

import pytest
from sqoop_bridge.cli import _without, format_table, main
from sqoop_bridge.connection import parse_connect
from sqoop_bridge.errors import UsageError
from sqoop_bridge.scheduler import parse_every


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "--table", "t", "--password", "s3cret"],
        ["import", "--password=s3cret", "--table", "t"],
        ["job", "--create", "j", "--", "import", "--password", "s3cret"],
    ],
)
def test_password_on_argv_is_refused_without_echoing_it(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and "--password-file" in err
    assert "s3cret" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "--table", "sales; DROP TABLE sales"],
        ["import", "--table", "sales", "--columns", "ORDERNUMBER,SALES FROM sales; --"],
        ["import", "--table", "sales", "--split-by", "id`) OR 1=1 -- "],
        ["import", "--table", "sales", "--incremental", "append", "--check-column", "id'"],
        ["import", "--table", "sales", "--incremental", "lastmodified", "--check-column", "t", "--merge-key", "id/**/OR"],
        ["export", "--table", "x`y", "--export-dir", "/tmp/x"],
        ["export", "--table", "t", "--export-dir", "/tmp/x", "--staging-table", "s;drop"],
        ["export", "--table", "t", "--export-dir", "/tmp/x", "--columns", "a,b)"],
        ["list-tables", "--connect", "jdbc:mysql://127.0.0.1:3306/souk`; DROP DATABASE souk"],
    ],
)
def test_injection_in_names_is_refused_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("sqoop-bridge: error: invalid ")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["import", "--query", "SELECT * FROM t", "--target-dir", "/x"], "$CONDITIONS"),
        (["import", "--query", "SELECT * FROM t WHERE $CONDITIONS"], "--target-dir"),
        (["import", "--table", "t", "--query", "SELECT 1 WHERE $CONDITIONS"], "together"),
        (["import", "--table", "t", "--as-avrodatafile"], "Avro"),
        (["import", "--table", "t", "--fields-terminated-by", "ab"], "delimiter"),
        (["import", "--table", "t", "-m", "0"], "num-mappers"),
        (["import", "--table", "t", "--nonsense"], "unrecognized"),
        (["import", "--table", "t", "--merge-key", "id"], "lastmodified"),
        (["frobnicate"], "invalid choice"),
        (["run-jobs", "--every", "soon"], "--every"),
        (["job"], "--create"),
        (["job", "--create", "bad name", "--", "import", "--table", "t"], "job name"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, err = _run(capsys, *argv)
    assert code == 2, err
    assert err.count("\n") == 1 and needle in err


def test_connect_urls() -> None:
    assert parse_connect("jdbc:mysql://db.example:3307/shop?useSSL=false") == ("db.example", 3307, "shop")
    assert parse_connect("jdbc:mariadb://h/shop") == ("h", 3306, "shop")
    with pytest.raises(UsageError):
        parse_connect("mysql://h/shop")
    with pytest.raises(UsageError):
        parse_connect("jdbc:mysql://h/")


def test_intervals_and_helpers() -> None:
    assert parse_every("5m") == 300 and parse_every("30s") == 30 and parse_every("1h") == 3600 and parse_every("90") == 90
    assert _without(["a", "--last-value", "3", "b", "--last-value=4"], "--last-value") == ["a", "b"]
    table = format_table(["id", "name"], [(1, "Mère"), (2, None)])
    assert "| 1  | Mère |" in table and "| 2  | NULL |" in table
