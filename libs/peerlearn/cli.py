"""The ``peerlearn`` command: ``up``, ``serve``, ``migrate``, and the services' own commands.

Each service may add commands (``peerlearn demo``, ``peerlearn import-people``,
``peerlearn eval``…) by exposing ``register(subparsers)`` in ``peerlearn_<service>.commands``;
they are found here, so this module never imports a service's internals.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from peerlearn.runner import SERVICES, StartupError, describe, run_until_signalled, start_system

if TYPE_CHECKING:
    from peerlearn.bus import NatsCredentials

# Demo steps, in order: each module has ``async def load_demo(ctx)``.
DEMO_STEPS = ("peerlearn_profiles.demo", "peerlearn_forum.demo", "peerlearn_matcher.demo")


def _cmd_up(args: argparse.Namespace) -> int:
    os.umask(0o077)  # secrets, logs, SQLite files and the NATS store: owner-only
    try:
        system = start_system(lrs=args.lrs)
    except StartupError as exc:
        print(f"peerlearn up: {exc}", file=sys.stderr)
        return 1
    print(describe(system), flush=True)
    if args.demo:
        try:
            run_demo(system.urls, system.admin_token)
        except Exception as exc:
            print(f"peerlearn up --demo: the demo data failed to load: {exc}", file=sys.stderr)
            system.stop()
            return 1
    return run_until_signalled(system)


def run_demo(urls: dict[str, str], admin_token: str) -> None:
    """Load every service's demo data through the public APIs."""
    from peerlearn.demo import DemoContext

    ctx = DemoContext(urls=urls, admin_token=admin_token)
    steps = [step for step in DEMO_STEPS if importlib.util.find_spec(step) is not None]
    if not steps:
        print("peerlearn: no demo data set is installed yet", file=sys.stderr)
        return
    for number, step in enumerate(steps, 1):
        module = importlib.import_module(step)
        service = step.removeprefix("peerlearn_").removesuffix(".demo")
        print(f"demo: step {number}/{len(steps)}, {service}…", flush=True)
        began = time.monotonic()
        asyncio.run(module.load_demo(ctx))
        print(f"demo: {service} done in {time.monotonic() - began:.0f} s", flush=True)
    ctx.print_summary()
    for step in steps:  # what lasts only minutes (sign-in links) is made and printed last
        finish = getattr(importlib.import_module(step), "finish_demo", None)
        if finish is not None:
            asyncio.run(finish(ctx))


def _cmd_demo(args: argparse.Namespace) -> int:
    admin = args.admin_token or os.environ.get("PEERLEARN_ADMIN_TOKEN")
    if not admin:
        path = os.path.join(os.environ.get("PEERLEARN_DATA_DIR", "./var"), "admin-token")
        if not os.path.exists(path):
            print(
                f"peerlearn demo: no admin token (give --admin-token or run `peerlearn up` first: {path})",
                file=sys.stderr,
            )
            return 1
        admin = Path(path).read_text().strip()
    urls = {name: getattr(args, f"{name}_url") for name in SERVICES}
    run_demo(urls, admin)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from peerlearn.trusted_proxies import uvicorn_options

    os.umask(0o077)  # its SQLite file and anything else it writes: owner-only
    settings_module = importlib.import_module(f"peerlearn_{args.service}.settings")
    try:
        settings = settings_module.load()
    except ValueError as exc:
        print(f"peerlearn serve {args.service}: {exc}", file=sys.stderr)
        return 2
    app_module = importlib.import_module(f"peerlearn_{args.service}.app")
    app = app_module.create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        # X-Forwarded-For only from PEERLEARN_TRUSTED_PROXIES (uvicorn trusts loopback by default).
        **uvicorn_options(settings.trusted_proxies),
    )
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from peerlearn.store import Database

    unknown = sorted(set(args.services) - set(SERVICES))
    if unknown:
        print(f"peerlearn migrate: unknown service {', '.join(unknown)}", file=sys.stderr)
        return 2
    for service in args.services or list(SERVICES):
        app_module = importlib.import_module(f"peerlearn_{service}.app")
        if not hasattr(app_module, "MIGRATIONS"):
            continue  # a service without a database of its own (web)
        settings = importlib.import_module(f"peerlearn_{service}.settings").load()
        migrations = app_module.MIGRATIONS

        async def _migrate(
            url: str = settings.sqlalchemy_url, schema: str = service, folder: Path = migrations
        ) -> None:
            database = Database(url, schema=schema)
            try:
                await database.migrate(folder)
            finally:
                await database.dispose()

        asyncio.run(_migrate())
        print(f"{service}: migrated")
    return 0


