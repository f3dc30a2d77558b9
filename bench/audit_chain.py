"""Audit trail: append and verify throughput, against plain inserts and bare hashing of the same rows."""

import hashlib
import json
import time

from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_chain_verify, audit_record

EVENTS = 2000


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({seconds:.2f} s)"


def run() -> None:
    start = time.perf_counter()
    for i in range(EVENTS):
        audit_record(action="bench.append", data={"i": i})
    append = time.perf_counter() - start

    # Baseline: the same number of rows inserted without the chain (no head lock, no hash).
    start = time.perf_counter()
    for i in range(EVENTS):
        with transaction.atomic():
            AuditEvent.objects.create(
                seq=10_000_000 + i, action="bench.baseline", data={"i": i}, prev_hash="-", hash=f"baseline-{i}"
            )
    baseline_insert = time.perf_counter() - start
    AuditEvent.objects.filter(action="bench.baseline").delete()

    start = time.perf_counter()
    report = audit_chain_verify()
    verify = time.perf_counter() - start
    assert report.ok, report.problem

    # Baseline: reading the rows and hashing them once, without the chain checks.
    start = time.perf_counter()
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        hashlib.sha256(json.dumps(event.data).encode()).hexdigest()
    baseline_read = time.perf_counter() - start

    print(
        f"audit append: {_rate(EVENTS, append)}   plain insert baseline: {_rate(EVENTS, baseline_insert)}"
        f"   overhead x{append / baseline_insert:.2f}"
    )
    print(
        f"audit verify: {_rate(report.checked, verify)}   read+hash baseline: {_rate(report.checked, baseline_read)}"
        f"   overhead x{verify / baseline_read:.2f}"
    )
