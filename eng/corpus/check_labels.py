#!/usr/bin/env python3
"""Label checker for the corpus of generate.py: reads every run's event files back with TensorBoard's own loader
(not TbBridge's reader, not the generator's memory) and derives the labels from what was logged.

What was injected (spec.json) is used only for the facts a person reading the run would also know: the logging habit
(which tag is which), the task (classification with k classes and the validation class shares, or regression) and
the loss of the best constant predictor on the validation set. A fault that left no visible symptom makes a healthy
run; a symptom that a habit does not log (activations, per-layer gradient norms) cannot be labelled.

Writes <run>/label.json (the format of shared/datasets/pytorch-runs) and <corpus>/labels.json (all runs, folds).
Prints where the derived labels differ from what the injection would suggest, as a check on the generator.
Usage: check_labels.py [CORPUS_DIR]     (default /tmp/tbbridge-corpus)
"""
import json
import math
import os
import statistics
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

TAGS = {  # role -> tag, per habit
    "plain": {"loss": "train/loss", "val_loss": "val/loss", "val_acc": "val/accuracy", "grad": "grad_norm",
              "act": "activations/head.hidden.0"},
    "trainer": {"loss": "train/loss", "val_loss": "eval/loss", "val_acc": "eval/accuracy", "grad": "train/grad_norm"},
    "lightning": {"loss": "train_loss_step", "loss_epoch": "train_loss_epoch", "val_loss": "val_loss",
                  "val_acc": "val_acc", "grad": "grad_2.0_norm_total"},
    "minimal": {"loss": "loss", "val_loss": "val_loss"},
    # Keras: two runs (train/, validation/) with the same tag names, prefixed here by their folder; the epoch means
    # on the epoch axis are what a Keras user reads
    "keras": {"loss": "train/epoch_loss", "val_loss": "validation/epoch_loss", "val_acc": "validation/epoch_accuracy",
              "batch_loss": "train/batch_loss"},
}
# What the injected fault would be expected to show, to report disagreements (not used for the labels).
EXPECTED = {"lr_too_high": {"divergence", "nan_inf"}, "nan_batch": {"nan_inf"}, "dead_relu": {"dead_relu"},
            "vanishing": {"vanishing_gradients", "plateau"}, "exploding_init": {"exploding_gradients"},
            "loss_spike": {"loss_spike"}, "overfitting": {"overfitting"}, "heavy_dropout": {"plateau"},
            "collapse": {"class_collapse"}, "stuck_lr": {"plateau"}}
# Kinds that are consequences of a labelled problem: an alert of these is neither right nor wrong.
CONSEQUENCES = {"dead_relu": ["plateau", "vanishing_gradients", "class_collapse"],
                "vanishing_gradients": ["plateau", "class_collapse"],
                "plateau": ["class_collapse", "vanishing_gradients", "dead_relu"],
                "nan_inf": ["divergence", "exploding_gradients"],
                "divergence": ["exploding_gradients", "oscillation", "loss_spike", "plateau"],
                "exploding_gradients": ["divergence", "loss_spike", "oscillation"],
                "class_collapse": ["plateau", "overfitting"],
                "overfitting": [], "loss_spike": []}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def log_z(value, prev):
    """How many robust sigmas (MAD of the log values x 1.4826) value lies above the median of prev, in log space."""
    logs = [math.log(v) for v in prev]
    m = median(logs)
    sigma = 1.4826 * median([abs(x - m) for x in logs])
    return (math.log(value) - m) / max(sigma, 1e-3)


