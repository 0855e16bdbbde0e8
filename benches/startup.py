"""Cold start and memory of `ecsnet serve` on an existing data dir.

Starts the server, sends a signed (V1) DescribeRegions every millisecond until one is answered
200, and prints one JSON object: milliseconds from spawn to that answer, and the RSS after a
second of idling. Stops the server with SIGTERM.

usage: startup.py BIN DATA_DIR PORT KEY_ID SECRET [extra serve args...]
"""

import base64
import hashlib
import hmac
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone


def quote(s):
    return urllib.parse.quote(s, safe="-_.~")


def signed_url(port, key_id, secret):
    params = {
        "Action": "DescribeRegions",
        "Version": "2014-05-26",
        "Format": "JSON",
        "AccessKeyId": key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RegionId": "cn-hangzhou",
    }
    canonical = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(params.items()))
    to_sign = f"GET&{quote('/')}&{quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    params["Signature"] = base64.b64encode(digest).decode()
    return f"http://127.0.0.1:{port}/?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    binary, data_dir, port, key_id, secret, *extra = sys.argv[1:]
    started = time.perf_counter()
    server = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(signed_url(port, key_id, secret), timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    sys.exit("the server exited before answering")
                time.sleep(0.001)
        first_answer_ms = (time.perf_counter() - started) * 1000
        time.sleep(1.0)
        print(json.dumps({"cold_start_ms": first_answer_ms, "idle_rss_kb": rss_kb(server.pid)}))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
