#!/usr/bin/env python3
"""make soak: run m365 commands again and again against the local emulator while it injects faults
(429 with Retry-After, 503, connection resets, truncated bodies, HTML error pages: about 30% of the
requests), and check every run against the truth fetched without faults.

Usage: soak.py PREFIX [RUNS]   (RUNS per command, default 20)

Environment: SOAK_SEED (fault seed, default 13), SOAK_MAX_SECONDS (wall-time budget of the runs,
default 1200; the runs stop when it is spent), SOAK_RUN_TIMEOUT (seconds one run may take, default
120), SOAK_LOG (where the per-run records go, default a new file in the temp directory), SOAK_SHORT_RETRIES
(the `httpRetries` setting of the short-retry rows, default 1).

The commands run with m365's settings as installed (httpRetries 5), which is what a user sees: a
GET is retried until it gets through, so a listing is rarely cut. The three listings are also run
with httpRetries set low (a second private configuration, same tokens), so the soak also goes down
the path where the retries run out in the middle of a listing, and checks what is left on stdout.

Every run is classified:
  correct          exit 0 and stdout is complete and equal to the truth
  good failure     exit != 0, stdout not complete-looking, stderr one line `Error: …`
  other failure    exit != 0 and anything else on stderr (several lines, no `Error:`)
  WRONG            stdout looks complete (parses as the whole result) but is not the truth,
                   whatever the exit code; or exit 0 for a write that created nothing
  exit 0, incomplete  exit 0 but stdout does not parse as the complete result
  crash            killed by a signal, or `Fatal error`/a backtrace on stderr
  timeout          still running after SOAK_RUN_TIMEOUT (killed)
Writes are counted on the emulator afterwards (faults off): each run's object has its own name,
so two objects with one name are a duplicated write.

Exits 1 when anything WRONG, exit 0 incomplete, a duplicated write, a crash or a timeout happened;
2 when a run without faults is not correct (then the soak's own checks are wrong).
Only loopback traffic: every host is sent to the emulator (M365_CONNECT_TO), which listens on
127.0.0.1."""
import collections
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the emulator wrapper is shared with the benchmarks)

APP_ID = "dccb2514-078b-4158-a8c5-9c9238e27952"
ADMIN, PASSWORD = "admin@contoso.onmicrosoft.com", "Adm1n!Passw0rd"
SITE = "https://contoso.sharepoint.com"
WRITE_LIST = "Soak writes"
EXTRA_USERS = 2_500        # + 5 seeded: 3 pages of 999 for `aad user list`, 6 of 500 for `request`
EXTRA_ITEMS = 11_000       # + 3 seeded in Tasks: 3 pages of 5,000 for `spo listitem list`

# The fault mix, in the emulator's `--fault` syntax. Every rule draws on its own, in this order, and
# the first that fires wins: 1 - .92·.93·.93·.93·.94 ≈ 30% of the requests get a fault.
FAULTS = [
    "429:rate=0.08,retry-after=1",
    "503:rate=0.07,retry-after=1",
    "reset:rate=0.07",
    "truncate:rate=0.07",
    "html:rate=0.06,status=502",
]

CRASH = re.compile(r"Fatal error|Program crashed|Stack dump|Backtrace|Current stack trace|Segmentation fault|"
                   r"Illegal instruction|Thread \d+ crashed|SIGSEGV|SIGILL|SIGABRT|SIGBUS")


