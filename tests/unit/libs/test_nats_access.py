"""The NATS permission table and what is derived from it: deploy/ never drifts from the code."""

from __future__ import annotations

from pathlib import Path

import yaml

from peerlearn import events, nats_access

DEPLOY = Path(__file__).parents[3] / "deploy"


def test_the_committed_accounts_config_is_the_tables() -> None:
    # Regenerate with: peerlearn nats-accounts > deploy/nats/accounts.conf
    assert (DEPLOY / "nats" / "accounts.conf").read_text() == nats_access.deploy_accounts()


def test_a_service_publishes_only_its_own_subjects_and_dead_letters() -> None:
    for name, user in nats_access.USERS.items():
        publish = nats_access.permissions_of(user).publish
        plain = [s for s in publish if not s.startswith("$")]
        assert plain == [*events.STREAMS[user.owns], *(events.deadletter_subject(s) for s in user.consumes)]
        others = [s for stream, subjects in events.STREAMS.items() if stream != user.owns for s in subjects]
        assert not set(others) & set(publish), name
        assert ">" not in publish and "$JS.API.>" not in publish
        assert nats_access.permissions_of(user).subscribe == ("_INBOX.>",)


def test_every_deployment_logs_in_as_its_own_user() -> None:
    deployments = [
        doc
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / "peerlearn.yaml").read_text())
        if doc["kind"] == "Deployment"
    ]
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
