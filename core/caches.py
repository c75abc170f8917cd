"""Every per-process cache, declared once by name, and `forget_all()` that empties them together.

A module declares its cache here rather than keeping a dict of its own:

    _articles = caches.lru("guidance.articles", size=64)        # a bounded mapping (cachetools LRU)

    @caches.memo("guidance.markdown", size=4096)                 # a pure function's results
    def render_markdown(text): ...

Each is bounded and safe to share between a process's threads. A cache made
elsewhere (Django's local-memory caches) is registered with `declare`. What a cache keeps
of guidance content is keyed by what that content is (for a frozen version,
GuidanceVersion.content_key), so a database restored under a running process
finds nothing stale; `forget_all()` is for tests, which roll back and restore
databases many times in one process, and for anything else that must start cold.
"""

import threading

import cachetools

_declared = {}


class LRU(cachetools.LRUCache):
    """A cachetools LRUCache whose every read and write holds its lock (a read moves the key to the front)."""

    def __init__(self, maxsize):
        super().__init__(maxsize)
        self.lock = threading.RLock()  # re-entered: a write past maxsize pops the oldest through __delitem__

    def __getitem__(self, key):
        with self.lock:
            return super().__getitem__(key)

    def __setitem__(self, key, value):
        with self.lock:
            super().__setitem__(key, value)

    def __delitem__(self, key):
        with self.lock:
            super().__delitem__(key)

    def get(self, key, default=None):
        with self.lock:
            return super().get(key, default)

    def pop(self, key, *default):
        with self.lock:
            return super().pop(key, *default)

    def clear(self):
        with self.lock:
            super().clear()


def declare(name, cache):
    """Register a per-process cache made elsewhere (anything with clear(): a Django local-memory cache)."""
    return _declare(name, cache)


def lru(name, *, size):
    """A new cache of at most `size` entries, the least recently used dropped first, registered as `name`."""
    return _declare(name, LRU(maxsize=size))


def memo(name, *, size):
    """Decorator: keep a pure function's results by its arguments, at most `size` of them, in cache `name`."""

    def decorate(function):
        return cachetools.cached(lru(name, size=size))(function)

    return decorate


def _declare(name, cache):
    if name in _declared:
        raise ValueError(f"A per-process cache named {name!r} is declared already.")
    _declared[name] = cache
    return cache


def declared():
    """name -> cache, for every cache declared so far (a module's are declared when it is imported)."""
    return dict(_declared)


def forget_all():
    """Empty every declared cache: what each kept is computed again when next asked for."""
    for cache in _declared.values():
        cache.clear()
