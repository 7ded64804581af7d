"""What a target writes straight to descriptors 1 and 2 (as a C library does) is captured with
what it prints, summarised on the property's verdict, and never interleaved with the verdicts
(rnnspec.checking.capture)."""

import io
import os
import subprocess
import sys

from rnnspec.checking.capture import descriptors_captured


def test_writes_to_the_descriptors_and_prints_are_captured_in_order():
    sink = io.StringIO()
    with descriptors_captured(sink):
        os.write(1, b"fd 1\n")
        print("print")
        os.write(2, b"fd 2\n")
        print("to stderr", file=sys.stderr)
    assert sink.getvalue().splitlines() == ["fd 1", "print", "fd 2", "to stderr"]
    # and the descriptors are the test's again
    assert os.fstat(1).st_ino != 0 and os.fstat(2).st_ino != 0


def test_a_chatty_target_does_not_interleave_its_output_with_the_verdicts(tmp_path):
    (tmp_path / "chatty.py").write_text(
        "import os, torch\n"
        "class GRU(torch.nn.GRU):\n"
        "    def forward(self, *a, **k):\n"
        "        os.write(1, b'C-LEVEL OUT\\n')\n"
        "        os.write(2, b'C-LEVEL ERR\\n')\n"
        "        return super().forward(*a, **k)\n")
    done = subprocess.run([sys.executable, "-m", "rnnspec", "verify", "chatty.py:GRU", "--like", "torch.nn.GRU",
                           "--profile", "quick", "--select", "matches_reference"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    raw = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("C-LEVEL")]
    assert raw == [], f"{len(raw)} lines the target wrote reached the terminal"
    assert "the target printed" in done.stdout and "| C-LEVEL" in done.stdout
