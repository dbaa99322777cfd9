"""pytest fixtures of the system tests (see nfsys.py for the harness)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import nfsys  # noqa: E402


@pytest.fixture
def procs():
    """Processes a test starts; whatever is still running is killed after."""
    started = []
    yield started
    for p in started:
        p.close()


@pytest.fixture(scope="session")
def worker_bin():
    if not os.access(nfsys.NF_BIN, os.X_OK):
        pytest.fail("worker binary %s missing (build it, or set NF_BIN)"
                    % nfsys.NF_BIN)
    return nfsys.NF_BIN


@pytest.fixture(scope="session")
def relay_bin():
    if not os.access(nfsys.NF_RELAY_BIN, os.X_OK):
        pytest.fail("relay binary %s missing (build nf-relay, or set "
                    "NF_RELAY_BIN)" % nfsys.NF_RELAY_BIN)
    return nfsys.NF_RELAY_BIN
