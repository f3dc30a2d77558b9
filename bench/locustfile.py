"""The load generator of bench.load: `python -m bench.locustfile PLAN OUT`, run on a core of its own.

PLAN (JSON, written by bench.load) names the server, the signed-in session cookies per role and the phases; each
phase sets USERS users asking for its pages without pause, and records requests per second, p50/p95/p99 and
failures per page into OUT. A page answers 200 or counts as failed: a redirect (to sign-in, to MFA) is a failure.
"""

import itertools
import json
import sys
import time
from pathlib import Path

import gevent
import psutil
from locust import FastHttpUser, constant, task
from locust.env import Environment

WARM_SECONDS = 1.5  # after all users have started, before the counts begin

plan: dict = {}
phase: dict = {}
next_user = itertools.count()
cookies: dict = {}


class SignedInUser(FastHttpUser):
    """One person with their own session; in a mixed phase, staff and customers in the plan's proportion."""

    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(next_user)
        roles = sorted({page["role"] for page in phase["pages"]})
        role = roles[0] if len(roles) == 1 else ("customer" if number % 4 == 3 else "staff")
        self.pages = [page for page in phase["pages"] if page["role"] == role]
        self.cycle = itertools.cycle(self.pages[number % len(self.pages) :] + self.pages[: number % len(self.pages)])
        # The TLS proxy's header, as in production: Django then treats the request as HTTPS and the cookies as due.
        self.headers = {"Cookie": next(cookies[role]), "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}

    @task
    def browse(self) -> None:
        page = next(self.cycle)
        with self.client.get(
            page["path"], name=page["label"], headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")


def _server_cpu_seconds(pid: int) -> float:
    """CPU time the server (master and workers) has used: per request, it does not depend on what else the
    machine runs, as requests per second do."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def _row(entry, page: dict, seconds: float, cpu_ms: float) -> dict:
    return {
        "label": page["label"],
        "role": page["role"],
        "cpu_ms": cpu_ms,
        "rps": entry.num_requests / seconds,
        "p50": entry.get_response_time_percentile(0.5) or 0,
        "p95": entry.get_response_time_percentile(0.95) or 0,
        "p99": entry.get_response_time_percentile(0.99) or 0,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
    }


def main(plan_path: Path, out_path: Path) -> None:
    global phase, cookies
    plan.update(json.loads(plan_path.read_text()))
    environment = Environment(user_classes=[SignedInUser], host=plan["host"])
    runner = environment.create_local_runner()
    results = {}
    for current in plan["phases"]:
        phase = current
        cookies = {role: itertools.cycle(values) for role, values in plan["cookies"].items()}
        runner.start(plan["users"], spawn_rate=plan["users"] * 4)
        gevent.sleep(plan["users"] / (plan["users"] * 4) + WARM_SECONDS)
        environment.stats.reset_all()
        started, cpu_started = time.monotonic(), _server_cpu_seconds(plan["server_pid"])
        gevent.sleep(current["seconds"])
        seconds, cpu = time.monotonic() - started, _server_cpu_seconds(plan["server_pid"]) - cpu_started
        # Server CPU per request of the whole phase: the page's own when it is alone, the crowd's average when mixed.
        cpu_ms = 1000 * cpu / max(environment.stats.total.num_requests, 1)
        if current["record"]:
            results[current["name"]] = [
                _row(environment.stats.get(page["label"], "GET"), page, seconds, cpu_ms)
                for page in current["pages"]
                if (page["label"], "GET") in environment.stats.entries
            ]
        runner.stop()
        environment.stats.reset_all()
    runner.quit()
    out_path.write_text(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
