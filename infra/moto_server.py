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
   write itself fails."""

import copy
import functools
import threading

from moto import server
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

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

if __name__ == "__main__":
    server.main()
