#!/usr/bin/env python3
"""An independent reading of `mosaic inspect`'s analyses (python3 json only).

usage: analyses.py TRACE.json[.gz] INSPECT.json

Reads the Kineto trace itself and recomputes, another way, what mosaic's
analyses report, then compares with INSPECT.json (the output of
`mosaic inspect --json --top 0 TRACE`).  Prints each disagreement and exits 1
when there is one, 0 when all agree.

What is shared with mosaic: the kernel classes (the model's classifier is
tested elsewhere; its verdict per kernel name is read from
INSPECT.json's kernel_stats) and the definitions in traces/traces.h.  What
is not: the reading of the JSON, the step of each GPU event, the arithmetic.
 - times: start round(ts * 1000) ns, end round((ts + dur) * 1000), ties away
   from zero (as tests/data/kineto/expected.py);
 - step: the ProfilerStep#N (cpu_op or user_annotation) that contains the
   launch call's start (the cuda_runtime / cuda_driver event of the same
   correlation), on the launch thread first, else on any thread; a GPU event
   without a launch call uses its own start;
 - breakdown: by set algebra on interval unions (C = compute, M = comm,
   Y = memory): compute |C|, communication |M - C|, memory |Y - C - M|,
   idle window - |C + M + Y|, overlap |M & C|; mosaic sweeps instead;
 - launch queue: for each launch, by brute force, the device's activities
   whose call began earlier and that end after this call began;
 - percentiles: nearest rank; kernel statistics grouped by name.
 - critical path: only checked for what any path must satisfy: its time is
   the steps' windows, and the time it spends in a class's activities is at
   most the time they run inside the steps' windows.
"""
import decimal
import gzip
import json
import sys

D = decimal.Decimal
NAME_KEEP = 4096  # mosaic keeps the first 4096 bytes of a name (import-kineto.c)
ENQUEUE = ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchCooperativeKernel", "cudaMemcpy",
           "cudaMemset", "cuMemcpy", "cuMemset", "cudaGraphLaunch", "cuGraphLaunch")


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    doc = json.loads(raw, parse_float=D, parse_int=D)
    return doc["traceEvents"] if isinstance(doc, dict) else doc


def ns(us):
    return int((us * 1000).quantize(D(1), rounding=decimal.ROUND_HALF_UP))


