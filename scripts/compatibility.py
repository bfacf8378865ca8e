#!/usr/bin/env python3
"""Writes docs/compatibility.md: every CLI for Microsoft 365 command with its status here, the
options of the ones we have, the totals per service, and our own additions.

    python3 scripts/compatibility.py PREFIX            # PREFIX: an installed m365 (bin/m365)
    python3 scripts/compatibility.py PREFIX --check    # exit 1 when docs/compatibility.md is stale

Our side comes from the installed m365: the host's commands from its help, each plugin's from
its descriptor (the loader's cache, filled by `m365 plugin list` in a private M365_HOME). The
CLI's side comes from scripts/data (cli-commands.txt: its 899 commands, aliases included;
cli-options.tsv: each command's documented options, see scripts/cli-reference.py).

A command whose help says "(differs from CLI for Microsoft 365: …)" (once or more) is listed as
deliberately different, with those reasons; one whose help says "(an addition of this m365…" is an addition.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts" / "data"
OUTPUT = ROOT / "docs" / "compatibility.md"
DIFFERS = re.compile(r"\(differs from CLI for Microsoft 365: ([^)]*)\)")
GLOBAL_OPTIONS = {"output", "query", "debug", "verbose", "help"}


def run(m365, home, *args):
    env = dict(os.environ, M365_HOME=home, NO_COLOR="1", COLUMNS="400")
    return subprocess.run([m365, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout


def section(text, title):
    """The lines of a help section (`Commands:`, `Options:`) up to the next blank line."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip() == title:
            inside = True
        elif inside and not line.strip():
            break
        elif inside:
            lines.append(line)
    return lines


def host_commands(m365, home):
    """The host's own commands and their options, from `m365 --help` and `m365 <command> -h`."""
    out = {}
    for line in section(run(m365, home, "--help"), "Commands:"):
        parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        name, description = parts[0], parts[1] if len(parts) > 1 else ""
        if name == "help":
            continue
        options = []
        for opt in section(run(m365, home, *name.split(), "-h"), "Options:"):
            m = re.match(r"\s*(?:-(\w), )?--([\w-]+)", opt)
            if m and m.group(2) not in GLOBAL_OPTIONS:
                options.append(m.group(2))
        out[name] = {"description": description, "options": options}
    return out


def plugin_commands(m365, home):
    """Every plugin command under its service's name and aliases, with its own aliases."""
    run(m365, home, "plugin", "list")
    out = {}
    for path in sorted(glob.glob(os.path.join(home, "cache", "descriptors", "*.json"))):
        with open(path) as f:
            descriptor = json.load(f)
        for service in descriptor.get("services", []):
            prefixes = [service["name"]] + service.get("aliases", [])
            for command in service.get("commands", []):
                entry = {"description": command.get("description", ""),
                         "options": [o["name"] for o in command.get("options", [])],
                         "primary": f"{service['name']} {command['name']}"}
                for prefix in prefixes:
                    for name in [command["name"]] + command.get("aliases", []):
                        out.setdefault(f"{prefix} {name}", entry)
    return out


