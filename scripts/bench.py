#!/usr/bin/env python3
"""Start-up benchmarks: median wall time and peak memory (max RSS) of m365 commands over
repeated runs, each beside /bin/true measured in the same run. Usage: bench.py PREFIX [RUNS]."""
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time


def measure(argv, env, runs):
    """Median wall seconds (fork+exec+exit) and the largest max-RSS in KiB over `runs` runs."""
    walls, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ])
        _, status, usage = os.wait4(pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(argv)} exited with {os.waitstatus_to_exitcode(status)}")
    return statistics.median(walls), max(peaks)


def main():
    prefix = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 51
    m365 = os.path.join(prefix, "bin", "m365")
    home = tempfile.mkdtemp(prefix="m365-bench-")
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "M365_HOME": home + "/m365", "XDG_DATA_HOME": home + "/share"}
    # Warm the plugin index once, as any second run of m365 would find it.
    subprocess.run([m365, "plugin", "list"], env=env, stdout=subprocess.DEVNULL, check=True)

    cases = [
        ("m365 --version", [m365, "--version"], 10),
        ("m365 --help", [m365, "--help"], 20),
        ("m365 spo -h", [m365, "spo", "-h"], 10),
        ("m365 plugin list", [m365, "plugin", "list"], None),
    ]
    print(f"# m365 start-up, {runs} runs each, {time.strftime('%Y-%m-%d')}, "
          f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}")
    print(f"{'command':<20} {'median ms':>10} {'peak RSS MiB':>13} {'/bin/true ms':>13} {'target ms':>10}")
    failed = False
    for name, argv, target in cases:
        true_wall, _ = measure(["/bin/true"], env, runs)
        wall, peak = measure(argv, env, runs)
        verdict = ""
        if target is not None:
            verdict = f"{target:>10}" + ("" if wall * 1000 <= target else "  MISSED")
            failed |= wall * 1000 > target
        print(f"{name:<20} {wall * 1000:>10.2f} {peak / 1024:>13.1f} {true_wall * 1000:>13.2f} {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
