#!/usr/bin/env python3
"""Follows a TbBridge service's alerts (AlertService.Watch) and prints one JSON object per alert.

    python3 watch_alerts.py --server http://127.0.0.1:5080 [--project P] [--run R] [--kind nan_inf] [--count N]

Prints {"subscribed": true, ...} once the service's response headers arrive: the service sends them once
the subscription is registered, so from then on no new alert can be missed (docs/server.md, "Watch").
The stored alerts that match come first, then new ones. If the stream breaks (the service restarted) it
watches again with exponential backoff and jitter; the stored alerts come again, and alerts already
printed (by id) are skipped, so each alert is printed once. Exits 0 after --count alerts, 1 on a
permanent refusal (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT).
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tbbridge_worker import CERTIFICATE_HINT, Backoff, bearer_metadata, channel_for, is_certificate_error  # noqa: E402  (also puts the generated code on sys.path)

import grpc  # noqa: E402
from tbbridge.v1 import alerts_pb2, alerts_pb2_grpc  # noqa: E402

RETRIED = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED,
                     grpc.StatusCode.INTERNAL, grpc.StatusCode.CANCELLED, grpc.StatusCode.RESOURCE_EXHAUSTED})


def alert_to_dict(a):
    return {
        "id": a.id, "project": a.project, "run": a.run, "worker": a.worker, "kind": a.kind,
        "severity": alerts_pb2.Severity.Name(a.severity).removeprefix("SEVERITY_").lower(), "tag": a.tag,
        "step": a.step, "message": a.message, "raised_at": a.raised_at, "tags": list(a.tags), "subject": a.subject,
        "hint": a.hint, "evidence": {k: (v if math.isfinite(v) else None) for k, v in a.evidence.items()},
    }


def emit(obj):
    print(json.dumps(obj), flush=True)


def watch(server, request, metadata, count=None, backoff=None, out=emit, root_certificates=None):
    """Watches until `count` alerts were printed (None = forever). Returns 0, or 1 on a permanent refusal."""
    backoff = backoff or Backoff(initial=0.2, maximum=10.0)
    seen = set()
    while True:
        channel = channel_for(server, (("grpc.enable_retries", 0),), root_certificates)
        try:
            call = alerts_pb2_grpc.AlertServiceStub(channel).Watch(request, metadata=metadata)
            call.initial_metadata()  # blocks until the service registered the subscription (or the call failed)
            if not call.done():  # headers, not a refusal: subscribed
                out({"subscribed": True, "server": server})
                backoff.reset()
            for alert in call:
                if alert.id in seen:
                    continue
                seen.add(alert.id)
                out(alert_to_dict(alert))
                if count is not None and len(seen) >= count:
                    call.cancel()
                    return 0
            reason = "the service ended the stream"
        except grpc.RpcError as e:
            if is_certificate_error(e.code(), e.details()):
                sys.stderr.write(f"watch_alerts: {CERTIFICATE_HINT} ({e.details()})\n")
                return 1
            if e.code() not in RETRIED:
                sys.stderr.write(f"watch_alerts: {e.code().name}: {e.details()}\n")
                return 1
            reason = f"{e.code().name}: {e.details()}"
        finally:
            channel.close()
        delay = backoff.next_delay()
        sys.stderr.write(f"watch_alerts: {reason}; watching again in {delay:.2f} s\n")
        time.sleep(delay)


def main():
    p = argparse.ArgumentParser(description="Follow a TbBridge service's alerts.")
    p.add_argument("--server", default="http://127.0.0.1:5080")
    p.add_argument("--api-key", default=os.environ.get("TBBRIDGE_API_KEY"))
    p.add_argument("--ca-file", default=None, help="PEM file of a private CA to trust for an https:// server")
    p.add_argument("--project", default="")
    p.add_argument("--run", default="")
    p.add_argument("--kind", action="append", default=[], help="an alert kind such as nan_inf (repeatable)")
    p.add_argument("--min-severity", choices=["info", "warning", "critical"])
    p.add_argument("--new-only", action="store_true", help="skip the stored alerts")
    p.add_argument("--count", type=int, help="exit 0 after this many alerts")
    args = p.parse_args()
    flt = alerts_pb2.AlertFilter(project=args.project, run=args.run, kinds=args.kind)
    if args.min_severity:
        flt.min_severity = alerts_pb2.Severity.Value("SEVERITY_" + args.min_severity.upper())
    request = alerts_pb2.WatchAlertsRequest(filter=flt, new_only=args.new_only)
    try:
        ca = open(args.ca_file, "rb").read() if args.ca_file else None
        return watch(args.server, request, bearer_metadata(args.api_key), args.count, root_certificates=ca)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
