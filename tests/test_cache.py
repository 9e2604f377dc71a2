"""The production cache (project.cache.RedisCache): Django's Redis cache, its clients reused."""

import os
import threading

import pytest

pytestmark = pytest.mark.redis

URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def cache():
    import redis

    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {URL}")
    from project.cache import RedisCache

    backend = RedisCache(URL, {"KEY_PREFIX": "test-cache"})
    backend.clear()
    yield backend
    backend.clear()


def test_it_answers_as_djangos_redis_cache_with_one_client_per_pool(cache):
    assert cache.add("a", {"x": 1}, 30) and not cache.add("a", 2, 30)
    cache.set_many({"b": [1, 2], "c": "三"}, 30)
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": {"x": 1}, "b": [1, 2], "c": "三"}
    assert cache.add("n", 0, 30) and cache.incr("n") == 1 and cache.get("n") == 1
    cache.delete("a")
    assert cache.get("a", "gone") == "gone"
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client and cache._cache.get_client("any", write=True) is client


def test_the_shared_client_serves_threads_at_once(cache):
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"t{n}:{i}", (n, i), 30)
                assert cache.get(f"t{n}:{i}") == (n, i)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get_many([f"t{n}:49" for n in range(8)]) == {f"t{n}:49": (n, 49) for n in range(8)}