def operator_credentials(env: dict[str, str] | None = None) -> NatsCredentials:
    """The NATS ``operator`` of stream-reading commands: ``PEERLEARN_OPERATOR_NATS_*`` (or
    ``PEERLEARN_NATS_*``) settings, else the embedded server's in ``<data dir>/nats/credentials.json``."""
    from peerlearn import nats_access
    from peerlearn.bus import NatsCredentials
    from peerlearn.settings import ServiceSettings, load_settings

    settings = load_settings(ServiceSettings, nats_access.OPERATOR, env)
    credentials = NatsCredentials.of(settings)
    stored = Path(settings.data_dir) / "nats" / "credentials.json"
    if credentials.present or not stored.exists():
        return credentials
    passwords = nats_access.read_or_create_passwords(stored)
    return NatsCredentials(
        user=nats_access.OPERATOR, password=passwords[nats_access.OPERATOR], tls_ca=settings.nats_tls_ca
    )


def _cmd_deadletters(args: argparse.Namespace) -> int:
    from peerlearn import deadletters
    from peerlearn.bus import Bus, BusUnavailable
    from peerlearn.settings import SettingsError

    url = args.nats_url or os.environ.get("PEERLEARN_NATS_URL", "")
    if not url:
        print(
            "peerlearn deadletters: give --nats-url or set PEERLEARN_NATS_URL (`peerlearn up` prints it)",
            file=sys.stderr,
        )
        return 2

    try:
        credentials = operator_credentials()
    except SettingsError as exc:
        print(f"peerlearn deadletters: {exc}", file=sys.stderr)
        return 2

    async def _run() -> int:
        bus = Bus(url, name="peerlearn-operator", credentials=credentials)
        try:
            await bus.connect(timeout=5)
            letters = await deadletters.list_dead_letters(bus, args.stream)
            for letter in letters:
                print(deadletters.describe(letter))
            if args.replay:
                for letter in letters:
                    await deadletters.replay(bus, letter)
                print(f"replayed {len(letters)} message(s)")
            elif not letters:
                print("no dead letters")
            return 0
        except BusUnavailable as exc:
            print(f"peerlearn deadletters: {exc}", file=sys.stderr)
            return 1
        finally:
            await bus.close()

    return asyncio.run(_run())


def _cmd_nats_accounts(_args: argparse.Namespace) -> int:
    from peerlearn.nats_access import deploy_accounts

    print(deploy_accounts(), end="")
    return 0


def _cmd_nats_passwords(_args: argparse.Namespace) -> int:
    from peerlearn.nats_access import OPERATOR, USERS, new_password, password_variable

    for user in [*USERS, OPERATOR]:
        print(f"{password_variable(user)}={new_password()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peerlearn", description="peer learning across organisations")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start NATS and the three services; Ctrl-C stops them")
    up.add_argument("--demo", action="store_true", help="load the demo data set once the system is ready")
    up.add_argument(
        "--lrs",
        action="store_true",
        help="start a Ralph learning record store (make lrs) and send insights' xAPI statements to it",
    )
    up.set_defaults(func=_cmd_up)

    serve = sub.add_parser("serve", help="run one service in this process")
    serve.add_argument("service", choices=list(SERVICES))
    serve.set_defaults(func=_cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations (services do it at start too)")
    migrate.add_argument(
        "services", nargs="*", metavar="SERVICE", help=", ".join(SERVICES) + " (default: all)"
    )
    migrate.set_defaults(func=_cmd_migrate)

    demo = sub.add_parser("demo", help="load the demo data set into a running system")
    demo.add_argument("--admin-token", default="")
    for name, port in SERVICES.items():
        demo.add_argument(f"--{name}-url", default=f"http://127.0.0.1:{port}")
    demo.set_defaults(func=_cmd_demo)

    letters = sub.add_parser("deadletters", help="list (or replay) events that consumers gave up on")
    letters.add_argument("--nats-url", default="")
    letters.add_argument("--stream", choices=["PROFILES", "FORUM", "MATCHER"], default=None)
    letters.add_argument("--replay", action="store_true", help="publish them again on their subjects")
    letters.set_defaults(func=_cmd_deadletters)

    accounts = sub.add_parser(
        "nats-accounts", help="print the NATS accounts config (users, permissions) of deploy/nats"
    )
    accounts.set_defaults(func=_cmd_nats_accounts)

    passwords = sub.add_parser(
        "nats-passwords", help="print a new password per NATS user as VARIABLE=value lines (for .env)"
    )
    passwords.set_defaults(func=_cmd_nats_passwords)

    for service in SERVICES:
        name = f"peerlearn_{service}.commands"
        if importlib.util.find_spec(f"peerlearn_{service}") and importlib.util.find_spec(name):
            importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``peerlearn`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
