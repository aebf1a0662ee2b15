#!/usr/bin/env python3
"""Measures the tray app under Xvfb: startup to tray-visible, memory and idle CPU.

Usage: python3 bench/tray.py [--idle SECONDS] [--app target/release/authtray-app]

Starts a throwaway desktop (Xvfb, session bus, openbox, trayer, dunst) and a throwaway HOME
with an openclaw store and a Claude Code login, then reports for all of the app's processes
together (the app and any WebKit children):
  * startup → tray icon visible (wall clock, polled with xdotool every 20 ms)
  * RSS, PSS and private anonymous memory (/proc/PID/smaps_rollup) after IDLE s, window never opened
  * CPU seconds (utime + stime) over those IDLE s
  * the same after opening the window from the tray menu and closing it again, and whether any
    WebKit process outlived the window
Targets (issue #4): <= 40 MB private anonymous with the window closed, < 0.5 s CPU per idle minute.
Needs the packages scripts/setup.sh --test installs. Build first: cargo build --release -p authtray-app
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def memory(pids):
    tot = {"Rss": 0, "Pss": 0, "Anonymous": 0}
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in tot:
                        tot[k] += int(v.split()[0])
        except OSError:
            pass
    return {k: round(v / 1024, 1) for k, v in tot.items()}


def cpu(pids):
    tick = os.sysconf("SC_CLK_TCK")
    s = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            s += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return s / tick


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=int, default=60)
    ap.add_argument("--app", default=os.path.join(ROOT, "target/release/authtray-app"))
    args = ap.parse_args()
    if not os.path.exists(args.app):
        sys.exit(f"{args.app} not found: cargo build --release -p authtray-app")
    work = tempfile.mkdtemp(prefix="authtray-bench-")
    home = os.path.join(work, "home")
    agent = os.path.join(home, ".openclaw/agents/main/agent")
    os.makedirs(agent)
    os.makedirs(os.path.join(home, ".claude"))
    now = int(time.time() * 1000)
    with open(os.path.join(home, ".openclaw/openclaw.json"), "w") as f:
        f.write("{}")
    with open(os.path.join(agent, "auth-profiles.json"), "w") as f:
        json.dump({"version": 1, "profiles": {"anthropic:manual": {"type": "token", "provider": "anthropic",
                   "token": "sk-ant-oat01-" + "A" * 80, "expires": now + 300 * 86400000}}}, f)
    with open(os.path.join(home, ".claude/.credentials.json"), "w") as f:
        json.dump({"claudeAiOauth": {"accessToken": "sk-ant-oat01-" + "L" * 80, "refreshToken": "sk-ant-ort01-x",
                   "expiresAt": now + 8 * 3600000, "scopes": ["user:inference"]}}, f)

    procs = []
    x = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(x)
    env = {"PATH": os.environ["PATH"], "HOME": home, "DISPLAY": ":" + x.stdout.readline().strip()}
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(bus)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    for cmd in (["openbox"], ["dunst", "-config", "/dev/null"],
                ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "120",
                 "--height", "32", "--transparent", "false", "--tint", "0x333333", "--SetDockType", "true"]):
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1)

    def xdo(*a):
        return subprocess.run(["xdotool", *a], env=env, capture_output=True, text=True).stdout.strip()

    report = {}
    try:
        t0 = time.monotonic()
        app = subprocess.Popen([args.app], env={**env, "AUTHTRAY_LOG": "warn"}, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(work, "app.log"), "w"))
        while not xdo("search", "--onlyvisible", "--class", "^tray-icon tray app authtray$"):
            if time.monotonic() - t0 > 60:
                sys.exit("the tray icon did not appear within 60 s")
            time.sleep(0.02)
        report["startup_to_tray_visible_s"] = round(time.monotonic() - t0, 3)

        def idle_phase(label):
            c0 = cpu(tree(app.pid))
            time.sleep(args.idle)
            pids = tree(app.pid)
            report[label] = {
                "processes": sorted(name(p) for p in pids),
                "memory_mb": memory(pids),
                "cpu_s": round(cpu(pids) - c0, 3),
                "cpu_s_per_idle_minute": round((cpu(pids) - c0) * 60 / args.idle, 3),
            }

        idle_phase("idle_window_never_opened")
        icon = xdo("search", "--onlyvisible", "--class", "^tray-icon tray app authtray$").splitlines()[0]
        xdo("mousemove", "--window", icon, "8", "8", "click", "1")
        time.sleep(0.7)
        xdo("key", "--delay", "80", "Down", "Down", "Down", "Return")  # Paste, Sync now, Open authtray…
        t1 = time.monotonic()
        win = ""
        while not win and time.monotonic() - t1 < 30:
            win = xdo("search", "--onlyvisible", "--name", "^authtray$")
            time.sleep(0.05)
        report["window_open_s"] = round(time.monotonic() - t1, 3) if win else None
        time.sleep(3)
        pids = tree(app.pid)
        report["window_open"] = {"processes": sorted(name(p) for p in pids), "memory_mb": memory(pids)}
        if win:
            xdo("windowclose", win.splitlines()[0])
        time.sleep(2)
        idle_phase("idle_after_window_closed")
        leftover = [name(p) for p in tree(app.pid) if "WebKit" in name(p) or "WebKit" in open(f"/proc/{p}/cmdline").read()]
        report["webkit_processes_after_close"] = leftover
        report["alive"] = app.poll() is None
        app.terminate()
        app.wait(timeout=10)
    finally:
        for p in reversed(procs):
            p.kill()
        shutil.rmtree(work, ignore_errors=True)

    closed = report["idle_after_window_closed"]
    report["targets"] = {
        "anon_mb_window_closed_le_40": closed["memory_mb"]["Anonymous"] <= 40 and report["idle_window_never_opened"]["memory_mb"]["Anonymous"] <= 40,
        "cpu_per_idle_minute_lt_0_5": max(closed["cpu_s_per_idle_minute"], report["idle_window_never_opened"]["cpu_s_per_idle_minute"]) < 0.5,
        "webkit_gone_after_close": not report["webkit_processes_after_close"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
