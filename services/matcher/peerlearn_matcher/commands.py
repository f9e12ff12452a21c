"""The matcher's commands for the ``peerlearn`` CLI (found by ``peerlearn.cli``).

Kept import-light: every ``peerlearn`` invocation imports this module, so the heavy work
(model, numpy, XML) is imported only inside the command that needs it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peerlearn_matcher.domain.routing_model import RoutingModel


def _cmd_eval(args: argparse.Namespace) -> int:
    """``peerlearn eval``: its flags are named as :func:`run_evaluation`'s parameters, passed by name."""
    import inspect

    from peerlearn_matcher.evaluation.run import run_evaluation

    parameters = inspect.signature(run_evaluation).parameters
    return run_evaluation(**{name: value for name, value in vars(args).items() if name in parameters})


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the matcher's subcommands to ``peerlearn``."""
    evaluate = subparsers.add_parser(
        "eval",
        help="measure answerer routing on a Stack Exchange dump (Posts.xml; Users, Tags, Votes.xml optional)",
    )
    evaluate.add_argument(
        "--dump",
        action="append",
        default=None,
        help="folder of a Stack Exchange dump, Posts.xml at least ('sample' or none: the sample shipped "
        "with the matcher); repeat for one report over several",
    )
    evaluate.add_argument(
        "--holdout",
        type=float,
        default=1.0,
        help="score only the last F of questions by time (learning from the earlier ones); e.g. 0.3",
    )
    evaluate.add_argument(
        "--replicas",
        type=int,
        default=0,
        help="also replay N samples regenerated with seeds 1..N (the sample's section): MRR over replicas",
    )
    evaluate.add_argument("--limit", type=int, default=None, help="replay only the first N questions")
    evaluate.add_argument("--out", default="docs/EVALUATION.md", help="Markdown report to write ('' = none)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the random baseline")
    evaluate.add_argument("--model", default="all-MiniLM-L6-v2", help="sentence-transformers model")
    evaluate.set_defaults(func=_cmd_eval)
    _register_rebuild(subparsers)


def _cmd_rebuild(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from peerlearn_matcher.settings import load
    from peerlearn_matcher.usecases.rebuild import rebuild

    try:
        settings = load()
    except ValueError as exc:
        print(f"peerlearn matcher rebuild: {exc}", file=sys.stderr)
        return 2
    if not settings.nats_url:
        print("peerlearn matcher rebuild: set PEERLEARN_NATS_URL to the system's NATS", file=sys.stderr)
        return 2
    report = asyncio.run(rebuild(settings))
    print(
        f"matcher rebuilt from {report.events} events ({report.skipped} not events, skipped): "
        f"{report.people} people, {report.threads} threads"
    )
    return 0


def _register_rebuild(subparsers: argparse._SubParsersAction) -> None:
    """``peerlearn matcher rebuild``: the matcher's database from the streams alone (matcher stopped);
    ``peerlearn matcher routing-model``: the answerer ranking routing uses."""
    matcher = subparsers.add_parser("matcher", help="matcher operations")
    actions = matcher.add_subparsers(dest="matcher_command", required=True)
    rebuild = actions.add_parser(
        "rebuild", help="rebuild the matcher's read model and suggestions from the event streams"
    )
    rebuild.set_defaults(func=_cmd_rebuild)
    routing = actions.add_parser(
        "routing-model",
        help="the answerer ranking every matcher replica routes with, as stored (or what the history trains)",
    )
    routing.set_defaults(func=_cmd_routing_model)


def describe_routing_model(model: RoutingModel) -> str:
    """What ``peerlearn matcher routing-model`` prints about ``model``."""
    lines = [f"labelled questions: {model.labelled} (default weights until {model.min_cases})"]
    if model.learned and model.window is not None:
        start, end = model.window
        lines.insert(0, "routing model: trained")
        lines.append(f"training window: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
        if model.held_out is not None:
            new, before = model.held_out
            lines.append(
                f"held-out MRR on the {model.validation} latest labelled questions: {new:.3f} "
                f"(the model before it: {before:.3f})"
            )
        lines.append(f"shrinkage: {model.prior:g}" if model.prior is not None else "shrinkage: none")
        heading = "strongest weights (per s.d.; *_raw: the count itself)"
    else:
        lines.insert(0, "routing model: default weights")
        heading = "strongest weights"
    lines.append(f"{heading}: " + ", ".join(f"{k} {v:+.2f}" for k, v in model.strongest()))
    return "\n".join(lines)


def _cmd_routing_model(args: argparse.Namespace) -> int:
    """``peerlearn matcher routing-model``: the model the matchers route with, as stored."""
    import asyncio
    import sys

    from peerlearn_matcher.settings import load

    try:
        settings = load()
    except ValueError as exc:
        print(f"peerlearn matcher routing-model: {exc}", file=sys.stderr)
        return 2
    from sqlalchemy.exc import SQLAlchemyError

    try:
        print(asyncio.run(_routing_model(settings.sqlalchemy_url, settings.service)))
    except SQLAlchemyError as exc:  # no database there, or one the matcher never migrated
        print(f"peerlearn matcher routing-model: cannot read the matcher's database: {exc}", file=sys.stderr)
        return 2
    return 0


async def _routing_model(url: str, schema: str) -> str:
    from peerlearn.store import Database
    from peerlearn_matcher.usecases.routing_training import routing_model_in_use, stored_routing_model

    database = Database(url, schema=schema)
    try:
        in_use = await routing_model_in_use(database)
        if in_use is None:
            trained = describe_routing_model(await stored_routing_model(database))
            return (
                f"{trained}\n(no matcher has stored a routing model yet: the stored history trains this one)"
            )
        return (
            f"{describe_routing_model(in_use.model)}\n"
            f"judged at {in_use.trained_at:%Y-%m-%d %H:%M} UTC; every matcher replica routes with it"
        )
    finally:
        await database.dispose()
