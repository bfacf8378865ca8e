#!/usr/bin/env python3
"""Refreshes scripts/data/cli-options.tsv, the options of every CLI for Microsoft 365 command,
from a mirror of its repository (its docs/docs/cmd/**.mdx pages, one per command).

    python3 scripts/cli-reference.py GIT_DIR    # e.g. /work/.mirror/pnp+cli-microsoft365/repo

Run it when the CLI's command list (scripts/data/cli-commands.txt) is refreshed; CI reads only
the two data files (scripts/compatibility.py), never the network.
"""
import re
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
OPTION = re.compile(r"^`(?:-(?P<short>\w),? )?--(?P<name>[\w-]+)(?:\s+[<\[][^>\]]*[>\]])?`$")


def git(git_dir, *args):
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True).stdout


def options_of(page):
    """The command name (its `# …` title) and its options, in the page's order."""
    title, options, in_options = None, [], False
    for line in page.splitlines():
        if title is None and line.startswith("# "):
            title = line[2:].strip()
        elif line.startswith("## "):
            in_options = line.strip() == "## Options"
        elif in_options:
            m = OPTION.match(line.strip())
            if m:
                options.append(f"--{m['name']}" + (f"/-{m['short']}" if m["short"] else ""))
    return title, options


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    git_dir = sys.argv[1]
    commands = set((DATA / "cli-commands.txt").read_text().split("\n"))
    rows = {}
    for path in git(git_dir, "ls-tree", "-r", "--name-only", "HEAD", "docs/docs/cmd").split("\n"):
        if not path.endswith(".mdx") or "/_" in path:
            continue
        title, options = options_of(git(git_dir, "show", f"HEAD:{path}"))
        if title and title in commands:
            rows[title] = options
    with open(DATA / "cli-options.tsv", "w") as out:
        out.write("# command\toptions (long/short), from the CLI for Microsoft 365's docs; scripts/cli-reference.py writes this\n")
        for name in sorted(rows):
            out.write(f"{name}\t{' '.join(rows[name])}\n")
    print(f"{len(rows)} of {len(commands - {''})} commands have a page", file=sys.stderr)


if __name__ == "__main__":
    main()
