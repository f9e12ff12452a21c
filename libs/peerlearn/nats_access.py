"""Who may do what on NATS: one user per service, an operator, and the server config that says so.

Each service connects as its own user. It may publish only its own subjects, the dead letters
of the streams it consumes and the JetStream API calls its :class:`~peerlearn.bus.Bus` makes;
it may subscribe only to reply inboxes (pull consumers deliver there) and to those of its own
subjects it fans out live to every replica (:attr:`NatsUser.listens`). A forged
``profiles.person.upserted`` from the forum's credentials is refused by the server, and the
forum cannot read a stream it does not consume. The ``operator`` user is for the CLI commands
that read and replay streams (``peerlearn deadletters``).

:data:`USERS` is the table: a new service that speaks NATS adds one entry; a service without
NATS (the web app) has none. :func:`server_config` renders the ``accounts`` block that both the
embedded server of ``peerlearn up`` and ``deploy/nats/cluster.conf`` use, so the permissions
are written once.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import msgspec

from peerlearn import events

API = "$JS.API"
# Streams of personal data that no user but their consumer reads and their producer writes.
PRIVATE = ("CONTACTS",)
ACCOUNT = "PEERLEARN"
OPERATOR = "operator"


class NatsUser(msgspec.Struct, frozen=True, kw_only=True):
    """What one service does on NATS: the stream it owns, the durable consumers it runs."""

    name: str
    # The stream of the service's own events (its subjects are the stream's subjects); empty for
    # a service that only consumes (notify).
    owns: str = ""
    # Further streams it alone writes (profiles: CONTACTS, the addresses only notify reads).
    also_owns: tuple[str, ...] = ()
    # Streams the service runs a durable consumer on, named ``<service>-<stream>`` as
    # peerlearn.consuming names them.
    consumes: tuple[str, ...] = ()
    # Streams read from the start by short-lived (ephemeral) consumers, e.g. a rebuild.
    replays: tuple[str, ...] = ()
    # Its own subjects every replica hears as they are published (plain NATS, at most once),
    # e.g. the matcher's fresh lists for the live streams open on each replica.
    listens: tuple[str, ...] = ()


USERS: dict[str, NatsUser] = {
    "profiles": NatsUser(name="profiles", owns="PROFILES", also_owns=("CONTACTS",)),
    "forum": NatsUser(name="forum", owns="FORUM", consumes=("PROFILES", "MATCHER")),
    "matcher": NatsUser(
        name="matcher",
        owns="MATCHER",
        consumes=("PROFILES", "FORUM"),
        # `peerlearn matcher rebuild` replays these with the matcher's settings.
        replays=("PROFILES", "FORUM", "MATCHER"),
        listens=(events.SUGGESTIONS_UPDATED,),
    ),
    # Notify publishes nothing; it alone reads CONTACTS (the addresses it mails).
    "notify": NatsUser(name="notify", consumes=("PROFILES", "FORUM", "MATCHER", "CONTACTS")),
    # Insights publishes nothing; it keeps learning records and the learning network.
    "insights": NatsUser(name="insights", consumes=("PROFILES", "FORUM", "MATCHER")),
}


class Permissions(msgspec.Struct, frozen=True):
    """Subjects a user may publish to and subscribe to (NATS ``allow`` lists)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def managed_streams(service: str) -> tuple[str, ...] | None:
    """The streams a service creates and updates at start; None (all) for one not in the table."""
    user = USERS.get(service)
    return None if user is None else (*_owned(user), events.DEADLETTER_STREAM)


def _owned(user: NatsUser) -> tuple[str, ...]:
    return tuple(stream for stream in (user.owns, *user.also_owns) if stream)


