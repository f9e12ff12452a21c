"""Settings from the environment: per-service overrides and errors that name the variable."""

from __future__ import annotations

import pytest

from peerlearn.settings import ServiceSettings, SettingsError, load_settings


def test_defaults_give_a_sqlite_file_per_service_under_the_data_dir() -> None:
    settings = load_settings(ServiceSettings, "forum", {"PEERLEARN_DATA_DIR": "/tmp/pl"})
    assert settings.sqlalchemy_url == "sqlite+aiosqlite:////tmp/pl/forum.db"


def test_service_specific_variable_wins_over_the_shared_one() -> None:
    env = {"PEERLEARN_PORT": "9000", "PEERLEARN_FORUM_PORT": "9002"}
    assert load_settings(ServiceSettings, "forum", env).port == 9002
    assert load_settings(ServiceSettings, "profiles", env).port == 9000


def test_postgres_urls_get_the_async_driver() -> None:
    env = {"PEERLEARN_DATABASE_URL": "postgresql://u@db/peerlearn"}
    assert (
        load_settings(ServiceSettings, "forum", env).sqlalchemy_url == "postgresql+asyncpg://u@db/peerlearn"
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PEERLEARN_PORT": "eighty"}, "PEERLEARN_PORT"),
        ({"PEERLEARN_FORUM_PORT": "70000"}, "PEERLEARN_FORUM_PORT"),
        ({"PEERLEARN_NATS_URL": "localhost"}, "PEERLEARN_NATS_URL"),
        ({"PEERLEARN_MAX_BODY_BYTES": "10"}, "PEERLEARN_MAX_BODY_BYTES"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(ServiceSettings, "forum", env)
