import sys
from pathlib import Path

# The planted-defect drop-ins live beside the tests and are imported by module name.
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmark registry and asv scripts live in the repository's benchmarks/ (not installed);
# appended, so the installed rnnspec still comes first.
sys.path.append(str(Path(__file__).resolve().parent.parent))
