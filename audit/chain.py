"""The audit trail's hash chain: each event stores a hash of its content and of the event before it.

Database triggers refuse to change or delete an event (audit/migrations,
`append_only`), but an account that owns the tables can drop a trigger; the
chain makes such a change visible afterwards. `manage.py verify_audit` walks
the events in id order and names the first one whose hash does not follow
from its content and its predecessor's hash.

Events are chained in one order only: each insert takes a lock held to the end
of its transaction (on PostgreSQL an advisory lock; SQLite has one writer at a
time), reads the newest event's hash and inserts after it. So two writers
never chain to the same predecessor, and ids follow the chain.

On PostgreSQL the three go to the server as one message (`_PG_APPEND`): one
round trip, where a view's event took five (begin, lock, read, insert, commit).
Statements sent together run as one transaction, each with a fresh snapshot,
so the read that follows the lock sees every event committed before the lock
was granted (PostgreSQL's default isolation, READ COMMITTED, as the other path
needs too). The database hashes the bytes `link_hash` hashes, sent as bytes,
and the writer checks the result.

This module works on any model with the event's columns (the app's model or a
migration's historical one), so data migrations chain the events they write.
"""

import hashlib
import ipaddress
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction

GENESIS = "0" * 64
# The columns an event's hash covers, in this order.
CONTENT = ("created_at", "actor_id", "actor_username", "action", "object_type", "object_id", "details", "ip_address")
# Any constant: the advisory lock key that serialises writers of the trail (PostgreSQL).
_LOCK_KEY = 23_0001


def _stored_details(details):
    # As the JSON column gives them back: dates, UUIDs and decimals as strings.
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))


def _stored_address(address):
    return str(ipaddress.ip_address(address)) if address else None


def event_content(event):
    """The event's content as canonical text: the same for the event before it is saved and read back.

    Times to the millisecond, as Django's JSON serialisation keeps them: a trail dumped and
    loaded back (dumpdata, loaddata) still verifies.
    """
    values = {
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="milliseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": str(event.action),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": _stored_details(event.details),
        "ip_address": _stored_address(event.ip_address),
    }
    return json.dumps([values[name] for name in CONTENT], sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link_hash(previous_hash, content):
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


def chain_lock(using):
    """Hold the trail's write lock to the end of the current transaction."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


# Lock, read the newest hash, insert after it and hash as link_hash does: one message, one round trip.
_PG_APPEND = (
    "SELECT pg_advisory_xact_lock(%s); "
    "INSERT INTO {table} ({columns}, previous_hash, hash)"
    " SELECT %s, %s, %s, %s, %s, %s, %s::jsonb, %s::inet, link.previous,"
    # The content goes as the very bytes link_hash hashes (UTF-8, from Python): no server encoding between.
    " encode(sha256(convert_to(link.previous || E'\\n', 'UTF8') || %s::bytea), 'hex')"
    " FROM (SELECT coalesce((SELECT hash FROM {table} ORDER BY id DESC LIMIT 1), %s) AS previous) AS link"
    " RETURNING id, previous_hash, hash"
)


class ChainHashMismatchError(RuntimeError):
    """The database hashed an event otherwise than link_hash: verify_audit would call the trail broken."""


def _one_message(connection):
    # Several statements in one execute, and nextset(), need psycopg 3 with client-side binding (Django's default).
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3 and not connection.settings_dict["OPTIONS"].get("server_side_binding")


def _pg_append(event, connection):
    model = type(event)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = _PG_APPEND.format(table=table, columns=", ".join(connection.ops.quote_name(name) for name in CONTENT))
    content = event_content(event)
    params = [
        _LOCK_KEY,
        event.created_at,
        event.actor_id,
        event.actor_username,
        str(event.action),
        event.object_type,
        event.object_id,
        json.dumps(event.details, cls=DjangoJSONEncoder),
        event.ip_address or None,
        content.encode(),
        GENESIS,
    ]
    # In a caller's transaction, an error here marks it for rollback, as the ORM's own save would.
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not cursor.nextset():  # past the lock's result, to the insert's
            raise RuntimeError("audit event: the database sent no result for the insert")
        event.pk, event.previous_hash, event.hash = cursor.fetchone()
        event._state.adding, event._state.db = False, connection.alias
        # The database hashed link_hash's own bytes, so this holds by construction; checked all the same.
        if event.hash != link_hash(event.previous_hash, content):
            raise ChainHashMismatchError(f"audit event {event.pk}: the database's hash differs from link_hash")
    return event


def chained_insert(event, *, using="default"):
    """Insert `event` as the newest link of the chain (force_insert; the caller's model refuses updates)."""
    model = type(event)
    if _one_message(connections[using]):
        return _pg_append(event, connections[using])
    # No savepoint of its own (two more queries per event in a caller's transaction): an insert
    # that fails spoils the caller's transaction, as any failed insert there would.
    with transaction.atomic(using=using, savepoint=False):
        chain_lock(using)
        previous = model._base_manager.using(using).order_by("-pk").values_list("hash", flat=True).first()
        event.previous_hash = previous or GENESIS
        event.hash = link_hash(event.previous_hash, event_content(event))
        # The plain model save: AuditEvent.save comes here and must not be called again.
        models.Model.save(event, force_insert=True, using=using)
    return event


def chain_rebuild(model, *, using="default"):
    """Chain the events of an existing trail, oldest id first (the migration that adds the chain)."""
    previous = GENESIS
    for event in model._base_manager.using(using).order_by("pk").iterator(chunk_size=2000):
        new_hash = link_hash(previous, event_content(event))
        model._base_manager.using(using).filter(pk=event.pk).update(previous_hash=previous, hash=new_hash)
        previous = new_hash


def chain_first_break(model, *, using="default"):
    """(the first event that does not follow from its predecessor, why), or (None, events checked) when whole."""
    previous = GENESIS
    count = 0
    for event in model._base_manager.using(using).order_by("pk").iterator(chunk_size=2000):
        if event.previous_hash != previous:
            return event, "it does not name the event before it (an event was removed or inserted here)"
        if event.hash != link_hash(previous, event_content(event)):
            return event, "its content was changed after it was written"
        previous = event.hash
        count += 1
    return None, count
