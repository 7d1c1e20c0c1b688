"""ConnectionSettings: flags over environment, a token only from env or file, https only."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli_options import connection_options
from reconciler.errors import ConfigError
from reconciler.settings import (
    DEFAULT_API_URL,
    ConnectionSettings,
    Secret,
    check_api_url,
)

TOKEN = "tok-settings-0123456789"


def test_environment_fills_what_flags_do_not_give() -> None:
    env = {"SEAMLESS_TOKEN": TOKEN, "SEAMLESS_TENANT": "contoso"}
    settings = ConnectionSettings.from_env(environ=env)
    assert settings.api_url == DEFAULT_API_URL
    assert settings.tenant == "contoso"
    assert settings.token.reveal() == TOKEN


def test_flags_win_over_environment(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n", encoding="utf-8")
    env = {
        "SEAMLESS_TOKEN": TOKEN,
        "SEAMLESS_TENANT": "contoso",
        "SEAMLESS_API_URL": "https://env.example",
    }
    settings = ConnectionSettings.from_env(
        api_url="https://flag.example/", tenant="fabrikam", token_file=str(token_file), environ=env
    )
    assert (settings.api_url, settings.tenant) == ("https://flag.example", "fabrikam")
    assert settings.token.reveal() == "from-file"


def test_missing_token_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match="SEAMLESS_TOKEN or pass --token-file"):
        ConnectionSettings.from_env(environ={})


def test_empty_token_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="empty"):
        ConnectionSettings.from_env(token_file=str(empty), environ={})


@pytest.mark.parametrize(
    "url",
    ["http://api.seamlesswork.com", "http://10.0.0.5:8443", "http://[2001:db8::1]/", "ftp://x"],
)
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        ConnectionSettings(api_url=url, token=Secret(TOKEN))


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8443", "http://127.1.2.3", "http://localhost:1", "http://[::1]:8443"],
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert check_api_url(url) == url


def test_secret_never_shows_itself() -> None:
    settings = ConnectionSettings(token=Secret(TOKEN))
    for shown in (repr(settings), str(settings), repr(settings.token), f"{settings.token}"):
        assert TOKEN not in shown
    assert "***" in repr(settings)


def test_connection_options_build_settings_for_a_command(tmp_path: Path) -> None:
    seen: list[ConnectionSettings] = []

    @click.command()
    @connection_options
    def command(connection: ConnectionSettings) -> None:
        seen.append(connection)

    token_file = tmp_path / "token"
    token_file.write_text(TOKEN, encoding="utf-8")
    result = CliRunner().invoke(
        command,
        ["--tenant", "contoso", "--token-file", str(token_file), "--method-override"],
        env={"SEAMLESS_API_URL": "http://127.0.0.1:9", "SEAMLESS_TOKEN": ""},
    )
    assert result.exit_code == 0, result.output
    assert seen[0].api_url == "http://127.0.0.1:9"
    assert seen[0].method_override is True
    assert seen[0].token.reveal() == TOKEN


def test_there_is_no_token_flag() -> None:
    @click.command()
    @connection_options
    def command(connection: ConnectionSettings) -> None:
        raise AssertionError("not reached")

    result = CliRunner().invoke(command, ["--token", TOKEN])
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_secret_survives_copies_but_not_pickling() -> None:
    settings = ConnectionSettings(token=Secret(TOKEN))
    assert copy.deepcopy(settings).token.reveal() == TOKEN
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(settings)
