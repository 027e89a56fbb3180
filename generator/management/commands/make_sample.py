"""`manage.py make_sample --output var/sample.pdf`: a whole book from the
offline provider, with no order, no payment and no database."""

import tempfile
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.core.management.base import BaseCommand, CommandError

from generator.models import ChildKind, HairColor, HairStyle, SkinTone
from generator.pdf.layout import PAPERS, VARIANTS
from generator.pdf.render import RenderError, book_content_render
from generator.providers import Appearance
from generator.sample import SAMPLE_NAME, SAMPLE_THEME, sample_content_make


class Command(BaseCommand):
    help = "Write a sample coloring book (offline drawings) to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="var/sample.pdf", help="PDF file to write (default var/sample.pdf)")
        parser.add_argument("--paper", choices=sorted(PAPERS), default="letter")
        parser.add_argument("--variant", choices=VARIANTS, default="home", help="home printer, or print shop (bleed)")
        parser.add_argument("--name", default=SAMPLE_NAME, help="the child's name (empty for none)")
        parser.add_argument("--theme", default=SAMPLE_THEME)
        parser.add_argument(
            "--dedication", default="", help=r"the message on the first page (\n for a line break; empty for none)"
        )
        parser.add_argument("--age", choices=["toddler", "kids", "tweens"], default="kids")
        parser.add_argument("--size", type=int, default=2048, help="image size in pixels (default 2048)")
        look = parser.add_argument_group("the child's look (left out: chosen from the book's seed)")
        look.add_argument("--kind", choices=ChildKind.values, default=ChildKind.CHILD)
        look.add_argument("--hair-color", choices=HairColor.values, default="")
        look.add_argument("--hair-style", choices=HairStyle.values, default="")
        look.add_argument("--skin-tone", choices=SkinTone.values, default="")
        look.add_argument("--glasses", action="store_true")

    def handle(self, *args, **options):
        if not 64 <= options["size"] <= 4096:
            raise CommandError("--size must be between 64 and 4096.")
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="sample-book-") as folder:
            storage = FileSystemStorage(location=folder)
            started = time.monotonic()
            content = sample_content_make(
                storage=storage,
                theme=options["theme"],
                child_name=options["name"],
                paper_size=options["paper"],
                age_group=options["age"],
                size=options["size"],
                dedication=options["dedication"].replace("\\n", "\n"),
                appearance=Appearance(
                    kind=options["kind"],
                    hair_color=options["hair_color"],
                    hair_style=options["hair_style"],
                    skin_tone=options["skin_tone"],
                    glasses=options["glasses"],
                ),
            )
            drawn = time.monotonic()
            try:
                pdf = book_content_render(content=content, variant=options["variant"], storage=storage)
            except RenderError as exc:
                raise CommandError(str(exc)) from exc
            rendered = time.monotonic()
        output.write_bytes(pdf)
        self.stdout.write(
            f"Wrote {output} ({len(pdf) / 1e6:.2f} MB, {options['paper']}, {options['variant']}): "
            f"images drawn in {drawn - started:.1f} s, PDF rendered in {rendered - drawn:.1f} s."
        )