def load(run_dir):
    if os.path.isdir(os.path.join(run_dir, "train")):  # Keras's layout: one run per folder, the same tag names
        scalars, hists = {}, {}
        for sub in ("train", "validation"):
            s, h = load(os.path.join(run_dir, sub))
            scalars.update({f"{sub}/{t}": v for t, v in s.items()})
            hists.update({f"{sub}/{t}": v for t, v in h.items()})
        return scalars, hists
    ea = event_accumulator.EventAccumulator(run_dir, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    ea.Reload()
    scalars = {t: [(e.step, e.value) for e in ea.Scalars(t)] for t in ea.Tags()["scalars"]}
    # TF2 writers (Keras) store a scalar as a 0-d tensor with the scalars plugin's metadata, not as a simple_value
    for t in ea.Tags()["tensors"]:
        if ea.SummaryMetadata(t).plugin_data.plugin_name == "scalars":
            scalars[t] = [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in ea.Tensors(t)]
    hists = {t: [(e.step, e.histogram_value) for e in ea.Histograms(t)] for t in ea.Tags()["histograms"]}
    return scalars, hists


def derive(spec, scalars, hists):
    tags = TAGS[spec["habit"]]
    task = spec["task"]
    found, evidence = {}, {}
    series = lambda role: scalars.get(tags.get(role, ""), [])  # noqa: E731
    loss = series("loss")
    if spec["habit"] == "lightning" and len(loss) < 10:
        loss = series("loss_epoch")
    val_loss, val_acc, grad = series("val_loss"), series("val_acc"), series("grad")
    if spec["habit"] == "minimal" and val_loss and loss:
        # val_loss is on the epoch axis: put it on the training-step axis (an epoch's last step), so that onsets
        # and comparisons are in steps (every epoch is complete, even in a run stopped after a breakdown)
        per_epoch = len(loss) // len(val_loss)
        val_loss = [((e + 1) * per_epoch - 1, v) for e, v in val_loss]
        scalars = dict(scalars, val_loss=val_loss)

    if spec["habit"] == "keras":
        # every Keras series used here is on the epoch axis: put it on the iteration axis (an epoch's last
        # iteration, 1-based as Keras counts), so that onsets are in the iterations the batch-level tags use
        per_epoch = spec["per_epoch"]
        scalars = {t: [((e + 1) * per_epoch, v) for e, v in pts] if t.split("/")[-1].startswith("epoch_") else pts
                   for t, pts in scalars.items()}
        loss, val_loss, val_acc = (scalars.get(tags[r], []) for r in ("loss", "val_loss", "val_acc"))

    # nan_inf: a non-finite value in any logged loss or gradient norm (the Trainer's loss turns 0.0, its norm NaN)
    first_nf = None
    for tag, pts in scalars.items():
        if "loss" in tag or "grad" in tag:
            for s, v in pts:
                if not math.isfinite(v) and (first_nf is None or s < first_nf):
                    first_nf = s
    if first_nf is not None:
        found["nan_inf"] = first_nf

    finite = [(s, v) for s, v in loss if math.isfinite(v) and v > 0]
    if spec["habit"] == "trainer" and first_nf is not None:
        finite = [(s, v) for s, v in finite if s < first_nf]
    vals = [v for _, v in finite]
    n = len(vals)
    if n >= 8:
        start = median(vals[:max(3, n // 20)])
        end = median(vals[-max(3, n // 5):])
        # divergence: the loss ends (or breaks down) at >= 5x its own start; or rose >= 10x before the breakdown
        peak_before = max(vals[-max(3, n // 10):])
        if end >= 5 * start or (first_nf is not None and peak_before >= 10 * start):
            onset = next((s for s, v in finite if v >= 5 * start), finite[-1][0])
            found["divergence"] = onset
        # loss_spike: one isolated point: >= 5x the median and >= 3x the maximum of the 20 before it, and >= 3x
        # the maximum of the 5 after it (a converged loss's batch-to-batch noise is heavy-tailed; the level after
        # the spike may stay higher when the bad batch did damage), and back up to at least half the loss the run
        # started at: it lost real ground, not a converged loss's 0.001 becoming 0.02; and >= 6 robust sigmas of the
        # 20 points' log values above their median, so a small batch's heavy noise is not a spike
        for i in range(10, n - 5):
            prev = vals[max(0, i - 20):i]
            base = median(prev)
            if vals[i] >= 5 * base and vals[i] >= 3 * max(prev) and vals[i] >= 3 * max(vals[i + 1:i + 6]) \
                    and vals[i] >= 0.5 * start and log_z(vals[i], prev) >= 6 \
                    and "divergence" not in found:
                found["loss_spike"] = finite[i][0]
                evidence["spike_ratio"] = round(vals[i] / base, 1)
                break

    # plateau: the held-out (or else training) loss ends no better than 0.8x the best constant predictor's, and
    # training accuracy never got far above chance where it is logged; i.e. the model learned (almost) nothing
    trivial = task["trivial_val_loss"]
    vl = [v for _, v in val_loss if math.isfinite(v)]
    if "nan_inf" not in found and "divergence" not in found and len(vl) >= 3:
        end_vl = median(vl[-3:])
        best_acc = max((v for _, v in val_acc if math.isfinite(v)), default=None)
        chance = max(task.get("val_class_shares", [0]))
        learned = best_acc is not None and best_acc > chance + 0.5 * (1 - chance)
        if end_vl >= 0.8 * trivial and not learned and min(vl) >= 0.7 * trivial:
            found["plateau"] = val_loss[0][0]
            evidence["val_loss_over_trivial"] = round(end_vl / trivial, 3)

    # overfitting: the held-out loss ends >= 1.3x its best and stays up, while the training loss went on
    # falling (its last 5 points no higher than its 5 up to the held-out best)
    if "nan_inf" not in found and "divergence" not in found and len(vl) >= 6:
        best_i = min(range(len(vl)), key=lambda i: vl[i])
        # the rise holds: the later half of the evaluations since the best has a median >= 1.3x the best
        rising = median(vl[-max(3, (len(vl) - best_i) // 2):]) >= 1.3 * vl[best_i]
        best_step = val_loss[[i for i, (_, v) in enumerate(val_loss) if math.isfinite(v)][best_i]][0]
        train_at_best = [v for s, v in finite if s <= best_step][-5:] or vals[:5]
        if vl[-1] >= 1.3 * vl[best_i] and best_i < len(vl) - 3 and rising and n >= 8 and train_at_best \
                and median(vals[-5:]) <= median(train_at_best):
            found["overfitting"] = val_loss[best_i][0]

    # class_collapse: validation accuracy was high, then fell to the share of one class and stayed there
    va = [v for _, v in val_acc if math.isfinite(v)]
    if va and task["kind"] == "cls" and "nan_inf" not in found:
        shares = task["val_class_shares"]
        best = max(va)
        tail = va[-2:]
        if best >= 0.6 and len(va) >= 4 and all(any(abs(t - s) < 0.02 for s in shares) for t in tail) \
                and max(tail) < best - 0.3:
            found["class_collapse"] = next(s for s, v in val_acc[va.index(best):] if v < best - 0.3)

    if "class_collapse" in found:  # a collapsed model's held-out loss climbs: a consequence, not a second problem
        found.pop("overfitting", None)

    # exploding_gradients: a gradient norm >= 1e3 and >= 100x the median of the norms before it (it grew), or a
    # norm >= 100 while the loss is >= 10x the best constant predictor's (the model is off the data's scale: a
    # large raw-scale regression target has large norms and a loss of a few times its variance, not ten)
    # (at 3 points at least: one corrupted batch is a spike, not exploding gradients)
    ginf = [(s, v) for s, v in grad if math.isfinite(v)]
    off = []
    for i, (s, v) in enumerate(ginf):
        loss_then = next((lv for ls, lv in reversed(finite) if ls <= s), vals[0] if vals else None)
        grew = i >= 5 and v >= 1e3 and v >= 100 * median([x for _, x in ginf[:i]])
        if v >= 100 and loss_then is not None and loss_then >= 10 * task["trivial_val_loss"]:
            off.append(s)
        if grew or len(off) >= 3:
            found["exploding_gradients"] = s if grew else off[0]
            break

    # dead_relu: the ReLU layer's activation histogram is all zeros in most snapshots, or (per-parameter norms)
    # a hidden ReLU layer's weight gradient is exactly zero at most logged points
    # the head's activation is part of the architecture, known to whoever reads the run: ReLU, except the 8
    # sigmoid layers of the `vanishing` scenario
    relu_head = spec["scenario"] != "vanishing"
    act = hists.get(tags.get("act", ""), [])
    if act and relu_head:
        dead = [h for _, h in act if h.max <= 0.0 and h.min >= 0.0]
        if len(dead) >= len(act) / 2:
            found["dead_relu"] = act[0][0]
    if spec["habit"] == "lightning" and relu_head:
        for tag, pts in scalars.items():
            if tag.startswith("grad_2.0_norm/") and "head.hidden" in tag and tag.endswith("weight"):
                zeros = [s for s, v in pts if v == 0.0]
                if pts and len(zeros) >= len(pts) / 2:
                    found["dead_relu"] = zeros[0]
                    break
    # vanishing_gradients: per-parameter norms, the first hidden layer's median norm <= 1e-3x the output layer's
    if spec["habit"] == "lightning":
        first = [v for _, v in scalars.get("grad_2.0_norm/head.hidden.0.weight", []) if math.isfinite(v)]
        last = [v for _, v in scalars.get("grad_2.0_norm/head.out.weight", []) if math.isfinite(v)]
        if first and last and median(last) > 0 and median(first) <= 1e-3 * median(last) and "dead_relu" not in found:
            found["vanishing_gradients"] = scalars["grad_2.0_norm/head.hidden.0.weight"][0][0]
    return found, evidence, first_nf


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tbbridge-corpus"
    with open(os.path.join(corpus, "folds.json")) as f:
        folds = json.load(f)
    runs, disagreements = [], 0
    for fold in sorted(folds):
        for name in sorted(os.listdir(os.path.join(corpus, fold))):
            run_dir = os.path.join(corpus, fold, name)
            with open(os.path.join(run_dir, "spec.json")) as f:
                spec = json.load(f)
            scalars, hists = load(run_dir)
            found, evidence, first_nf = derive(spec, scalars, hists)
            problems = sorted(found)
            acceptable = sorted({k for p in problems for k in CONSEQUENCES.get(p, [])} - set(problems))
            label = {"run": name, "fold": fold, "healthy": not problems, "problems": problems,
                     "also_acceptable": acceptable, "first_nonfinite_loss_step": first_nf,
                     "onset_steps": found, "injected": spec["scenario"] if spec["injected"] else None,
                     "scenario": spec["scenario"], "family": spec["family"], "habit": spec["habit"],
                     "steps": spec["steps"], "evidence": evidence}
            with open(os.path.join(run_dir, "label.json"), "w") as f:
                json.dump(label, f, indent=1)
            runs.append(label)
            expected = EXPECTED.get(spec["scenario"], set())
            if not (set(problems) & expected) and (expected or problems):
                disagreements += 1
                print(f"{fold}/{name}: injected {spec['scenario']}, shows {problems or 'nothing'}")
    with open(os.path.join(corpus, "labels.json"), "w") as f:
        json.dump({"folds": folds, "runs": runs}, f, indent=1)
    faulty = sum(1 for r in runs if not r["healthy"])
    print(f"{len(runs)} runs: {faulty} show a problem, {len(runs) - faulty} healthy; "
          f"{disagreements} differ from their injection")


if __name__ == "__main__":
    sys.exit(main())
