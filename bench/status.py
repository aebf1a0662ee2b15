#!/usr/bin/env python3
"""Compare `authtray status --json` with the gateway's `models status --json` on the same store.

For each gateway generation (clawdbot 2026.1.24-3, openclaw 2026.5.28, openclaw 2026.9.6 with
SQLite) this builds a throwaway HOME whose store was written by the gateway itself (three
profiles, an order override), then runs both commands several times and prints median wall
time, median peak RSS, and the ratios. For the SQLite generation it also times authtray's
direct writes beside the gateway's own CLI doing the same.

    bench/status.py [--runs-authtray 30] [--runs-gateway 7] [--runs-writes 5]

Needs GNU time (/usr/bin/time), the oracle (tests/oracle/install.sh) and a release build (cargo build --release -p
authtray-cli); it builds the latter if missing.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE = Path(os.environ.get("BOT_ORACLE_DIR", Path.home() / ".cache/bot-oracle")) / "bin"
AUTHTRAY = ROOT / "target/release/authtray"
GNU_TIME = "/usr/bin/time"

GATEWAYS = [
    ("clawdbot", "clawdbot-oracle", ".clawdbot", "clawdbot.json"),
    ("openclaw-json", "openclaw528-oracle", ".openclaw", "openclaw.json"),
    ("openclaw-sqlite", "openclaw-oracle", ".openclaw", "openclaw.json"),
]


def env_for(home):
    return {"HOME": home, "TMPDIR": home, "PATH": os.environ.get("PATH", ""), "NO_COLOR": "1"}


def measure(argv, env):
    """Wall seconds, peak RSS (KiB) and exit code of one run.

    Peak RSS comes from GNU time: a child forked from this Python process would report the
    Python image's RSS as its own peak through wait4(), inflating small programs tenfold.
    """
    with tempfile.NamedTemporaryFile("r") as out:
        t0 = time.perf_counter()
        p = subprocess.run([GNU_TIME, "-f", "%M %x", "-o", out.name, *argv], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        fields = out.read().split()
    rss, code = (int(fields[-2]), int(fields[-1])) if len(fields) >= 2 else (0, p.returncode)
    return wall, rss, code


def prepare(oracle, state, config):
    home = tempfile.mkdtemp(prefix="authtray-bench-")
    os.makedirs(f"{home}/{state}")
    cfg = {"logging": {"file": f"{home}/gw.log", "consoleLevel": "warn"},
           "agents": {"defaults": {"model": {"primary": "anthropic/claude-opus-4-5"}}}}
    Path(f"{home}/{state}/{config}").write_text(json.dumps(cfg))
    gw = str(ORACLE / oracle)
    for i, (pid, exp) in enumerate([("anthropic:claude-code", "10h"), ("anthropic:setup", "365d"), ("anthropic:static", None)]):
        tok = "sk-ant-oat01-" + chr(ord("A") + i) * 80
        args = [gw, "models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", pid]
        if exp:
            args += ["--expires-in", exp]
        subprocess.run(args, input=f"{tok}\r\n", text=True, env=env_for(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    subprocess.run([gw, "models", "auth", "order", "set", "--provider", "anthropic", "anthropic:setup", "anthropic:claude-code"],
                   env=env_for(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return home


def time_writes(home, oracle, runs):
    """Median seconds of authtray's SQLite writes (direct) beside the gateway CLI doing the same.

    No gateway runs here, so no reload is included; the live suite (bench/live_gateway.sh)
    measures the same writes with the running gateway's reload.
    """
    env = dict(env_for(home), AUTHTRAY_GATEWAY_CLI=str(ORACLE / oracle))
    gw = str(ORACLE / oracle)
    out = []

    def timed(argv, stdin=None):
        t0 = time.perf_counter()
        p = subprocess.run(argv, input=stdin, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
        if p.returncode != 0:
            sys.exit(f"{' '.join(argv[:4])} failed (exit {p.returncode}) in {home}")
        if argv[0] == str(AUTHTRAY) and "--json" in argv:
            writer = json.loads(p.stdout).get("writer")
            if writer != "direct":
                sys.exit(f"{' '.join(argv[1:3])} went through writer {writer!r}, not the direct one, in {home}")
        return time.perf_counter() - t0

    def tok(i):
        return "sk-ant-oat01-" + "W" * 74 + f"{i:06d}"

    paste = ["paste-token", "--provider", "anthropic", "--profile-id", "anthropic:bench", "--expires-in", "30d"]
    order = ["order", "set", "--provider", "anthropic", "anthropic:bench", "anthropic:setup"]
    out.append(("paste-token",
                [timed([str(AUTHTRAY), paste[0], "--json", *paste[1:]], tok(i)) for i in range(runs)],
                [timed([gw, "models", "auth", *paste], tok(100 + i) + "\r\n") for i in range(runs)]))
    out.append(("order set",
                [timed([str(AUTHTRAY), *order[:2], "--json", *order[2:]]) for _ in range(runs)],
                [timed([gw, "models", "auth", *order]) for _ in range(runs)]))
    def cool_down():
        """Sets anthropic:setup aside as the gateway records a 401 (no gateway runs here)."""
        import sqlite3
        db = sqlite3.connect(f"{home}/.openclaw/agents/main/agent/openclaw-agent.sqlite")
        with db:
            (state,) = db.execute("SELECT state_json FROM auth_profile_state WHERE state_key = 'primary'").fetchone()
            doc = json.loads(state)
            until = int(time.time() * 1000) + 3600 * 1000
            doc.setdefault("usageStats", {})["anthropic:setup"] = {"errorCount": 1, "cooldownUntil": until, "failureCounts": {"auth": 1}}
            db.execute("UPDATE auth_profile_state SET state_json = ? WHERE state_key = 'primary'", (json.dumps(doc),))
        db.close()

    clears = []
    for _ in range(runs):
        cool_down()
        clears.append(timed([str(AUTHTRAY), "cooldown", "clear", "--json", "--provider", "anthropic"]))
    out.append(("cooldown clear (the CLI cannot)", clears, None))
    syncs = []
    for i in range(runs):
        creds = {"claudeAiOauth": {"accessToken": "sk-ant-oat01-" + chr(ord("K") + i) * 80, "expiresAt": int(time.time() * 1000) + 12 * 3600 * 1000 + i * 600000, "scopes": ["user:inference", "user:profile"]}}
        os.makedirs(f"{home}/.claude", exist_ok=True)
        Path(f"{home}/.claude/.credentials.json").write_text(json.dumps(creds))
        syncs.append(timed([str(AUTHTRAY), "sync"]))
    out.append(("sync (new Claude Code token)", syncs, None))
    out.append(("sync (already in sync)", [timed([str(AUTHTRAY), "sync"]) for _ in range(runs)], None))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-authtray", type=int, default=30)
    ap.add_argument("--runs-gateway", type=int, default=7)
    ap.add_argument("--runs-writes", type=int, default=5)
    args = ap.parse_args()
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit("GNU time is needed for peak RSS: apt-get install time")
    if not AUTHTRAY.exists():
        subprocess.run(["cargo", "build", "--release", "-p", "authtray-cli"], cwd=ROOT, check=True)
    missing = [o for _, o, _, _ in GATEWAYS if not (ORACLE / o).exists()]
    if missing:
        sys.exit(f"oracle missing ({', '.join(missing)}): run tests/oracle/install.sh")

    print(f"{'generation':<17}{'command':<40}{'runs':>5}{'median wall':>14}{'peak RSS':>12}")
    rows = []
    writes = []
    for name, oracle, state, config in GATEWAYS:
        home = prepare(oracle, state, config)
        env = env_for(home)
        ours = [measure([str(AUTHTRAY), "status", "--json"], env) for _ in range(args.runs_authtray)]
        theirs = [measure([str(ORACLE / oracle), "models", "status", "--json"], env) for _ in range(args.runs_gateway)]
        for label, runs in [("authtray status --json", ours), (f"{oracle} models status --json", theirs)]:
            bad = [c for _, _, c in runs if c != 0]
            if bad:
                sys.exit(f"{label} failed (exit {bad[0]}) in {home}")
            wall = statistics.median(w for w, _, _ in runs)
            rss = statistics.median(r for _, r, _ in runs)
            print(f"{name:<17}{label:<40}{len(runs):>5}{wall * 1000:>11.1f} ms{rss / 1024:>9.1f} MB")
        w_ratio = statistics.median(w for w, _, _ in theirs) / statistics.median(w for w, _, _ in ours)
        r_ratio = statistics.median(r for _, r, _ in theirs) / statistics.median(r for _, r, _ in ours)
        rows.append((name, w_ratio, r_ratio))
        if name == "openclaw-sqlite":
            writes.extend(time_writes(home, oracle, args.runs_writes))
        subprocess.run(["rm", "-rf", home])
    if writes:
        print("\nopenclaw-sqlite writes, authtray direct beside the gateway's own CLI (no reload):")
        for label, ours, theirs in writes:
            line = f"  {label:<32}authtray {statistics.median(ours) * 1000:>7.0f} ms"
            if theirs:
                ratio = statistics.median(theirs) / statistics.median(ours)
                verdict = "meets" if ratio >= 25 else "MISSES"
                line += f"   gateway CLI {statistics.median(theirs):>6.2f} s   {ratio:,.0f}x faster ({verdict} the 25x target)"
            print(line)
    print()
    for name, w, r in rows:
        verdict = "meets" if w >= 1000 and r >= 20 else "MISSES"
        print(f"{name:<17}authtray is {w:,.0f}x faster and uses {r:,.0f}x less memory ({verdict} the 1000x / 20x target)")


if __name__ == "__main__":
    main()
