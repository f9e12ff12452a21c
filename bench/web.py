"""Benchmark of the web app's pages against the same upstream API calls made directly.

    .venv/bin/python bench/web.py [--duration 15] [--connections 16] [--people 16]

Starts the whole system as ``peerlearn up`` does (NATS, profiles, forum, matcher, web; SQLite
in a temp dir), makes ``--people`` learners who want SQL and a few mentors who have it, a space
with a question and 10 answers, signs every learner in through the web app's own mailed-link
page (one session each), then drives each target with ``wrk`` (Debian's package, its own
process) at ``--connections`` concurrent connections, every request as one of the people in
turn (a cookie for the pages, a bearer token for the APIs):

- home page ``GET /`` vs. the matcher's ``GET /v1/people/{id}/suggestions`` it is built from;
- thread page ``GET /threads/{id}`` vs. the forum's ``GET /v1/threads/{id}``.

Prints requests/s and p50/p95/p99 latency for each, and the page's throughput as a ratio of the
direct call's. The figures go to docs/BENCHMARKS.md with the machine and its load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from peerlearn.runner import free_port, start_system

ADMIN = "bench-web-admin-token-" + "b" * 30
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')

# One (path, header value) per request, taken in turn; p95 from wrk's own latency histogram.
LUA = """
local targets = {%s}
local name = "%s"
local i = 0
request = function()
  i = (i %% #targets) + 1
  return wrk.format("GET", targets[i][1], { [name] = targets[i][2] })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
"""


def wrk(
    base: str, header: str, targets: list[tuple[str, str]], *, duration: int, connections: int
) -> dict[str, float]:
    """Run wrk against ``base`` with ``(path, header value)`` in turn; requests/s, p50/p95/p99 ms, errors."""
    pairs = ", ".join(f'{{"{path}", "{value}"}}' for path, value in targets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % (pairs, header))
    threads = min(2, connections)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, micros, p50, p95, p99, errors = line.split()[1:]
    return {
        "rps": int(requests) / (int(micros) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": float(errors),
    }


def call(client: httpx.Client, method: str, path: str, token: str = ADMIN, **kw: Any) -> Any:
    response = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)
    response.raise_for_status()
    return response.json() if response.content else None


def sign_in(web_url: str, link: str) -> str:
    """Sign in through the web app's link page; the session cookie's value."""
    path = "/sign-in/" + link.rsplit("/sign-in/", 1)[1]
    with httpx.Client(base_url=web_url, timeout=30) as browser:
        page = browser.get(path)
        token = CSRF.search(page.text)
        assert token, "no CSRF token on the sign-in page"
        done = browser.post(path, data={"_csrf_token": token.group(1)})
        assert done.status_code == 303, (done.status_code, done.text[:300])
        return str(browser.cookies["peerlearn_session"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--py-spy", default="", help="py-spy's path: profile the web during each page run")
    parser.add_argument("--py-spy-dir", default=".", help="where the profiles go (collapsed stacks)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/web.py needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2

    data = Path(tempfile.mkdtemp(prefix="peerlearn-bench-web-"))
    web_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PEERLEARN_")},
        "PEERLEARN_DATA_DIR": str(data),
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        "PEERLEARN_WEB_PORT": str(web_port),
        "PEERLEARN_PROFILES_PORT": str(free_port()),
        "PEERLEARN_FORUM_PORT": str(free_port()),
        "PEERLEARN_MATCHER_PORT": str(free_port()),
        "PEERLEARN_LOG_LEVEL": "WARNING",
        # The bench measures pages, not the write limits.
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    system = start_system(env)
    try:
        urls = system.urls
        profiles = httpx.Client(base_url=urls["profiles"], timeout=30)
        forum = httpx.Client(base_url=urls["forum"], timeout=30)
        matcher = httpx.Client(base_url=urls["matcher"], timeout=30)
        org = call(profiles, "POST", "/v1/orgs", json={"name": "Bench Web", "kind": "partner"})

        def person(name: str, **body: Any) -> dict[str, Any]:
            email = f"{name.lower().replace(' ', '.')}@bench.test"
            created: dict[str, Any] = call(
                profiles,
                "POST",
                f"/v1/orgs/{org['id']}/people",
                json={"display_name": name, "email": email, **body},
            )
            return created

        for n in range(4):
            person(
                f"Mentor {n}",
                roles=["mentor"],
                mentor_capacity=5,
                weekly_hours=4,
                timezone="Europe/Berlin",
                skills=[{"name": "SQL", "level": 5}, {"name": "PostgreSQL", "level": 4}],
            )
        learners = [
            person(
                f"Learner {n}",
                weekly_hours=3,
                timezone="Europe/Paris",
                goal="write fast reports",
                skills=[{"name": "SQL", "level": 1, "wants": True}],
            )
            for n in range(args.people)
        ]
        tokens = [
            call(profiles, "POST", "/v1/tokens", json={"person_id": p["id"]})["token"] for p in learners
        ]
        space = call(
            forum, "POST", "/v1/spaces", json={"name": "Bench", "visibility": "org", "org_id": org["id"]}
        )
        thread = call(
            forum,
            "POST",
            f"/v1/spaces/{space['id']}/threads",
            tokens[0],
            json={"title": "Why is my report slow?", "body": "It **scans** everything.\n\n- a\n- b"},
        )
        for n in range(10):
            call(
                forum,
                "POST",
                f"/v1/threads/{thread['id']}/posts",
                tokens[1 + n % (len(tokens) - 1)],
                json={"body": f"Answer {n}: add an *index* on the filter column."},
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the matcher has suggested mentors to everyone
            pages = [
                call(matcher, "GET", f"/v1/people/{p['id']}/suggestions", t)
                for p, t in zip(learners, tokens, strict=True)
            ]
            if all(page["items"] for page in pages):
                break
            time.sleep(0.5)
        links = [call(profiles, "POST", f"/v1/people/{p['id']}/sign-in-link")["url"] for p in learners]
        cookies = [f"peerlearn_session={sign_in(urls['web'], link)}" for link in links]

        results: dict[str, dict[str, float]] = {}
        common = {"duration": args.duration, "connections": args.connections}
        pids = {c.name: c.process.pid for c in system.children}

        def run(name: str, service: str, header: str, targets: list[tuple[str, str]]) -> dict[str, float]:
            """wrk on one service; with --py-spy each service is sampled (not the figures to read, then)."""
            profilers = []
            if args.py_spy:
                for sampled in ("web", "forum", "matcher", "notify"):
                    out = os.path.join(args.py_spy_dir, f"{name}-{sampled}.txt")
                    profilers.append(
                        subprocess.Popen(
                            [args.py_spy, "record", "-p", str(pids[sampled]), "-d", str(args.duration),
                             "-r", "100", "-f", "raw", "-o", out, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        )
                    )  # fmt: skip
            result = wrk(urls[service], header, targets, **common)
            for profiler in profilers:
                profiler.wait(60)
            return result

        suggestions = [f"/v1/people/{p['id']}/suggestions?limit=100" for p in learners]
        thread_path = f"/threads/{thread['id']}"
        results["home page    GET /"] = run("home-page", "web", "Cookie", [("/", c) for c in cookies])
        results["matcher      GET /v1/people/{id}/suggestions"] = run(
            "suggestions",
            "matcher",
            "Authorization",
            [(p, f"Bearer {t}") for p, t in zip(suggestions, tokens, strict=True)],
        )
        results["thread page  GET /threads/{id}"] = run(
            "thread", "web", "Cookie", [(thread_path, c) for c in cookies]
        )
        results["forum        GET /v1/threads/{id}"] = run(
            "forum-thread", "forum", "Authorization", [("/v1" + thread_path, f"Bearer {t}") for t in tokens]
        )
    finally:
        system.stop()
        shutil.rmtree(data, ignore_errors=True)

    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"wrk: {args.connections} connections, {args.duration} s each, {args.people} signed-in people\n")
    print(f"{'target':<46} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    row = "{:<46} {rps:>8.0f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors:>7.0f}"
    for name, r in results.items():
        print(row.format(name, **r))
    names = list(results)
    print(
        "\nhome page / direct suggestions: "
        f"{results[names[0]]['rps'] / results[names[1]]['rps']:.2f} of the throughput"
    )
    print(
        "thread page / direct thread:    "
        f"{results[names[2]]['rps'] / results[names[3]]['rps']:.2f} of the throughput"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
