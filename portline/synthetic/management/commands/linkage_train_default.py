"""Train the model shipped with Portline on the seeded synthetic population."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from portline.linkage import engine, normalise
from portline.linkage.engine import DEFAULT_MODEL_PATH
from portline.synthetic import planted


class Command(BaseCommand):
    help = "Train the shipped linkage model on seeded synthetic people (no personal data)"

    def add_arguments(self, parser):
        parser.add_argument("--registrations", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--out", default=str(DEFAULT_MODEL_PATH))

    def handle(self, *args, registrations: int, seed: int, out: str, **options):
        key = b"synthetic-training-key"
        people = planted.planted_people(
            seed=seed, registrations=registrations, today=dt.date(2026, 1, 1)
        )
        records = [
            normalise.person_record(
                key=key,
                unique_id=p.record_id,
                given_names=p.given_names,
                family_names=p.family_names,
                date_of_birth=p.date_of_birth,
                sex=p.sex,
                birth_place=p.birth_place,
                address_line=p.address_line,
                zip_code=p.zip,
                phone=p.phone,
                email=f"{p.entity_id}@example.org" if p.phone else "",
                document=p.document,
                photo_hash=f"{p.entity_id:016x}" if p.document else None,
            )
            for p in people
        ]
        model = engine.train(records, seed=seed)
        # Not trained on this installation's records: its first large run trains its own.
        model.pop(engine.TRAINED_ON_KEY, None)
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(model, handle, indent=1, sort_keys=True)
            handle.write("\n")
        self.stdout.write(f"Trained on {len(records)} synthetic records; model written to {out}")
