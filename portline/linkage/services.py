"""Writes for person linkage: a run (score, cluster, store) and the supervisors'
adjudications. Every change is audited in its own transaction."""

from __future__ import annotations

import tempfile
from itertools import combinations
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, PermissionDenied, ValidationFailed
from portline.linkage import engine
from portline.linkage.errors import LinkageNotConfigured
from portline.linkage.models import (
    AdjudicationDecision,
    ClusterMember,
    LinkAdjudication,
    LinkageRun,
    PersonCluster,
    RecordLink,
    RunBackend,
)
from portline.linkage.selectors import (
    RecordRef,
    adjudicated_pairs,
    latest_model,
    linkage_table,
)

MIN_REASON_LENGTH = 5
# Below this many records the model is not retrained: the last run's model (or the shipped
# one, trained on the seeded synthetic population) scores them. Above it, a model trained
# by an earlier run is reused (see `engine.should_retrain`): training is not repeated on every
# scan.
MIN_TRAINING_RECORDS = 5000


def _is_system(actor: Any) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def linkage_run(
    *,
    actor: User | None,
    backend: str | None = None,
    train: bool | None = None,
    threshold: float = engine.DEFAULT_THRESHOLD,
    spark_workdir: Path | None = None,
) -> LinkageRun:
    """Link every person record (registrations, partner entries, applicant accounts) and
    store the links at or above `threshold`, with their evidence, and the clusters they form.
    Supervisors' adjudications are respected: a rejected pair never links, a confirmed pair
    always does. `train=None` trains when there are at least MIN_TRAINING_RECORDS records
    and no model trained here for a similar number of records is stored; otherwise the stored
    model scores them.
    `actor=None` is the system (the integrity scan, the task worker)."""
    if (
        actor is not None
        and not _is_system(actor)
        and actor.role
        not in (
            Role.SUPERVISOR,
            Role.PROGRAM_ADMIN,
        )
    ):
        raise PermissionDenied(_("Only supervisors and administrators may run person linkage."))
    backend = backend or settings.LINKAGE_BACKEND
    if backend not in RunBackend.values:
        raise ValidationFailed(
            _("Unknown linkage backend %(name)s: use duckdb or spark.") % {"name": backend}
        )
    if not 0 < threshold < 1:
        raise ValidationFailed(_("The link threshold must be between 0 and 1."))
    if backend == RunBackend.SPARK and not engine.java_available():
        raise LinkageNotConfigured(_("Java is not installed: the Spark backend needs Java 17."))
    started = clock.now()
    records, refs = linkage_table()
    confirmed, rejected = adjudicated_pairs()
    stored = latest_model()
    if train is None:
        train = engine.should_retrain(
            stored, records=records.num_rows, minimum=MIN_TRAINING_RECORDS
        )
    model = engine.train(records) if train else (stored or engine.default_model())
    try:
        if backend == RunBackend.SPARK:
            with tempfile.TemporaryDirectory(prefix="portline-spark-") as tmp:
                links = engine.predict_spark(
                    records,
                    model,
                    threshold=threshold,
                    master=settings.SPARK_MASTER,
                    workdir=spark_workdir or Path(tmp),
                )
        else:
            links = engine.predict_duckdb(records, model, threshold=threshold)
    except engine.EngineError as exc:
        raise LinkageNotConfigured(str(exc)) from exc
    present = set(refs)
    confirmed = [p for p in confirmed if p[0] in present and p[1] in present]
    clusters = engine.cluster(
        refs.keys(), links, threshold=threshold, confirmed=confirmed, rejected=rejected
    )
    return _store_run(
        actor=actor,
        backend=backend,
        threshold=threshold,
        started=started,
        model=model,
        refs=refs,
        clusters=clusters,
    )


def _store_run(
    *,
    actor: User | None,
    backend: str,
    threshold: float,
    started: Any,
    model: dict,
    refs: dict[str, RecordRef],
    clusters: list[engine.Cluster],
) -> LinkageRun:
    with transaction.atomic():
        run = LinkageRun.objects.create(
            started_at=started,
            started_by=None if _is_system(actor) else actor,
            backend=backend,
            engine_version=engine.ENGINE_VERSION,
            threshold=threshold,
            record_count=len(refs),
            model=model,
        )
        stored = PersonCluster.objects.bulk_create(
            PersonCluster(run=run, number=n, size=len(c.members), min_probability=c.min_probability)
            for n, c in enumerate(clusters, start=1)
        )
        members, links = [], []
        for row, c in zip(stored, clusters, strict=True):
            for key in c.members:
                ref = refs[key]
                members.append(
                    ClusterMember(
                        cluster=row,
                        record_key=key,
                        source=ref.source,
                        person_id=ref.person_id,
                        account_id=ref.account_id,
                    )
                )
            for link in c.links:
                links.append(
                    RecordLink(
                        run=run,
                        cluster=row,
                        left_key=link.left,
                        right_key=link.right,
                        probability=link.probability,
                        match_weight=link.match_weight,
                        evidence=[e.as_dict() for e in link.evidence],
                    )
                )
        ClusterMember.objects.bulk_create(members, batch_size=2000)
        RecordLink.objects.bulk_create(links, batch_size=2000)
        run.link_count = len(links)
        run.cluster_count = len(stored)
        run.finished_at = clock.now()
        run.save(update_fields=["link_count", "cluster_count", "finished_at"])
        audit_record(
            actor=actor,
            action="linkage.run.complete",
            target=run,
            data={
                "backend": backend,
                "records": run.record_count,
                "links": run.link_count,
                "clusters": run.cluster_count,
                "threshold": threshold,
            },
        )
    return run


