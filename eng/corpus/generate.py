#!/usr/bin/env python3
"""Generate a labelled corpus of real, small training runs for TbBridge's analysis engine (issue 22).

Each run trains a small PyTorch model on the CPU on one of scikit-learn's bundled data sets and logs it with
PyTorch's own torch.utils.tensorboard.SummaryWriter, in one of four logging habits, with at most one injected fault.
The generator writes what it did (spec.json); what each run *shows* is decided afterwards by check_labels.py, which
reads the event files back and writes label.json and the corpus's labels.json.

Needs: python3-torch, python3-sklearn and TensorBoard's Python package (torch.utils.tensorboard imports it).
Usage: generate.py [--out DIR] [--only SUBSTRING] [--seed N]     (default DIR: /tmp/tbbridge-corpus)
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_diabetes, load_digits
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.scalar.summary_v2 import scalar_pb
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from torch.utils.tensorboard import SummaryWriter

# Folds: by model family and logging habit. The rules may be tuned on one fold, never on the other.
FOLDS = {
    "A": {"families": ["mlp", "cnn"], "habits": ["plain", "lightning"]},
    "B": {"families": ["gru", "regression", "autoencoder"], "habits": ["trainer", "minimal", "keras"]},
}
CLASSIFIERS = {"mlp", "cnn", "gru"}

FAULTS = ["lr_too_high", "nan_batch", "dead_relu", "vanishing", "exploding_init", "loss_spike", "overfitting",
          "heavy_dropout", "collapse", "stuck_lr"]
HEALTHY = ["constant", "warmup_cosine", "step_decay", "one_cycle", "noisy_small_batch", "finetune",
           "large_scale_regression", "imbalanced", "short_epoch_only"]


def applies(family, scenario):
    if scenario in ("collapse", "imbalanced"):
        return family in CLASSIFIERS
    if scenario == "large_scale_regression":
        return family == "regression"
    return True


# ---------------------------------------------------------------- data

def load_task(family, scenario, rng):
    """Returns (Xtr, ytr, Xva, yva, task) with task = {'kind': 'cls'|'reg', 'classes', ...}."""
    if family == "regression":
        d = load_diabetes()
        X = (d.data - d.data.mean(0)) / d.data.std(0)
        y = d.target.astype(np.float64)
        if scenario != "large_scale_regression":
            y = (y - y.mean()) / y.std()
        X, y = X.astype(np.float32), y.astype(np.float32)[:, None]
        kind = "reg"
    else:
        d = load_digits()
        X = ((d.data - d.data.mean(0)) / (d.data.std(0) + 1e-6)).astype(np.float32)
        if family == "autoencoder":
            y = X.copy()
            kind = "reg"
        else:
            y = d.target.astype(np.int64)
            if scenario == "imbalanced":
                y = (y == 0).astype(np.int64)  # about 10 % positives
            kind = "cls"
    idx = rng.permutation(len(X))
    n_tr = int(0.75 * len(X))
    tr, va = idx[:n_tr], idx[n_tr:]
    if scenario == "overfitting":
        tr = tr[:30]
    Xtr, ytr, Xva, yva = X[tr], y[tr], X[va], y[va]
    task = {"kind": kind, "dataset": "diabetes" if family == "regression" else "digits"}
    if kind == "cls":
        k = int(y.max()) + 1
        task["classes"] = k
        shares = np.bincount(yva, minlength=k) / len(yva)
        task["val_class_shares"] = [round(float(s), 4) for s in shares]
        # the loss of the best constant predictor (the val class frequencies): what "learned nothing" scores
        task["trivial_val_loss"] = float(-(shares[shares > 0] * np.log(shares[shares > 0])).sum())
    else:
        task["trivial_val_loss"] = float(((yva - ytr.mean(0)) ** 2).mean())
    return Xtr, ytr, Xva, yva, task


# ---------------------------------------------------------------- models

class Head(nn.Module):
    """The MLP body every family shares; the faults act on it."""

    def __init__(self, n_in, n_out, hidden=64, depth=2, act="relu", dropout=0.0):
        super().__init__()
        dims = [n_in] + [hidden] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = nn.Linear(dims[-1], n_out)
        self.act = {"relu": F.relu, "sigmoid": torch.sigmoid}[act]
        self.dropout = dropout
        self.first_activation = None

    def forward(self, x):
        for i, layer in enumerate(self.hidden):
            x = self.act(layer(x))
            if i == 0:
                self.first_activation = x.detach()
            if self.dropout:
                x = F.dropout(x, self.dropout, self.training)
        return self.out(x)


class Model(nn.Module):
    def __init__(self, family, n_in, n_out, head_kw):
        super().__init__()
        self.family = family
        if family == "cnn":
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
            self.head = Head(16 * 4 * 4, n_out, **head_kw)
        elif family == "gru":
            self.gru = nn.GRU(8, 32, batch_first=True)
            self.head = Head(32, n_out, **head_kw)
        elif family == "autoencoder":
            self.head = Head(n_in, 8, **head_kw)  # the encoder
            self.decoder = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, n_in))
        else:
            self.head = Head(n_in, n_out, **head_kw)

    def forward(self, x):
        if self.family == "cnn":
            x = x.view(-1, 1, 8, 8)
            x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2).flatten(1)
            return self.head(x)
        if self.family == "gru":
            _, h = self.gru(x.view(-1, 8, 8))  # the 8 rows of a digit as a sequence of 8 features
            return self.head(h[-1])
        if self.family == "autoencoder":
            return self.decoder(self.head(x))
        return self.head(x)


# ---------------------------------------------------------------- logging habits

def add_histogram(writer, tag, values, step):
    """SummaryWriter.add_histogram, through add_histogram_raw: Debian's torch 1.13 with numpy 1.24 fails in
    make_histogram (np.greater with dtype=int32), so the buckets are computed here the way it would."""
    v = values.numpy().astype(np.float64).ravel()
    counts, edges = np.histogram(v, bins=30)
    writer.add_histogram_raw(tag, min=float(v.min()), max=float(v.max()), num=int(v.size), sum=float(v.sum()),
                             sum_squares=float((v * v).sum()), bucket_limits=edges[1:].tolist(),
                             bucket_counts=counts.tolist(), global_step=step)


class KerasWriter:
    """What Keras's TensorBoard callback writes for one fit: two runs, `<run>/train` and `<run>/validation`, with the
    same tag names, every scalar a TF2 tensor (scalars-plugin metadata, no simple_value), written by TensorBoard's
    own EventFileWriter (files ending in .v2, as TF2 names them)."""

    def __init__(self, run_dir):
        self.train = EventFileWriter(os.path.join(run_dir, "train"), filename_suffix=".v2")
        self.validation = EventFileWriter(os.path.join(run_dir, "validation"), filename_suffix=".v2")

    @staticmethod
    def scalar(writer, tag, value, step):
        writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=scalar_pb(tag, value)))

    def close(self):
        self.train.close()
        self.validation.close()


class Habit:
    """Writes what one habit would log. step() is called after each optimiser step, epoch_end() after each epoch."""

    def __init__(self, name, writer, model, task, epoch_only):
        self.name, self.w, self.model, self.task, self.epoch_only = name, writer, model, task, epoch_only
        self.window = []
        self.epoch_losses = []
        self.epoch_accs = []

    def step(self, gstep, loss, lr, grad_norm, opt_name, acc=None):
        self.epoch_losses.append(loss)
        if acc is not None:
            self.epoch_accs.append(acc)
        if self.epoch_only:
            return
        w, n = self.w, self.name
        if n == "plain":
            w.add_scalar("train/loss", loss, gstep)
            w.add_scalar("lr", lr, gstep)
            w.add_scalar("grad_norm", grad_norm, gstep)
        elif n == "trainer":  # logging_steps=10: a windowed mean, rounded, 0.0 once non-finite
            self.window.append(loss)
            if (gstep + 1) % 10 == 0:
                mean = sum(self.window) / len(self.window)
                self.window = []
                w.add_scalar("train/loss", round(mean, 4) if math.isfinite(mean) else 0.0, gstep + 1)
                w.add_scalar("train/grad_norm", grad_norm, gstep + 1)
                w.add_scalar("train/learning_rate", lr, gstep + 1)
        elif n == "lightning":  # log_every_n_steps=5
            if (gstep + 1) % 5 == 0:
                w.add_scalar("train_loss_step", loss, gstep)
                w.add_scalar(f"lr-{opt_name}", lr, gstep)
                total = 0.0
                for pname, p in self.model.named_parameters():
                    if p.grad is not None:
                        g = float(p.grad.detach().norm(2))
                        total += g * g
                        w.add_scalar(f"grad_2.0_norm/{pname}", g, gstep)
                w.add_scalar("grad_2.0_norm_total", math.sqrt(total), gstep)
        elif n == "minimal":
            w.add_scalar("loss", loss, gstep)
        elif n == "keras":  # update_freq=10: the running mean since the epoch began, at the 1-based batch counter
            if (gstep + 1) % 10 == 0:
                mean = sum(self.epoch_losses) / len(self.epoch_losses)
                w.scalar(w.train, "batch_loss", mean, gstep + 1)
                if self.epoch_accs:
                    w.scalar(w.train, "batch_accuracy", sum(self.epoch_accs) / len(self.epoch_accs), gstep + 1)

    def epoch_end(self, epoch, gstep, val_loss, val_acc, lr):
        w, n = self.w, self.name
        mean = sum(self.epoch_losses) / max(1, len(self.epoch_losses))
        train_acc = sum(self.epoch_accs) / len(self.epoch_accs) if self.epoch_accs else None
        self.epoch_losses, self.epoch_accs = [], []
        if n == "plain":
            if self.epoch_only:
                w.add_scalar("train/loss", mean, epoch)
            step = epoch if self.epoch_only else gstep
            w.add_scalar("val/loss", val_loss, step)
            if val_acc is not None:
                w.add_scalar("val/accuracy", val_acc, step)
            act = self.model.head.first_activation
            if act is not None and torch.isfinite(act).all():
                add_histogram(w, "activations/head.hidden.0", act, step)
        elif n == "trainer":
            if self.epoch_only:
                w.add_scalar("train/loss", round(mean, 4) if math.isfinite(mean) else 0.0, gstep)
                w.add_scalar("train/learning_rate", lr, gstep)
            w.add_scalar("train/epoch", epoch + 1, gstep)
            w.add_scalar("eval/loss", val_loss, gstep)
            if val_acc is not None:
                w.add_scalar("eval/accuracy", val_acc, gstep)
        elif n == "lightning":
            w.add_scalar("train_loss_epoch", mean, gstep)
            w.add_scalar("epoch", epoch, gstep)
            w.add_scalar("val_loss", val_loss, gstep)
            if val_acc is not None:
                w.add_scalar("val_acc", val_acc, gstep)
        elif n == "minimal":
            if self.epoch_only:
                w.add_scalar("loss", mean, epoch)
            w.add_scalar("val_loss", val_loss, epoch)  # on the epoch axis, unlike `loss`
        elif n == "keras":  # epoch_* on the 0-based epoch axis in both folders; evaluation_* on the iteration axis
            w.scalar(w.train, "epoch_loss", mean, epoch)
            if train_acc is not None:
                w.scalar(w.train, "epoch_accuracy", train_acc, epoch)
            w.scalar(w.train, "epoch_learning_rate", lr, epoch)  # Keras 3 logs it always
            w.scalar(w.validation, "epoch_loss", val_loss, epoch)
            w.scalar(w.validation, "evaluation_loss_vs_iterations", val_loss, gstep + 1)
            if val_acc is not None:
                w.scalar(w.validation, "epoch_accuracy", val_acc, epoch)
                w.scalar(w.validation, "evaluation_accuracy_vs_iterations", val_acc, gstep + 1)


# ---------------------------------------------------------------- one run

BASE_LR = {"mlp": 0.05, "cnn": 0.05, "gru": 0.1, "regression": 0.01, "autoencoder": 0.05}


def run_one(out_dir, name, family, habit, scenario, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    Xtr, ytr, Xva, yva, task = load_task(family, scenario, rng)
    n_in = Xtr.shape[1]
    n_out = task["classes"] if task["kind"] == "cls" else ytr.shape[1]

    head_kw = {}
    if scenario == "vanishing":
        head_kw = {"depth": 8, "hidden": 32, "act": "sigmoid"}
    elif scenario == "heavy_dropout":
        head_kw = {"dropout": 0.85}
    elif scenario == "overfitting":
        head_kw = {"hidden": 256}
    model = Model(family, n_in, n_out, head_kw)
    with torch.no_grad():
        if scenario == "dead_relu":
            for layer in model.head.hidden:
                layer.bias.fill_(-100.0)
        elif scenario == "exploding_init":
            for layer in list(model.head.hidden) + [model.head.out]:
                layer.weight.mul_(30.0)

    lr = BASE_LR[family]
    batch, epochs = 32, None
    steps_target = 320
    if scenario == "lr_too_high":
        lr *= 40
    elif scenario == "stuck_lr":
        lr = 1e-7
    elif scenario == "noisy_small_batch":
        batch, lr = 4, lr / 4
    elif scenario == "overfitting":
        batch = 10
    elif scenario == "short_epoch_only":
        steps_target = None
        epochs = 10
    opt_cls = torch.optim.SGD
    opt_kw = {"lr": lr, "momentum": 0.9}
    if scenario == "large_scale_regression":
        opt_cls, opt_kw = torch.optim.Adam, {"lr": 0.05}
    elif scenario == "overfitting":  # Adam keeps growing the weights once the tiny set is memorised
        opt_cls, opt_kw = torch.optim.Adam, {"lr": 0.01}
    opt = opt_cls(model.parameters(), **opt_kw)

    Xtr_t, ytr_t = torch.from_numpy(Xtr), torch.from_numpy(ytr)
    Xva_t, yva_t = torch.from_numpy(Xva), torch.from_numpy(yva)
    per_epoch = math.ceil(len(Xtr) / batch)
    if epochs is None:
        epochs = max(1, math.ceil(steps_target / per_epoch))
    total = epochs * per_epoch

    def loss_fn(out, y):
        if task["kind"] == "cls":
            return F.cross_entropy(out, y)
        return F.mse_loss(out, y)

    if scenario == "finetune":  # pre-train silently, then log the fine-tune, which starts near its best loss
        for _ in range(6):
            perm = torch.randperm(len(Xtr_t))
            for b in range(per_epoch):
                i = perm[b * batch:(b + 1) * batch]
                opt.zero_grad()
                loss_fn(model(Xtr_t[i]), ytr_t[i]).backward()
                opt.step()
        for g in opt.param_groups:
            g["lr"] = lr / 10
        lr = lr / 10

    sched = None
    if scenario == "warmup_cosine":
        warm = 30
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm))))
    elif scenario == "step_decay":
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=100, gamma=0.3)
    elif scenario == "one_cycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr * 2, total_steps=total)

    nan_step = total // 2 if scenario == "nan_batch" else None
    spike_step = (2 * total) // 3 if scenario == "loss_spike" else None
    collapse_step = (2 * total) // 5 if scenario == "collapse" else None

    run_dir = os.path.join(out_dir, name)
    shutil.rmtree(run_dir, ignore_errors=True)
    writer = KerasWriter(run_dir) if habit == "keras" else SummaryWriter(run_dir)
    habit_log = Habit(habit, writer, model, task, scenario == "short_epoch_only")
    opt_name = type(opt).__name__
    gstep, nonfinite_since = 0, None
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(Xtr_t))
        for b in range(per_epoch):
            i = perm[b * batch:(b + 1) * batch]
            x, y = Xtr_t[i].clone(), ytr_t[i].clone()
            if gstep == nan_step:
                x[0, 0] = float("nan")
            if gstep == spike_step:  # one corrupted batch
                if task["kind"] == "cls":
                    y = torch.randint(0, n_out, y.shape)
                    x = x * 8.0
                else:
                    y = y * 20.0 + 10.0
            if collapse_step is not None and gstep >= collapse_step:
                y = torch.zeros_like(y)  # a label bug: every target becomes class 0
            opt.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            max_norm = 1.0 if habit == "trainer" else float("inf")  # the Trainer clips at 1.0 by default
            gn = float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm))
            cur_lr = opt.param_groups[0]["lr"]
            opt.step()
            if sched is not None:
                sched.step()
            lv = float(loss.detach())
            acc = float((out.detach().argmax(1) == y).float().mean()) if task["kind"] == "cls" else None
            habit_log.step(gstep, lv, cur_lr, gn, opt_name, acc)
            if not math.isfinite(lv) and nonfinite_since is None:
                nonfinite_since = gstep
            gstep += 1
        model.eval()
        with torch.no_grad():
            out = model(Xva_t)
            vl = float(loss_fn(out, yva_t))
            va = float((out.argmax(1) == yva_t).float().mean()) if task["kind"] == "cls" else None
            model(Xtr_t[:256])  # the first hidden layer's activations on training inputs, for the histogram
        habit_log.epoch_end(epoch, gstep - 1, vl, va, opt.param_groups[0]["lr"])
        if nonfinite_since is not None and gstep - nonfinite_since > 40:
            break  # what follows a breakdown is debris; keep a little of it, as a real job would before it is stopped
    writer.close()

    spec = {"run": name, "family": family, "habit": habit, "scenario": scenario, "seed": seed,
            "injected": scenario in FAULTS, "task": task, "steps": gstep, "epochs": epochs, "batch": batch,
            "per_epoch": per_epoch,
            "lr": lr, "optimizer": opt_name, "injected_step": nan_step if nan_step is not None else
            spike_step if spike_step is not None else collapse_step}
    with open(os.path.join(run_dir, "spec.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return spec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/tbbridge-corpus")
    ap.add_argument("--only", default=None, help="generate only runs whose name contains this")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--replicates", type=int, default=2,
                    help="runs per family, habit and scenario, each with its own seed (names of the 2nd on end -r2)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    n, t0 = 0, time.time()
    for fold, f in FOLDS.items():
        os.makedirs(os.path.join(args.out, fold), exist_ok=True)
        for family in f["families"]:
            for habit in f["habits"]:
                for k, scenario in enumerate(FAULTS + HEALTHY):
                    if not applies(family, scenario):
                        continue
                    for r in range(args.replicates):
                        name = f"{family}-{habit}-{scenario.replace('_', '-')}" + (f"-r{r + 1}" if r else "")
                        if args.only and args.only not in name:
                            continue
                        seed = args.seed * 1000 + k + 100 * r
                        t = time.time()
                        spec = run_one(os.path.join(args.out, fold), name, family, habit, scenario, seed)
                        n += 1
                        print(f"{fold}/{name}: {spec['steps']} steps, {time.time() - t:.1f}s", flush=True)
    with open(os.path.join(args.out, "folds.json"), "w") as fh:
        json.dump(FOLDS, fh, indent=1)
    print(f"{n} runs in {time.time() - t0:.0f}s -> {args.out}")


if __name__ == "__main__":
    sys.exit(main())
