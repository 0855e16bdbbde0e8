"""Reads the JSON lines benches/compare.sh wrote: prints ecsnet against moto per line and size
(ratios), the targets of issue 7, startup, memory and seeding; draws docs/performance.png
(throughput and p99 at concurrency 32 against store size).

usage: report.py RESULTS.jsonl [CHART.png]
"""

import json
import sys
from collections import defaultdict

LINES = ["modify", "join-leave", "describe-by-group", "describe-by-id", "noop",
         "describe-by-group-uncached"]


def load(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    bench = {}
    other = defaultdict(dict)
    for r in rows:
        if r.get("line") in LINES:
            bench[(r["server"], r["size"], r["line"], r["concurrency"])] = r
        elif "server" in r:
            other[(r["server"], r["line"])][r.get("size", 0)] = r
        else:
            other[("machine", r["line"])][0] = r
    return bench, other


def sizes_of(bench, server):
    return sorted({k[1] for k in bench if k[0] == server})


def main():
    path = sys.argv[1]
    chart = sys.argv[2] if len(sys.argv) > 2 else "docs/performance.png"
    bench, other = load(path)
    ecs_sizes, moto_sizes = sizes_of(bench, "ecsnet"), sizes_of(bench, "moto")
    for k in ("machine", "machine-after"):
        if ("machine", k) in other:
            print(f"{k}: {other[('machine', k)][0]['uptime'].strip()}")

    print("\n## ecsnet against moto (same run)\n")
    print("| ENIs | line | conc | ecsnet req/s | p50 / p99 ms | moto req/s | p50 / p99 ms | ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size in sorted(set(ecs_sizes) & set(moto_sizes)):
        for line in LINES:
            for c in sorted({k[3] for k in bench if k[1] == size and k[2] == line}):
                e = bench.get(("ecsnet", size, line, c))
                m = bench.get(("moto", size, line.removesuffix("-uncached"), c))
                if not e or not m:
                    continue
                ratio = e["throughput"] / m["throughput"] if m["throughput"] else float("inf")
                print(f"| {size:,} | {line} | {c} | {e['throughput']:,.0f} | "
                      f"{e['p50_ms']:.2f} / {e['p99_ms']:.2f} | {m['throughput']:,.1f} | "
                      f"{m['p50_ms']:.0f} / {m['p99_ms']:.0f} | {ratio:,.0f}x |")

    print("\n## ecsnet by store size\n")
    print("| ENIs | line | conc | req/s | p50 ms | p99 ms | errors |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size in ecs_sizes:
        for line in LINES:
            for c in sorted({k[3] for k in bench if k[1] == size and k[2] == line}):
                e = bench.get(("ecsnet", size, line, c))
                if e:
                    print(f"| {size:,} | {line} | {c} | {e['throughput']:,.0f} | "
                          f"{e['p50_ms']:.2f} | {e['p99_ms']:.2f} | {e['errors']} |")

    print("\n## startup, memory, seeding\n")
    for server in ("ecsnet", "moto"):
        for size, r in sorted(other.get((server, "startup"), {}).items()):
            print(f"{server} cold start at {size:,} ENIs: {r['cold_start_ms']:.0f} ms, "
                  f"idle RSS {r['idle_rss_kb'] / 1024:.1f} MB")
        for size, r in sorted(other.get((server, "rss"), {}).items()):
            disk = f", data dir {r['disk_kb'] / 1024:.0f} MB" if "disk_kb" in r else ""
            print(f"{server} RSS after the bench at {size:,} ENIs: {r['rss_kb'] / 1024:.1f} MB{disk}")
        for size, r in sorted(other.get((server, "seed"), {}).items()):
            enis = r["enis"] if server == "ecsnet" else None
            added = enis if enis is not None else size
            print(f"{server} seeding to {size:,} ENIs: {r['seconds']:.1f} s "
                  f"({added / max(r['seconds'], 1e-9):,.0f} ENIs/s over the step)")

    print("\n## targets (concurrency 32)\n")
    c = 32

    def get(server, size, line):
        r = bench.get((server, size, line, c))
        return r["throughput"] if r else None

    for size in ecs_sizes:
        noop = get("ecsnet", size, "noop")
        for line, share in (("modify", 0.25), ("describe-by-group", 0.40),
                            ("describe-by-group-uncached", 0.40), ("describe-by-id", 0.50)):
            t = get("ecsnet", size, line)
            if t and noop:
                print(f"{size:,}: {line} at {t / noop:.0%} of the no-op ceiling (target {share:.0%})")
        for line in ("modify", "describe-by-group", "describe-by-group-uncached", "describe-by-id"):
            e, m = get("ecsnet", size, line), get("moto", size, line.removesuffix("-uncached"))
            if e and m:
                print(f"{size:,}: {line} {e / m:,.0f}x moto")
        worst = max((bench[k]["p99_ms"], k[2]) for k in bench
                    if k[0] == "ecsnet" and k[1] == size and k[3] == c)
        print(f"{size:,}: worst p99 {worst[0]:.2f} ms ({worst[1]}; target 10 ms)")
    if len(ecs_sizes) > 1:
        small, large = ecs_sizes[0], ecs_sizes[-1]
        for line in ("describe-by-group", "describe-by-group-uncached"):
            a, b = get("ecsnet", small, line), get("ecsnet", large, line)
            if a and b:
                print(f"{line} at {large:,} is {b / a:.0%} of its rate at {small:,} (target 80%)")

    draw(bench, chart)


def draw(bench, chart):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 8), sharex=True)
    colors = dict(zip(LINES, ["tab:blue", "tab:purple", "tab:green", "tab:orange", "tab:gray",
                              "tab:olive"]))
    for server, style in (("ecsnet", "-o"), ("moto", "--s")):
        for line in LINES:
            points = sorted((k[1], r) for k, r in bench.items()
                            if k[0] == server and k[2] == line and k[3] == 32)
            if not points:
                continue
            xs = [p[0] for p in points]
            label = f"{server} {line}"
            top.plot(xs, [p[1]["throughput"] for p in points], style, color=colors[line], label=label)
            bottom.plot(xs, [p[1]["p99_ms"] for p in points], style, color=colors[line], label=label)
    top.set(xscale="log", yscale="log", ylabel="requests/s (concurrency 32)",
            title="ecsnet (solid) and moto (dashed) against store size")
    bottom.set(xscale="log", yscale="log", xlabel="ENIs in the store", ylabel="p99 latency, ms")
    bottom.axhline(10, color="red", linewidth=0.8, linestyle=":")
    top.grid(True, which="both", alpha=0.3)
    bottom.grid(True, which="both", alpha=0.3)
    top.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(chart, dpi=110)
    print(f"\nchart: {chart}")


if __name__ == "__main__":
    main()
