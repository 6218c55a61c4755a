"""Starts moto's server (same arguments as `moto_server`) with DynamoDB
behaving as DynamoDB does where the code relies on it.

1. DynamoDB applies every conditional write and every transaction
   atomically. moto's threaded server does not: two concurrent transactions
   can both pass an `attribute_not_exists` check. One lock around DynamoDB
   (and its stream) requests restores that; other services stay concurrent.
2. moto implements TransactWriteItems by writing as it goes, after a deep
   copy of every table involved, and restores the copy when a condition
   fails: each transaction costs time proportional to the whole table, and a
   cancelled one leaves stream records of writes that never happened.
   DynamoDB checks every condition first and writes only if all hold; so
   does the replacement below, which undoes only the items it touched if a
   write itself fails.
3. Every request is counted by service and operation, and by who made it:
   the function its User-Agent names (`app/{binary}`, which devstack sets),
   `devstack` standing in for Lambda's pollers (it signs with the access key
   `devstack`), or `other` (clients, tests); with the items each DynamoDB
   write carries, their size and the index keys it sets; `GET /_switchboard/counts` returns
   the counts (the cost benchmark reads them).
4. moto answers every Query by listing and sorting the whole table
   (`Table.all_items`), so each Query costs time proportional to the table
   and the emulator slows as a test run fills it. DynamoDB reads one
   partition: so does a base-table Query here, and an index Query skips
   the whole-table sort (it sorts its own results).
5. Responses go out without Nagle's delay: werkzeug writes a response in
   several pieces, and with Nagle's algorithm each piece after the first
   waits for the client's delayed ACK (40 ms on Linux), which made every
   multi-piece answer take 40 ms or more.
6. DynamoDB answers are plain JSON, but moto serialises each one by walking
   the service model attribute by attribute, which costs milliseconds per
   item returned; plain results are written with `json.dumps` instead
   (errors and anything not plain JSON keep moto's serialiser).
7. TransactWriteItems honours `ClientRequestToken` as DynamoDB does: the
   SDK sends one token for all attempts of an operation, so a retry after
   a timed-out attempt that was in fact applied succeeds instead of failing
   its own conditions. moto ignores the token."""

import collections
import copy
import functools
import io
import json
import math
import re
import threading
import time

from moto import server
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.core.responses import ActionResult
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from werkzeug.serving import WSGIRequestHandler

_DYNAMODB = threading.RLock()


def _serialised(call_action):
    @functools.wraps(call_action)
    def wrapper(self, *args, **kwargs):
        with _DYNAMODB:
            return call_action(self, *args, **kwargs)

    return wrapper


DynamoHandler.call_action = _serialised(DynamoHandler.call_action)
DynamoDBStreamsHandler.call_action = _serialised(DynamoDBStreamsHandler.call_action)