def pctl(vals):
    v = sorted(vals)
    n = len(v)
    if not n:
        return {"n": 0, "min": -1, "p50": -1, "p90": -1, "p99": -1, "max": -1}
    at = lambda p: v[max(1, -(-p * n // 100)) - 1]
    return {"n": n, "min": v[0], "p50": at(50), "p90": at(90), "p99": at(99), "max": v[-1]}


def union(ivs):
    out = []
    for s, e in sorted(ivs):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def length(u):
    return sum(e - s for s, e in u)


def intersect(a, b):
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append([s, e])
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def read(path, classes):
    events = load(path)
    calls, steps, acts = {}, [], []
    for e in events:
        if e.get("ph") != "X":
            continue
        cat = str(e.get("cat", "")).lower()
        args = e.get("args", {}) or {}
        name = str(e.get("name", ""))
        if cat in ("cuda_runtime", "cuda_driver", "runtime") and "correlation" in args:
            if name.startswith(ENQUEUE):
                calls[int(args["correlation"])] = (ns(e["ts"]), (e.get("pid"), e.get("tid")))
        elif cat in ("cpu_op", "user_annotation", "operator") and name.startswith("ProfilerStep#"):
            steps.append((ns(e["ts"]), ns(e["ts"] + e["dur"]), (e.get("pid"), e.get("tid")),
                          int(name.split("#")[1])))
        elif cat in ("kernel", "gpu_memcpy", "gpu_memset", "memcpy", "memset"):
            dev = args.get("device", e.get("pid"))
            corr = args.get("correlation", -1)
            if cat == "kernel":
                name = name.encode()[:NAME_KEEP].decode(errors="ignore")
                cls = classes.get(name, "unknown")
                kind = {"communication": "comm", "memory": "memory"}.get(cls, "compute")
            else:
                cls = kind = "memory"
            acts.append({"s": ns(e["ts"]), "e": ns(e["ts"] + e["dur"]), "dev": dev, "kind": kind,
                         "name": name.encode()[:NAME_KEEP].decode(errors="ignore"), "kernel": cat == "kernel", "cls": cls,
                         "call": calls.get(int(corr)) if corr != -1 else None, "corr": int(corr)})
    for a in acts:  # calls may come after their kernels in the file
        if a["call"] is None and a["corr"] in calls:
            a["call"] = calls[a["corr"]]
        t, thread = a["call"] if a["call"] else (a["s"], None)
        step = -1
        for s, e, th, n in steps:
            if th == thread and s <= t <= e:
                step = n
        if step < 0:
            for s, e, th, n in sorted(steps):
                if s <= t <= e:
                    step = n
        a["step"] = step
    return acts


def figures(acts):
    out = {"breakdown": {}, "overlap": [0, 0], "windows": 0, "in_windows": {}}
    for step in sorted({a["step"] for a in acts}):
        mine = [a for a in acts if a["step"] == step]
        w0, w1 = min(a["s"] for a in mine), max(a["e"] for a in mine)
        out["windows"] += w1 - w0
        for a in acts:  # any step's activity may run in this step's window
            clip = min(a["e"], w1) - max(a["s"], w0)
            if clip > 0:
                out["in_windows"][a["cls"]] = out["in_windows"].get(a["cls"], 0) + clip
        tot = {"compute_ns": 0, "communication_ns": 0, "memory_ns": 0, "idle_ns": 0}
        for dev in {a["dev"] for a in mine}:
            u = {k: union([(a["s"], a["e"]) for a in mine if a["dev"] == dev and a["kind"] == k])
                 for k in ("compute", "comm", "memory")}
            c, m, y = u["compute"], u["comm"], u["memory"]
            cm = union(c + m)
            tot["compute_ns"] += length(c)
            tot["communication_ns"] += length(cm) - length(c)
            tot["memory_ns"] += length(union(cm + y)) - length(cm)
            tot["idle_ns"] += (w1 - w0) - length(union(cm + y))
            out["overlap"][0] += length(m)
            out["overlap"][1] += length(intersect(m, c))
        out["breakdown"][step] = tot
    launched = [a for a in acts if a["call"]]
    out["latency"] = pctl([a["s"] - a["call"][0] for a in launched])
    queue = []
    for a in launched:
        cs = a["call"][0]
        queue.append(sum(1 for b in launched if b["dev"] == a["dev"] and b["call"][0] < cs
                         and b["e"] > cs))
    out["queue"] = pctl(queue)
    names = {}
    for a in acts:
        if a["kernel"]:
            names.setdefault(a["name"], []).append(a["e"] - a["s"])
    out["kernels"] = {n: pctl(v) for n, v in names.items()}
    return out


def main():
    trace, mine = sys.argv[1], json.load(open(sys.argv[2]))
    classes = {k["name"]: k["class"] for k in mine["kernel_stats"]["kernels"]}
    want = figures(read(trace, classes))
    bad = []

    def check(what, got, exp):
        if got != exp:
            bad.append(f"{what}: mosaic {got}, reference {exp}")

    rows = {r["step"]: r for r in mine["breakdown"] if r["rank"] == 0}
    check("breakdown steps", sorted(rows), sorted(want["breakdown"]))
    for step, tot in want["breakdown"].items():
        for k, v in tot.items():
            check(f"breakdown step {step} {k}", rows.get(step, {}).get(k), v)
    ov = mine["overlap"][0]
    check("overlap", [ov["communication_ns"], ov["overlapped_ns"]], want["overlap"])
    ln = mine["launch"][0]
    for k in ("n", "min", "p50", "p90", "p99", "max"):
        check(f"launch latency {k}", ln["latency_ns"][k], want["latency"][k])
        check(f"launch queue {k}", ln["queue_length"][k], want["queue"][k])
    got = {k["name"]: {x: k["duration_ns"][x] for x in ("n", "min", "p50", "p90", "p99", "max")}
           for k in mine["kernel_stats"]["kernels"]}
    check("kernel names", sorted(got), sorted(want["kernels"]))
    for n, p in want["kernels"].items():
        check(f"kernel '{n[:40]}'", got.get(n), p)
    path = mine["critical_path"][0]
    check("critical path time", path["path_ns"], path["window_ns"])
    check("critical path window", path["window_ns"], want["windows"])
    for c in path["by_category"]:
        most = want["in_windows"].get(c["name"], 0)
        if c["name"] not in ("host", "launch", "sync", "idle") and c["ns"] > most:
            bad.append(f"critical path: {c['name']} {c['ns']} ns > the {most} ns its "
                       "activities run in the steps' windows")
    for b in bad:
        print(b)
    print(f"{sys.argv[1]}: {'agrees' if not bad else str(len(bad)) + ' disagreements'}",
          file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
