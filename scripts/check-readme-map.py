#!/usr/bin/env python3
"""The README's map of the concerns stays true: every Python file of the
addon's code folders is named in its "Layout" section (by its path, or by
its name for the files of tools/), and every path the section names exists.
Exits non-zero with the differences."""

# A command-line check: it reports on standard output.
# pylint: disable=print-used
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("models", "wizards", "controllers", "tools")
PATH = re.compile(r"`((?:models|wizards|controllers|reports|static)/[^`\s]*)`")


def main():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Layout.*?(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    if not match:
        sys.exit("error: README.md has no '## Layout' section")
    section = match.group(0)
    paths = set(PATH.findall(section))
    # tools/ files are named relative to tools/ ("protected.py", "rendering/xlsx.py").
    names = set(re.findall(r"`((?:rendering/)?\w+\.py)`", section))
    files = sorted(
        path.relative_to(ROOT).as_posix()
        for folder in CODE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    )
    missing = [
        path
        for path in files
        if path not in paths
        and not (
            path.startswith("tools/")
            and (path[len("tools/") :] in names or Path(path).name in names)
        )
    ]
    stale = sorted(path for path in paths if not (ROOT / path).exists())
    for path in missing:
        print(f"README.md Layout: {path} is not on the map")
    for path in stale:
        print(f"README.md Layout: {path} does not exist")
    if missing or stale:
        sys.exit(1)
    print(f"README.md Layout: the map names all {len(files)} code files, and they exist")


if __name__ == "__main__":
    main()
