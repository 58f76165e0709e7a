"""The audit hash chain: one canonical byte string per event, standard library only.

Every event is written as canonical JSON (keys sorted, no spaces, ASCII with \\u escapes)
of its fields *plus* its sequence number and the hash of the event before it:

    {"action":…,"actor":…,"actor_role":…,"at":"YYYY-MM-DDTHH:MM:SS.ffffffZ","data":{…},
     "prev":"<64 hex>","seq":N,"target_id":…,"target_type":…,"v":1}

The event's hash is SHA-256 of those bytes, so each event commits to its place in the log and
to everything before it. The same bytes are the event's leaf in the day's RFC 6962 Merkle
tree (`merkle.leaf_hash`). `verifier/portline_audit_verify.py` rebuilds them independently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

VERSION = 1
GENESIS = "0" * 64  # the `prev` of event 1


def stored_data(data: dict | None) -> dict:
    """What the database will hand back for `data`: dates, decimals and UUIDs become strings
    exactly as the JSONField stores them, so the hash covers what is stored."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def format_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_data(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical(
    *,
    seq: int,
    prev: str,
    at: str,
    actor: int | None,
    actor_role: str,
    action: str,
    target_type: str,
    target_id: str,
    data_json: str,
) -> bytes:
    """The event's canonical bytes. Equal to `json.dumps(event, sort_keys=True,
    separators=(",", ":"))` of the dict form (see `canonical_dict`), written out by hand
    because the verifier runs it ten million times."""
    actor_text = "null" if actor is None else str(int(actor))
    return (
        f'{{"action":{_quote(action)},"actor":{actor_text},"actor_role":{_quote(actor_role)},'
        f'"at":"{at}","data":{data_json},"prev":"{prev}","seq":{int(seq)},'
        f'"target_id":{_quote(target_id)},"target_type":{_quote(target_type)},"v":{VERSION}}}'
    ).encode("ascii")


def canonical_dict(event: dict) -> bytes:
    """The slow, obviously-right form of `canonical` (used by tests and the verifier)."""
    return json.dumps(
        {**event, "v": VERSION}, sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")


def entry_hash(entry: bytes) -> str:
    return hashlib.sha256(entry).hexdigest()


def canonical_of(record: Any, *, seq: int | None = None, prev: str | None = None) -> bytes:
    """Canonical bytes of an AuditRecord-like object (attributes as on the model)."""
    return canonical(
        seq=record.seq if seq is None else seq,
        prev=record.prev_hash if prev is None else prev,
        at=format_at(record.at),
        actor=record.actor_id,
        actor_role=record.actor_role,
        action=record.action,
        target_type=record.target_type,
        target_id=record.target_id,
        data_json=canonical_data(record.data),
    )
