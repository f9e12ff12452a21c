"""Deployment passwords reach nats-server intact through ``$VARIABLE`` references in accounts.conf."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from peerlearn import nats_access
from peerlearn.cli import main
from peerlearn.embedded_nats import nats_server_binary

DEPLOY_ACCOUNTS = Path(__file__).parents[3] / "deploy" / "nats" / "accounts.conf"


def _check_config(tmp_path: Path, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "server.conf"
    # nats-server resolves an include beside the including file, as deploy/nats/cluster.conf does.
    (tmp_path / "accounts.conf").write_text(DEPLOY_ACCOUNTS.read_text())
    config.write_text('listen: "127.0.0.1:0"\ninclude "accounts.conf"\n')
    env = {**os.environ, **passwords}
    return subprocess.run(
        [nats_server_binary(), "-c", str(config), "-t"], env=env, capture_output=True, text=True, timeout=30
    )


def test_the_printed_passwords_make_a_valid_deployment_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Forty sets of five: with token_urlsafe about one set in ten has a password the server
    # cannot parse (a leading "-"), which is how the 3-node cluster test used to fail now and then.
    for _ in range(40):
        assert main(["nats-passwords"]) == 0
        lines = capsys.readouterr().out.splitlines()
        passwords = dict(line.split("=", 1) for line in lines)
        assert sorted(passwords) == sorted(
            nats_access.password_variable(user) for user in [*nats_access.USERS, nats_access.OPERATOR]
        )
        checked = _check_config(tmp_path, passwords)
        assert checked.returncode == 0, checked.stderr


def test_a_password_the_server_would_misread_is_why_they_are_hex(tmp_path: Path) -> None:
    passwords = {nats_access.password_variable(u): nats_access.new_password() for u in nats_access.USERS}
    passwords[nats_access.password_variable(nats_access.OPERATOR)] = "-Zk3v_base64url-looking"
    checked = _check_config(tmp_path, passwords)
    assert checked.returncode != 0
    assert "PEERLEARN_OPERATOR_NATS_PASSWORD" in checked.stderr