def cli_reference():
    commands = [c for c in (DATA / "cli-commands.txt").read_text().splitlines() if c.strip()]
    options = {}
    for line in (DATA / "cli-options.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, opts = line.partition("\t")
        options[name] = [o.split("/")[0][2:] for o in opts.split()]
    return commands, options


def render(ours, cli_commands, cli_options):
    services = OrderedDict()
    for name in cli_commands:
        services.setdefault(name.split()[0], []).append(name)
    totals, body = [], []
    for service, names in services.items():
        rows, counts = [], {"implemented": 0, "different": 0, "not yet": 0}
        for name in names:
            mine = ours.get(name)
            if mine is None:
                counts["not yet"] += 1
                rows.append(f"| `{name}` | not yet | | |")
                continue
            differs = DIFFERS.findall(mine["description"])
            status = f"different: {'; '.join(differs)}" if differs else "implemented"
            counts["different" if differs else "implemented"] += 1
            # An alias the CLI documents on its command's page only has that command's options.
            theirs = cli_options.get(name) or cli_options.get(mine["primary"])
            if theirs is None:
                missing, added = "", ", ".join(f"`--{o}`" for o in mine["options"])
            else:
                missing = ", ".join(f"`--{o}`" for o in theirs if o not in mine["options"])
                added = ", ".join(f"`--{o}`" for o in mine["options"] if o not in theirs)
            rows.append(f"| `{name}` | {status} | {missing} | {added} |")
        totals.append(f"| {service} | {len(names)} | {counts['implemented']} | {counts['different']} | {counts['not yet']} |")
        body += [f"## {service}", "",
                 "| command | status | the CLI's options we lack | options we add |", "|---|---|---|---|", *rows, ""]
    all_cli = set(cli_commands)
    names = {}  # each command of ours: every name it answers to
    for name, entry in ours.items():
        names.setdefault(entry["primary"], set()).add(name)
    additions = sorted(p for p, n in names.items() if not n & all_cli)
    described = {e["primary"]: e["description"] for e in ours.values()}
    implemented = sum(1 for n in cli_commands if n in ours)
    head = [
        "# Compatibility with CLI for Microsoft 365",
        "",
        "Generated by `scripts/compatibility.py` (do not edit): our commands come from the installed m365",
        "(the host's help and each plugin's descriptor), the CLI's from `scripts/data/cli-commands.txt` (its",
        "commands, aliases included) and `scripts/data/cli-options.tsv` (the options its documentation lists,",
        "global options left out). A test fails when this file is stale; `python3 scripts/compatibility.py",
        "PREFIX` rewrites it from an installed m365.",
        "",
        f"{implemented} of the CLI's {len(cli_commands)} commands (aliases counted as commands) exist here.",
        "\"different\" names a deliberate difference, stated in the command's help. An option we lack",
        "means scripts using it stop with an unknown-option error.",
        "",
        "## Differences every command shares",
        "",
        "- **Questions**: a command that asks before it removes or changes something asks only on a",
        "  terminal; without one it fails, asking for `--force` (the CLI would wait for an answer).",
        "- **Messages**: validation messages and questions are m365's own words; they name the option and",
        "  what it takes, or the object asked about. Options take values case-insensitively where the",
        "  CLI is strict about case, and some commands take an extra short form or a second way to name",
        "  an object (`--name` beside `--id`). Input the service would refuse (a file name with `:`, a",
        "  negative page number) or would silently ignore (`--path` of `file get` without `--asFile`) is",
        "  refused before any request, saying why.",
        "  A failure carries the service's message; where it helps, m365 adds the object it was about",
        "  and what to do (for SharePoint: the missing file or folder, the permission a 403 needs).",
        "- **Retries**: throttled requests (429/503) are sent again within bounds, after Retry-After;",
        "  request shapes the services accept either way (an `@alias` for a path, paging by",
        "  `odata.nextLink`) may differ from the CLI's on the wire.",
        "- **SharePoint URLs**: the tenant's SharePoint URL and its tenant app catalog's URL are learned",
        "  once per connection (`m365 spo set`, `m365 spo tenant appcatalogurl get` change or refresh",
        "  them), where the CLI asks for the app catalog's on every run.",
        "- **Several matches**: where a name matches several objects, m365 fails and lists their ids",
        "  (as the CLI does with the `prompt` setting off); the CLI asks which one on a terminal.",
        "  `connection use` without `--name` is the exception: it asks, as the CLI.",
        "- **Graph errors**: a failed Graph request is reported as `Code: message` (the CLI prints the",
        "  message alone).",
        "- **Settings**: `.m365rc.json` files are not read. The credential settings (`clientSecret`,",
        "  `clientCertificateBase64Encoded`, `clientCertificatePassword`) are kept in the keyring, never",
        "  in a file; `cli config get` of an unset key prints its default (the CLI prints nothing).",
        "- **Lenient where the CLI refuses**: a few checks the CLI makes before any request are left to",
        "  the service or not made: `outlook message list` start and end times in the future, `teams",
        "  message list --since` older than eight months, `graph schemaextension add` property types.",
        "  `login --ensure` compares the app, tenant, user and certificate file, not a secret's value.",
        "  Lookups by name in `todo` fail on several matches where the CLI takes the first.",
        "",
        "## Totals",
        "",
        "| service | CLI commands | implemented | deliberately different | not yet |",
        "|---|---|---|---|---|",
        *totals,
        "",
    ]
    tail = ["## Our additions", "",
            "Commands CLI for Microsoft 365 does not have (some are its commands under another name).", "",
            "| command | description |", "|---|---|",
            *["| `%s` | %s |" % (a, described[a].replace("|", "\\|")) for a in additions], ""]
    return "\n".join(head + body + tail)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 1:
        sys.exit(__doc__)
    m365 = os.path.join(args[0], "bin", "m365")
    with tempfile.TemporaryDirectory(prefix="m365-compat.") as home:
        ours = host_commands(m365, home)
        ours.update(plugin_commands(m365, home))
    for name, entry in ours.items():
        entry.setdefault("primary", name)
    cli_commands, cli_options = cli_reference()
    text = render(ours, cli_commands, cli_options)
    if "--check" in sys.argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print("docs/compatibility.md is stale: run python3 scripts/compatibility.py PREFIX", file=sys.stderr)
            sys.exit(1)
        return
    OUTPUT.write_text(text)


if __name__ == "__main__":
    main()
