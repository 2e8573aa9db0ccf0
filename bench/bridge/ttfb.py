#!/usr/bin/env python3
"""Time to first body byte of streamed (SSE) chat requests, one keep-alive connection, sequential.

usage: ttfb.py PORT BODY_FILE COUNT [AUTHORIZATION [PATH]]   (PATH default /v1/chat/completions)
Prints: RESULT ttfb_p50_us=.. ttfb_p99_us=.. total_p50_us=.. n=..
Raw sockets, so the measurement is the bytes on the wire: the clock starts when the request is
written and stops when the first byte after the response headers arrives.
"""
import socket
import sys
import time


def read_response(sock, started):
    data = b""
    first = None
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    chunked = b"transfer-encoding: chunked" in head.lower()
    length = None
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if body:
        first = time.perf_counter()
    while True:
        if chunked and body.endswith(b"0\r\n\r\n"):
            break
        if length is not None and len(body) >= length:
            break
        chunk = sock.recv(65536)
        if not chunk:
            break
        if first is None:
            first = time.perf_counter()
        body += chunk
    closing = b"connection: close" in head.lower()
    return first - started, time.perf_counter() - started, closing


def main():
    port, body_file, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    auth = sys.argv[4] if len(sys.argv) > 4 else ""
    body = open(body_file, "rb").read()
    headers = f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    if auth:
        headers += f"Authorization: {auth}\r\n"
    request = (headers + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    path = sys.argv[5] if len(sys.argv) > 5 else "/v1/chat/completions"
    request = request.replace(b"POST /v1/chat/completions", b"POST " + path.encode(), 1)
    def connect():
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    sock = connect()
    ttfb, total = [], []
    for i in range(count + 20):
        started = time.perf_counter()
        sock.sendall(request)
        first, whole, closing = read_response(sock, started)
        if closing:  # the server ends keep-alive (cpp-httplib: after 5 requests); reconnect off the clock
            sock.close()
            sock = connect()
        if i >= 20:  # warm-up: connection, caches, session token
            ttfb.append(first)
            total.append(whole)
    ttfb.sort()
    total.sort()
    pick = lambda xs, q: int(xs[min(len(xs) - 1, int(q * len(xs)))] * 1e6)
    print(f"RESULT ttfb_p50_us={pick(ttfb, 0.5)} ttfb_p99_us={pick(ttfb, 0.99)} "
          f"total_p50_us={pick(total, 0.5)} n={len(ttfb)}")


if __name__ == "__main__":
    main()
