"""How long packing and unpacking a site's post bodies takes with each compressor cmsite could use.

    .venv/bin/python bench/packing.py SITE/output          # the pages of a built site
    .venv/bin/python bench/packing.py SITE/output --runs 9

Every post of a build is kept in memory, and in the item cache, with its HTML compressed
(`Item.content`, cmsite/content/item.py): packed once by the loader, unpacked by its page and
by each feed that lists it. This reads the `index.html` pages of a built site as stand-ins for
those bodies (a body is most of its page), then packs and unpacks all of them with zlib at its
fastest level and with LZ4's frame format (the `lz4` package, a dependency of cmsite), and
prints the median seconds of each, and the packed size, beside the plain text's.
"""

from __future__ import annotations

import argparse
import statistics
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import lz4.frame

CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "zlib, level 1": (lambda data: zlib.compress(data, 1), zlib.decompress),
    "lz4 frame": (lz4.frame.compress, lz4.frame.decompress),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("output", type=Path, help="a built site's output folder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pages = [path.read_text() for path in sorted(args.output.rglob("index.html"))]
    print(f"{len(pages):,} pages, {sum(map(len, pages)) / 2**20:.1f} MiB of text; median of {args.runs} runs")
    print("| compressor | pack s | unpack s | packed MiB |\n|---|---:|---:|---:|")
    for name, (pack, unpack) in CODECS.items():
        packing, unpacking = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            packed = [pack(page.encode()) for page in pages]
            packing.append(time.perf_counter() - started)
            started = time.perf_counter()
            unpacked = [unpack(data).decode() for data in packed]
            unpacking.append(time.perf_counter() - started)
            assert unpacked == pages
        size = sum(map(len, packed)) / 2**20
        print(
            f"| {name} | {statistics.median(packing):.3f} | {statistics.median(unpacking):.3f} | {size:.1f} |"
        )


if __name__ == "__main__":
    main()
