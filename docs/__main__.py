"""``python -m docs``: regenerate docs/pictures/*.png from the bot's real messages.

The bot runs against the fake Discord (docs/capture.py), each picture's messages are
drawn as HTML (docs/render.py), and headless Chromium takes the screenshot, which is
cropped to the messages and reduced to a small palette so the PNGs stay small.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

from docs.capture import Shot, capture
from docs.render import page

OUT = Path(__file__).resolve().parent / "pictures"
WIDTH = 640
"""CSS pixels: the page's width in docs/render.py."""
TALL = 1800
"""A window tall enough for any picture; the empty rest is cropped."""
SCALE = 2
"""Device pixels per CSS pixel: sharp text on high-density screens."""
BACKGROUND = (0x31, 0x33, 0x38)
MARGIN = 12 * SCALE
MAX_BYTES = 150_000
HOW_TO_GET = (
    "make pictures needs Chromium: on Debian or Ubuntu, "
    "sudo apt-get install chromium fonts-noto-core fonts-noto-color-emoji; "
    "or set CHROMIUM to a Chrome or Chromium binary."
)


def find_chromium() -> str:
    """The browser to use: $CHROMIUM, else chromium on the PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    raise SystemExit(HOW_TO_GET)


def screenshot(chromium: str, html_file: Path, profile: Path) -> Image.Image:
    """Chromium's screenshot of a local file, with no network, sync or first-run noise."""
    shot = html_file.with_suffix(".png")
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        f"--force-device-scale-factor={SCALE}",
        f"--window-size={WIDTH},{TALL}",
        f"--screenshot={shot}",
        html_file.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not shot.exists():
        raise SystemExit(f"chromium failed ({done.returncode}):\n{done.stderr[-2000:]}")
    with Image.open(shot) as image:
        return image.convert("RGB")


def crop(image: Image.Image) -> Image.Image:
    """Cut the empty background below and beside the messages, keeping a margin."""
    empty = Image.new("RGB", image.size, BACKGROUND)
    box = ImageChops.difference(image, empty).getbbox()
    if box is None:
        raise SystemExit("the screenshot is empty: did the page render?")
    left, top, right, bottom = box
    return image.crop(
        (
            max(left - MARGIN, 0),
            max(top - MARGIN, 0),
            min(right + MARGIN, image.width),
            min(bottom + MARGIN, image.height),
        )
    )


def small_png(image: Image.Image) -> bytes:
    """A 256-colour PNG: the dark theme has few colours, so nothing visible is lost."""
    buffer = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def write_html(shot: Shot, folder: Path) -> Path:
    """The shot's page and its attachments, side by side in ``folder``."""
    images = {}
    for name, data in shot.files.items():
        local = Path(name).name  # never outside the folder, whatever the bot named it
        (folder / local).write_bytes(data)
        images[name] = local
    html_file = folder / f"{shot.name}.html"
    html_file.write_text(page(shot.posts, images, title=shot.title), encoding="utf-8")
    return html_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docs", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--html", type=Path, help="also keep the HTML pages in this folder")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    shots = asyncio.run(capture())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        folder, profile = args.html or Path(temp), Path(temp) / "profile"
        folder.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            data = small_png(crop(screenshot(chromium, write_html(shot, folder), profile)))
            (args.out / f"{shot.name}.png").write_bytes(data)
            warning = f" (over {MAX_BYTES:,} bytes)" if len(data) > MAX_BYTES else ""
            print(f"{args.out / shot.name}.png: {len(data):,} bytes{warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