# --- Adjudication -----------------------------------------------------------------------


def _check_adjudication(actor: User, decision: str, reason: str) -> str:
    if _is_system(actor) or not actor.is_active or actor.role != Role.SUPERVISOR:
        raise PermissionDenied(_("Only supervisors may confirm or reject links."))
    if decision not in AdjudicationDecision.values:
        message = _("Choose confirm (same person) or reject (different people).")
        raise ValidationFailed(message, errors={"decision": [message]})
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        message = _("Give the reason for this decision (at least %(count)s characters).") % {
            "count": MIN_REASON_LENGTH
        }
        raise ValidationFailed(message, errors={"reason": [message]})
    return reason


def _already_decided(existing: LinkAdjudication) -> Conflict:
    if existing.decision == AdjudicationDecision.CONFIRMED:
        message = _("This link was already confirmed on %(date)s; it cannot be decided again.")
    else:
        message = _("This link was already rejected on %(date)s; it cannot be decided again.")
    return Conflict(message % {"date": existing.decided_at.date().isoformat()})


def link_adjudicate(
    *, actor: User, link: RecordLink, decision: str, reason: str
) -> LinkAdjudication:
    """A supervisor's finding on one link: the same person (confirmed) or not (rejected).
    Kept for every later run. A pair is decided once: deciding it again is refused."""
    reason = _check_adjudication(actor, decision, reason)
    with transaction.atomic():
        existing = (
            LinkAdjudication.objects.select_for_update()
            .filter(left_key=link.left_key, right_key=link.right_key)
            .first()
        )
        if existing is not None:
            raise _already_decided(existing)
        adjudication = LinkAdjudication.objects.create(
            left_key=link.left_key,
            right_key=link.right_key,
            decision=decision,
            reason=reason,
            decided_by=actor,
            link=link,
            probability=link.probability,
        )
        audit_record(
            actor=actor,
            action=f"linkage.link.{'confirm' if decision == 'confirmed' else 'reject'}",
            target=adjudication,
            data={"link": link.pk, "run": link.run_id, "probability": link.probability},
        )
    return adjudication


def cluster_adjudicate(
    *, actor: User, cluster: PersonCluster, decision: str, reason: str
) -> list[LinkAdjudication]:
    """Decide a whole cluster: confirming confirms each of its undecided links; rejecting
    rejects every undecided pair of its records (none of them is the same person as
    another). Pairs already decided keep their decision; a cluster with nothing left to
    decide is refused."""
    reason = _check_adjudication(actor, decision, reason)
    with transaction.atomic():
        links = {
            (link.left_key, link.right_key): link
            for link in RecordLink.objects.filter(cluster=cluster).order_by("id")
        }
        if decision == AdjudicationDecision.CONFIRMED:
            pairs = list(links)
        else:
            keys = sorted(cluster.members.values_list("record_key", flat=True))
            pairs = list(combinations(keys, 2))
        decided = set(
            LinkAdjudication.objects.select_for_update()
            .filter(left_key__in=[p[0] for p in pairs], right_key__in=[p[1] for p in pairs])
            .values_list("left_key", "right_key")
        )
        todo = [p for p in pairs if p not in decided]
        if not todo:
            raise Conflict(_("Every link of this cluster was already decided."))
        made = LinkAdjudication.objects.bulk_create(
            LinkAdjudication(
                left_key=left,
                right_key=right,
                decision=decision,
                reason=reason,
                decided_by=actor,
                link=links.get((left, right)),
                probability=links[(left, right)].probability if (left, right) in links else None,
            )
            for left, right in todo
        )
        audit_record(
            actor=actor,
            action=f"linkage.cluster.{'confirm' if decision == 'confirmed' else 'reject'}",
            target=cluster,
            data={"run": cluster.run_id, "pairs": len(made), "skipped": len(pairs) - len(todo)},
        )
    return made
