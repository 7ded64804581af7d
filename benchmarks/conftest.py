import sys
from pathlib import Path

# `from benchmarks.cases import ...` needs the repository root on the path; appended, so an
# installed rnnspec still comes first.
sys.path.append(str(Path(__file__).resolve().parent.parent))
