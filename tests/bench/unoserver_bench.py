#!/usr/bin/env python3
"""The conversion anchor for oxool-bench: unoserver (one warm soffice behind XML-RPC).

Starts unoserver on loopback, waits until it answers, converts DOC to PDF ROUNDS times with
CLIENTS concurrent clients (each sending the bytes, as a remote integrator would), and prints one
JSON line: {"latencies_ms": [...], "wall_s": ..., "clients": ...}.

usage: unoserver_bench.py DOC ROUNDS CLIENTS PORT UNO_PORT
"""
import json
import subprocess
import sys
import tempfile
import threading
import time

from unoserver.client import UnoClient


def main():
    doc, rounds, clients, port, uno_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    data = open(doc, "rb").read()
    profile = tempfile.mkdtemp(prefix="unoserver-bench-")
    server = subprocess.Popen(
        [sys.executable, "-m", "unoserver.server", "--interface", "127.0.0.1", "--port", port,
         "--uno-port", uno_port, "--user-installation", profile],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = UnoClient(server="127.0.0.1", port=port)
        deadline = time.time() + 120
        while True:
            try:
                client.convert(indata=data, convert_to="pdf")  # warm-up, also the readiness check
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.25)
        client.convert(indata=data, convert_to="pdf")
        latencies = []
        lock = threading.Lock()
        per_client = rounds // clients

        def worker():
            c = UnoClient(server="127.0.0.1", port=port)
            for _ in range(per_client):
                t0 = time.perf_counter()
                out = c.convert(indata=data, convert_to="pdf")
                dt = (time.perf_counter() - t0) * 1000
                assert out[:4] == b"%PDF"
                with lock:
                    latencies.append(dt)

        start = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        print(json.dumps({"latencies_ms": latencies, "wall_s": wall, "clients": clients}))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        subprocess.run(["pkill", "-f", "uno-port " + uno_port], check=False)
        subprocess.run(["pkill", "-f", "port=" + uno_port], check=False)


if __name__ == "__main__":
    main()
