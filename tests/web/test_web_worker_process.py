"""A server worker as `charter serve` starts it: the app from the environment, in a process
of its own (run here in a subprocess, so the test process keeps its own collector)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from charter.web.app import ENV_DB, ENV_KEYS, SERVER_GC_THRESHOLDS

PROBE = """
import gc, json
from charter.web.app import app_from_environment
app = app_from_environment()
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "title": app.title}))
"""


def test_a_server_worker_collects_young_garbage_rarely_and_freezes_what_it_started_with(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        ENV_DB: f"sqlite:///{tmp_path / 'charter.db'}",
        ENV_KEYS: str(tmp_path / "keys"),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["title"] == "Charter"
    assert tuple(seen["threshold"]) == SERVER_GC_THRESHOLDS
    assert seen["threshold"][0] > 700  # Python's default, which the worker must not keep
    assert seen["frozen"] > 10_000  # the modules and the app, out of every collection