def _transact_write_items(self, transact_items):
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    ops = []
    seen = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        table = self.get_table(op["TableName"])
        if op_type == "Put":
            attrs = op["Item"]
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
        else:
            key = op["Key"]
        marker = (op["TableName"], str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        ops.append((op_type, op, key))

    # All conditions against the state before any write.
    errors = []
    for op_type, op, key in ops:
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        ok = condition is None or get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current)
        if ok:
            errors.append((None, None, None))
        else:
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Then the writes, remembering only the items they replace.
    undo = []
    try:
        for op_type, op, key in ops:
            name = op["TableName"]
            if op_type == "ConditionCheck":
                continue
            before = self.get_item(name, key)
            undo.append((name, key, copy.deepcopy(before.to_json()["Attributes"]) if before else None))
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(name, op["Item"])
            elif op_type == "Delete":
                self.delete_item(name, key)
            elif op_type == "Update":
                self.update_item(
                    name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception:
        for name, key, attrs in reversed(undo):
            if attrs is None:
                self.delete_item(name, key)
            else:
                self.put_item(name, attrs)
        raise


DynamoDBBackend.transact_write_items = _transact_write_items

_all_items = Table.all_items
_query = Table.query
_WHOLE_TABLE = object()


def _items_for_query(self):
    only = getattr(self, "_switchboard_partition", _WHOLE_TABLE)
    if only is _WHOLE_TABLE:
        return _all_items(self)
    if only is None:  # an index query: every item, in no particular order
        return [i for hash_set in self.items.values()
                for i in (hash_set.values() if self.range_key_attr else [hash_set])]
    hash_set = self.items.get(only)
    if hash_set is None:
        return []
    return list(hash_set.values()) if self.range_key_attr else [hash_set]


def _partition_query(self, hash_key, *args, **kwargs):
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    self._switchboard_partition = None if index_name else hash_key
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self._switchboard_partition


Table.all_items = _items_for_query
Table.query = _partition_query

_serialized = DynamoHandler.serialized


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def _plain_json(self, action_result):
    result = action_result.result
    if isinstance(result, dict):
        try:
            body = json.dumps(_without_none(result), separators=(",", ":"))
        except (TypeError, ValueError):
            return _serialized(self, action_result)
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        headers.update(self.response_headers)
        return 200, headers, body
    return _serialized(self, action_result)


DynamoHandler.serialized = _plain_json

_TOKEN_WINDOW_S = 600  # DynamoDB's idempotency window
_applied_tokens = {}
_transact = DynamoHandler.transact_write_items


def _idempotent_transact(self):
    token = self.body.get("ClientRequestToken")
    now = time.monotonic()
    if token and now - _applied_tokens.get(token, -_TOKEN_WINDOW_S) < _TOKEN_WINDOW_S:
        return ActionResult({})
    result = _transact(self)
    if token:
        if len(_applied_tokens) > 100_000:
            for t, at in list(_applied_tokens.items()):
                if now - at >= _TOKEN_WINDOW_S:
                    del _applied_tokens[t]
        _applied_tokens[token] = now
    return result


DynamoHandler.transact_write_items = _idempotent_transact

_COUNTS = collections.Counter()
_COUNTS_LOCK = threading.Lock()
_INDEX_KEY = re.compile(r"GSI\d+PK")
_APP = re.compile(r"\bapp/([\w.-]+)")
_S3_OPS = {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject", "POST": "PostObject"}


def _kib(item):
    """An item's size in started KiB, from its JSON (close to DynamoDB's own
    measure for the string-heavy items here)."""
    return max(1, math.ceil(len(json.dumps(item)) / 1024))


def _dynamodb_units(op, body):
    """(items written, write KiB, index writes, items read) a request carries."""
    writes = []  # (item or None for an update, index keys it sets)
    reads = 0
    if op in ("PutItem", "UpdateItem", "DeleteItem"):
        writes.append(body)
    elif op == "TransactWriteItems":
        writes.extend(next(iter(e.values())) for e in body.get("TransactItems", []))
    elif op == "BatchWriteItem":
        for requests in body.get("RequestItems", {}).values():
            writes.extend(next(iter(r.values())) for r in requests)
    elif op == "BatchGetItem":
        reads = sum(len(t.get("Keys", [])) for t in body.get("RequestItems", {}).values())
    elif op in ("GetItem", "Query"):
        reads = 1
    kib = indexes = 0
    for w in writes:
        if "Item" in w:
            kib += _kib(w["Item"])
            indexes += sum(1 for k in w["Item"] if _INDEX_KEY.fullmatch(k))
        else:  # an update or delete: its index keys are those it names
            kib += 1
            indexes += len(set(_INDEX_KEY.findall(w.get("UpdateExpression", ""))))
    return len(writes), kib, indexes, reads


def _classify(environ):
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix, _, op = target.partition(".")
        service = {"DynamoDB_20120810": "dynamodb", "DynamoDBStreams_20120810": "dynamodbstreams",
                   "AmazonSQS": "sqs"}.get(prefix, prefix.lower())
        return service, op
    if path.startswith("/v2/email/outbound-emails"):
        return "ses", "SendEmail"
    if path.startswith("/v2/email"):
        return "ses", f"{method} {path}"
    return "s3", _S3_OPS.get(method, method)


def _counting(call):
    @functools.wraps(call)
    def wrapper(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_switchboard/counts":
            with _COUNTS_LOCK:
                rows = [{"caller": c, "service": s, "operation": o, "measure": m, "count": n}
                        for (c, s, o, m), n in sorted(_COUNTS.items())]
            start_response("200 OK", [("content-type", "application/json")])
            return [json.dumps(rows).encode()]
        if path.startswith("/moto-api"):
            return call(self, environ, start_response)
        service, op = _classify(environ)
        auth = environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", "")
        app = _APP.search(environ.get("HTTP_USER_AGENT", "") + " " + environ.get("HTTP_X_AMZ_USER_AGENT", ""))
        if "Credential=devstack/" in auth or "Credential=devstack%2F" in auth:
            caller = "devstack"
        else:
            caller = app.group(1) if app else "other"
        counts = [("requests", 1)]
        if service == "dynamodb":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(raw)
            try:
                items, kib, indexes, reads = _dynamodb_units(op, json.loads(raw or b"{}"))
            except (ValueError, AttributeError, StopIteration):
                items, kib, indexes, reads = 0, 0, 0, 0
            counts += [("items written", items), ("write KiB", kib), ("index writes", indexes),
                       ("items read", reads)]
        with _COUNTS_LOCK:
            for measure, n in counts:
                if n:
                    _COUNTS[(caller, service, op, measure)] += n
        return call(self, environ, start_response)

    return wrapper


DomainDispatcherApplication.__call__ = _counting(DomainDispatcherApplication.__call__)
WSGIRequestHandler.disable_nagle_algorithm = True

if __name__ == "__main__":
    server.main()
