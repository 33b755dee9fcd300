from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from souk.settings import Secret, SettingsError, env, load, read_dotenv
from souk.stack.settings import StackSettings


@dataclass(frozen=True)
class Example:
    port: int = env("EX_PORT", 10)
    ratio: float = env("EX_RATIO", 0.5)
    enabled: bool = env("EX_ENABLED", False)
    name: str = env("EX_NAME", "souk")
    where: Path = env("EX_WHERE", Path("/tmp"))
    token: Secret | None = env("EX_TOKEN", None)


def test_defaults_when_unset():
    assert load(Example, {}) == Example()


def test_values_are_parsed_by_type():
    got = load(Example, {"EX_PORT": "42", "EX_RATIO": "1.5", "EX_ENABLED": "yes", "EX_NAME": "x", "EX_WHERE": "/data"})
    assert (got.port, got.ratio, got.enabled, got.name, got.where) == (42, 1.5, True, "x", Path("/data"))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EX_PORT", "ten", "EX_PORT='ten': expected an integer"),
        ("EX_RATIO", "half", "EX_RATIO='half': expected a number"),
        ("EX_ENABLED", "maybe", "EX_ENABLED='maybe': expected true or false"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_variable(variable, value, message):
    with pytest.raises(SettingsError) as excinfo:
        load(Example, {variable: value})
    assert str(excinfo.value) == message


def test_secret_never_shows_itself(tmp_path):
    got = load(Example, {"EX_TOKEN": "hunter2"})
    assert got.token is not None and got.token.reveal() == "hunter2"
    assert "hunter2" not in repr(got) and "hunter2" not in str(got.token)


def test_secret_from_file(tmp_path):
    (tmp_path / "token").write_text("from-file\n")
    got = load(Example, {"EX_TOKEN_FILE": str(tmp_path / "token")})
    assert got.token == Secret("from-file")


def test_secret_file_missing_is_one_line(tmp_path):
    with pytest.raises(SettingsError, match=r"^EX_TOKEN_FILE=.*: cannot read \(No such file or directory\)$"):
        load(Example, {"EX_TOKEN_FILE": str(tmp_path / "nope")})


def test_dotenv_parsing(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# comment\nexport A=1\nB='two words'\n\nC=\"3\"\n")
    assert read_dotenv(path) == {"A": "1", "B": "two words", "C": "3"}
    path.write_text("not a pair\n")
    with pytest.raises(SettingsError, match=r":1: expected KEY=VALUE"):
        read_dotenv(path)


def test_stack_settings_derive_addresses_from_bind_host(tmp_path):
    s = load(StackSettings, {"SOUK_BIND": "127.0.0.2", "KAFKA_PORT": "19092", "SOUK_HOME": str(tmp_path)})
    assert s.kafka_bootstrap == "127.0.0.2:19092"
    assert s.hdfs_url == "http://127.0.0.2:9870"
    assert s.mysql_host == "127.0.0.2"
    assert s.hdfs_rpc_url == "hdfs://127.0.0.2:8020"


def test_stack_settings_reject_bad_ports():
    with pytest.raises(SettingsError, match=r"^HDFS_NAMENODE_RPC_PORT=0: a port must be between 1 and 65535$"):
        load(StackSettings, {"HDFS_NAMENODE_RPC_PORT": "0"})


def test_mysql_password_missing_says_how_to_get_one(tmp_path):
    s = load(StackSettings, {"SOUK_HOME": str(tmp_path)})
    with pytest.raises(SettingsError, match="run `souk up mariadb`"):
        s.mysql_password()
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "mysql-password").write_text("pw\n")
    assert s.mysql_password().reveal() == "pw"


def test_settings_derived_while_loading_read_the_same_environment(monkeypatch):
    from souk.stack.settings import fill_stack_addresses

    @dataclass(frozen=True)
    class Service:
        kafka_bootstrap: str = env("KAFKA_BOOTSTRAP", "")

        def __post_init__(self) -> None:
            fill_stack_addresses(self, kafka_bootstrap="kafka_bootstrap")

    monkeypatch.setenv("KAFKA_PORT", "29092")
    assert load(Service, {"KAFKA_PORT": "19092"}).kafka_bootstrap == "127.0.0.1:19092"
    assert load(Service).kafka_bootstrap == "127.0.0.1:29092"
    assert load(Service, {"KAFKA_BOOTSTRAP": "h:1"}).kafka_bootstrap == "h:1"
