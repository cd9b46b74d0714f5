"""Stream training telemetry from Python (PyTorch or anything else) to a TbBridge service.

    from tbbridge_worker import TbBridgeWriter

    with TbBridgeWriter("http://127.0.0.1:5080", project="vision", run="resnet-lr0.1", worker="rank0") as w:
        for step in range(1000):
            w.add_scalar("train/loss", loss, step)

The calls only queue: a background thread seals the queued points into batches numbered 1, 2, 3, ...
(the service takes only the sequence after the last one it holds), keeps every batch in memory until the
service acknowledges it as durable, and on a transient failure (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED,
RESOURCE_EXHAUSTED, a broken connection) reconnects with exponential backoff and jitter, re-opens the same
stream id and resends only the batches above StreamOpened.last_sequence (docs/server.md, "Protocol"). A
writer given the stream_id of an earlier process (a restart) continues that stream: its first batch is
numbered after what the service holds. A service that later holds more than this writer sent means another
writer uses the stream id: that is a StreamError (FAILED_PRECONDITION), never a silent drop. A permanent refusal (INVALID_ARGUMENT,
UNAUTHENTICATED, PERMISSION_DENIED, FAILED_PRECONDITION, ...) stops the writer; the next call, flush()
or close() raises it as a StreamError.

Needs Debian's python3-grpcio and python3-protobuf, and the code generate.py makes from protos/.
"""

import bisect
import collections
import math
import os
import random
import socket
import sys
import threading
import time
import uuid

_HERE = os.path.dirname(os.path.abspath(__file__))
GENERATED_DIR = os.environ.get("TBBRIDGE_PY_GENERATED") or os.path.join(_HERE, "generated")
if GENERATED_DIR not in sys.path:
    sys.path.insert(0, GENERATED_DIR)

import grpc  # noqa: E402  (python3-grpcio)

try:
    from tbbridge.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
except ImportError as _e:  # pragma: no cover - a setup error, said plainly
    raise ImportError(
        f"the TbBridge protocol code is not in {GENERATED_DIR}: run `python3 {os.path.join(_HERE, 'generate.py')}` "
        "first (it needs python3-grpc-tools)") from _e

__all__ = ["TbBridgeWriter", "StreamError", "Backoff", "histogram", "DEFAULT_BUCKET_LIMITS",
           "TRANSIENT_CODES", "channel_for", "bearer_metadata"]

#: Statuses after which the writer reconnects, re-opens and resumes (docs/server.md, "Statuses").
TRANSIENT_CODES = frozenset({
    grpc.StatusCode.UNAVAILABLE,         # service stopping or restarting, storage rolled back, connection broken
    grpc.StatusCode.ABORTED,             # the stream id (or run + worker) is still live on an older connection
    grpc.StatusCode.DEADLINE_EXCEEDED,   # 'open' or the next batch did not arrive in time
    grpc.StatusCode.RESOURCE_EXHAUSTED,  # disk full, descriptors, stream or rate limits: may clear
    grpc.StatusCode.INTERNAL,            # an HTTP/2 stream reset by a connection that went away
    grpc.StatusCode.CANCELLED,           # the service (not us) cancelled the call as its connection closed
})

RESERVED_TAG_PREFIX = "tbbridge/"

# What gRPC's UNAVAILABLE details say when the TLS handshake failed on the service's certificate (an unknown CA, a
# name that does not match, an expired certificate): it fails the same way on every retry, so it is not retried.
_CERTIFICATE_ERRORS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "Ssl handshake failed",
                       "Handshake failed", "Cert verification failed")


def is_certificate_error(code, details):
    """True when a call failed on the service's TLS certificate: a setup error to fix, not a transient one."""
    return code == grpc.StatusCode.UNAVAILABLE and any(m in (details or "") for m in _CERTIFICATE_ERRORS)


