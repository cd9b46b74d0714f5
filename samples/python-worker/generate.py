#!/usr/bin/env python3
"""Generates the Python protocol code from the repository's protos/ (never committed).

    python3 generate.py [--out DIR]

Writes tbbridge/v1/{ingest,alerts}_pb2.py and *_pb2_grpc.py under DIR (default: generated/ beside this
file, git-ignored). tbbridge_worker.py and watch_alerts.py read them from there, or from
$TBBRIDGE_PY_GENERATED. Needs python3-grpc-tools (Debian), which brings protoc and the gRPC plugin.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.normpath(os.path.join(HERE, "..", "..", "protos"))
FILES = ("tbbridge/v1/ingest.proto", "tbbridge/v1/alerts.proto")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.environ.get("TBBRIDGE_PY_GENERATED") or os.path.join(HERE, "generated"))
    args = parser.parse_args()
    try:
        from grpc_tools import protoc
    except ImportError:
        sys.exit("generate.py: grpc_tools is missing; install Debian's python3-grpc-tools")
    os.makedirs(args.out, exist_ok=True)
    status = protoc.main(["grpc_tools.protoc", f"-I{PROTOS}", f"--python_out={args.out}",
                          f"--grpc_python_out={args.out}", *[os.path.join(PROTOS, f) for f in FILES]])
    if status != 0:
        sys.exit(f"generate.py: protoc failed with status {status}")
    print(f"generated {', '.join(FILES)} into {args.out}")


if __name__ == "__main__":
    main()
