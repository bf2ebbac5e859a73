#!/usr/bin/env python3
"""moto_server with DynamoDB made atomic, for every test and the local cloud.

moto 5.2 serves requests on many threads and applies TransactWriteItems item by item without a
lock; a cancelled transaction restores a deep copy of the whole table taken when it began,
erasing every commit that landed meanwhile (measured: 16 writers racing on one head, 480 commits
acknowledged, 464 present), and that deep copy makes each transaction cost time in proportion to
the table (~0.3 ms per item). Real DynamoDB applies each request atomically and a transaction
all-or-nothing in time proportional to its own items.

This wrapper restores those two properties, removes two accidental costs (3 and 4, below),
serves kept-alive connections (6), counts a queue at one instant (7) and marks its responses
(5); it changes nothing else:
  1. every DynamoDB request runs under one lock (each request is atomic and isolated);
  2. TransactWriteItems checks every condition first, against the state before the transaction
     (items of one transaction are distinct, so this is what DynamoDB does), and applies the
     writes only when all hold — so a cancelled transaction writes nothing and needs no rollback.
     A write that fails while applying (a validation error) is undone item by item.
  3. EventBridge caches compiled JSONPath expressions;
  4. an SQS long poll sleeps until something can change what it would receive;
  5. every response carries X-Holdfast-Atomic: 1;
  6. HTTP/1.1 keep-alive works;
  7. GetQueueAttributes counts a queue's messages at one instant.
It is pinned to moto 5.x internals and refuses to start on anything else; keep-alive (6) is
pinned to Werkzeug 3.x and left off under any other.
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

# 4. SQS long polls: moto's receive_message retries in a loop and, between tries, waits on a
#    condition whose predicate is "the queue has a visible message". On a FIFO queue whose groups
#    are all blocked (a message of each group in flight) that predicate holds while nothing can be
#    received, so the loop never sleeps: one core at 100% for the whole poll (measured: 20.0 s of
#    moto CPU for one blocked 20 s poll). The loop also keeps the set of blocked groups it read at
#    the start, so a group freed mid-poll (its in-flight message deleted) is not seen until the
#    poll times out. Here each try is moto's own single pass (wait 0), tries of one queue do not
#    interleave (two polls can no longer take the same message), and between tries the poll waits
#    until a message of the queue is sent, deleted or changes visibility, or until the next
#    message's visibility timeout or delay ends (at most 1 s, for changes nothing announces).
#    A poll whose caller has hung up (a cancelled request) ends instead of receiving.
import math  # noqa: E402
import select  # noqa: E402
import selectors  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

import moto.server  # noqa: E402
import werkzeug.serving  # noqa: E402
from moto.core.utils import unix_time_millis  # noqa: E402
from moto.sqs.models import Queue, SQSBackend  # noqa: E402
from werkzeug.wsgi import LimitedStream  # noqa: E402


class _QueueWaker:
    def __init__(self):
        self.receive = threading.RLock()  # one try at a time per queue
        self.changed = threading.Condition(threading.Lock())  # leaf lock: nothing taken inside
        self.generation = 0

    def notify(self):
        with self.changed:
            self.generation += 1
            self.changed.notify_all()


_wakers_lock = threading.Lock()
_MAX_SQS_WAIT = 1.0
_CLIENT_CHECK = 0.25  # how often a waiting poll looks whether its caller went away
_request = threading.local()  # .socket: the connection of the request this thread serves


def _waker(queue):
    w = queue.__dict__.get("_holdfast_waker")
    if w is None:
        with _wakers_lock:
            w = queue.__dict__.setdefault("_holdfast_waker", _QueueWaker())
    return w


def _until_next_change(queue):
    """Seconds until a message of queue becomes visible or its delay ends (inf if none will)."""
    now = unix_time_millis()
    soonest = math.inf
    for m in list(queue._messages):
        for at in (m.visible_at, m.delayed_until):
            if at >= now:
                soonest = min(soonest, at)
    # moto's Message.visible is "now > visible_at": wake just after, not at, that instant.
    return (soonest - now) / 1000 + 0.002


def _gone(sock):
    """Whether the peer of sock has closed it (a client sends nothing while awaiting a reply)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


_receive_once = SQSBackend.receive_message


def receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout,
                    message_attribute_names=None):
    queue = self.get_queue(queue_name)
    w = _waker(queue)
    deadline = time.monotonic() + int(wait_seconds_timeout or 0)
    # moto resolves a request without VisibilityTimeout to the queue's value when the poll
    # starts; SQS applies the queue's value when it hands the messages out. A 20 s poll that
    # spans a SetQueueAttributes must hide what it receives for the new value.
    queue_default = visibility_timeout == queue.visibility_timeout
    while True:
        with w.changed:
            seen = w.generation
        if queue_default:
            visibility_timeout = queue.visibility_timeout
        with w.receive:
            result = _receive_once(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
        left = deadline - time.monotonic()
        if result or left <= 0:
            return result
        client = getattr(_request, "socket", None)
        with w.changed:
            if w.generation == seen:
                longest = _MAX_SQS_WAIT if client is None else _CLIENT_CHECK
                w.changed.wait(min(left, _until_next_change(queue), longest))
        if client is not None and _gone(client):
            # The caller cancelled its poll (a mapping's Stop): receiving now would hide a
            # message for its visibility timeout behind a response nobody reads.
            return []


def _notifying(method, queue_of):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            queue = queue_of(self, *args, **kwargs)
            if queue is not None:
                _waker(queue).notify()
    return wrapper


def _backend_queue(backend, queue_name, *args, **kwargs):
    return backend.queues.get(queue_name)


# 7. GetQueueAttributes counts a queue at one instant. moto evaluates the queue's attributes
#    afresh for each name asked for, and each evaluation judges every message's visibility
#    against the clock again: a message whose visibility timeout ends between the count of
#    ApproximateNumberOfMessages and that of ApproximateNumberOfMessagesNotVisible is in
#    neither, so messages in flight can read as 0 visible and 0 in flight (measured: 5 runs of
#    TestWrapperCountsAQueueAtOneInstant, 5 such readings). Here the three counts are taken from one list of the
#    queue's messages at one instant, while no receive of that queue runs, with moto's own
#    visible and delayed rules ("now > visible_at", "now < delayed_until").
_get_queue_attributes = SQSBackend.get_queue_attributes


def get_queue_attributes(self, queue_name, attribute_names):
    queue = self.get_queue(queue_name)
    with _waker(queue).receive:
        attributes = _get_queue_attributes(self, queue_name, attribute_names)
        now = unix_time_millis()
        messages = list(queue._messages)
    visible = [now > m.visible_at for m in messages]
    delayed = [now < m.delayed_until for m in messages]
    counts = {
        "ApproximateNumberOfMessages": sum(v and not d for v, d in zip(visible, delayed)),
        "ApproximateNumberOfMessagesNotVisible": sum(not v for v in visible),
        "ApproximateNumberOfMessagesDelayed": sum(delayed),
    }
    for name, count in counts.items():
        if name in attributes:
            attributes[name] = count
    return attributes


SQSBackend.receive_message = receive_message
SQSBackend.get_queue_attributes = get_queue_attributes
Queue.add_message = _notifying(Queue.add_message, lambda q, *a, **k: q)
Queue.delete_message = _notifying(Queue.delete_message, lambda q, *a, **k: q)
SQSBackend.change_message_visibility = _notifying(SQSBackend.change_message_visibility, _backend_queue)
SQSBackend.purge_queue = _notifying(SQSBackend.purge_queue, _backend_queue)
SQSBackend.set_queue_attributes = _notifying(SQSBackend.set_queue_attributes, _backend_queue)

# 5. A marker on every response, X-Holdfast-Atomic: 1, so that code finding an emulator at
#    AWS_ENDPOINT_URL can tell this server from a plain moto_server, which loses DynamoDB writes
#    (emulator.CheckEndpoint).
#
# 6. HTTP/1.1 keep-alive. Werkzeug 3's development server ends every response with
#    "Connection: close" (http.server cannot drain an unread request body before the next request
#    line) and then reads whatever else the socket holds for up to 10 ms. Here each request body
#    is drained exactly (its Content-Length, or to its last chunk), every response carries a
#    Content-Length equal to what is sent, and the connection stays open unless the client asked
#    to close it. Werkzeug's 10 ms read is disabled: on a kept-alive connection it would swallow,
#    and block on, the client's next request.
_CLOSE = "holdfast.close"  # environ key: close the connection after this response
_NO_BODY = ("1", "204", "304")  # status classes that carry no body


class _ServerApp:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"]
        if not environ.get("wsgi.input_terminated"):  # a chunked body comes dechunked, terminated
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
                environ[_CLOSE] = True  # where the body ends is unknown
            body = environ["wsgi.input"] = LimitedStream(body, length)
            environ["wsgi.input_terminated"] = True
        _request.socket = environ.get("werkzeug.socket")
        response = {}

        def capture(status, headers, exc_info=None):
            # Nothing is sent before the app returns, so an error response may always replace
            # the one started (exc_info needs no re-raise).
            response["status"], response["headers"] = status, headers
            return response.setdefault("written", []).append

        try:
            result = self.app(environ, capture)
            try:
                data = b"".join(response.pop("written", []) + list(result))
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            _request.socket = None
            try:
                while body.read(1 << 16):
                    pass
            except Exception:
                environ[_CLOSE] = True
        status, headers = response["status"], list(response["headers"])
        if environ["REQUEST_METHOD"] != "HEAD" and not status.startswith(_NO_BODY):
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(data))))
        else:
            data = b""  # a HEAD keeps the Content-Length moto gave it
        headers.append(("X-Holdfast-Atomic", "1"))
        start_response(status, headers)
        return [data]


class _KeepAliveHandler(werkzeug.serving.WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK of the first (40 ms) on every kept-alive response.
    disable_nagle_algorithm = True
    _serving = False

    def run_wsgi(self):
        self._serving = True
        try:
            super().run_wsgi()
        finally:
            self._serving = False

    def send_header(self, keyword, value):
        # run_wsgi always adds "Connection: close": drop it unless the client asked to close
        # (close_connection, from its request line and headers) or its body could not be drained.
        if (self._serving and keyword.lower() == "connection" and value.lower() == "close"
                and not self.close_connection and not self.environ.get(_CLOSE)):
            return
        super().send_header(keyword, value)


class _NoDrainSelector:
    def register(self, *args, **kwargs):
        pass

    def select(self, timeout=None):
        return []

    def close(self):
        pass


def _werkzeug_3():
    try:
        from importlib.metadata import version

        return version("werkzeug").startswith("3.")
    except Exception:  # noqa: BLE001 - unknown Werkzeug: no keep-alive
        return False


_KEEP_ALIVE = _werkzeug_3()
if _KEEP_ALIVE:
    werkzeug.serving.selectors = type("selectors", (), {"EVENT_READ": selectors.EVENT_READ,
                                                        "DefaultSelector": _NoDrainSelector})
_run_simple = moto.server.run_simple


def _run_simple_wrapped(hostname, port, application, **kwargs):
    if _KEEP_ALIVE:
        kwargs.setdefault("request_handler", _KeepAliveHandler)
    return _run_simple(hostname, port, _ServerApp(application), **kwargs)


moto.server.run_simple = _run_simple_wrapped

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
