"""Entry point of the desktop bundle: the same `convstudio` command the wheel installs."""
import sys

from convstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
