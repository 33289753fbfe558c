"""Removing a shredded clinic's rows from the live database: every table the clinic owns, except
the audit trail (no personal data; it stays as proof) and the termination record itself.

Which tables: every model with a `clinic` foreign key, and every model that hangs off one of
those by a required foreign key (a many-to-many table, a login's 2FA device), found from the
models, so a table added later is removed too. A model that must survive declares
`kept_after_termination = True`.

In what order: a row goes before the rows it points at. Foreign keys that point back into
their own table (a guardian, a superseded measurement) or close a cycle (a visit and its
current version) are nullable; they are set to NULL first, then the tables follow a
topological order.

Chunked and resumable: each chunk is deleted in one transaction together with the running
count in the termination row, so after a kill the counts are exact and a rerun continues
where the last committed chunk stopped.
"""
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, router, transaction

from klinika.crypto import keystore
from klinika.lifecycle.termination import steps
from klinika.lifecycle.termination.models import Termination
from klinika.tenancy.context import clinic_context

# The audit trail stays: it holds ids, codes and times only, and proves what happened.
KEPT_MODELS = {"audit.AuditEvent", "audit.AuditChainHead", "audit.AuditCheckpoint"}
CHUNK = 1000


class RemovalPlanError(RuntimeError):
    pass


@dataclass(frozen=True)
class Table:
    model: type
    parent_field: object | None  # None: the model has its own `clinic`; else the required FK to `parent`
    parent: "Table | None"
    unlink: tuple  # nullable FKs set to NULL before any row of the plan is deleted

    @property
    def name(self) -> str:
        return self.model._meta.db_table


def kept(model) -> bool:
    return model._meta.label in KEPT_MODELS or getattr(model, "kept_after_termination", False)


def _relations(model):
    return [f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]


def plan() -> list[Table]:
    """The clinic-owned tables, in the order their rows can be deleted."""
    from klinika.tenancy.models import Clinic

    candidates = sorted((m for m in apps.get_models(include_auto_created=True)
                         if m._meta.managed and not m._meta.proxy and m is not Clinic and not kept(m)
                         and router.db_for_write(m) == "default"), key=lambda m: m._meta.label)
    parent_of: dict = {}
    for model in candidates:
        if any(f.name == "clinic" and f.related_model is Clinic for f in _relations(model)):
            parent_of[model] = None
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in parent_of:
                continue
            via = next((f for f in _relations(model) if not f.null and f.related_model in parent_of), None)
            if via is not None:
                parent_of[model] = via
                grew = True
    # edges: model -> the plan models it points at
    edges = {m: [f for f in _relations(m) if f.related_model in parent_of] for m in parent_of}
    unlink = {m: [f for f in fields if f.related_model is m] for m, fields in edges.items()}
    for f in (f for fields in unlink.values() for f in fields):
        if not f.null:
            raise RemovalPlanError(f"{f.model._meta.label}.{f.name} points into its own table and is required")
    order = _order(edges, unlink)
    tables: dict = {}
    for model in order:
        via = parent_of[model]
        tables[model] = (model, via, tuple(unlink[model]))
    built: dict = {}

    def table(model):
        if model not in built:
            m, via, links = tables[model]
            built[model] = Table(m, via, table(via.related_model) if via is not None else None, links)
        return built[model]

    return [table(m) for m in order]


def _order(edges, unlink) -> list:
    """Referencing tables before referenced ones; nullable links inside a cycle are cut (added to unlink)."""
    remaining = set(edges)
    order = []
    while remaining:
        live = {m: [f for f in edges[m] if f.related_model in remaining and f.related_model is not m
                    and f not in unlink[m]] for m in remaining}
        referenced = {f.related_model for fields in live.values() for f in fields}
        ready = sorted((m for m in remaining if m not in referenced), key=lambda m: m._meta.label)
        if ready:
            order += ready
            remaining -= set(ready)
            continue
        cuttable = [f for f in _inside_cycles(live) if f.null]
        if not cuttable:
            raise RemovalPlanError("the clinic's tables reference each other through required foreign keys: "
                                   + ", ".join(sorted(m._meta.label for m in remaining)))
        for f in cuttable:
            unlink[f.model].append(f)
    return order


