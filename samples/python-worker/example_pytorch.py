#!/usr/bin/env python3
"""Where TbBridgeWriter goes in a PyTorch training loop (needs torch; the end-to-end test runs stream_run.py).

    python3 example_pytorch.py --server http://127.0.0.1:5080 --project vision --run mlp-lr0.05

One writer per process (per rank in DDP: worker=f"rank{rank}"). The calls only queue; the writer's own
thread sends, so the loop never waits on the network. close() (or the with-block's end) waits until the
service has every point on disk, and ends the stream cleanly so the service runs its end-of-run checks.
"""

import argparse
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tbbridge_worker import TbBridgeWriter  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", default="http://127.0.0.1:5080")
    p.add_argument("--project", default="demo")
    p.add_argument("--run", default="pytorch-mlp")
    p.add_argument("--steps", type=int, default=1000)
    args = p.parse_args()
    rank = int(os.environ.get("RANK", "0"))

    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    criterion = nn.CrossEntropyLoss()
    x, y = torch.randn(64, 20), torch.randint(0, 4, (64,))

    # API key: api_key=... or $TBBRIDGE_API_KEY (anonymous is allowed from loopback by default).
    with TbBridgeWriter(args.server, args.project, args.run, worker=f"rank{rank}") as writer:
        for step in range(args.steps):
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e9)
            optimizer.step()

            # Scalars every step: a NaN or Inf here raises a critical nan_inf alert on the service.
            writer.add_scalar("train/loss", loss.item(), step)
            writer.add_scalar("train/grad_norm", grad_norm.item(), step)
            writer.add_scalar("train/lr", optimizer.param_groups[0]["lr"], step)

            # Histograms now and then: bucketed here (NaN/Inf counted apart, as <tag>/nan_count and
            # <tag>/inf_count), so a weight or gradient that goes non-finite raises nan_inf too.
            if step % 100 == 0:
                for name, param in model.named_parameters():
                    writer.add_histogram(f"weights/{name}", param.detach().cpu(), step)
                    if param.grad is not None:
                        writer.add_histogram(f"grads/{name}", param.grad.detach().cpu(), step)
    # Leaving the block: every point acknowledged as durable, or StreamError / TimeoutError raised.


if __name__ == "__main__":
    main()
