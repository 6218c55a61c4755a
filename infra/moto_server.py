"""Starts moto's server (same arguments as `moto_server`) with DynamoDB
requests applied one at a time.

DynamoDB applies every conditional write and every transaction atomically.
moto's threaded server does not: two concurrent transactions can both pass
an `attribute_not_exists` check, and a failed transaction restores a copy of
the whole table taken before it began, dropping writes made meanwhile. With
one lock around DynamoDB (and its stream) requests, the emulator keeps the
guarantees the code relies on; every other service stays concurrent."""

import functools
import threading

from moto import server
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

if __name__ == "__main__":
    server.main()
