"""Smoke test of the desktop bundle: the command line answers, and the app opens, runs and takes a screenshot.

usage: python packaging/smoke_test.py dist/convstudio [--out OUT.png] [--strict]

The app part runs `convstudio --smoke-test OUT.png` with QT_QPA_PLATFORM=offscreen: the app
opens its default network, runs it, saves a screenshot of the main window to OUT.png and
exits 0. An app that does not know --smoke-test yet is reported and skipped (a failure
with --strict). Exit status: 0 passed or skipped, 1 failed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

APP_TIMEOUT = 180


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the one-folder bundle (dist/convstudio)")
    parser.add_argument("--out", type=Path, help="where the app screenshot goes (default: a temporary file)")
    parser.add_argument("--strict", action="store_true", help="fail when the app lacks --smoke-test")
    args = parser.parse_args(argv)
    exe = args.bundle / "convstudio"
    if not os.access(exe, os.X_OK):
        fail(f"{exe} is missing or not executable; build the bundle first (make package)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        checks = [check_summary(exe), check_export(exe, Path(tmp)),
                  check_app(exe, args.out or Path(tmp) / "smoke.png", args.strict)]
    return 0 if all(checks) else 1


def run(exe: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False)


def check_summary(exe: Path) -> bool:
    """The bundled templates are found and the engine runs: `summary template:tinyvgg`."""
    r = run(exe, "summary", "template:tinyvgg")
    if r.returncode != 0 or "Total params:" not in r.stdout:
        return fail(f"summary template:tinyvgg exited {r.returncode}: {tail(r.stderr or r.stdout)}")
    return ok("summary template:tinyvgg")


def check_export(exe: Path, tmp: Path) -> bool:
    """PyTorch export works from the bundle (when the export subcommand is registered)."""
    if " export" not in run(exe, "--help").stdout:
        return ok("export: not a subcommand of this build, not checked")
    out = tmp / "tinyvgg.py"
    r = run(exe, "export", "template:tinyvgg", "--to", "pytorch", "-o", str(out))
    if r.returncode != 0 or not out.is_file():
        return fail(f"export --to pytorch exited {r.returncode}: {tail(r.stderr)}")
    compile(out.read_text(encoding="utf-8"), str(out), "exec")
    return ok("export template:tinyvgg --to pytorch")


def check_app(exe: Path, out: Path, strict: bool) -> bool:
    """The app opens offscreen, runs its default network and saves a screenshot."""
    out.unlink(missing_ok=True)
    try:
        r = run(exe, "--smoke-test", str(out), timeout=APP_TIMEOUT)
    except subprocess.TimeoutExpired:
        return fail(f"--smoke-test did not exit within {APP_TIMEOUT} s")
    if r.returncode == 2 and "usage: convstudio" in r.stderr:  # the command line refused the option
        message = "app: this build does not support --smoke-test yet, so the window was not checked"
        return fail(message) if strict else ok("SKIPPED " + message)
    if r.returncode != 0:
        return fail(f"--smoke-test exited {r.returncode}: {tail(r.stderr)}")
    problem = png_problem(out)
    if problem:
        return fail(f"--smoke-test exited 0 but {problem}")
    return ok(f"app opened, ran and saved {out}")


def png_problem(path: Path) -> str | None:
    """Why `path` is not a real screenshot, or None."""
    if not path.is_file():
        return f"wrote no {path}"
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return f"{path} is not a PNG"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if width < 200 or height < 150:
        return f"{path} is only {width}×{height}"
    try:
        from PIL import Image
    except ImportError:
        return None
    with Image.open(path) as im:
        colors = im.convert("RGB").getcolors(maxcolors=256)  # None when there are more
    if colors is not None and len(colors) < 8:
        return f"{path} is nearly blank ({len(colors)} colours)"
    return None


def tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def ok(message: str) -> bool:
    print(f"smoke: ok   {message}")
    return True


def fail(message: str) -> bool:
    print(f"smoke: FAIL {message}", file=sys.stderr)
    return False


if __name__ == "__main__":
    sys.exit(main())
