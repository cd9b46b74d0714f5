#!/usr/bin/env python3
"""A synthetic training run streamed with TbBridgeWriter: what the end-to-end test runs (no torch needed).

    python3 stream_run.py --server http://127.0.0.1:5080 --project demo --run synthetic --steps 2000 --nan-from 1500

Per step: train/loss (2 exp(-step/500) + 0.01, NaN from --nan-from on), train/accuracy (step/steps) and
train/lr (0.1); every --histogram-every steps a histogram weights/fc1.weight of 256 values. Prints a JSON
progress line every 100 steps and a last one with the totals, then exits 0 once close() returned (every
point acknowledged as durable), 2 if the service refused the stream, 3 if the acks did not come in time.
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tbbridge_worker import StreamError, TbBridgeWriter  # noqa: E402


def loss_at(step, nan_from):
    return math.nan if nan_from is not None and step >= nan_from else 2.0 * math.exp(-step / 500.0) + 0.01


def weights_at(step, n=256):
    return [math.sin(step * 0.01 + i) * (1 + step / 1000.0) for i in range(n)]


def main():
    p = argparse.ArgumentParser(description="Stream a synthetic run to a TbBridge service.")
    p.add_argument("--server", default="http://127.0.0.1:5080")
    p.add_argument("--api-key", default=None)
    p.add_argument("--ca-file", default=None, help="PEM file of a private CA to trust for an https:// server")
    p.add_argument("--project", default="demo")
    p.add_argument("--run", default="synthetic")
    p.add_argument("--worker", default="rank0")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--nan-from", type=int, default=None)
    p.add_argument("--histogram-every", type=int, default=100)
    p.add_argument("--pace", type=float, default=0.0, help="seconds to sleep per step (a training step's time)")
    p.add_argument("--batch-points", type=int, default=512)
    p.add_argument("--close-timeout", type=float, default=120.0)
    p.add_argument("--stream-id", default=None, help="continue this stream (a restarted worker); default a new one")
    p.add_argument("--first-step", type=int, default=0)
    args = p.parse_args()

    def on_event(kind, detail):
        print(json.dumps({"event": kind, "detail": detail}), flush=True)

    writer = TbBridgeWriter(args.server, args.project, args.run, args.worker, api_key=args.api_key, stream_id=args.stream_id,
                            max_batch_points=args.batch_points, max_batch_delay=0.05, on_event=on_event,
                            root_certificates=open(args.ca_file, "rb").read() if args.ca_file else None)
    points = 0
    try:
        for step in range(args.first_step, args.first_step + args.steps):
            writer.add_scalar("train/loss", loss_at(step, args.nan_from), step)
            writer.add_scalar("train/accuracy", step / args.steps, step)
            writer.add_scalar("train/lr", 0.1, step)
            points += 3
            if args.histogram_every and step % args.histogram_every == 0:
                writer.add_histogram("weights/fc1.weight", weights_at(step), step)
                points += 1
            if step % 100 == 0:
                print(json.dumps({"step": step, "acked_sequence": writer.acked_sequence,
                                  "unacked_batches": writer.unacked_batches}), flush=True)
            if args.pace:
                time.sleep(args.pace)
        writer.close(timeout=args.close_timeout)
    except StreamError as e:
        print(json.dumps({"error": str(e)}), flush=True)
        return 2
    except TimeoutError as e:
        print(json.dumps({"error": str(e)}), flush=True)
        return 3
    print(json.dumps({"done": True, "points": points, "batches": writer.acked_sequence,
                      "reconnects": writer.reconnects, "stream_id": writer.stream_id}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
