"""Shared fixtures of the dcopt Python tests.

CTest (python/CMakeLists.txt) sets PYTHONPATH to the build's package, DCOPT_BINARY to the
`dcopt` program of the same build and DCOPT_SOURCE_DIR; run by hand, the defaults are the
repository's build/ directory:
    PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests
"""
import json
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("DCOPT_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
BINARY = pathlib.Path(os.environ.get("DCOPT_BINARY", SOURCE_DIR / "build/apps/dcopt/dcopt"))


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def cli():
    """Runs the `dcopt` program: cli(*args) -> CompletedProcess (text, never raises)."""
    assert BINARY.is_file(), f"the dcopt program is not built: {BINARY}"

    def run(*args, check=False):
        p = subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True,
                           timeout=600)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    def run(*args):
        return json.loads(cli(*args, check=True).stdout)

    return run


def cli_error(completed):
    """The message the program printed after 'dcopt: error: ' (its last error line)."""
    assert completed.returncode != 0, completed.stdout
    lines = [l for l in completed.stderr.splitlines() if l.startswith("dcopt: error: ")]
    assert lines, completed.stderr
    return lines[-1][len("dcopt: error: "):]