CERTIFICATE_HINT = ("the service's TLS certificate is not trusted here: give its CA as root_certificates "
                    "(--ca-file), or set GRPC_DEFAULT_SSL_ROOTS_FILE_PATH to a PEM file that holds it")


class StreamError(Exception):
    """The service refused the stream for good (or the writer could not deliver before its deadline)."""

    def __init__(self, code, details):
        name = code.name if code is not None else "CLIENT"
        super().__init__(f"{name}: {details}")
        self.code = code
        self.details = details


def _default_bucket_limits():
    # TensorFlow's InitDefaultBuckets and PyTorch's default_bins, as TbBridge.Client builds them.
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    return [-sys.float_info.max] + [-p for p in reversed(positive)] + [0.0] + positive + [sys.float_info.max]


#: The right, exclusive edge of each default bucket, ascending.
DEFAULT_BUCKET_LIMITS = tuple(_default_bucket_limits())


def histogram(values, bucket_limits=None):
    """TensorBoard's bucket layout for a list of numbers (ingest.proto, HistogramPoint).

    bucket[i] counts the finite values v with bucket_limit[i-1] <= v < bucket_limit[i] (a value at or
    above the last limit goes into the last bucket); the first bucket starts at min. Empty buckets are
    compacted as TbBridge's own writer does: the result starts with the empty bucket just before the
    first value and merges each run of empty buckets into one. min, max, num, sum and sum_squares cover
    the finite values only; NaN and +/-Inf are counted apart and left out of the buckets.
    Returns a dict with those fields plus nan_count and inf_count.
    """
    limits = DEFAULT_BUCKET_LIMITS if bucket_limits is None else tuple(float(x) for x in bucket_limits)
    if not limits or any(not (a < b) for a, b in zip(limits, limits[1:])) or any(math.isnan(x) for x in limits):
        raise ValueError("bucket limits must be a non-empty, strictly ascending list without NaN")
    counts = [0] * len(limits)
    nan_count = inf_count = 0
    num = 0
    lo = math.inf
    hi = -math.inf
    total = squares = 0.0
    last = len(limits) - 1
    for raw in values:
        v = float(raw)
        if math.isnan(v):
            nan_count += 1
            continue
        if math.isinf(v):
            inf_count += 1
            continue
        num += 1
        lo = min(lo, v)
        hi = max(hi, v)
        total += v
        squares += v * v
        counts[min(bisect.bisect_right(limits, v), last)] += 1
    out_limits, out_counts = _compact(limits, counts)
    if num == 0:
        lo = hi = 0.0
    return {"min": lo, "max": hi, "num": float(num), "sum": total, "sum_squares": squares,
            "bucket_limit": out_limits, "bucket": out_counts, "nan_count": nan_count, "inf_count": inf_count}


def _compact(limits, counts):
    nonzero = [i for i, c in enumerate(counts) if c]
    if not nonzero:
        return [], []
    first, last = nonzero[0], nonzero[-1]
    out_limits, out_counts = [], []
    for i in range(first - 1 if first > 0 else first, last + 1):
        # an empty bucket is kept only as the end of its run: its limit closes the merged range
        if counts[i] or i == last or counts[i + 1]:
            out_limits.append(limits[i])
            out_counts.append(float(counts[i]))
    return out_limits, out_counts


class Backoff:
    """Exponential backoff with jitter: initial * 2^attempt, capped at maximum, each delay times a random
    factor in [1 - jitter, 1 + jitter]. The random source is injectable so a test can fix it."""

    def __init__(self, initial=0.2, maximum=30.0, jitter=0.2, rng=None):
        if initial <= 0 or maximum < initial or not 0 <= jitter < 1:
            raise ValueError("need 0 < initial <= maximum and 0 <= jitter < 1")
        self.initial, self.maximum, self.jitter = initial, maximum, jitter
        self._rng = rng or random.Random()
        self.attempt = 0

    def next_delay(self):
        base = min(self.maximum, self.initial * (2 ** min(self.attempt, 62)))
        self.attempt += 1
        return base * (1 + self._rng.uniform(-self.jitter, self.jitter))

    def reset(self):
        self.attempt = 0


