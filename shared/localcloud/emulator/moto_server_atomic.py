#!/usr/bin/env python3
"""moto_server with DynamoDB made atomic, for every test and the local cloud.

moto 5.2 serves requests on many threads and applies TransactWriteItems item by item without a
lock; a cancelled transaction restores a deep copy of the whole table taken when it began,
erasing every commit that landed meanwhile (measured: 16 writers racing on one head, 480 commits
acknowledged, 464 present), and that deep copy makes each transaction cost time in proportion to
the table (~0.3 ms per item). Real DynamoDB applies each request atomically and a transaction
all-or-nothing in time proportional to its own items.

This wrapper restores those two properties, removes one accidental cost (3, below), and changes
nothing else:
  1. every DynamoDB request runs under one lock (each request is atomic and isolated);
  2. TransactWriteItems checks every condition first, against the state before the transaction
     (items of one transaction are distinct, so this is what DynamoDB does), and applies the
     writes only when all hold — so a cancelled transaction writes nothing and needs no rollback.
     A write that fails while applying (a validation error) is undone item by item.
It is pinned to moto 5.x internals and refuses to start on anything else.
"""
import copy
import sys
import threading

import moto
from moto.dynamodb import responses as dynamo_responses
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType

if not moto.__version__.startswith("5."):
    sys.exit("moto_server_atomic: written for moto 5.x, found " + moto.__version__)

_lock = threading.RLock()
_call_action = dynamo_responses.DynamoHandler.call_action


def _locked_call_action(self):
    with _lock:
        return _call_action(self)


def _key_of(table, attrs):
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _restore(table, key, item):
    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is not None:
        range_value = DynamoType(key[table.range_key_attr])
        if item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
    elif item is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = item


def transact_write_items(self, transact_items):
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen = set()
    plan = []
    errors = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        table = self.get_table(table_name)
        key = _key_of(table, op["Item"]) if op_type == "Put" else op["Key"]
        ident = (str(table_name), str(dict(sorted(key.items()))))
        if ident in seen:
            raise MultipleTransactionsException()
        seen.add(ident)
        current = self.get_item(table_name, key)
        condition = op.get("ConditionExpression")
        error = (None, None, None)
        if condition is not None:
            check = get_filter_expression(condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues"))
            if not check.expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                failed = ConditionalCheckFailed(item=old)
                error = ("ConditionalCheckFailed", str(failed.message), old)
        errors.append(error)
        plan.append((op_type, op, table, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    undo = []
    marks = {}
    try:
        for op_type, op, table, key in plan:
            if table.stream_shard is not None and table.name not in marks:
                marks[table.name] = (table, len(table.stream_shard.items))
            undo.append((table, key, copy.deepcopy(self.get_item(op["TableName"], key))))
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"], expression_attribute_names=names,
                              expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key, expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(op["TableName"], key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names, expression_attribute_values=values)
    except Exception as e:
        for table, key, item in reversed(undo):
            _restore(table, key, item)
        for table, count in marks.values():
            del table.stream_shard.items[count:]
        if isinstance(e, (MultipleTransactionsException, MockValidationException)):
            raise
        failed = [(None, None, None)] * len(plan)
        failed[len(undo) - 1] = (type(e).__name__, str(e), None)
        raise TransactionCanceledException(failed)


dynamo_responses.DynamoHandler.call_action = _locked_call_action

# 3. EventBridge: moto runs every event through EventTemplateParser for every target, which calls
#    jsonpath_ng.ext.parse; that builds a fresh yacc parser each call (~120 ms per matching
#    entry, measured). A compiled JSONPath is immutable, so caching by its text changes no
#    result, only the cost. moto imports parse inside the function, so patching the module
#    attribute reaches it.
import functools  # noqa: E402

import jsonpath_ng.ext  # noqa: E402

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)
DynamoDBBackend.transact_write_items = transact_write_items

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
