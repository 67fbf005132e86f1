"""A dataset folder in the ImageFolder convention: one subfolder per class, holding PNG/JPEG files.

Class names are the subfolder names, sorted. Files are found in each class folder and its subfolders,
in sorted order; other files and hidden ones are ignored. A file that cannot be decoded is named in a
warning and skipped, so one broken download does not stop a training run.
"""
from __future__ import annotations

import os
from pathlib import Path
from ...wording import counted

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def find_images(root: Path) -> tuple[list[str], list[tuple[Path, int]], list[str]]:
    """(class names, (file, class id) pairs, warnings) of a dataset folder; no file is opened here."""
    warnings: list[str] = []
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    loose = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if loose:
        warnings.append(f"{counted(len(loose), 'image file')} directly in {root} {'is' if len(loose) == 1 else 'are'} "
                        f"in no class subfolder and {'was' if len(loose) == 1 else 'were'} ignored (e.g. {loose[0].name})")
    kept: list[str] = []
    files: list[tuple[Path, int]] = []
    for name in classes:
        found = _images_under(root / name)
        if not found:
            warnings.append(f"class folder {root / name} holds no PNG/JPEG images; it is left out")
            continue
        files += [(path, len(kept)) for path in found]
        kept.append(name)
    return kept, files, warnings


def _images_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(here) / n for n in sorted(names)
                  if not n.startswith(".") and Path(n).suffix.lower() in IMAGE_SUFFIXES]
    return found
