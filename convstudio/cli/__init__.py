"""The `convstudio` command: opens the app, or runs a subcommand without a display.

Every error a user can cause ends as one line on stderr and exit status 2
(1 where a network was read but has errors), never a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import __version__
from ..errors import ConvStudioError
from ..io.templates import template_names
from . import convert_fc, export, import_onnx, run, summary, train

SUBCOMMANDS = {"summary": summary, "run": run, "train": train, "convert-fc": convert_fc, "export": export,
               "import": import_onnx}
PARSER_FLAGS = ("-h", "--help", "--version")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convstudio", description="Build convolutional networks and see how convolution works.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in SUBCOMMANDS.items():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in SUBCOMMANDS and argv[0] not in PARSER_FLAGS:
        problem = _gui_problem(argv)
        if problem:
            print(f"convstudio: {problem}", file=sys.stderr)
            return 2
        return gui_main(argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return gui_main([])
    try:
        return SUBCOMMANDS[args.command].run(args)
    except ConvStudioError as e:
        print(f"convstudio {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _gui_problem(argv: list[str]) -> str | None:
    """Why the window cannot open for these arguments (a mistyped command, no display), or None."""
    first = argv[0] if argv else "-"
    if first.startswith("template:"):
        name = first.split(":", 1)[1]
        if name not in template_names():
            return f"no template {name!r}; templates: {', '.join(template_names())}"
    elif not first.startswith("-") and not Path(first).exists():
        if first.endswith(".json") or "/" in first or os.sep in first:
            return f"{first}: no such file"
        return (f"{first!r} is neither a command ({', '.join(SUBCOMMANDS)}) nor a network file; "
                "see convstudio --help")
    headless = sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    if headless:
        return ("no display to open the window on (DISPLAY is not set); the commands "
                f"{', '.join(SUBCOMMANDS)} work without one, see convstudio --help")
    return None


def gui_main(argv: list[str] | None = None) -> int:
    """Open the app, optionally with a network file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from ..qt.app.launch import run_app  # imported here so subcommands never need a display

    return run_app(argv)
