"""gunicorn twins of bench/apps/classic.js (the classic bench profiles, bench/classic.ts).

  gunicorn -w 4 -b 127.0.0.1:8000 --chdir bench/baselines wsgi_classic:app
A sync worker cannot overlap waits, so time.sleep stands for both kinds of wait; there is no
"after the response" in a sync worker without a task queue, so /email-after runs inline too.
"""
import os
import re
import time


def _spin(ms):
    end = time.process_time() + ms / 1000
    while time.process_time() < end:
        pass


def _reply(start_response, body):
    start_response("200 OK", [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(body))),
        ("X-Worker-Pid", str(os.getpid())),
    ])
    return [body]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/django":
        time.sleep(0.05)
        _spin(2)
        return _reply(start_response, b"django\n")
    if path in ("/email-inline", "/email-after"):
        time.sleep(0.5)
        return _reply(start_response, b"sent\n")
    if path == "/mixed":
        _spin(5)
        time.sleep(0.02)
        return _reply(start_response, b"mixed\n")
    if path == "/sleep":
        match = re.search(r"ms=(\d+)", environ.get("QUERY_STRING", ""))
        time.sleep((int(match.group(1)) if match else 10) / 1000)
        return _reply(start_response, b"slept\n")
    return _reply(start_response, b"ok\n")
