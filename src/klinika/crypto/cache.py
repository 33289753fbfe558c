"""A bounded, time-limited in-process cache of unwrapped keys.

Bounded so a process serving many clinics does not hold every key forever; time-limited
so a shred done by another process reaches this one within KLINIKA_KEY_CACHE_SECONDS.
"""
import threading
import time
from collections import OrderedDict


class KeyCache:
    def __init__(self, max_entries: int, ttl_seconds: float):
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        item = self._items.get(key)
        if item is None:
            return None
        value, expires = item
        if expires < time.monotonic():
            with self._lock:
                self._items.pop(key, None)
            return None
        return value

    def missing(self, keys) -> list:
        """The keys not held (an entry past its time counts as held: get() refreshes it)."""
        items = self._items
        return [key for key in keys if key not in items]

    def put(self, key, value):
        with self._lock:
            self._items[key] = (value, time.monotonic() + self.ttl)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def drop(self, predicate):
        with self._lock:
            for key in [k for k, (v, _) in self._items.items() if predicate(k, v)]:
                del self._items[key]

    def discard(self, keys):
        with self._lock:
            for key in keys:
                self._items.pop(key, None)

    def clear(self):
        with self._lock:
            self._items.clear()

    def __len__(self):
        return len(self._items)
