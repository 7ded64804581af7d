"""The worker protocol the conformance matrix and the performance matrix share
(rnnspec.interfaces.workers): messages read as they come, a library's own printing ignored, and why
a worker ended badly (crashed with its stderr's end, or stopped by the timeout with what came before)."""

import os
import sys

from rnnspec.interfaces import workers
from rnnspec.interfaces.bench import perf_matrix
from rnnspec.interfaces.matrix import runner


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", "from rnnspec.interfaces.workers import emit\n" + code]


def test_messages_arrive_in_order_and_other_printing_is_ignored():
    got = []
    why = workers.run_worker(_python("print('a library talks'); emit({'row': 1}); emit({'row': 2})"),
                             env=dict(os.environ), on_message=got.append)
    assert why is None and got == [{"row": 1}, {"row": 2}]


def test_a_crash_says_its_exit_code_and_stderr_and_keeps_earlier_messages():
    got = []
    why = workers.run_worker(_python("import sys\nemit({'row': 1})\nsys.stderr.write('kernel died')\nsys.exit(7)"),
                             env=dict(os.environ), on_message=got.append)
    assert got == [{"row": 1}]
    assert why.startswith(workers.CRASHED) and "7" in why and "kernel died" in why, why


def test_a_worker_past_the_timeout_is_stopped_and_its_rows_kept():
    got = []
    why = workers.run_worker(_python("import time\nemit({'row': 1})\ntime.sleep(60)"), env=dict(os.environ),
                             on_message=got.append, timeout=2)
    assert got == [{"row": 1}] and why.startswith(workers.STOPPED), why


def test_both_matrices_use_the_one_protocol():
    # neither keeps a copy of its own: the runners call run_worker, the workers emit
    for module in (runner, perf_matrix):
        assert module.run_worker is workers.run_worker
    assert perf_matrix.emit is workers.emit
