#!/usr/bin/env python3
"""Writes the man page m365(1) to stdout, from an installed m365: its own commands and global
options from its help, every installed service's commands and options from the descriptors of
the plugins installed beside it (`m365 __probe FILE`), the exit codes from `m365 help exit-codes`.

Usage: manpage.py PREFIX/bin/m365 [PREFIX-AS-INSTALLED]
(the second argument names the prefix in FILES; empty or absent for a relocatable folder)."""
import datetime
import json
import os
import re
import subprocess
import sys

m365 = sys.argv[1]
shown_prefix = sys.argv[2] if len(sys.argv) > 2 else ""
prefix = os.path.dirname(os.path.dirname(os.path.abspath(m365)))
plugin_dir = os.path.join(prefix, "lib", "m365", "plugins")
environment = {k: v for k, v in os.environ.items() if k != "M365_PLUGIN_PATH"}


def run(*arguments):
    done = subprocess.run([m365, *arguments], capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        sys.exit(f"manpage.py: m365 {' '.join(arguments)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def roff(text):
    """Text for a roff line: backslashes and hyphens escaped, no control character at the start."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def sections(help_text):
    """A help text's blocks: {'Usage': 'm365 …', 'Commands': [(left, right)], 'Options': […], …}."""
    blocks, name, rows = {}, None, None
    for line in help_text.splitlines():
        if line.startswith("Usage: "):
            blocks["Usage"] = line[len("Usage: "):]
        elif re.fullmatch(r"[A-Z][A-Za-z ]*:", line):
            name, rows = line[:-1], []
            blocks[name] = rows
        elif not line.strip():
            name = None
        elif name is not None and line.startswith("  "):
            body = line[2:]
            if rows and body.startswith(" ") and rows[-1][1] == "":
                rows[-1] = (rows[-1][0], body.strip())   # a long left column: details on the next line
            else:
                parts = re.split(r"\s{2,}", body.strip(), maxsplit=1)
                rows.append((parts[0], parts[1] if len(parts) > 1 else ""))
    return blocks


def option_lines(rows):
    out = []
    for left, right in rows:
        out += [".TP", ".B " + roff(left.strip()), roff(right)]
    return out


def descriptor_option(option):
    usage = (f"-{option['short']}, " if option.get("short") else "") + "--" + option["name"]
    kind = option.get("type", "string")
    if kind == "string":
        usage += f" <{option['name']}>"
    elif kind == "number":
        usage += " <number>"
    elif kind == "enum":
        usage += " <" + "|".join(option.get("allowed", [])) + ">"
    notes = []
    if option.get("required"):
        notes.append("required")
    if kind == "boolean":
        notes.append("true|false")
    if "default" in option:
        value = option["default"]
        notes.append("default: " + (value if isinstance(value, str) else json.dumps(value)))
    if option.get("positional"):
        notes.append("may be given without --" + option["name"])
    details = option.get("description", "")
    if notes:
        details += (" " if details else "") + "(" + "; ".join(notes) + ")"
    return usage, details


def command_entry(words, description, options=(), option_sets=(), aliases=(), example=None):
    """One command: its words in bold, its description, then its options indented below it."""
    out = [".TP", ".B " + roff("m365 " + " ".join(words)), roff(description or "")]
    details = []
    if aliases:
        details += [".IP", roff("Aliases: " + ", ".join(aliases))]
    for usage, text in options:
        details += [".TP", ".B " + roff(usage).replace("|", "|\\:"), roff(text)]   # long value lists may break after |
    for option_set in option_sets:
        details += [".IP", roff("Exactly one of: " + ", ".join("--" + name for name in option_set))]
    if example:
        details += [".IP", roff("Example: " + example)]
    return out + ([".RS"] + details + [".RE"] if details else [])


def host_command(words, description):
    """A command the host implements: its options from its help."""
    options = sections(run(*words, "--help")).get("Options", []) if words != ["help"] else []
    return command_entry(words, description, options)


# The date of the page: SOURCE_DATE_EPOCH when set (reproducible builds), else today.
epoch = os.environ.get("SOURCE_DATE_EPOCH")
date = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date() if epoch else datetime.date.today()).isoformat()
root = sections(run("--help"))
version = run("--version").strip()
exit_codes = run("help", "exit-codes")

page = [
    f'.TH M365 1 "{date}" "m365 {version}" "User Commands"',
    ".ds AD l",   # ragged right: option lists hold long words
    ".ad l",
    ".nh",        # no hyphenation: option names and values are typed as printed
    ".SH NAME",
    "m365 \\- manage Microsoft 365 from the command line",
    ".SH SYNOPSIS",
    ".B m365",
    "\\fIcommand\\fR [\\fIoptions\\fR]",
    ".br",
    ".B m365",
    "\\fIservice\\fR \\fIcommand\\fR [\\fIoptions\\fR]",
    ".br",
    ".B m365 \\-\\-version",
    "[\\fB\\-\\-verbose\\fR]",
    ".br",
    ".B m365 help",
    "\\fIcommand\\fR",
    ".SH DESCRIPTION",
    "m365 manages a Microsoft 365 tenant: SharePoint Online, Entra ID and the Microsoft Graph",
    "workloads, with the command names, options and JSON output of the CLI for Microsoft 365.",
    "Each service is a plugin, a shared library loaded through a stable C ABI; the services",
    "described below are those of the plugins installed with this copy of m365.",
    "Results go to stdout, messages for people to stderr.",
    "Option values starting with @ are read from a file (@@ for a literal @).",
    ".PP",
    "\\fBm365\\-emulator\\fR, installed beside m365, is a local Microsoft 365 tenant over HTTPS for",
    "testing scripts offline (\\fBm365\\-emulator \\-\\-help\\fR).",
    ".SH GLOBAL OPTIONS",
    "Every command takes these options.",
]
page += option_lines(root.get("Global options", []))
page += [".TP", ".B \\-\\-version", "Print the version of m365 and exit; with \\fB\\-\\-verbose\\fR, also the plugin ABI and "
         "every plugin found, with its version, or why it was refused."]

page += [".SH COMMANDS", "Commands of m365 itself."]
for words, description in root.get("Commands", []):
    page += host_command(words.split(), description)

probes = []
for name in sorted(os.listdir(plugin_dir)) if os.path.isdir(plugin_dir) else []:
    if name.startswith("libm365-") and name.endswith(".so"):
        probe = json.loads(run("__probe", os.path.join(plugin_dir, name)))
        if "descriptor" in probe:
            probes.append((name, probe))

if probes:
    page += [".SH SERVICES", "The services of the plugins installed in \\fI" + roff(shown_prefix or "PREFIX") +
             "/lib/m365/plugins\\fR. Services that sign in also have the host's \\fBconnect\\fR, "
             "\\fBstatus\\fR and \\fBdisconnect\\fR commands."]
for file_name, probe in probes:
    for service in probe["descriptor"].get("services", []):
        name = service["name"]
        title = name + (" (" + ", ".join(service.get("aliases", [])) + ")" if service.get("aliases") else "")
        page += [".SS " + roff(title),
                 roff(f"{service.get('description', '')}. Plugin {file_name}: {probe['name']} {probe['version']} ({probe['id']}, {probe.get('vendor', '')}).")]
        declared = {command["name"] for command in service.get("commands", [])}
        for words, description in sections(run(name, "--help")).get("Commands", []):
            words = words.split()[2:] if words.startswith("m365 ") else words.split()[1:]
            if " ".join(words) not in declared:
                page += host_command([name, *words], description)
        for command in service.get("commands", []):
            examples = command.get("examples", [])
            page += command_entry(
                [name, *command["name"].split()], command.get("description", ""),
                [descriptor_option(option) for option in command.get("options", [])],
                [option_set.get("options", []) for option_set in command.get("optionSets", [])],
                [f"m365 {name} {alias}" for alias in command.get("aliases", [])],
                examples[0]["command"] if examples else None)

page += [".SH ENVIRONMENT"]
for variable, meaning in [
    ("M365_HOME", "Where settings and state live (default $XDG_CONFIG_HOME/m365, cache in $XDG_CACHE_HOME/m365)."),
    ("M365_PLUGIN_PATH", "Extra plugin directories, colon-separated, absolute."),
    ("M365_DEBUG=plugins", "Explain every plugin loader decision on stderr."),
    ("M365_CA_BUNDLE", "A PEM bundle of trusted certificate authorities (TLS inspection, the emulator)."),
    ("M365_CONNECT_TO", "curl connect-to entries HOST:PORT:TO_HOST:TO_PORT, comma-separated: how scripts reach m365-emulator."),
    ("https_proxy, HTTPS_PROXY, no_proxy", "The proxy, as curl reads them."),
    ("M365_TOKEN_STORE", "auto (default), secret-service or file: where tokens are kept."),
    ("M365_KEYRING_TIMEOUT_MS", "How long to wait for the Secret Service (default 3000)."),
    ("M365_IMDS_ENDPOINT", "Where --authType identity finds the instance metadata service."),
    ("M365_LIBCURL", "The libcurl file to load instead of libcurl.so.4."),
    ("CLIMICROSOFT365_ENTRAAPPID, OFFICE365CLI_AADAPPID", "The app id to sign in with when --appId and the clientId setting are absent."),
    ("CLIMICROSOFT365_TENANT", "The tenant when --tenant and the tenantId setting are absent."),
    ("CLIMICROSOFT365_DEBUG, CLIMICROSOFT365_VERBOSE", "As --debug and --verbose."),
    ("IDENTITY_ENDPOINT, IDENTITY_HEADER", "App Service managed identity (--authType identity)."),
    ("AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN, SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN",
     "Federated identity in Kubernetes, GitHub Actions and Azure DevOps (--authType federatedIdentity)."),
    ("XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME", "The base directories, as the XDG specification defines them."),
]:
    page += [".TP", ".B " + roff(variable), roff(meaning)]

installed = (shown_prefix or "PREFIX") + "/lib/m365/plugins"
page += [".SH FILES"]
for path, meaning in [
    (installed, "The plugins installed with m365" + ("" if shown_prefix else " (PREFIX is the folder above the one holding m365)") +
     "; they win a service over plugins found elsewhere. Removing a file removes its services."),
    ("$XDG_DATA_HOME/m365/plugins", "Plugins of the user (default ~/.local/share/m365/plugins)."),
    ("$M365_HOME/config.json", "Settings (m365 cli config); without M365_HOME, in $XDG_CONFIG_HOME/m365 (default ~/.config/m365), as the files below."),
    ("$M365_HOME/connections.json", "The connections (m365 connection list)."),
    ("$M365_HOME/tokens.json", "Tokens, mode 0600, when the Secret Service does not answer (m365 cli doctor says which store is used)."),
    ("$XDG_CACHE_HOME/m365/plugin-index.json, $XDG_CACHE_HOME/m365/descriptors/", "What the plugins declare, read once per version of each plugin file."),
    ((shown_prefix or "PREFIX") + "/include/m365/m365_plugin.h", "The plugin ABI, for plugin authors: cc $(pkg-config --cflags m365-plugin)."),
]:
    page += [".TP", ".I " + roff(path), roff(meaning)]

page += [".SH EXIT STATUS", ".nf"]
page += [roff(line) for line in exit_codes.rstrip().splitlines()[1:]]
page += [".fi", ".SH SEE ALSO", "\\fBm365\\-emulator \\-\\-help\\fR, \\fBm365 help\\fR \\fIcommand\\fR, \\fBm365 plugin list\\fR"]
print("\n".join(line for line in page if line is not None))
