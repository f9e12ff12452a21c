"""The NATS permission table and what is derived from it: deploy/ never drifts from the code."""

from __future__ import annotations

from pathlib import Path

import yaml

from peerlearn import events, nats_access
from peerlearn.runner import SERVICES

DEPLOY = Path(__file__).parents[3] / "deploy"


def test_the_committed_accounts_config_is_the_tables() -> None:
    # Regenerate with: peerlearn nats-accounts > deploy/nats/accounts.conf
    assert (DEPLOY / "nats" / "accounts.conf").read_text() == nats_access.deploy_accounts()


def test_a_service_publishes_only_its_own_subjects_and_dead_letters() -> None:
    for name, user in nats_access.USERS.items():
        publish = nats_access.permissions_of(user).publish
        plain = [s for s in publish if not s.startswith("$")]
        owned = tuple(stream for stream in (user.owns, *user.also_owns) if stream)
        mine = [s for stream in owned for s in events.STREAMS[stream]]
        assert plain == [*mine, *(events.deadletter_subject(s) for s in user.consumes)]
        others = [s for stream, subjects in events.STREAMS.items() if stream not in owned for s in subjects]
        assert not set(others) & set(publish), name
        assert ">" not in publish and "$JS.API.>" not in publish
        assert nats_access.permissions_of(user).subscribe == ("_INBOX.>", *user.listens)
        for subject in user.listens:  # live, to its own subjects only
            assert any(subject == p or (p.endswith(">") and subject.startswith(p[:-1])) for p in mine), name


def test_every_deployment_logs_in_as_its_own_user() -> None:
    every = [
        doc
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / "peerlearn.yaml").read_text())
        if doc["kind"] == "Deployment"
    ]
    assert sorted(d["metadata"]["name"] for d in every) == sorted(SERVICES)  # every service is deployed
    # The web app uses no NATS (it calls the others over HTTP); every other service logs in.
    deployments = [d for d in every if d["metadata"]["name"] != "web"]
    web = {
        e["name"]
        for e in next(d for d in every if d["metadata"]["name"] == "web")["spec"]["template"]["spec"][
            "containers"
        ][0]["env"]
    }
    assert "PEERLEARN_NATS_USER" not in web
    for deployment in deployments:
        service = deployment["metadata"]["name"]
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["PEERLEARN_NATS_USER"]["value"] == service
        key = env["PEERLEARN_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"]
        assert key == nats_access.password_variable(service)
    assert sorted(d["metadata"]["name"] for d in deployments) == sorted(nats_access.USERS)
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in nats_access.USERS:
        env = compose["services"][service]["environment"]
        assert env["PEERLEARN_NATS_USER"] == service
        assert nats_access.password_variable(service) in env["PEERLEARN_NATS_PASSWORD"]


def test_the_embedded_server_listens_on_loopback_and_monitors_only_when_asked(tmp_path: Path) -> None:
    passwords = {user: f"pw-{user}" for user in [*nats_access.USERS, nats_access.OPERATOR]}
    quiet = nats_access.server_config(4222, tmp_path, passwords)
    assert 'listen: "127.0.0.1:4222"' in quiet
    assert "http" not in quiet.split("accounts {")[0]
    watched = nats_access.server_config(4222, tmp_path, passwords, monitor_port=8222)
    assert 'http: "127.0.0.1:8222"' in watched
    for user, password in passwords.items():
        assert f'user: "{user}"\n        password: "{password}"' in quiet


def test_only_profiles_writes_contacts_and_only_their_consumer_reads_them() -> None:
    table = nats_access.all_permissions()
    writers = [name for name, p in table.items() if "contacts.>" in p.publish]
    assert writers == ["profiles"]
    readers = [
        name
        for name, p in table.items()
        if any(".CONTACTS." in s or s.endswith(".CONTACTS") for s in p.publish if "CONSUMER" in s)
    ]
    assert readers == ["notify"], readers
    assert "$JS.API.STREAM.CREATE.CONTACTS" in table["profiles"].publish


def test_new_passwords_are_a_letter_then_hex_and_never_repeat() -> None:
    made = {nats_access.new_password() for _ in range(200)}
    assert len(made) == 200
    assert all(p[0] == "p" and len(p) == 49 and int(p[1:], 16) >= 0 for p in made)
