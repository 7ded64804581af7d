import sys
from pathlib import Path

# The planted-defect drop-ins live beside the tests and are imported by module name.
sys.path.insert(0, str(Path(__file__).resolve().parent))