def channel_for(server, options=(), root_certificates=None):
    """A gRPC channel for 'http://host:port' (h2c), 'https://host:port' (TLS) or a bare 'host:port'.

    root_certificates: PEM bytes of the CA(s) to trust for https (a private CA); None = gRPC's default roots
    (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH when set, else its bundled ones)."""
    if server.startswith("https://"):
        credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        return grpc.secure_channel(server[len("https://"):].rstrip("/"), credentials, options=options)
    if server.startswith("http://"):
        server = server[len("http://"):]
    return grpc.insecure_channel(server.rstrip("/"), options=options)


def bearer_metadata(api_key):
    """The call metadata for an API key (None or '' = anonymous, which the service allows from loopback by default)."""
    return (("authorization", "Bearer " + api_key),) if api_key else ()


# HTTP/2 pings find a connection whose peer vanished without a reset (a host that went away).
_CHANNEL_OPTIONS = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.enable_retries", 0),
)

_END = object()


class _Connection:
    """One attempt: one Ingest call, its outgoing queue and whether 'opened' has arrived."""

    def __init__(self, open_request):
        self.queue = collections.deque()
        self.ready = False          # 'opened' arrived: new batches go straight to the queue
        self.ended = False
        self.open_timed_out = False
        self.closing = False        # we half-closed: the call's end is ours
        self._cv = threading.Condition()
        self._open = open_request

    def put(self, item):
        with self._cv:
            self.queue.append(item)
            self._cv.notify()

    def requests(self):
        yield self._open
        while True:
            with self._cv:
                while not self.queue:
                    self._cv.wait()
                item = self.queue.popleft()
            if item is _END:
                return
            yield item


