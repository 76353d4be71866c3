#!/usr/bin/python3
"""The PyTorch DDP side of the race of issue 8 (docs/PERFORMANCE.md section 5).

The same work as `dcopt train` with model.name = "cnn": the 184,586-parameter CNN
conv5x5(1->32)-relu-maxpool2 - conv5x5(32->64)-relu-maxpool2 - fc(1024->128)-relu - fc(128->10),
Fashion-MNIST normalized with the train split's mean and standard deviation, 2 worker processes
(gloo on localhost), minibatch 64 per worker from an iid shard, SGD lr 0.05 momentum 0.9, one
intra-op torch thread per worker, N steps, then one evaluation on the full test set.

Modes: plain (DDP's built-in fp32 allreduce, no hook), fp16 (fp16_compress_hook), powersgd
(powerSGD_hook, PowerSGDState(matrix_approximation_rank=4, start_powerSGD_iter=10)).

Prints one JSON object (rank 0's view): step_ms (median, mean, p10, p90 over the steps after the
first 10, with the same index conventions as dcopt's summary.json), test_acc, bytes per worker
per step (what gloo allreduces), and the configuration.

Run with Debian's interpreter: /usr/bin/python3 bench/race/ddp_cnn.py --mode plain --steps 300
"""

import argparse
import gzip
import json
import os
import socket
import sys
import time

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(directory):
    xtr = read_idx(os.path.join(directory, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    ytr = read_idx(os.path.join(directory, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xte = read_idx(os.path.join(directory, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    yte = read_idx(os.path.join(directory, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    # Normalize with the train split's mean and standard deviation over all pixels, as dcopt does.
    mean = float(xtr.mean(dtype=np.float64))
    std = float(xtr.std(dtype=np.float64))
    xtr = (xtr - mean) / std
    xte = (xte - mean) / std
    return xtr[:, None], ytr, xte[:, None], yte, mean, std


def make_cnn(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1024, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def percentiles(ms):
    """dcopt's convention (train_outputs.cpp): skip 10 warm-up steps if more than 20, sort,
    median = t[n/2], p10 = t[n/10], p90 = t[9n/10]."""
    skip = 10 if len(ms) > 20 else 0
    t = sorted(ms[skip:])
    n = len(t)
    return {
        "median": t[n // 2],
        "mean": sum(t) / n,
        "p10": t[n // 10],
        "p90": t[n * 9 // 10],
        "steps": n,
        "warmup_steps_excluded": skip,
    }


def worker(rank, world, args, port, queue):
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    from torch.distributed.algorithms.ddp_comm_hooks import default_hooks
    from torch.distributed.algorithms.ddp_comm_hooks import powerSGD_hook as psgd

    torch.set_num_threads(args.threads)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)

    xtr, ytr, xte, yte, _, _ = load_fashion_mnist(args.data)
    # iid shards: one seeded permutation cut into `world` parts; each worker reshuffles its shard
    # every epoch from (seed, rank, epoch); drop_last.
    perm = np.random.default_rng(args.seed).permutation(len(ytr))
    shard = np.array_split(perm, world)[rank]
    steps_per_epoch = len(shard) // args.batch

    torch.manual_seed(args.seed)  # DDP broadcasts rank 0's initial weights anyway
    model = make_cnn(torch)
    nparams = sum(p.numel() for p in model.parameters())
    ddp = DDP(model)

    # Bytes each worker hands to gloo's allreduce per step. The built-in path allreduces the
    # gradient buckets as fp32: 4 bytes per parameter. Hooks call torch.distributed.all_reduce
    # from Python: count the tensors they pass (numel * element_size).
    allreduced = [0]
    if args.mode != "plain":
        real_all_reduce = dist.all_reduce

        def counting_all_reduce(tensor, *a, **kw):
            allreduced[0] += tensor.numel() * tensor.element_size()
            return real_all_reduce(tensor, *a, **kw)

        dist.all_reduce = counting_all_reduce
    if args.mode == "fp16":
        ddp.register_comm_hook(state=None, hook=default_hooks.fp16_compress_hook)
    elif args.mode == "powersgd":
        state = psgd.PowerSGDState(
            process_group=None,
            matrix_approximation_rank=args.rank,
            start_powerSGD_iter=args.start_iter,
        )
        ddp.register_comm_hook(state, psgd.powerSGD_hook)
    elif args.mode != "plain":
        raise SystemExit("unknown mode " + args.mode)

    opt = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()
    xtr_t = torch.from_numpy(xtr)
    ytr_t = torch.from_numpy(ytr)

    step_ms = []
    bytes_per_step = []
    losses = []
    step = 0
    epoch = 0
    while step < args.steps:
        order = shard[np.random.default_rng([args.seed, rank, epoch]).permutation(len(shard))]
        for b in range(steps_per_epoch):
            if step >= args.steps:
                break
            idx = torch.from_numpy(order[b * args.batch : (b + 1) * args.batch])
            x = xtr_t.index_select(0, idx)
            y = ytr_t.index_select(0, idx)
            before = allreduced[0]
            t0 = time.perf_counter()  # batch in hand
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(ddp(x), y)
            loss.backward()  # DDP's allreduce (or the hook) completes inside backward
            opt.step()
            t1 = time.perf_counter()
            step_ms.append(1e3 * (t1 - t0))
            bytes_per_step.append(allreduced[0] - before if args.mode != "plain" else 4 * nparams)
            losses.append(loss.item())
            step += 1
        epoch += 1

    result = None
    if rank == 0:
        model.eval()
        correct = 0
        test_loss = 0.0
        with torch.no_grad():
            for i in range(0, len(yte), 1000):
                out = model(torch.from_numpy(xte[i : i + 1000]))
                yb = torch.from_numpy(yte[i : i + 1000])
                test_loss += torch.nn.functional.cross_entropy(out, yb, reduction="sum").item()
                correct += int((out.argmax(1) == yb).sum())
        result = {
            "side": "ddp",
            "mode": args.mode,
            "torch": torch.__version__,
            "workers": world,
            "params": nparams,
            "steps": args.steps,
            "batch": args.batch,
            "seed": args.seed,
            "threads": args.threads,
            "step_ms": percentiles(step_ms),
            "bytes_per_worker_per_step": sum(bytes_per_step) / len(bytes_per_step),
            "bytes_per_worker_per_step_last": bytes_per_step[-1],
            "train_loss_last10": sum(losses[-10:]) / len(losses[-10:]),
            "test_acc": correct / len(yte),
            "test_loss": test_loss / len(yte),
        }
        if args.mode == "powersgd":
            result["powersgd"] = {"rank": args.rank, "start_powerSGD_iter": args.start_iter}
        queue.put(result)
    dist.barrier()
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["plain", "fp16", "powersgd"], default="plain")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--rank", type=int, default=4, help="PowerSGD matrix_approximation_rank")
    p.add_argument("--start-iter", type=int, default=10, help="PowerSGD start_powerSGD_iter")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads per worker")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch.multiprocessing as mp

    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.start_processes(worker, args=(args.workers, args, free_port(), queue),
                       nprocs=args.workers, join=True, start_method="spawn")
    result = queue.get()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
