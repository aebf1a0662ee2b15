#!/usr/bin/env python3
"""Draws authtray's icons (no dependencies beyond the standard library).

Tray states differ by shape, not only colour, so they read in monochrome and for colour-blind
users: healthy = a key inside a ring, attention = a triangle with "!", broken = a ring with a
cross, neutral (not set up yet, or the first check still running) = a grey ring with three dots. `*-template.png` variants are black on transparent for macOS template images.
Run: python3 icons/make_icons.py  (rewrites the PNGs next to this file)
"""
import math, os, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))

def png(path, size, pixels):
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)

def ring(x, y, r_out, r_in):
    d = math.hypot(x, y)
    return r_in <= d <= r_out

def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))

def in_triangle(x, y):
    # apex up, unit coordinates in [-1, 1]
    return y <= 0.85 and y >= -0.9 + 0 and abs(x) <= (y + 0.9) / 1.75 * 1.0

def shape(kind, x, y):
    """Returns 'fg' / 'bg' / None for a point in [-1,1]^2."""
    if kind == "healthy" or kind == "app":
        if ring(x, y, 0.95, 0.72):
            return "fg"
        # key: bow circle + shaft + bit
        if ring(x + 0.22, y + 0.0, 0.3, 0.12):
            return "fg"
        if -0.0 <= x <= 0.5 and abs(y) <= 0.08:
            return "fg"
        if 0.32 <= x <= 0.42 and 0 <= y <= 0.24:
            return "fg"
        if math.hypot(x, y) < 0.72:
            return "bg"
        return None
    if kind == "attention":
        if in_triangle(x, y):
            inner = in_triangle(x / 0.78, (y - 0.06) / 0.78)
            if not inner:
                return "fg"
            if abs(x) <= 0.08 and (-0.35 <= y <= 0.3 or 0.45 <= y <= 0.6):
                return "fg"
            return "bg"
        return None
    if kind == "broken":
        if ring(x, y, 0.95, 0.72):
            return "fg"
        if math.hypot(x, y) < 0.72:
            if seg_dist(x, y, -0.38, -0.38, 0.38, 0.38) < 0.11 or seg_dist(x, y, -0.38, 0.38, 0.38, -0.38) < 0.11:
                return "fg"
            return "bg"
        return None
    if kind == "neutral":
        if ring(x, y, 0.95, 0.72):
            return "fg"
        if math.hypot(x, y) < 0.72:
            if any(math.hypot(x - cx, y) < 0.13 for cx in (-0.38, 0.0, 0.38)):
                return "fg"
            return "bg"
        return None
    raise ValueError(kind)

COLOURS = {"healthy": (46, 160, 67), "attention": (219, 150, 0), "broken": (207, 34, 46), "neutral": (110, 118, 129), "app": (60, 90, 200)}

def render(kind, size, template):
    ss = 4
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            acc = {"fg": 0, "bg": 0}
            for sj in range(ss):
                for si in range(ss):
                    x = ((i + (si + 0.5) / ss) / size) * 2 - 1
                    y = ((j + (sj + 0.5) / ss) / size) * 2 - 1
                    s = shape(kind, x, y)
                    if s:
                        acc[s] += 1
            n = ss * ss
            fg, bg = acc["fg"] / n, acc["bg"] / n
            if template:
                row.append((0, 0, 0, round(255 * fg)))
            else:
                c = COLOURS[kind]
                a = fg + bg
                if a == 0:
                    row.append((0, 0, 0, 0))
                else:
                    # fg in state colour, bg white
                    r = [round((c[k] * fg + 255 * bg) / a) for k in range(3)]
                    row.append((r[0], r[1], r[2], round(255 * a)))
        rows.append(row)
    return rows

for kind in ("healthy", "attention", "broken", "neutral"):
    png(os.path.join(HERE, f"tray-{kind}.png"), 32, render(kind, 32, False))
    png(os.path.join(HERE, f"tray-{kind}-template.png"), 32, render(kind, 32, True))
for size in (32, 128, 256):
    png(os.path.join(HERE, f"app-{size}.png"), size, render("app", size, False))
