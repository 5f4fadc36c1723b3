"""Baseline for Debian's gunicorn (sync workers): the same handlers as examples/*.js.

  gunicorn -w 2 -b 127.0.0.1:8000 --chdir bench/baselines wsgi_app:hello
  wsgi_app:sleep  (?ms=, default 10; time.sleep blocks the worker like sleep-blocking.js)
  wsgi_app:cpu    (?ms=, busy loop)
Plain WSGI, no framework: the fastest gunicorn can be, so the comparison is fair to it.
"""
import os
import re
import time

BODY = b"Hello, World!"


def _ms(environ):
    match = re.search(r"(?:^|&)ms=(\d+)", environ.get("QUERY_STRING", ""))
    return min(int(match.group(1)) if match else 10, 60000)


def _reply(start_response, body, content_type):
    start_response("200 OK", [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("X-Worker-Pid", str(os.getpid())),
    ])
    return [body]


def hello(environ, start_response):
    return _reply(start_response, BODY, "text/plain; charset=utf-8")


def sleep(environ, start_response):
    ms = _ms(environ)
    time.sleep(ms / 1000)
    return _reply(start_response, ('{"slept":%d}' % ms).encode(), "application/json")


def cpu(environ, start_response):
    ms = _ms(environ)
    end = time.perf_counter() + ms / 1000
    spins = 0
    while time.perf_counter() < end:
        spins += 1
    return _reply(start_response, ('{"ms":%d,"spins":%d}' % (ms, spins)).encode(), "application/json")