class TbBridgeWriter:
    """Streams one worker's points of one run to a TbBridge service.

    server: 'http://host:port' (h2c, the service's default), 'https://host:port', or 'host:port'.
    project, run, worker: names in the service's alphabet (letters, digits, '.', '_', '-', '=', '+', ',',
        '@'; a run may have '/'-separated segments). The data lands in <data>/<project>/<run>/<worker>/.
    api_key: sent as 'authorization: Bearer <key>'; default $TBBRIDGE_API_KEY; none = anonymous.
    stream_id: default a fresh uuid4 hex, unique to this writer. Keep it unique: it is bound to this run
        and worker for life, and the service resumes by it.
    max_batch_points / max_batch_bytes / max_batch_delay: a batch is sealed when it holds this many points,
        about this many bytes (well under the service's 16 MiB message limit), or its first point is this old
        (seconds).
    open_timeout: an attempt whose 'opened' has not arrived by then is cancelled and retried.
    backoff: a Backoff (the reconnect delays); default 0.2 s doubling to 30 s, +/-20 % jitter.
    on_event: optional callable(kind, detail) told of 'opened', 'retry' and 'failed' (for logs and tests).
    root_certificates: PEM bytes of a private CA to trust for an https:// server (see channel_for). A certificate the
        client does not trust fails the stream at once (StreamError, UNAVAILABLE), instead of being retried forever.

    Every unacknowledged batch stays in memory until the service acknowledges it: a long outage grows
    memory with the points logged meanwhile. Thread-safe.
    """

    def __init__(self, server, project, run, worker="worker0", *, api_key=None, host=None, stream_id=None,
                 max_batch_points=8192, max_batch_bytes=4 << 20, max_batch_delay=0.2, open_timeout=30.0, backoff=None,
                 on_event=None, root_certificates=None):
        for what, value in (("project", project), ("run", run), ("worker", worker)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{what} must be a non-empty string")
        if max_batch_points < 1 or max_batch_bytes < 1 or max_batch_delay <= 0 or open_timeout <= 0:
            raise ValueError("max_batch_points >= 1, max_batch_bytes >= 1, max_batch_delay > 0 and open_timeout > 0 are required")
        self.server = server
        self.project, self.run, self.worker = project, run, worker
        self.stream_id = stream_id or uuid.uuid4().hex
        self._metadata = bearer_metadata(api_key if api_key is not None else os.environ.get("TBBRIDGE_API_KEY"))
        self._open = ingest_pb2.IngestRequest(open=ingest_pb2.OpenStream(
            project=project, run=run, worker=worker, host=host or socket.gethostname(), stream_id=self.stream_id))
        self._max_points = max_batch_points
        self._max_bytes = max_batch_bytes
        self._max_delay = max_batch_delay
        self._open_timeout = open_timeout
        self._backoff = backoff or Backoff()
        self._on_event = on_event
        self._root_certificates = root_certificates

        self._cv = threading.Condition()
        self._pending = []               # points not yet in a batch: (kind, tag, step, wall_time, payload, size)
        self._pending_bytes = 0
        self._pending_since = 0.0
        self._flush_requested = False
        self._sealing = False
        self._next_sequence = 1
        self._unacked = collections.deque()  # (sequence, IngestRequest), ascending
        self._acked = 0                  # highest sequence the service acknowledged (or held at open)
        self._opened_once = False        # set at the first 'opened': later ones are this writer's own reconnects
        self._shift = 0                  # how far the first 'opened' moved the numbering on (a continued stream)
        self._conn = None
        self._call = None
        self._closing = False
        self._stopped = False
        self._error = None
        self._nonfinite_tags = set()
        self.reconnects = 0
        self.points_sent = 0

        self._batcher = threading.Thread(target=self._seal_loop, name="tbbridge-batcher", daemon=True)
        self._sender = threading.Thread(target=self._send_loop, name="tbbridge-sender", daemon=True)
        self._batcher.start()
        self._sender.start()

    # ----- what training code calls -----

    def add_scalar(self, tag, value, step, wall_time=None):
        """Queues one scalar point. Any float, NaN and +/-Inf included (they raise nan_inf on training tags)."""
        self._add("s", tag, step, wall_time, float(value))

    def add_histogram(self, tag, values, step, wall_time=None, bucket_limits=None):
        """Buckets a list of numbers (or anything with .reshape(-1).tolist(), such as a numpy array or a
        torch tensor) as ingest.proto lays out, and queues it. NaN and Inf are left out of the buckets; from
        a tag's first non-finite value on, '<tag>/nan_count' and '<tag>/inf_count' are sent beside it."""
        if hasattr(values, "reshape") and hasattr(values, "tolist"):
            values = values.reshape(-1).tolist()
        h = histogram(values, bucket_limits)
        wall_time = time.time() if wall_time is None else float(wall_time)
        with self._cv:
            self._check_tag(tag)
            if h["nan_count"] or h["inf_count"]:
                self._nonfinite_tags.add(tag)
            counts = tag in self._nonfinite_tags
        self._add("h", tag, step, wall_time, h)
        if counts:
            self._add("s", tag + "/nan_count", step, wall_time, float(h["nan_count"]))
            self._add("s", tag + "/inf_count", step, wall_time, float(h["inf_count"]))

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, step, wall_time=None):  # noqa: A002
        """Queues a histogram already bucketed (PyTorch's add_histogram_raw), for example on the GPU."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("bucket_limits and bucket_counts must have the same length")
        h = {"min": float(min), "max": float(max), "num": float(num), "sum": float(sum), "sum_squares": float(sum_squares),
             "bucket_limit": [float(x) for x in bucket_limits], "bucket": [float(x) for x in bucket_counts]}
        self._add("h", tag, step, wall_time, h)

    def add_text(self, tag, text, step, wall_time=None):
        """Queues markdown for TensorBoard's Text tab, under '<tag>/text_summary' as PyTorch's add_text names it."""
        self._add("t", tag + "/text_summary", step, wall_time, str(text))

    def flush(self, timeout=None):
        """Seals what is queued and waits until the service acknowledged every batch as durable.
        Raises StreamError if the writer failed, TimeoutError if the acks did not come in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            self._raise_if_failed()
            self._flush_requested = True
            self._cv.notify_all()
            while (self._pending or self._sealing) and self._error is None:
                self._wait(deadline, "sealing the queued points")
            target = self._next_sequence - 1 - self._shift  # a first 'opened' may still move the numbering on
            while self._unacked and self._unacked[0][0] <= target + self._shift and self._error is None:
                self._wait(deadline, f"the service's ack of batch {target + self._shift}")
            self._raise_if_failed()

    def close(self, timeout=60.0):
        """Flushes, ends the stream cleanly (the service then runs its end-of-run checks) and stops the threads.
        Raises StreamError if the service refused the stream, TimeoutError if not everything was acknowledged."""
        failure = None
        try:
            if not self._stopped:
                self.flush(timeout)
        except BaseException as e:  # noqa: BLE001 - re-raised below, after the threads stopped
            failure = e
        with self._cv:
            self._closing = True
            if self._conn is not None and failure is None:
                self._conn.closing = True
                self._conn.put(_END)
            self._cv.notify_all()
        self._sender.join(timeout=5 if failure is None else 0.1)
        with self._cv:
            self._stopped = True
            call = self._call
            self._cv.notify_all()
        if call is not None:
            call.cancel()
        self._batcher.join(timeout=5)
        self._sender.join(timeout=5)
        if failure is not None:
            raise failure
        with self._cv:
            self._raise_if_failed()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            try:
                self.close(timeout=10)
            except Exception:  # noqa: BLE001 - the training error is the one to see
                pass
        return False

    @property
    def acked_sequence(self):
        """The highest batch sequence the service acknowledged as durable (0 before the first)."""
        with self._cv:
            return self._acked

    @property
    def unacked_batches(self):
        with self._cv:
            return len(self._unacked)

    # ----- inside -----

    def _check_tag(self, tag):
        if not isinstance(tag, str) or not tag:
            raise ValueError("tag must be a non-empty string")
        if tag.startswith(RESERVED_TAG_PREFIX):
            raise ValueError(f"tags under '{RESERVED_TAG_PREFIX}' are the service's own (its alerts)")

    def _add(self, kind, tag, step, wall_time, payload):
        self._check_tag(tag)
        step = int(step)
        wall_time = time.time() if wall_time is None else float(wall_time)
        with self._cv:
            self._raise_if_failed()
            if self._closing or self._stopped:
                raise RuntimeError("the writer is closed")
            if not self._pending:
                self._pending_since = time.monotonic()
            size = _wire_size(kind, tag, payload)
            self._pending.append((kind, tag, step, wall_time, payload, size))
            self._pending_bytes += size
            if len(self._pending) >= self._max_points or self._pending_bytes >= self._max_bytes:
                self._cv.notify_all()

    def _raise_if_failed(self):
        if self._error is not None:
            raise self._error

    def _wait(self, deadline, what):
        if deadline is None:
            self._cv.wait(1.0)
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"timed out waiting for {what} ({len(self._unacked)} batches unacknowledged)")
        self._cv.wait(min(left, 1.0))

    def _event(self, kind, detail):
        if self._on_event is not None:
            try:
                self._on_event(kind, detail)
            except Exception:  # noqa: BLE001 - a logging callback must not stop delivery
                pass

    def _seal_loop(self):
        while True:
            with self._cv:
                while True:
                    if self._stopped or self._error is not None:
                        return
                    if self._pending:
                        age = time.monotonic() - self._pending_since
                        if (len(self._pending) >= self._max_points or self._pending_bytes >= self._max_bytes
                                or self._flush_requested or self._closing or age >= self._max_delay):
                            break
                        self._cv.wait(self._max_delay - age)
                    else:
                        self._flush_requested = False
                        if self._closing:
                            return
                        self._cv.wait()
                count = size = 0
                for point in self._pending:
                    if count and (count >= self._max_points or size + point[5] > self._max_bytes):
                        break
                    count += 1
                    size += point[5]
                points = self._pending[:count]
                del self._pending[:count]
                self._pending_bytes -= size
                self._pending_since = time.monotonic()
                self._sealing = True
            request = ingest_pb2.IngestRequest(batch=_build_batch(0, points))
            with self._cv:
                self._sealing = False
                # Numbered here, under the lock: a first 'opened' may have moved the numbering on (see _on_opened).
                sequence = self._next_sequence
                self._next_sequence += 1
                request.batch.sequence = sequence
                self._unacked.append((sequence, request))
                self.points_sent += len(points)
                if self._conn is not None and self._conn.ready:
                    self._conn.put(request)
                self._cv.notify_all()

    def _send_loop(self):
        channel = None
        try:
            while True:
                with self._cv:
                    # Connect only with something to send: an idle stream is ended by the service anyway.
                    while not self._unacked and not self._closing and not self._stopped:
                        self._cv.wait()
                    if self._stopped or (self._closing and not self._unacked and self._conn is None):
                        return
                if channel is None:
                    channel = channel_for(self.server, _CHANNEL_OPTIONS, self._root_certificates)
                outcome = self._attempt(ingest_pb2_grpc.IngestServiceStub(channel))
                if outcome == "done":
                    return
                if outcome == "failed":
                    return
                # Transient: a fresh channel after the delay, so the channel's own reconnect backoff never adds to ours.
                channel.close()
                channel = None
                delay = self._backoff.next_delay()
                self._event("retry", f"{outcome}; reconnecting in {delay:.2f} s")
                with self._cv:
                    end = time.monotonic() + delay
                    while not self._stopped and time.monotonic() < end:
                        self._cv.wait(end - time.monotonic())
                    if self._stopped:
                        return
                self.reconnects += 1
        finally:
            if channel is not None:
                channel.close()

    def _attempt(self, stub):
        conn = _Connection(self._open)
        call = stub.Ingest(conn.requests(), metadata=self._metadata)
        with self._cv:
            self._call = call
        timer = threading.Timer(self._open_timeout, self._open_timed_out, (conn, call))
        timer.daemon = True
        timer.start()
        try:
            for response in call:
                kind = response.WhichOneof("kind")
                if kind == "opened":
                    timer.cancel()
                    self._on_opened(conn, response.opened)
                elif kind == "ack":
                    self._on_ack(conn, response.ack.sequence)
            # The service ended the call with OK: after our half-close, that is the clean end.
            return "done" if conn.closing else "the service ended the stream"
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
            if conn.open_timed_out:
                return f"no 'opened' within {self._open_timeout:.0f} s"
            with self._cv:
                if self._stopped:
                    return "done"
            if is_certificate_error(code, details):
                details = f"{CERTIFICATE_HINT} ({details})"
            elif code in TRANSIENT_CODES:
                return f"{code.name}: {details}"
            error = StreamError(code, details)
            with self._cv:
                self._error = error
                self._pending.clear()
                self._cv.notify_all()
            self._event("failed", str(error))
            return "failed"
        finally:
            timer.cancel()
            with self._cv:
                if self._conn is conn:
                    self._conn = None
                self._call = None
                self._cv.notify_all()
            conn.put(_END)

    def _open_timed_out(self, conn, call):
        if not conn.ready:
            conn.open_timed_out = True
            call.cancel()

    def _on_opened(self, conn, opened):
        with self._cv:
            held = opened.last_sequence
            sealed = self._next_sequence - 1
            if not self._opened_once and held > 0:
                # The first answer this writer gets, and the service already holds batches of its stream id: an
                # earlier process of this writer (restarted with the same stream_id). None of them is one of ours:
                # number ours after them (the service takes only held + 1), instead of taking them as acked.
                renumbered = collections.deque()
                for i, (_, request) in enumerate(self._unacked):
                    request.batch.sequence = held + 1 + i
                    renumbered.append((held + 1 + i, request))
                self._unacked = renumbered
                self._next_sequence = held + 1 + len(renumbered)
                self._shift = held
                self._acked = held
                continued = True
            elif held > sealed:
                # The service holds sequences this writer never made: another writer uses this stream id. Taking
                # them as acks would drop batches the service never got; stop and say so (close() raises it).
                error = StreamError(grpc.StatusCode.FAILED_PRECONDITION,
                                    f"the service holds stream '{self.stream_id}' up to batch {held}, beyond this writer's "
                                    f"{sealed}: another writer uses this stream id; {len(self._unacked)} batches of this "
                                    "writer were not acknowledged. Give each writer its own stream_id.")
                self._error = error
                self._pending.clear()
                self._cv.notify_all()
                conn.closing = True
                conn.put(_END)
            else:
                continued = False
        if self._error is not None:
            self._event("failed", str(self._error))
            return
        with self._cv:
            self._opened_once = True
            # Everything at or below what the stream holds is durable there: never send it again.
            while self._unacked and self._unacked[0][0] <= held:
                self._unacked.popleft()
            self._acked = max(self._acked, held)
            for _, request in self._unacked:
                conn.put(request)
            conn.ready = True
            self._conn = conn
            if self._closing and not self._unacked:
                conn.closing = True
                conn.put(_END)
            self._cv.notify_all()
        self._backoff.reset()
        self._event("opened", f"last_sequence={held} resumed={opened.resumed} file={opened.file}"
                              + (f" (continuing the stream after batch {held})" if continued else ""))

    def _on_ack(self, conn, sequence):
        with self._cv:
            while self._unacked and self._unacked[0][0] <= sequence:
                self._unacked.popleft()
            self._acked = max(self._acked, sequence)
            if self._closing and not self._unacked and not conn.closing:
                conn.closing = True
                conn.put(_END)
            self._cv.notify_all()


