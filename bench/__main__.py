"""`make bench`: every bench/bench_*.py module's run(), one after another.

Each prints its own figures; `python -m bench NAME` runs just one. The long
ones (SLOW) run only when named: `make bench-load`.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshop.settings")


SLOW = {"bench_load"}


def main(argv: list[str]) -> None:
    folder = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_"))
    wanted = [n for n in names if any(arg in n for arg in argv)] if argv else [n for n in names if n not in SLOW]
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