def _inside_cycles(live) -> list:
    """The links whose two ends lie on one cycle (the same strongly connected component)."""
    def reach(start):
        seen, stack = set(), [start]
        while stack:
            for f in live[stack.pop()]:
                if f.related_model not in seen:
                    seen.add(f.related_model)
                    stack.append(f.related_model)
        return seen

    reachable = {m: reach(m) for m in live}
    return [f for m, fields in live.items() for f in fields if m in reachable[f.related_model]]


def rows_of(table: Table, clinic_id):
    manager = table.model._default_manager
    if table.parent is None:
        return manager.filter(clinic_id=clinic_id)
    return manager.filter(**{f"{table.parent_field.name}__in": rows_of(table.parent, clinic_id).values("pk")})


def _delete(model, pks) -> None:
    quote = connection.ops.quote_name
    pk = model._meta.pk
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(pk.column)} IN ({marks})",
                       [pk.get_db_prep_value(value, connection) for value in pks])


def _delete_files(model, pks) -> None:
    """Attachments keep their (encrypted) bytes in storage, outside the database: removed with the row."""
    if model._meta.label != "records.Attachment":
        return
    from klinika.records.storage import attachment_storage

    storage = attachment_storage()
    for name in model._default_manager.filter(pk__in=pks).values_list("storage_name", flat=True):
        storage.delete(name)


def remove_rows(termination: Termination, *, chunk: int = CHUNK, progress=None) -> dict[str, int]:
    """Remove every row of the clinic's tables; returns rows removed per table (this run and before).
    The per-person keys, unreadable since the shred, are wiped from the keystore first."""
    clinic_id = termination.clinic_id
    keystore.sweep_shredded_subject_keys(clinic_id)
    tables = plan()
    first_chunk = True
    with clinic_context(clinic_id):
        for table in tables:
            for field in table.unlink:
                _unlink(table, field, clinic_id, chunk)
        for table in tables:
            if table.name in termination.tables_done:
                continue
            rows = rows_of(table, clinic_id).order_by("pk").values_list("pk", flat=True)
            last = None
            while True:
                with transaction.atomic():
                    termination = Termination.objects.select_for_update().get(pk=termination.pk)
                    # walked by primary key: each chunk starts where the last ended instead of sorting
                    # the clinic's remaining rows again (rows before `last` are gone already)
                    pks = list((rows if last is None else rows.filter(pk__gt=last))[:chunk])
                    if not pks:
                        termination.tables_done = [*termination.tables_done, table.name]
                        termination.save(update_fields=["tables_done"])
                        break
                    _delete_files(table.model, pks)
                    _delete(table.model, pks)
                    last = pks[-1]
                    removed = dict(termination.rows_removed)
                    removed[table.name] = removed.get(table.name, 0) + len(pks)
                    termination.rows_removed = removed
                    termination.save(update_fields=["rows_removed"])
                if first_chunk:
                    first_chunk = False
                    steps.crash_point(steps.ROWS_CHUNK)
                if progress is not None:
                    progress(table.name, termination.rows_removed[table.name])
    _scrub_freed_space([table.name for table in tables])
    return dict(termination.rows_removed)


def _unlink(table: Table, field, clinic_id, chunk: int) -> None:
    linked = rows_of(table, clinic_id).filter(**{f"{field.name}__isnull": False}).values_list("pk", flat=True)
    while True:
        with transaction.atomic():
            pks = list(linked[:chunk])
            if not pks:
                return
            table.model._default_manager.filter(pk__in=pks).update(**{field.name: None})


def _scrub_freed_space(tables: list[str]) -> None:
    """Freed pages leave the files too: SQLite zeroes them (secure_delete) and the WAL is checkpointed;
    PostgreSQL's VACUUM drops the dead row versions."""
    if connection.in_atomic_block:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            cursor.execute("VACUUM " + ", ".join(quote(name) for name in tables))


def kept_rows(clinic_id) -> dict[str, int]:
    """What stays of the clinic: the audit trail and the termination record, counted."""
    counts = {}
    with clinic_context(clinic_id):
        for model in apps.get_models():
            if kept(model) and any(f.name == "clinic" for f in _relations(model)):
                counts[model._meta.db_table] = model._default_manager.filter(clinic_id=clinic_id).count()
    return counts