class Emulator(bench.Emulator):
    """m365-emulator in the background, and a small HTTPS client for its admin API and for reading
    the truth (the requests go to 127.0.0.1 with the service's Host header, verified against its CA)."""

    def __init__(self, prefix, workdir, seed):
        super().__init__(prefix, workdir, ["--host", "127.0.0.1", "--random-seed", str(seed)])
        self.context = ssl.create_default_context(cafile=self.env["M365_CA_BUNDLE"])
        self.tokens = {}

    def call(self, method, url, body=None, headers=None):
        """(status, parsed JSON or text) of one request to the emulator."""
        parts = urllib.parse.urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        headers = dict(headers or {}, Host=parts.hostname)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=60)
        try:
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode()
        finally:
            conn.close()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, data

    def admin(self, method, path, body=None):
        status, data = self.call(method, "https://login.microsoftonline.com/_emulator/" + path, body)
        if status >= 300:
            raise RuntimeError(f"{method} /_emulator/{path}: {status} {data}")
        return data

    def token(self, resource):
        """An access token of the admin for `resource`, straight from the token endpoint (password grant)."""
        if resource not in self.tokens:
            form = urllib.parse.urlencode({"client_id": APP_ID, "grant_type": "password", "username": ADMIN,
                                           "password": PASSWORD, "scope": resource + "/.default"})
            status, data = self.call("POST", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
            if status != 200:
                raise RuntimeError(f"token for {resource}: {status} {data}")
            self.tokens[resource] = data["access_token"]
        return self.tokens[resource]

    def get_all(self, url, resource, accept="application/json", next_key="@odata.nextLink"):
        """Every item of a paged collection, following next links."""
        items = []
        while url:
            status, data = self.call("GET", url, headers={"Authorization": "Bearer " + self.token(resource), "Accept": accept})
            if status != 200:
                raise RuntimeError(f"GET {url}: {status} {str(data)[:300]}")
            items += data["value"]
            url = data.get(next_key)
        return items


# --- the truth, read from the emulator without faults ------------------------------------------

def truth_users(emu):
    return [u["id"] for u in emu.get_all("https://graph.microsoft.com/v1.0/users?$select=id&$top=999", "https://graph.microsoft.com")]


def truth_items(emu, title):
    url = f"{SITE}/_api/web/lists/GetByTitle('{urllib.parse.quote(title)}')/items?$select=Id,Title&$top=5000"
    return emu.get_all(url, SITE, "application/json;odata=nometadata", "odata.nextLink")


def created_groups(emu):
    url = "https://graph.microsoft.com/v1.0/groups?$select=id,displayName&$top=999"
    return [(g["displayName"], g["id"]) for g in emu.get_all(url, "https://graph.microsoft.com")]


def created_todo_tasks(emu):
    lists = emu.get_all("https://graph.microsoft.com/v1.0/me/todo/lists", "https://graph.microsoft.com")
    default = next(x for x in lists if x.get("wellknownListName") == "defaultList")
    url = f"https://graph.microsoft.com/v1.0/me/todo/lists/{default['id']}/tasks?$top=999"
    return [(t["title"], t["id"]) for t in emu.get_all(url, "https://graph.microsoft.com")]


def created_list_items(emu):
    return [(i["Title"], str(i["Id"])) for i in truth_items(emu, WRITE_LIST)]


# --- the commands --------------------------------------------------------------------------------

class ListCommand:
    """A read whose stdout is a JSON array; the truth is the multiset of the items' ids."""
    write = False

    def __init__(self, name, argv, id_key, truth, profile="default"):
        self.name, self.argv, self.id_key, self.truth, self.profile = name, argv, id_key, truth, profile
        self.expected = None

    def args(self, marker):
        return self.argv

    def check(self, stdout):
        """(looks complete, equals the truth, what differs)."""
        try:
            value = json.loads(stdout)
        except ValueError:
            return False, False, f"stdout is not complete JSON ({len(stdout)} bytes)"
        if not isinstance(value, list):
            return False, False, "stdout is JSON but not an array"
        try:
            ids = collections.Counter(str(x[self.id_key]) for x in value)
        except (TypeError, KeyError):
            return True, False, f"an item without {self.id_key}"
        if ids == self.expected:
            return True, True, ""
        missing = sum((self.expected - ids).values())
        extra = sum((ids - self.expected).values())
        return True, False, f"{len(value)} items, truth {sum(self.expected.values())} ({missing} missing, {extra} extra or repeated)"


class WriteCommand:
    """A write whose stdout is the created object; each run names its object `marker`, and the
    objects are counted on the emulator after the runs."""
    write = True

    def __init__(self, name, argv, id_key, created):
        self.name, self.argv, self.id_key, self.created = name, argv, id_key, created
        self.profile = "default"

    def args(self, marker):
        return [a.replace("{marker}", marker) for a in self.argv]

    def check(self, stdout):
        """(looks complete, object id or None, what is wrong); the count comes later."""
        try:
            value = json.loads(stdout)
        except ValueError:
            return False, None, f"stdout is not complete JSON ({len(stdout)} bytes)"
        if not isinstance(value, dict) or self.id_key not in value:
            return True, None, f"stdout is JSON but not an object with {self.id_key}"
        return True, str(value[self.id_key]), ""


def commands(m365, short):
    users = [m365, "aad", "user", "list"]
    items = [m365, "spo", "listitem", "list", "--webUrl", SITE, "--listTitle", "Tasks"]
    request = [m365, "request", "--url", "@graph/users?$select=id,displayName&$top=500", "--all"]
    return [
        ListCommand("aad user list", users, "id", "users"),
        ListCommand("spo listitem list", items, "Id", "items"),
        ListCommand("request --url @graph/users --all", request, "id", "users"),
        WriteCommand("aad group add", [m365, "aad", "group", "add", "--displayName", "{marker}", "--type", "security"], "id",
                     created_groups),
        WriteCommand("spo listitem add", [m365, "spo", "listitem", "add", "--webUrl", SITE, "--listTitle", WRITE_LIST, "--Title", "{marker}"],
                     "Id", created_list_items),
        WriteCommand("todo task add", [m365, "todo", "task", "add", "--listName", "Tasks", "--title", "{marker}"], "id",
                     created_todo_tasks),
        ListCommand(f"aad user list (httpRetries {short})", users, "id", "users", "short"),
        ListCommand(f"spo listitem list (httpRetries {short})", items, "Id", "items", "short"),
        ListCommand(f"request --url @graph/users --all (httpRetries {short})", request, "id", "users", "short"),
    ]


def run(argv, env, timeout):
    """One run: exit code (negative: signal), stdout, stderr, wall seconds, timed out."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        timed_out = True
    except BaseException:  # Ctrl-C: the run is in its own session and would not get the SIGINT
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"), time.monotonic() - start, timed_out


def classify_failure(code, stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code != 0 and len(lines) == 1 and lines[0].startswith("Error: "):
        return "good failure"
    return "other failure"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    prefix = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    seed = int(os.environ.get("SOAK_SEED", "13"))
    budget = float(os.environ.get("SOAK_MAX_SECONDS", "1200"))
    run_timeout = float(os.environ.get("SOAK_RUN_TIMEOUT", "120"))
    log_path = os.environ.get("SOAK_LOG") or os.path.join(tempfile.gettempdir(), f"m365-soak-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
    m365 = os.path.join(prefix, "bin", "m365")
    work = tempfile.mkdtemp(prefix="m365-soak-")
    env = {"PATH": "/usr/bin:/bin", "HOME": work, "M365_HOME": work + "/m365", "M365_TOKEN_STORE": "file",
           "XDG_CONFIG_HOME": work + "/config", "XDG_CACHE_HOME": work + "/cache", "XDG_DATA_HOME": work + "/share",
           "LANG": "C.UTF-8"}
    emu = Emulator(prefix, work, seed)
    env.update(M365_CONNECT_TO=emu.env["M365_CONNECT_TO"], M365_CA_BUNDLE=emu.env["M365_CA_BUNDLE"])
    try:
        sys.exit(soak(prefix, m365, env, emu, runs, seed, budget, run_timeout, log_path))
    finally:
        emu.stop()
        shutil.rmtree(work, ignore_errors=True)


def soak(prefix, m365, env, emu, runs, seed, budget, run_timeout, log_path):
    # Sign in and prepare the tenant, without faults.
    def setup(*argv):
        subprocess.run([m365, *argv], env=env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=120)
    setup("login", "--authType", "password", "--appId", APP_ID, "--tenant", "contoso.onmicrosoft.com",
          "--userName", ADMIN, "--password", PASSWORD)
    setup("spo", "set", "--url", SITE)
    setup("spo", "list", "add", "--webUrl", SITE, "--title", WRITE_LIST)
    emu.admin("POST", "directory/users", {"count": EXTRA_USERS, "prefix": "soak"})
    emu.admin("POST", "sharepoint/items", {"site": SITE, "list": "Tasks", "count": EXTRA_ITEMS, "prefix": "soak"})
    users = collections.Counter(truth_users(emu))
    items = collections.Counter(str(i["Id"]) for i in truth_items(emu, "Tasks"))
    short = os.environ.get("SOAK_SHORT_RETRIES", "1")
    cmds = commands(m365, short)
    for c in cmds:
        if not c.write:
            c.expected = {"users": users, "items": items}[c.truth]
    # The short-retry profile: a copy of the signed-in configuration (tokens in its tokens.json)
    # with httpRetries set low.
    envs = {"default": env, "short": dict(env, M365_HOME=env["M365_HOME"] + "-short")}
    shutil.copytree(env["M365_HOME"], envs["short"]["M365_HOME"])
    subprocess.run([m365, "cli", "config", "set", "--key", "httpRetries", "--value", short], env=envs["short"], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=60)

    # One run of each without faults: the checks must call it correct, or the soak itself is wrong.
    for c in cmds:
        code, out, err, _, _ = run(c.args("soak-baseline"), envs[c.profile], run_timeout)
        complete, right, why = c.check(out)
        if c.write:
            right = right is not None and sum(1 for name, _ in c.created(emu) if name == "soak-baseline") == 1
        if code != 0 or not complete or not right:
            print(f"baseline run without faults failed: {c.name}: exit {code}, {why} {err.strip()[:300]}", file=sys.stderr)
            return 2

    print(f"# m365 fault soak, {time.strftime('%Y-%m-%d %H:%M')}: {runs} runs per command, fault seed {seed}\n")
    print(f"Truth (read without faults): {sum(users.values()):,} users, {sum(items.values()):,} items in Tasks.")
    print("Faults (`--fault`, each drawn in turn, about 30% of requests in all): " + ", ".join(f"`{f}`" for f in FAULTS) + "\n")
    for spec in FAULTS:
        emu.admin("POST", "faults", {"spec": spec})

    # The runs, round robin over the commands so a spent budget cuts them all alike. Each run
    # reseeds the fault generator, so run i of command c meets the same faults every time.
    records = []
    deadline = time.monotonic() + budget
    stopped_early = False
    log = open(log_path, "w")
    for i in range(runs):
        for ci, c in enumerate(cmds):
            if time.monotonic() > deadline:
                stopped_early = True
                break
            run_seed = seed * 100_000 + ci * 1_000 + i
            emu.admin("POST", "faults", {"randomSeed": run_seed})
            emu.admin("DELETE", "requests")
            marker = f"soak-{ci}-{i:03d}"
            argv = c.args(marker)
            code, out, err, wall, timed_out = run(argv, envs[c.profile], run_timeout)
            sent = emu.admin("GET", "requests")["value"]
            complete, right, why = c.check(out)
            rec = {"command": c.name, "profile": c.profile, "run": i, "seed": run_seed, "marker": marker, "argv": argv[1:], "exit": code,
                   "wall": round(wall, 3), "timedOut": timed_out, "complete": complete, "why": why,
                   "stdoutBytes": len(out), "stdoutTail": out[-200:], "stderr": err[-2000:],
                   "requests": len(sent), "faults": [f"{r['fault']} {r['method']} {r['host']}{r['target'][:120]}" for r in sent if r.get("fault")],
                   "crash": (code < 0 and not timed_out) or bool(CRASH.search(err))}
            if c.write:
                rec["objectId"] = right
            else:
                rec["right"] = right
            records.append(rec)
        if stopped_early:
            break
    emu.admin("DELETE", "faults")

    # Count the writes on the emulator, faults off.
    for c in cmds:
        if not c.write:
            continue
        made = collections.defaultdict(list)
        for name, oid in c.created(emu):
            made[name].append(oid)
        for rec in records:
            if rec["command"] == c.name:
                rec["created"] = made.get(rec["marker"], [])
                rec["duplicates"] = max(0, len(rec["created"]) - 1)

    # Classify.
    for rec in records:
        code = rec["exit"]
        if rec["crash"]:
            rec["outcome"] = "crash"
        elif rec["timedOut"]:
            rec["outcome"] = "timeout"
        elif "created" in rec:
            n, oid = len(rec["created"]), rec["objectId"]
            if rec["complete"] and oid is not None and n >= 1 and oid in rec["created"] and code == 0:
                rec["outcome"] = "correct"
            elif rec["complete"] and (oid is None or oid not in rec["created"]):
                rec["outcome"] = "WRONG"
                rec["why"] = rec["why"] or f"printed object {oid}, emulator has {rec['created']}"
            elif code == 0 and n == 0:
                rec["outcome"] = "WRONG"
                rec["why"] = rec["why"] or "exit 0 but nothing was created"
            elif code == 0:
                rec["outcome"] = "exit 0, incomplete"
            else:
                rec["outcome"] = classify_failure(code, rec["stderr"])
        elif rec["complete"] and not rec["right"]:
            rec["outcome"] = "WRONG"
        elif code == 0:
            rec["outcome"] = "correct" if rec["right"] else "exit 0, incomplete"
        else:
            rec["outcome"] = classify_failure(code, rec["stderr"])
        log.write(json.dumps(rec) + "\n")
    log.close()

    # Report.
    outcomes = ["correct", "good failure", "other failure", "WRONG", "exit 0, incomplete", "crash", "timeout"]
    print("| command | runs | correct | good failure (exit ≠ 0, one `Error:` line) | other failure | complete-looking but WRONG "
          "| exit 0, incomplete | duplicated writes | crashes | timeouts | requests (faulted) | median s |")
    print("|---|" + "---|" * 11)
    totals = collections.Counter()

    def line(name, recs):
        counts = collections.Counter(r["outcome"] for r in recs)
        dup = sum(r.get("duplicates", 0) for r in recs)
        dup_text = str(dup) if any("created" in r for r in recs) else "–"
        req = sum(r["requests"] for r in recs)
        faulted = sum(len(r["faults"]) for r in recs)
        wall = statistics.median(r["wall"] for r in recs) if recs else 0
        print(f"| {name} | {len(recs)} | " + " | ".join(str(counts[o]) for o in outcomes[:5]) + f" | {dup_text} | {counts['crash']} | "
              f"{counts['timeout']} | {req} ({faulted}, {faulted / max(req, 1):.0%}) | {wall:.2f} |")
        return counts, dup

    for c in cmds:
        counts, dup = line(f"`{c.name}`", [r for r in records if r["command"] == c.name])
        totals.update(counts)
        totals["duplicates"] += dup
    line("**total**", records)

    writes = [c for c in cmds if c.write]
    print("\n| write | runs | reported success (exit 0) | objects created | runs with duplicates | created though the run failed | success but nothing created |")
    print("|---|---|---|---|---|---|---|")
    for c in writes:
        recs = [r for r in records if r["command"] == c.name]
        print(f"| `{c.name}` | {len(recs)} | {sum(r['exit'] == 0 for r in recs)} | {sum(len(r['created']) for r in recs)} | "
              f"{sum(r['duplicates'] > 0 for r in recs)} | {sum(r['exit'] != 0 and len(r['created']) > 0 for r in recs)} | "
              f"{sum(r['exit'] == 0 and not r['created'] for r in recs)} |")

    bad = [r for r in records if r["outcome"] in ("WRONG", "exit 0, incomplete", "crash", "timeout") or r.get("duplicates")]
    other = [r for r in records if r["outcome"] == "other failure"]
    if bad:
        print(f"\n{len(bad)} bad runs. To meet a run's faults again: add the faults above (`POST /_emulator/faults` "
              "`{\"spec\": …}`), then `POST /_emulator/faults {\"randomSeed\": SEED}` just before the command, signed in with "
              "the token (and SharePoint digest) cached:\n")
        for r in bad:
            dup = f", {len(r['created'])} objects created" if r.get("duplicates") else ""
            first = next((l for l in r["stderr"].splitlines() if l.strip()), "")
            print(f"- {r['outcome']}{dup}: {r['command']}: `m365 {' '.join(quote(a) for a in r['argv'])}` (run {r['run']}, SEED {r['seed']}): exit {r['exit']}"
                  f"{', ' + r['why'] if r['why'] else ''}; stderr: `{first[:200]}`; faults met: {'; '.join(r['faults']) or 'none'}")
    if other:
        print(f"\nOther failures (stderr not one `Error:` line), first {min(len(other), 5)}:\n")
        for r in other[:5]:
            print(f"- `{r['command']}` run {r['run']} (exit {r['exit']}): `{r['stderr'].strip()[:300]!r}`")
    if stopped_early:
        print(f"\nThe wall-time budget ({budget:.0f} s, SOAK_MAX_SECONDS) ran out: {len(records)} of {runs * len(cmds)} runs done.")
    print(f"\nPer-run records: {log_path}")
    failed = totals["WRONG"] + totals["exit 0, incomplete"] + totals["crash"] + totals["timeout"] + totals["duplicates"]
    print("\nResult: " + ("FAILED: " + ", ".join(f"{n} {k}" for k, n in [
        ("complete-looking but wrong", totals["WRONG"]), ("exit 0 with incomplete output", totals["exit 0, incomplete"]),
        ("crashes", totals["crash"]), ("timeouts", totals["timeout"]), ("duplicated writes", totals["duplicates"])] if n)
        if failed else "passed: no wrong output, no duplicated write, no crash"))
    return 1 if failed else 0


def quote(arg):
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    main()
