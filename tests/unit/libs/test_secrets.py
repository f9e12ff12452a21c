"""Weak secrets stop start-up with the variable named; the test fixtures' and generated ones pass."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from peerlearn.runner import StartupError, start_system
from peerlearn.secret_policy import PLACEHOLDERS
from peerlearn.settings import ServiceSettings, SettingsError, load_settings
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET

WEAK = [
    "x",
    "change-me",
    "change-me-to-at-least-32-random-characters",  # the old manifest's placeholder (42 chars)
    "CHANGEME" + "q1w2e3r4t5" * 4,
    "a" * 64,
    "abab" * 16,
    "short-but-random-Zx81",
]


@pytest.mark.parametrize("variable", ["PEERLEARN_ADMIN_TOKEN", "PEERLEARN_JWT_SECRET"])
@pytest.mark.parametrize("value", WEAK)
def test_a_weak_secret_stops_a_service_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(ServiceSettings, "forum", {variable: value})
    assert str(refused.value).startswith(variable), refused.value
    if value not in PLACEHOLDERS:  # the message names the variable, never echoes the secret
        assert value not in str(refused.value)


def test_the_service_specific_variable_is_the_one_named() -> None:
    with pytest.raises(SettingsError, match=r"^PEERLEARN_FORUM_ADMIN_TOKEN"):
        load_settings(ServiceSettings, "forum", {"PEERLEARN_FORUM_ADMIN_TOKEN": "change-me"})


def test_fixture_and_generated_secrets_are_accepted() -> None:
    for admin, jwt in (
        (TEST_ADMIN_TOKEN, TEST_JWT_SECRET),
        (secrets.token_urlsafe(32), secrets.token_hex(32)),
    ):
        env = {"PEERLEARN_ADMIN_TOKEN": admin, "PEERLEARN_JWT_SECRET": jwt}
        settings = load_settings(ServiceSettings, "profiles", env)
        assert (settings.admin_token, settings.jwt_secret) == (admin, jwt)


@pytest.mark.parametrize("variable", ["PEERLEARN_ADMIN_TOKEN", "PEERLEARN_JWT_SECRET"])
def test_peerlearn_up_refuses_a_weak_secret_before_starting_anything(tmp_path: Path, variable: str) -> None:
    env = {"PEERLEARN_DATA_DIR": str(tmp_path / "var"), variable: "change-me"}
    with pytest.raises(StartupError, match=variable):
        start_system(env)
    assert not (tmp_path / "var" / "nats").exists()


def test_the_manifests_ship_no_secret_value() -> None:
    root = Path(__file__).parents[3] / "deploy"
    for path in [root / "k8s" / "peerlearn.yaml", root / "compose.yaml"]:
        text = path.read_text()
        assert "change-me" not in text, path
        for variable in ("PEERLEARN_ADMIN_TOKEN", "PEERLEARN_JWT_SECRET"):
            for line in text.splitlines():
                if line.strip().startswith(f"{variable}:"):
                    value = line.split(":", 1)[1].strip()
                    assert value.startswith("${") or not value, (path, line)


def test_trusted_proxies_are_checked() -> None:
    settings = load_settings(
        ServiceSettings, "forum", {"PEERLEARN_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"}
    )
    assert settings.trusted_proxies
    with pytest.raises(SettingsError, match=r"^PEERLEARN_TRUSTED_PROXIES.*'proxy\.local'"):
        load_settings(ServiceSettings, "forum", {"PEERLEARN_TRUSTED_PROXIES": "10.0.0.1,proxy.local"})


def test_nats_credential_files_must_exist(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pem")
    for variable in ("PEERLEARN_FORUM_NATS_TLS_CA", "PEERLEARN_FORUM_NATS_CREDS"):
        with pytest.raises(SettingsError, match=f"^{variable}: no file"):
            load_settings(ServiceSettings, "forum", {variable: missing})
    with pytest.raises(SettingsError, match=r"^PEERLEARN_NATS_PASSWORD: set PEERLEARN_NATS_USER"):
        load_settings(ServiceSettings, "forum", {"PEERLEARN_NATS_PASSWORD": "pw"})