def _wire_size(kind, tag, payload):
    """About what a point adds to a batch on the wire (its tag counted once per point: an upper bound)."""
    if kind == "s":
        return 32 + len(tag)
    if kind == "h":
        return 80 + len(tag) + 16 * len(payload["bucket"])
    return 32 + len(tag) + len(payload.encode("utf-8"))


def _build_batch(sequence, points):
    batch = ingest_pb2.PointBatch(sequence=sequence)
    index = {}

    def tag_index(tag):
        i = index.get(tag)
        if i is None:
            i = index[tag] = len(index)
            batch.tags.append(tag)
        return i

    tag_col, step_col, value_col, wall_col = [], [], [], []
    for kind, tag, step, wall_time, payload, _ in points:
        if kind == "s":
            tag_col.append(tag_index(tag))
            step_col.append(step)
            value_col.append(payload)
            wall_col.append(wall_time)
        elif kind == "h":
            batch.histograms.add(tag_index=tag_index(tag), step=step, wall_time=wall_time, min=payload["min"],
                                 max=payload["max"], num=payload["num"], sum=payload["sum"],
                                 sum_squares=payload["sum_squares"], bucket_limit=payload["bucket_limit"],
                                 bucket=payload["bucket"])
        else:
            batch.texts.add(tag_index=tag_index(tag), step=step, wall_time=wall_time, text=payload)
    if tag_col:
        batch.scalars.tag_index.extend(tag_col)
        batch.scalars.step.extend(step_col)
        batch.scalars.value.extend(value_col)
        batch.scalars.wall_time.extend(wall_col)
    return batch
