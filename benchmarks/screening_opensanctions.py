"""The peer matcher for the screening benchmark: OpenSanctions' nomenklatura (LogicV2 scoring,
as yente uses it), offline, on the same list and the same queries.

Runs in its own virtual environment (nomenklatura pins duckdb < 2 and scikit-learn 1.9.1,
which would clash with Portline's own dependencies); `screening_watchlist.py` creates
`.venv-opensanctions/` on first use and calls this script with it:

    .venv-opensanctions/bin/python benchmarks/screening_opensanctions.py ENTRIES QUERIES OUT

ENTRIES and QUERIES are JSON lines written by screening_watchlist.py; OUT receives, per query,
the keys of the hits and the seconds it took.

Candidates: yente asks Elasticsearch for candidates and scores them with LogicV2; offline we
stand in for Elasticsearch with an inverted index over each name's tokens in Latin letters
(normality's ICU transliteration, as followthemoney does) and their metaphone keys (rigour),
ranked by the summed rarity (IDF) of the keys they share with the query. The best
`--candidates` are scored with `LogicV2.compare(query, candidate, ScoringConfig.defaults())`;
a hit is a score of at least `--threshold` (yente's default, 0.70).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time
from array import array
from collections import Counter

import numpy as np
from followthemoney import model
from nomenklatura.matching import LogicV2
from nomenklatura.matching.types import ScoringConfig
from normality import ascii_text
from rigour._core import metaphone
from rigour.names import tokenize_name


def _keys(name: str) -> set[str]:
    keys = set()
    for token in tokenize_name(name.lower()):
        latin = (ascii_text(token) or "").lower().replace(" ", "")
        if not latin:
            continue
        keys.add("t:" + latin)
        if len(latin) > 2:
            code = metaphone(latin)
            if code:
                keys.add("m:" + code)
    return keys


def _entity(entity_id: str, names, dobs, nationalities):
    entity = model.make_entity("Person")
    entity.id = entity_id
    for name in names:
        entity.add("name", name)
    for dob in dobs:
        entity.add("birthDate", dob)
    for nationality in nationalities:
        entity.add("nationality", nationality.lower())
    return entity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries")
    parser.add_argument("queries")
    parser.add_argument("out")
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--threshold", type=float, default=0.70)
    args = parser.parse_args()
    started = time.perf_counter()
    entries = []
    hashes = array("q")
    owners = array("i")
    for number, line in enumerate(open(args.entries, encoding="utf-8")):
        row = json.loads(line)
        entries.append((row["key"], row["names"], row["dobs"], row["nationalities"]))
        for key in set().union(*(_keys(n) for n in row["names"])):
            hashes.append(hash(key))
            owners.append(number)
    h = np.frombuffer(hashes, dtype=np.int64)
    order = np.argsort(h, kind="stable")
    key_hashes, key_owners = h[order], np.frombuffer(owners, dtype=np.int32)[order]
    del hashes, owners, h, order
    build_s = time.perf_counter() - started
    total = len(entries)
    config = ScoringConfig.defaults()
    LogicV2.compare(
        _entity("warm-q", ["Warm Up"], [], []), _entity("warm-r", ["Warm Up"], [], []), config
    )
    results = []
    for number, line in enumerate(open(args.queries, encoding="utf-8")):
        query = json.loads(line)
        t0 = time.perf_counter()
        keys = np.array(sorted({hash(k) for k in _keys(query["name"])}), dtype=np.int64)
        left = np.searchsorted(key_hashes, keys, "left")
        right = np.searchsorted(key_hashes, keys, "right")
        weights: Counter[int] = Counter()
        for lo, hi in zip(left.tolist(), right.tolist(), strict=True):
            if hi > lo:
                idf = math.log(total / (hi - lo))
                for owner in key_owners[lo:hi].tolist():
                    weights[owner] += idf
        q_entity = _entity(
            f"q{number}",
            [query["name"]],
            [query["dob"]] if query.get("dob") else [],
            [query["nationality"]] if query.get("nationality") else [],
        )
        hits = []
        for owner, _w in weights.most_common(args.candidates):
            key, names, dobs, nationalities = entries[owner]
            candidate = _entity(f"e{key}", names, dobs, nationalities)
            score = LogicV2.compare(q_entity, candidate, config).score
            if score >= args.threshold:
                hits.append(key)
        results.append({"id": query["id"], "hits": hits, "seconds": time.perf_counter() - t0})
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(
            {
                "build_s": build_s,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "results": results,
            },
            out,
        )


if __name__ == "__main__":
    main()
