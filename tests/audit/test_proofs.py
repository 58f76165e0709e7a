"""RFC 6962 hashing against the Certificate Transparency vectors, and Portline's proofs
checked by the standalone verifier (standard library only), which must refuse tampered ones."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import importlib.util
import io
import json
import os
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import transaction
from freezegun import freeze_time

from portline.audit import merkle, signing
from portline.audit.services import audit_days_publish, audit_record

VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "portline_audit_verify.py"
_spec = importlib.util.spec_from_file_location("portline_audit_verify", VERIFIER)
standalone = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standalone)

# RFC 6962 test data as published with Certificate Transparency (and transparency-dev/merkle).
CT_ENTRIES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
LEAVES = [merkle.leaf_hash(bytes.fromhex(e)) for e in CT_ENTRIES]


def test_roots_match_rfc_6962_vectors():
    assert (
        merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    builder = merkle.RootBuilder()
    for n in range(1, 9):
        assert merkle.root(LEAVES[:n]).hex() == CT_ROOTS[n - 1]
        builder.append(LEAVES[n - 1])
        assert builder.root().hex() == CT_ROOTS[n - 1]
        again = merkle.builder_from_frontier(n, merkle.builder_frontier(builder))
        assert again.root() == builder.root()


@pytest.mark.parametrize(("index", "size"), list(CT_INCLUSION))
def test_inclusion_proofs_match_rfc_6962_vectors(index, size):
    proof = merkle.inclusion_proof(LEAVES[:size], index)
    assert [p.hex() for p in proof] == CT_INCLUSION[(index, size)]
    root = bytes.fromhex(CT_ROOTS[size - 1])
    for verify in (merkle.verify_inclusion, standalone.verify_inclusion):
        assert verify(LEAVES[index], index, size, proof, root)
        assert not verify(LEAVES[index], index + 1, size, proof, root)
        assert not verify(LEAVES[index], index, size, proof[:-1], root)


@pytest.mark.parametrize(("first", "second"), list(CT_CONSISTENCY))
def test_consistency_proofs_match_rfc_6962_vectors(first, second):
    proof = merkle.consistency_proof(LEAVES[:second], first)
    assert [p.hex() for p in proof] == CT_CONSISTENCY[(first, second)]
    one, two = bytes.fromhex(CT_ROOTS[first - 1]), bytes.fromhex(CT_ROOTS[second - 1])
    for verify in (merkle.verify_consistency, standalone.verify_consistency):
        assert verify(first, second, one, two, proof)
        assert not verify(first, second, two, one, proof)
        assert not verify(first, second, one, two, proof[1:])


def test_every_proof_of_every_small_tree_verifies_in_both_implementations():
    leaves = [merkle.leaf_hash(bytes([i, i * 7 % 256])) for i in range(33)]
    for size in range(1, len(leaves) + 1):
        tree = leaves[:size]
        root = merkle.root(tree)
        for index in range(size):
            proof = merkle.inclusion_proof(tree, index)
            assert standalone.verify_inclusion(tree[index], index, size, proof, root)
        for first in range(size + 1):
            proof = merkle.consistency_proof(tree, first)
            first_root = merkle.root(tree[:first])
            assert standalone.verify_consistency(first, size, first_root, root, proof)
            if proof:
                bent = [bytes(32), *proof[1:]]
                assert not standalone.verify_consistency(first, size, first_root, root, bent)


def test_standalone_ed25519_matches_rfc_8032_and_cryptography():
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb882"
        "1590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert standalone.ed25519_verify(public, b"", signature)
    assert not standalone.ed25519_verify(public, b"\x00", signature)
    key = Ed25519PrivateKey.from_private_bytes(os.urandom(32))
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    message = b'{"day":"2026-03-01"}'
    signed = key.sign(message)
    assert standalone.ed25519_verify(raw, message, signed)
    assert not standalone.ed25519_verify(raw, message + b" ", signed)
    assert not standalone.ed25519_verify(raw, message, bytes([signed[0] ^ 1]) + signed[1:])


def _run(kind: str, document: dict, *extra: str) -> tuple[int, str]:
    handle, name = tempfile.mkstemp(suffix=".json")
    os.close(handle)
    path = Path(name)
    path.write_text(json.dumps(document))
    out = io.StringIO()
    with redirect_stdout(out):
        status = standalone.main([kind, str(path), *extra])
    path.unlink()
    return status, out.getvalue()


@pytest.fixture
def two_published_days(db):
    ids = []
    for day, count in (("2026-03-01", 5), ("2026-03-02", 7)):
        with freeze_time(f"{day} 12:00:00"):
            for n in range(count):
                with transaction.atomic():
                    ids.append(audit_record(actor=None, action="test.thing.do", data={"n": n}).pk)
    with freeze_time("2026-03-03 01:00:00"):
        published = audit_days_publish(actor=None, before=dt.date(2026, 3, 3))
    assert [str(p.day) for p in published] == ["2026-03-01", "2026-03-02"]
    return ids


def _command_json(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_inclusion_proof_verifies_standalone_and_tampering_fails(two_published_days):
    key = signing.public_key_b64()
    proof = _command_json("audit_proof", str(two_published_days[7]))
    assert proof["day"] == "2026-03-02" and proof["tree_size"] == 7 and proof["leaf_index"] == 2
    status, text = _run("inclusion", proof, "--public-key", key)
    assert status == 0, text
    assert "FAILED" not in text and "Ed25519 signature" in text

    bad_entry = copy.deepcopy(proof)
    bad_entry["event"]["entry"] = bad_entry["event"]["entry"].replace('"n":2', '"n":3')
    bad_path = copy.deepcopy(proof)
    bad_path["path"][0] = "00" * 32
    bad_root = copy.deepcopy(proof)
    bad_root["root"] = bad_root["path"][0]
    bad_signature = copy.deepcopy(proof)
    bad_signature["signed"]["signature"] = base64.b64encode(bytes(64)).decode()
    for tampered in (bad_entry, bad_path, bad_root, bad_signature):
        status, text = _run("inclusion", tampered, "--public-key", key)
        assert status == 1 and "FAILED" in text
    other_key = base64.b64encode(bytes(32)).decode()
    assert _run("inclusion", proof, "--public-key", other_key)[0] == 1


def test_consistency_proof_verifies_standalone_and_tampering_fails(two_published_days):
    key = signing.public_key_b64()
    proof = _command_json("audit_consistency", "2026-03-01", "2026-03-02")
    assert (proof["first"]["tree_size"], proof["second"]["tree_size"]) == (5, 12)
    status, text = _run("consistency", proof, "--public-key", key)
    assert status == 0, text
    bad_node = copy.deepcopy(proof)
    bad_node["proof"][-1] = "11" * 32
    bad_size = copy.deepcopy(proof)
    bad_size["first"]["tree_size"] = 4
    bad_root = copy.deepcopy(proof)
    bad_root["second"]["tree_root"] = "22" * 32
    for tampered in (bad_node, bad_size, bad_root):
        status, text = _run("consistency", tampered, "--public-key", key)
        assert status == 1 and "FAILED" in text


def test_signed_root_file_verifies(two_published_days, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    from portline.audit.models import AuditDayRoot
    from portline.audit.selectors import signed_document

    document = signed_document(AuditDayRoot.objects.get(day="2026-03-01"))
    assert _run("root", document, "--public-key", signing.public_key_b64())[0] == 0
    document["statement"]["count"] = 6
    assert _run("root", document, "--public-key", signing.public_key_b64())[0] == 1
    assert _run("root", {"nothing": 1})[0] == 2


def test_public_page_lists_signed_roots_and_serves_the_files(two_published_days, client):
    page = client.get("/audit/")
    assert page.status_code == 200
    assert signing.public_key_b64() in page.text and "2026-03-02" in page.text
    assert client.get("/audit/key").text.strip() == signing.public_key_b64()
    document = client.get("/audit/roots/2026-03-01.json").json()
    assert document["statement"]["day"] == "2026-03-01"
    assert _run("root", document, "--public-key", signing.public_key_b64())[0] == 0
    assert client.get("/audit/roots/2026-02-30.json").status_code == 404
    assert client.get("/audit/roots/2026-03-05.json").status_code == 404


def test_publishing_twice_adds_nothing_and_days_chain_on(two_published_days):
    from portline.audit.models import AuditDayRoot

    with freeze_time("2026-03-03 02:00:00"):
        assert audit_days_publish(actor=None, before=dt.date(2026, 3, 3)) == []
        with transaction.atomic():
            audit_record(actor=None, action="test.thing.do")
    with freeze_time("2026-03-04 00:30:00"):
        (third,) = audit_days_publish(actor=None, before=dt.date(2026, 3, 4))
    # The third day's log root continues the first two days' tree (saved frontier).
    from portline.audit.selectors import audit_log_leaves

    leaves = audit_log_leaves(up_to_seq=third.last_seq)
    assert third.tree_size == len(leaves) and third.tree_root == merkle.root(leaves).hex()
    assert AuditDayRoot.objects.count() == 3
