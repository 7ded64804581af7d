"""Verify every planted defect of tests/defect_catalogue.py with every property, at the catalogue's
settings (the quick profile, or the examples a defect needs), and write the verdicts as JSON:
``{defect name: [verdict.to_dict(), ...]}``. tests/test_corpus.py runs it in a process of its own,
beside the corpus runs, and scans what it writes for verdicts that read as Hypothesis' bare summary.

    python tests/corpus/scan_catalogue.py OUT.json
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, where the catalogue lives

from defect_catalogue import CATALOGUE  # noqa: E402
from rnnspec.verifier import verify  # noqa: E402


def main(out: str) -> int:
    verdicts = {d.name: [v.to_dict() for v in verify(d.target(), settings=d.settings())] for d in CATALOGUE}
    Path(out).write_text(json.dumps(verdicts, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