def _consumer_calls(stream: str, consumer: str) -> list[str]:
    # nats-py looks a durable up (INFO), creates it by name (with its filter subject appended
    # when it has exactly one), and pulls with MSG.NEXT; acks go to $JS.ACK.<stream>.<consumer>.
    return [
        f"{API}.CONSUMER.INFO.{stream}.{consumer}",
        f"{API}.CONSUMER.CREATE.{stream}.{consumer}",
        f"{API}.CONSUMER.CREATE.{stream}.{consumer}.>",
        f"{API}.CONSUMER.DURABLE.CREATE.{stream}.{consumer}",
        f"{API}.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]


def durable_name(service: str, stream: str) -> str:
    """The durable consumer ``service`` runs on ``stream`` (``forum-profiles``)."""
    return f"{service}-{stream.lower()}"


def permissions_of(user: NatsUser) -> Permissions:
    """The exact allow lists of a service's user, derived from what its bus and consumers do."""
    owned = _owned(user)
    publish = [subject for stream in owned for subject in events.STREAMS[stream]]
    publish += [events.deadletter_subject(stream) for stream in user.consumes]
    publish.append(f"{API}.INFO")
    for stream in (*owned, events.DEADLETTER_STREAM):
        publish += [f"{API}.STREAM.{call}.{stream}" for call in ("INFO", "CREATE", "UPDATE")]
        if stream in events.KEEP_PER_SUBJECT:  # purges what was published before keyed subjects
            publish.append(f"{API}.STREAM.PURGE.{stream}")
    for stream in user.consumes:
        publish.append(f"{API}.STREAM.INFO.{stream}")
        publish += _consumer_calls(stream, durable_name(user.name, stream))
    for stream in user.replays:
        publish += [f"{API}.STREAM.INFO.{stream}", f"{API}.CONSUMER.CREATE.{stream}"]
        publish += _consumer_calls(stream, "*")
    return Permissions(publish=tuple(dict.fromkeys(publish)), subscribe=("_INBOX.>", *user.listens))


def operator_permissions() -> Permissions:
    """The operator reads every stream and replays dead letters onto their original subjects.

    Not onto CONTACTS: only profiles may say what a person's address is, and only notify reads
    it (DESIGN §2).
    """
    subjects = [
        subject
        for stream, patterns in events.STREAMS.items()
        if stream not in PRIVATE
        for subject in patterns
    ]
    return Permissions(
        publish=(f"{API}.>", "$JS.ACK.>", *subjects, f"{events.DEADLETTER_PREFIX}.>"),
        subscribe=("_INBOX.>",),
    )


def all_permissions() -> dict[str, Permissions]:
    """Every NATS user's permissions: the services of :data:`USERS`, then the operator."""
    table = {name: permissions_of(user) for name, user in USERS.items()}
    table[OPERATOR] = operator_permissions()
    return table


def redacted(url: str) -> str:
    """``url`` with any password replaced (``nats://forum:***@host:4222``), for messages."""
    return re.sub(r"(://[^:/@,]*):[^@,]*@", r"\1:***@", url)


def password_variable(user: str) -> str:
    """The environment variable that holds ``user``'s password (settings and cluster config)."""
    return f"PEERLEARN_{user.upper()}_NATS_PASSWORD"


def _quoted(items: tuple[str, ...], indent: str) -> str:
    inner = ",\n".join(f"{indent}  {json.dumps(item)}" for item in items)
    return f"[\n{inner}\n{indent}]"


def accounts_block(passwords: Mapping[str, str] | None = None) -> str:
    """The ``accounts`` config: one account with JetStream and every user with its permissions.

    With ``passwords`` each user's password is written in; without, the config names the
    environment variable the server reads it from (``$PEERLEARN_FORUM_NATS_PASSWORD``).
    """
    lines = ["accounts {", f"  {ACCOUNT}: {{", "    jetstream: enabled", "    users: ["]
    for user, permissions in all_permissions().items():
        password = json.dumps(passwords[user]) if passwords is not None else f"${password_variable(user)}"
        lines += [
            "      {",
            f"        user: {json.dumps(user)}",
            f"        password: {password}",
            "        permissions: {",
            f"          publish: {{ allow: {_quoted(permissions.publish, ' ' * 10)} }}",
            f"          subscribe: {{ allow: {_quoted(permissions.subscribe, ' ' * 10)} }}",
            "        }",
            "      }",
        ]
    lines += ["    ]", "  }", "}"]
    return "\n".join(lines) + "\n"


def deploy_accounts() -> str:
    """``deploy/nats/accounts.conf``: the users of a deployment, passwords read from the environment."""
    header = (
        "# Generated from peerlearn.nats_access by `peerlearn nats-accounts`; do not edit by hand\n"
        "# (a test fails when it differs from the table). Each password comes from the server's\n"
        "# environment: PEERLEARN_<USER>_NATS_PASSWORD.\n"
    )
    return header + accounts_block()


def server_config(port: int, store_dir: Path, passwords: Mapping[str, str], *, monitor_port: int = 0) -> str:
    """The embedded server's config: loopback only, JetStream, every user; monitoring when asked."""
    lines = [
        "# Generated by `peerlearn up` at every start from nats/credentials.json; edits are lost.",
        f"listen: {json.dumps(f'127.0.0.1:{port}')}",
        f"jetstream {{ store_dir: {json.dumps(str(store_dir))} }}",
    ]
    if monitor_port:
        lines.append(f"http: {json.dumps(f'127.0.0.1:{monitor_port}')}")
    return "\n".join(lines) + "\n" + accounts_block(passwords)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, replacing it atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def new_password() -> str:
    """A random NATS password that survives nats-server's parsing of ``$VARIABLE`` references.

    The server parses a variable's value as a config value, not as a string: a leading ``-`` or
    digit starts a number, ``#`` and ``//`` start a comment, ``,`` and ``;`` end the value, and
    ``true``/``on`` are booleans (base64 and ``token_urlsafe`` hit these ~1 time in 60). A letter
    followed by hex digits is always one plain string: 192 random bits.
    """
    return "p" + secrets.token_hex(24)


def read_or_create_passwords(path: Path) -> dict[str, str]:
    """Every NATS user's password from ``path``; users missing there get one (and are saved)."""
    known: dict[str, str] = {}
    if path.exists():
        known = msgspec.json.decode(path.read_bytes(), type=dict[str, str])
    wanted = [*USERS, OPERATOR]
    missing = [user for user in wanted if not known.get(user)]
    for user in missing:
        known[user] = new_password()
    if missing or not path.exists():
        write_private(path, msgspec.json.format(msgspec.json.encode(known).decode()) + "\n")
    return known
