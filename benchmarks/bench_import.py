"""What having pytest-fakeconf installed costs a test run that does not use it.

pytest imports ``pytest_fakeconf.plugin`` (the ``pytest11`` entry point) in every
run of every project that installs the package, and every test using the
``fakeconf`` fixture pays a ``FakeTwilio`` start and stop. Two ratios, measured
as the other benchmarks are (alternating batches, medians; see
``benchmarks/README.md``). Run with ``--quick`` for CI.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
from typing import Any

import requests
import responses
from bench_conferences import (
    FULL,
    QUICK,
    Comparison,
    Config,
    Side,
    account_url,
    check,
    compare,
    info,
    profile,
    report,
    timed_batch,
)

from pytest_fakeconf import FakeTwilio

# Modules the plugin's import must not load (checked before timing figure 10).
HEAVY = ("responses", "aiohttp", "aioresponses", "faker", "requests", "twilio", "yarl")
HEAVY += ("multidict", "urllib3", "pytest_fakeconf.fake", "pytest_fakeconf.core")
HEAVY += ("pytest_fakeconf.api",)

LOADED = """
import sys
{statement}
heavy = {heavy!r}
prefixes = tuple(h + "." for h in heavy)
print(" ".join(sorted(m for m in sys.modules if m in heavy or m.startswith(prefixes))))
"""


def python(statement: str) -> subprocess.CompletedProcess[str]:
    """Run ``statement`` in a fresh interpreter; raise if it fails."""
    return subprocess.run(
        [sys.executable, "-c", statement], capture_output=True, text=True, check=True
    )


def loaded_heavy(statement: str) -> list[str]:
    return python(LOADED.format(statement=statement, heavy=HEAVY)).stdout.split()


# -- figure 10: import the plugin in a fresh process vs import pytest ---------------


def figure_import(config: Config, args: argparse.Namespace) -> bool:
    # Correctness: the plugin imports from this tree, and imports nothing heavy
    # (a plugin that failed to import would be fast too: python() raises then).
    where = python("import pytest_fakeconf.plugin as p; print(p.__file__)").stdout.strip()
    check(where.endswith(os.path.join("pytest_fakeconf", "plugin.py")), f"plugin at {where}")
    heavy = loaded_heavy("import pytest_fakeconf.plugin")
    check(not heavy, f"importing the plugin loaded {heavy}")
    check(loaded_heavy("import pytest_fakeconf.fake") != [], "the heavy-module check is blind")
    writes = "writes" if not sys.flags.dont_write_bytecode else "does not write"
    info(f"plugin imported from {where}; this Python {writes} bytecode caches")

    # One fresh interpreter per call, a fixed number per batch (no calibration:
    # a call is ~0.1-0.3 s), batches alternating as in the other figures.
    a = Side("plugin", lambda: python("import pytest_fakeconf.plugin"))
    b = Side("pytest", lambda: python("import pytest"))
    number = 1 if args.quick else 3
    for side in (a, b):
        timed_batch(side, 1)  # warm the disk cache and any bytecode cache
    times: tuple[list[float], list[float]] = ([], [])
    for repeat in range(config.repeats):
        order = (1, 0) if repeat % 2 else (0, 1)
        for index in order:
            times[index].append(timed_batch((a, b)[index], number))
    return report("10-import", a, b, Comparison(*times, (number, number)), 1.15)


# -- figure 11: `with FakeTwilio(): pass` vs `with responses.RequestsMock(): pass` ----


def figure_enter_exit(config: Config, args: argparse.Namespace) -> bool:
    def fake_cycle() -> FakeTwilio:
        with FakeTwilio() as fake:
            pass
        return fake

    def bare_cycle() -> responses.RequestsMock:
        with responses.RequestsMock() as mock:
            pass
        return mock

    # A started fake really intercepts requests and aiohttp is patched (a no-op
    # start would be fast and wrong); stopping restores both.
    probe = FakeTwilio()
    with probe:
        answer = requests.get(account_url(probe, "Conferences.json"), timeout=5)
        aiohttp_patched = _aiohttp_request() is not None and _aiohttp_request() is not _original
    check(answer.status_code == 401, f"unauthenticated list answered {answer.status_code}")
    check(answer.json().get("code") == 20003, "the 401 is not Twilio's 20003")
    check(len(probe.requests) == 1, "the started fake did not record the request")
    check(_original is None or aiohttp_patched, "the started fake did not patch aiohttp")
    check(_aiohttp_request() is _original, "stop() did not restore aiohttp")

    def valid_fake(fake: FakeTwilio) -> None:
        check(not fake.started, "the fake is still started")
        check(fake.account_sid == probe.account_sid, "seed 0 did not fix the account SID")
        check(_aiohttp_request() is _original, "stop() did not restore aiohttp")

    a = Side("with FakeTwilio", fake_cycle, valid_fake)
    b = Side("with RequestsMock", bare_cycle)
    result = compare(a, b, config)
    ok = report("11-with-fake", a, b, result, 2.0)
    if args.profile:
        profile(a, result.numbers[0])
    return ok


def _aiohttp_request() -> Any:
    try:
        from aiohttp.client import ClientSession
    except ImportError:
        return None
    return ClientSession.__dict__.get("_request")


_original = _aiohttp_request()

# -- main -------------------------------------------------------------------------

FIGURES = {"import": figure_import, "with": figure_enter_exit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run (CI)")
    parser.add_argument("--repeats", type=int, help="alternating batches per side")
    parser.add_argument("--only", choices=sorted(FIGURES), action="append")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the fake's side of figure 11"
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.repeats is not None:
        check(args.repeats >= 1, "--repeats must be at least 1")
        config = dataclasses.replace(config, repeats=args.repeats)
    info(
        f"pytest-fakeconf import and start/stop benchmarks "
        f"({'quick' if args.quick else 'full'}): python {sys.version.split()[0]}, "
        f"{config.repeats} repeats; ratio = median(A) / median(B)"
    )
    misses = 0
    for name, run in FIGURES.items():
        if not args.only or name in args.only:
            misses += not run(config, args)
    info(f"{misses} figure(s) missed their target (reported, not asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
