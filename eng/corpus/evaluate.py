#!/usr/bin/env python3
"""Judge `tbbridge analyze` against labels: per kind recall and precision, faulty runs named, false alarms on
healthy runs, steps from onset to alert. Over the corpus of generate.py + check_labels.py (one table per fold) and
over any labelled data set laid out as shared/datasets/pytorch-runs (a folder of runs, each with a label.json).

Usage: evaluate.py [--corpus DIR] [--dataset DIR ...] [--tbbridge "COMMAND"] [--json FILE]
  --tbbridge: how to run the CLI (default: dotnet run --project src/TbBridge.Cli --), run from the repository root.

Scoring: an alert of severity info is not counted. A kind raised on a run counts once. It is right (TP) where the
run's label lists it as a problem, neither right nor wrong where the label lists it in also_acceptable, and wrong
(FP) otherwise. A healthy run has a false alarm when any counted alert on it is wrong. A faulty run is named when
every one of its problems was raised. Steps to detect: the alert's step minus the labelled onset step of that kind.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys

KINDS = ["nan_inf", "divergence", "exploding_gradients", "vanishing_gradients", "dead_relu", "loss_spike",
         "oscillation", "plateau", "overfitting", "class_collapse", "weights_unchanged"]


def analyze(tbbridge, logdir):
    cmd = shlex.split(tbbridge) + ["analyze", logdir, "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    doc = json.loads(p.stdout)
    alerts = {}
    for r in doc["runs"]:
        for a in r["alerts"]:
            if a["severity"] == "info":
                continue
            # the first alert of each kind (the engine's alerts are in the order they were raised)
            alerts.setdefault(r["run"], {}).setdefault(a["kind"], a["step"])
    return alerts


def onsets(label):
    if "onset_steps" in label:  # the corpus: one onset per kind, as the checker saw it
        return label["onset_steps"]
    o = {}
    for k in label["problems"]:
        if k == "nan_inf" and label.get("first_nonfinite_loss_step") is not None:
            o[k] = label["first_nonfinite_loss_step"]
        elif label.get("onset_step") is not None:
            o[k] = label["onset_step"]
    return o


def score(labels, alerts):
    per = {k: {"labelled": 0, "tp": 0, "fp": 0, "delays": []} for k in KINDS}
    faulty = named = healthy = false_alarm = 0
    wrong_runs, missed_runs = [], []
    for lab in labels:
        run = lab["run"]
        raised = alerts.get(run, {})
        problems, ok = set(lab["problems"]), set(lab["problems"]) | set(lab.get("also_acceptable", []))
        for k in problems:
            per.setdefault(k, {"labelled": 0, "tp": 0, "fp": 0, "delays": []})["labelled"] += 1
            if k in raised:
                per[k]["tp"] += 1
                o = onsets(lab).get(k)
                if o is not None:
                    per[k]["delays"].append(raised[k] - o)
        wrong = sorted(k for k in raised if k not in ok)
        for k in wrong:
            per.setdefault(k, {"labelled": 0, "tp": 0, "fp": 0, "delays": []})["fp"] += 1
        if problems:
            faulty += 1
            if problems <= set(raised):
                named += 1
            else:
                missed_runs.append(f"{run}: labelled {sorted(problems)}, raised {sorted(raised) or '-'}")
        else:
            healthy += 1
            if wrong:
                false_alarm += 1
        if wrong:
            wrong_runs.append(f"{run}: {wrong} not in {sorted(ok) or 'its label'}")
    tp = sum(v["tp"] for v in per.values())
    lab_n = sum(v["labelled"] for v in per.values())
    fp = sum(v["fp"] for v in per.values())
    return {"runs": len(labels), "faulty": faulty, "named": named, "healthy": healthy, "false_alarm": false_alarm,
            "recall": tp / lab_n if lab_n else None, "precision": tp / (tp + fp) if tp + fp else None,
            "per_kind": per, "missed": missed_runs, "wrong": wrong_runs}


def fmt(x):
    return "—" if x is None else f"{x:.2f}"


def print_table(title, s):
    print(f"\n#### {title}\n")
    print(f"{s['runs']} runs; faulty named {s['named']}/{s['faulty']}; kind recall {fmt(s['recall'])}, "
          f"precision {fmt(s['precision'])}; healthy runs with a false alarm {s['false_alarm']}/{s['healthy']}\n")
    print("| kind | labelled | raised right | recall | raised wrong | precision | steps to detect (median) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for k, v in s["per_kind"].items():
        if not v["labelled"] and not v["fp"]:
            continue
        rec = v["tp"] / v["labelled"] if v["labelled"] else None
        prec = v["tp"] / (v["tp"] + v["fp"]) if v["tp"] + v["fp"] else None
        d = statistics.median(v["delays"]) if v["delays"] else None
        # a negative delay: the alert's tag is on another step axis than the onset (Keras's and minimal's epochs),
        # or the engine saw the symptom before the checker's onset; such delays are left out of the median
        later = [x for x in v["delays"] if x >= 0]
        early = len(v["delays"]) - len(later)
        ds = "—" if d is None else (str(int(statistics.median(later))) if later else "—") + \
            (f" ({early} before onset)" if early else "")
        print(f"| `{k}` | {v['labelled']} | {v['tp']} | {fmt(rec)} | {v['fp']} | {fmt(prec)} | {ds} |")
    for line in s["missed"]:
        print(f"- missed: {line}")
    for line in s["wrong"]:
        print(f"- wrong: {line}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--dataset", action="append", default=[])
    ap.add_argument("--tbbridge", default="dotnet run --project src/TbBridge.Cli --")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    results = {}
    if args.corpus:
        with open(os.path.join(args.corpus, "labels.json")) as f:
            corpus = json.load(f)
        for fold in sorted(corpus["folds"]):
            labels = [r for r in corpus["runs"] if r["fold"] == fold]
            desc = corpus["folds"][fold]
            s = score(labels, analyze(args.tbbridge, os.path.join(args.corpus, fold)))
            results[f"fold {fold}"] = s
            print_table(f"Fold {fold}: {', '.join(desc['families'])} × {', '.join(desc['habits'])}", s)
    for d in args.dataset:
        labels = []
        for run in sorted(os.listdir(d)):
            p = os.path.join(d, run, "label.json")
            if os.path.exists(p):
                with open(p) as f:
                    labels.append(json.load(f))
        s = score(labels, analyze(args.tbbridge, d))
        results[os.path.basename(os.path.normpath(d))] = s
        print_table(os.path.basename(os.path.normpath(d)), s)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
