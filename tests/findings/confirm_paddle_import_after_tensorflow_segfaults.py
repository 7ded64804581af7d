"""Finding: importing paddle after tensorflow in one process kills it with a segmentation fault
(paddlepaddle 3.3.1, tensorflow-cpu 2.21.0, CPU builds, Linux x86_64); paddle first, then
tensorflow, works, as do torch, jax, keras, onnxruntime, openvino and mlx before paddle.

Shown without rnnspec: each order runs in a child process of its own; the crash is exit code -11
(SIGSEGV). Exits 0 with "FINDING CONFIRMED" when tensorflow-then-paddle dies by SIGSEGV and
paddle-then-tensorflow exits 0, else 1.
"""

import importlib.metadata
import subprocess
import sys


def run(code: str) -> int:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300).returncode


def main() -> int:
    versions = {d: importlib.metadata.version(d) for d in ("paddlepaddle",)}
    for d in ("tensorflow", "tensorflow-cpu"):
        try:
            versions[d] = importlib.metadata.version(d)
        except importlib.metadata.PackageNotFoundError:
            pass
    print(f"versions: {versions}")
    after = run("import tensorflow; import paddle; print('imported')")
    before = run("import paddle; import tensorflow; print('imported')")
    print(f"import tensorflow; import paddle -> exit code {after} (-11: SIGSEGV)")
    print(f"import paddle; import tensorflow -> exit code {before}")
    reproduced = after == -11 and before == 0
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
