"""Fixtures of the hw unit tests: a logo made with Pillow."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw


def make_logo(path: Path, width: int = 200, height: int = 48) -> Path:
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((2, 2, width - 3, height - 3), outline=0, width=3)
    draw.text((10, height // 3), "Epicerie", fill=0)
    image.save(path)
    return path


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    return make_logo(tmp_path / "logo.png")
