"""The memory floor: a process that imports the libraries a running zigbridge had loaded
(everything in its ``sys.modules`` except zigbridge's own ``gateway``/``radio`` code and
the benchmark), and nothing else. Prints ``{"rss_mb": ..., "imported": n, "failed": [...]}``.

    python -m bench.floor MODULES_FILE
"""

from __future__ import annotations

import gc
import importlib
import json
import sys

OURS = ("gateway", "radio", "bench")


def is_ours(name: str) -> bool:
    return name.split(".", 1)[0] in OURS or name in ("__main__", "__mp_main__")


def main(path: str) -> None:
    with open(path) as f:
        names = [n for n in json.load(f) if not is_ours(n)]
    failed = []
    for name in names:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # an optional module that only imports in context
            failed.append(f"{name}: {type(exc).__name__}")
    gc.collect()
    with open("/proc/self/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    print(json.dumps({"rss_mb": rss / 1024.0, "imported": len(names), "failed": failed}))


if __name__ == "__main__":
    main(sys.argv[1])
