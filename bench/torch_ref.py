#!/usr/bin/env python3
"""PyTorch reference for pbde's training step, on the CPU.

The same network (a tanh MLP 2 -> W -> ... -> W -> 1, default 64 wide and 3
deep), the same loss (Bradley-Terry reward: -log sigma(sgn (r(a) - r(b))),
sgn = +1 when a was preferred), the same batch (512 pairs, both points of
every pair in one forward pass, as pbde does), the same optimiser (Adam,
lr 3e-3, betas 0.9/0.999, eps 1e-8, cosine schedule) and, with --data, the
same pairs (a CSV from `pbde sample`). One thread unless --threads says
otherwise. Prints the training rate in pairs per second: the median of
--reps repetitions of --steps steps, with [min, max].

With --pbde BIN it also times `BIN train --json --threads 1` with the same
settings and prints the ratio. Without PyTorch it says so (and still times
pbde) and exits 0: the comparison is optional, CI never needs it.

    python3 bench/torch_ref.py --pbde build/pbde
    make bench-compare

make bench-compare runs it with OPENBLAS_NUM_THREADS=1 and without
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, so OpenBLAS chooses its kernels
from cpuid; the line under torch's rate says which it chose (threadpoolctl).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--pairs", type=int, default=32768, help="synthetic pairs without --data")
    ap.add_argument("--steps", type=int, default=200, help="timed steps per repetition")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", help="pairs as CSV from pbde sample (ax,ay,bx,by,y,...)")
    ap.add_argument("--pbde", help="also time this pbde binary and print the ratio")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time by CPU time instead of the wall clock (for a busy machine): "
                         "torch's thread, and pbde's process minus a run with --steps 0")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    return ap.parse_args()


def stats(rates):
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def fmt(s):
    return "%.0f pairs/s [%.0f, %.0f]" % (s["median"], s["min"], s["max"])


def loaded_blas():
    """The BLAS library this process has mapped (torch 'generic' builds use
    the system's libblas.so.3, which may be the slow reference BLAS)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return ", ".join(sorted(os.path.realpath(p) for p in libs)) or "none mapped"
    except OSError:
        return "unknown"


def openblas_kernel():
    """Which OpenBLAS runs and with which kernels and threads, from
    threadpoolctl (None when it or OpenBLAS is absent). OpenBLAS picks its
    kernels from cpuid unless OPENBLAS_CORETYPE names a core."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for lib in threadpool_info():
        if lib.get("internal_api") == "openblas":
            return {"version": lib.get("version"), "architecture": lib.get("architecture"),
                    "threading_layer": lib.get("threading_layer"),
                    "num_threads": lib.get("num_threads"),
                    "coretype_env": os.environ.get("OPENBLAS_CORETYPE")}
    return None


def load_pairs(torch, args):
    """(a, b, sgn) tensors: from the CSV, or synthetic Bradley-Terry pairs
    on a two-Gaussian density (the data do not change the speed)."""
    if args.data:
        rows = []
        with open(args.data) as f:
            header = f.readline().strip().split(",")
            col = {name: i for i, name in enumerate(header)}
            for line in f:
                v = line.split(",")
                rows.append([float(v[col[k]]) for k in ("ax", "ay", "bx", "by", "y")])
        t = torch.tensor(rows, dtype=torch.float32)
        return t[:, 0:2].contiguous(), t[:, 2:4].contiguous(), 2 * t[:, 4] - 1
    g = torch.Generator().manual_seed(1)
    pts = (3.0 * torch.randn(2 * args.pairs, 2, generator=g)).clamp(-6, 6)

    def log_p(x):
        n1 = -((x - torch.tensor([-2.0, -2.0])) ** 2).sum(1) / (2 * 0.25)
        n2 = -(((x - torch.tensor([2.0, 1.5])) / torch.tensor([1.0, 0.6])) ** 2).sum(1) / 2
        return torch.logaddexp(math.log(0.4 / 0.25) + n1, math.log(0.6 / 0.6) + n2)

    a, b = pts[: args.pairs], pts[args.pairs :]
    y = torch.bernoulli(torch.sigmoid(log_p(a) - log_p(b)), generator=g)
    return a, b, 2 * y - 1


def time_torch(torch, args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    a, b, sgn = load_pairs(torch, args)
    n = a.shape[0]
    layers, d_in = [], 2
    for _ in range(args.depth):
        layers += [torch.nn.Linear(d_in, args.width), torch.nn.Tanh()]
        d_in = args.width
    layers.append(torch.nn.Linear(d_in, 1))
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    total = 3000
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / total, 1.0))))
    state = {"perm": torch.randperm(n), "pos": 0}

    def step():
        if state["pos"] + args.batch > n:
            state["perm"], state["pos"] = torch.randperm(n), 0
        idx = state["perm"][state["pos"] : state["pos"] + args.batch]
        state["pos"] += args.batch
        r = net(torch.cat([a[idx], b[idx]])).squeeze(1)
        d = r[: args.batch] - r[args.batch :]
        loss = -torch.nn.functional.logsigmoid(sgn[idx] * d).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        return loss

    clock = time.thread_time if args.cpu_time else time.perf_counter
    for _ in range(20):  # warm-up: allocator, caches, clocks
        step()
    rates = []
    for _ in range(args.reps):
        t0 = clock()
        for _ in range(args.steps):
            loss = step()
        loss.item()
        rates.append(args.steps * args.batch / (clock() - t0))
    return stats(rates)


def run_pbde(args, steps):
    """One `pbde train --json` run: its JSON and the CPU time it used."""
    import resource
    cmd = [args.pbde, "train", "--json", "--threads", "1", "--steps", str(steps),
           "--width", str(args.width), "--depth", str(args.depth),
           "--batch", str(args.batch), "--lr", str(args.lr)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return json.loads(out), cpu


def time_pbde(args):
    """pbde's training rate: pairs_per_s of `pbde train --json` (wall clock
    of the training loop), or with --cpu-time the pairs over the CPU time
    of the run minus that of a run without steps (world, data, metrics)."""
    steps = 1000
    fixed = min(run_pbde(args, 0)[1] for _ in range(3)) if args.cpu_time else 0.0
    rates, kernels = [], "?"
    for _ in range(args.reps):
        out, cpu = run_pbde(args, steps)
        pairs = out["steps"] * args.batch
        rates.append(pairs / (cpu - fixed) if args.cpu_time else out["pairs_per_s"])
        kernels = out.get("kernels", "?")
    return stats(rates), kernels


def main():
    args = parse_args()
    result = {"network": "%dx%d" % (args.width, args.depth), "batch": args.batch,
              "threads": args.threads, "reps": args.reps,
              "clock": "cpu" if args.cpu_time else "wall"}
    try:
        import torch
    except ImportError:
        torch = None
        print("bench/torch_ref.py: PyTorch is not installed for %s: no comparison.\n"
              "  Install it with `apt-get install python3-torch` (Debian/Ubuntu) or "
              "`pip install torch`." % sys.executable,
              file=sys.stderr if args.json else sys.stdout, flush=True)
    if torch is not None:
        result["torch"] = time_torch(torch, args)
        result["torch_version"] = torch.__version__
        result["torch_blas"] = loaded_blas()
        result["openblas"] = openblas_kernel()
    if args.pbde:
        result["pbde"], result["pbde_kernels"] = time_pbde(args)
        if torch is not None:
            result["ratio"] = result["pbde"]["median"] / result["torch"]["median"]
    if args.json:
        print(json.dumps(result))
        return 0
    what = "%s network, batch %d, %d thread%s, median of %d [min, max], %s" % (
        result["network"], args.batch, args.threads, "s" if args.threads > 1 else "", args.reps,
        "by CPU time" if args.cpu_time else "by the wall clock")
    print("training rate, " + what)
    if torch is not None:
        print("  torch %-10s %s   (BLAS: %s)" % (result["torch_version"], fmt(result["torch"]),
                                                result["torch_blas"]))
        ob = result["openblas"]
        if ob:
            print("        OpenBLAS %s, %s kernels, %s, %s thread(s)%s" % (
                ob["version"], ob["architecture"], ob["threading_layer"], ob["num_threads"],
                ", OPENBLAS_CORETYPE=%s" % ob["coretype_env"] if ob["coretype_env"] else ""))
        elif "openblas" not in result["torch_blas"].lower():
            print("        (not OpenBLAS: the anchor is weaker than intended; "
                  "apt-get install libopenblas0-pthread)")
    if args.pbde:
        print("  pbde  %-10s %s   (1 thread)" % (result["pbde_kernels"], fmt(result["pbde"])))
    if "ratio" in result:
        print("  pbde / torch: %.1fx" % result["ratio"])
    elif args.pbde:
        print("  pbde / torch: not measured (PyTorch is not installed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
