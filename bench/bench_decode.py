"""Memory of decoding one provider answer, as the kernel counts it.

Each answer (a 2K PNG as Gemini sends them, and 36-megapixel ones: PNG in
color, PNG in gray, JPEG) goes through the Gemini provider's normalizing
(`colored_normalize` to BOOK_IMAGE_SIZE 2048) in a fresh process inside a
memory cgroup; printed is the cgroup's peak above the process's own memory
once Django is loaded, and what came of it (a JPEG, or the refusal). With
BENCH_BEFORE=<an older checkout> that code is measured beside it. Needs
root (the cgroup); skips otherwise.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_container import MemoryCgroup  # noqa: E402

SIZE = 2048
ANSWERS = {
    "2K PNG, 1800x2400": ("RGB", (1800, 2400), "PNG"),
    "36 MP PNG, 5200x6930": ("RGB", (5200, 6930), "PNG"),
    "36 MP gray PNG": ("L", (5200, 6930), "PNG"),
    "36 MP JPEG": ("RGB", (5200, 6930), "JPEG"),
}

CHILD = r"""
import json, pathlib, sys
import django
django.setup()
from generator.providers import gemini
data = pathlib.Path(sys.argv[1]).read_bytes()
cgroup = pathlib.Path(sys.argv[2])
v2 = (cgroup / "memory.peak").exists()
usage = int((cgroup / ("memory.current" if v2 else "memory.usage_in_bytes")).read_text())
if not v2:
    (cgroup / "memory.max_usage_in_bytes").write_text("0")
try:
    result = f"JPEG of {len(gemini.colored_normalize(data, int(sys.argv[3]))) // 1000} kB"
except gemini.ProviderError as exc:
    result = f"refused: {str(exc)[:70]}"
peak = int((cgroup / ("memory.peak" if v2 else "memory.max_usage_in_bytes")).read_text())
print(json.dumps({"above_mb": max(0, peak - usage) / 2**20, "result": result}))
"""


def _answers(folder: Path) -> dict[str, Path]:
    from PIL import Image, ImageDraw

    paths = {}
    for label, (mode, size, kind) in ANSWERS.items():
        image = Image.new(mode, size, "white")
        draw = ImageDraw.Draw(image)
        for x in range(0, size[0], 97):
            draw.line((x, 0, size[0] - x, size[1]), fill="black", width=5)
        path = folder / f"{len(paths)}.{kind.lower()}"
        image.save(path, kind)
        paths[label] = path
    return paths


def decode_run(root: Path, answer: Path, folder: Path) -> dict:
    cgroup = MemoryCgroup(f"bookshop-bench-decode-{os.getpid()}", 2048)
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "bookshop.settings",
        "DEBUG": "1",
        "VAR_DIR": str(folder),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(answer), str(cgroup.path), str(SIZE)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=cgroup.join,  # noqa: PLW1509 - the child joins the cgroup before exec
        )
    finally:
        cgroup.remove()
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> None:
    why_not = MemoryCgroup.available()
    if why_not:
        print(f"skipped: {why_not}")
        return
    trees = [("this code", ROOT)]
    if os.environ.get("BENCH_BEFORE"):
        trees.insert(0, ("before", Path(os.environ["BENCH_BEFORE"]).resolve()))
    print(f"one provider answer normalized to {SIZE} pixels (colored_normalize), each in a fresh process in a cgroup")
    print(f"{'answer':>22} {'code':>10} {'memory above the process':>24}  result")
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as folder:
        answers = _answers(Path(folder))
        for label, path in answers.items():
            for name, root in trees:
                r = decode_run(root, path, Path(folder))
                print(f"{label:>22} {name:>10} {r['above_mb']:>21.0f} MB  {r['result']}", flush=True)
