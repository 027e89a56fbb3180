"""The book's PDF from 2048-pixel images: size, render time and peak memory.

The 24 images are drawn once (offline provider) into a temp folder; each book
is then rendered in a fresh child process (`python -m bench.bench_pdf --render
...`), so the figures are those of a process that only renders: its peak
resident memory is read from os.wait4's rusage (RUSAGE_CHILDREN, for that one
child, by a small launcher process: see _render_in_child), its render time is
measured around book_content_render (image preparation included).

A second set of images stands in for a generative model's output: portrait
3:4 pages dense with antialiased strokes, to show the budget holds when the
line art is too detailed to trace compactly.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB, TARGET_SECONDS, TARGET_PEAK_MB = 8.0, 10.0, 150.0
IMAGE_SIZE = 2048


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshop.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _content_to_json(content, media: Path) -> dict:
    return {
        "media": str(media),
        "title": content.title,
        "child_name": content.child_name,
        "paper_size": content.paper_size,
        "scenes": [[s.caption, s.colored, s.line_art] for s in content.scenes],
    }


def _dense_content(media: Path):
    """12 portrait pages crowded with strokes, like a detailed model drawing."""
    from PIL import Image, ImageDraw

    from generator.pdf.content import BookContent, SceneSource

    width, height = IMAGE_SIZE * 3 // 4, IMAGE_SIZE
    scenes = []
    folder = media / "dense"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(12):
        rng = random.Random(index)
        big = Image.new("L", (width * 2, height * 2), 255)
        colored = Image.new("RGB", (width, height), "white")
        ink, paint = ImageDraw.Draw(big), ImageDraw.Draw(colored)
        for _ in range(170):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            rx, ry = rng.uniform(15, 260), rng.uniform(15, 260)
            box = (x - rx, y - ry, x + rx, y + ry)
            paint.ellipse(box, fill=tuple(rng.randint(90, 255) for _ in range(3)))
            ink.ellipse([v * 2 for v in box], outline=0, width=rng.randint(4, 14))
            points = [(2 * (x + rng.uniform(-200, 200)), 2 * (y + rng.uniform(-200, 200))) for _ in range(5)]
            ink.line(points, fill=0, width=rng.randint(3, 10), joint="curve")
        line_art = big.resize((width, height), Image.Resampling.LANCZOS)
        colored.paste((30, 30, 30), mask=line_art.point(lambda v: 255 - v))
        line_name, colored_name = f"dense/{index + 1:02d}-line_art.png", f"dense/{index + 1:02d}-colored.jpg"
        line_art.save(media / line_name)
        colored.save(media / colored_name, quality=90)
        scenes.append(SceneSource(f"A very busy scene number {index + 1}", colored_name, line_name))
    return BookContent(title="A very detailed book", child_name="Mia", paper_size="letter", scenes=scenes)


def _render_in_child(spec: str, variant: str, paper: str, output: str) -> dict:
    """Run the renderer in a child process; its figures and its peak memory.

    Linux counts in a child's peak memory the size of the process that
    started it (fork copies it; exec records it), so this runs in a small
    launcher process (`--measure`), never in the bench's big parent."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_pdf", "--render", spec, variant, paper, output],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    started = time.perf_counter()
    report = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)  # the rusage of that one child
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode:
        raise SystemExit(f"render failed (exit {process.returncode})")
    figures = json.loads(report)
    figures["process_seconds"] = time.perf_counter() - started
    # Kilobytes on Linux; the largest of the renderer and its image-preparing child.
    figures["peak_mb"] = usage.ru_maxrss / 1024
    return figures


def _measure(spec: Path, variant: str, paper: str, output: Path) -> dict:
    launcher = subprocess.run(
        [sys.executable, "-m", "bench.bench_pdf", "--measure", str(spec), variant, paper, str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if launcher.returncode:
        raise RuntimeError(f"PDF bench failed: {launcher.stderr[-2000:]}")
    return json.loads(launcher.stdout)


def _line(label: str, figures: dict) -> str:
    size_mb = figures["bytes"] / 1e6
    ok = size_mb <= TARGET_MB and figures["seconds"] <= TARGET_SECONDS and figures["peak_mb"] <= TARGET_PEAK_MB
    return (
        f"{label:<34} {size_mb:5.2f} MB (<= {TARGET_MB:.0f})  "
        f"{figures['seconds']:5.2f} s (<= {TARGET_SECONDS:.0f}; process {figures['process_seconds']:.1f} s)  "
        f"{figures['peak_mb']:6.1f} MB peak (<= {TARGET_PEAK_MB:.0f}; layout {figures['layout_mb']:.0f}, "
        f"images {figures['prepare_mb']:.0f})  {'ok' if ok else 'OVER TARGET'}"
    )


def run() -> None:
    _setup()
    from django.core.files.storage import FileSystemStorage

    from generator.sample import sample_content_make

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as name:
        folder = Path(name)
        media = folder / "media"
        started = time.perf_counter()
        content = sample_content_make(storage=FileSystemStorage(location=media), size=IMAGE_SIZE)
        dense = _dense_content(media)
        print(f"24 offline images at {IMAGE_SIZE} px and 24 dense ones drawn in {time.perf_counter() - started:.1f} s")
        specs = {}
        for key, book in (("offline", content), ("dense", dense)):
            specs[key] = folder / f"{key}.json"
            specs[key].write_text(json.dumps(_content_to_json(book, media)))
        print("book (each in a fresh process)        PDF size      render time              peak memory")
        for label, key, variant, paper in (
            ("offline, Letter, home printer", "offline", "home", "letter"),
            ("offline, A4, home printer", "offline", "home", "a4"),
            ("offline, Letter, print shop", "offline", "print", "letter"),
            ("dense 3:4 drawings, Letter, home", "dense", "home", "letter"),
        ):
            print(
                _line(label, _measure(specs[key], variant, paper, folder / f"{key}-{variant}-{paper}.pdf")), flush=True
            )


def _render(spec_path: str, variant: str, paper: str, output: str) -> None:
    """In the child: render one book and report on stdout."""
    _setup()
    from django.core.files.storage import FileSystemStorage

    from generator.pdf.content import BookContent, SceneSource
    from generator.pdf.render import book_content_render

    spec = json.loads(Path(spec_path).read_text())
    content = BookContent(
        title=spec["title"],
        child_name=spec["child_name"],
        paper_size=paper,
        scenes=[SceneSource(*scene) for scene in spec["scenes"]],
    )
    started = time.perf_counter()
    pdf = book_content_render(content=content, variant=variant, storage=FileSystemStorage(location=spec["media"]))
    seconds = time.perf_counter() - started
    Path(output).write_bytes(pdf)
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    preparer = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "bytes": len(pdf), "layout_mb": own, "prepare_mb": preparer}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:
        _render(*sys.argv[2:6])
    elif sys.argv[1:2] == ["--measure"]:
        print(json.dumps(_render_in_child(*sys.argv[2:6])))
    else:
        run()
