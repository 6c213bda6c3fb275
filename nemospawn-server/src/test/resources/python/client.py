"""A Codeswarm-style client using only the standard library: socket + json.

Usage: client.py PORT KEY. Drives the framing and auth, prints one JSON summary line.
"""
import json
import socket
import sys
import uuid

port, key = int(sys.argv[1]), sys.argv[2]
P = "codeswarm.router.v1"


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s, s.makefile("rb")


def send(s, obj):
    s.sendall((json.dumps(obj) + "\n").encode("utf-8"))


def cmd(s, name, payload=None, protocol=P):
    rid = str(uuid.uuid4())
    send(s, {"protocol": protocol, "type": "command", "command": name,
             "request_id": rid, "payload": payload or {}})
    return rid


def until(f, rid):
    while True:
        line = f.readline()
        if not line:
            return None
        ev = json.loads(line)
        if ev.get("data", {}).get("request_id") == rid:
            return ev


out = {}
# 1. a command before hello: rejected, connection closed
s, f = connect()
rid = cmd(s, "swarm_list")
ev = until(f, rid)
out["before_hello"] = [ev["event"], ev["data"]["code"]]
out["closed_after"] = f.readline() == b""
s.close()

# 2. hello with a wrong key
s, f = connect()
rid = cmd(s, "hello", {"key": "x" * 43})
ev = until(f, rid)
out["wrong_key"] = [ev["event"], ev["data"]["code"]]
s.close()

# 3. hello with the key, then framing errors, each answered
s, f = connect()
rid = cmd(s, "hello", {"key": key})
ev = until(f, rid)
out["hello"] = [ev["event"], ev["data"]["principal"]]
s.sendall(b"{not json\n")
ev = json.loads(f.readline())
out["malformed"] = [ev["event"], ev["data"]["code"], ev["data"]["request_id"]]
rid = cmd(s, "swarm_list", protocol="codeswarm.router.v9")
ev = until(f, rid)
out["unknown_protocol"] = [ev["event"], ev["data"]["code"]]
rid = cmd(s, "no_such_command")
ev = until(f, rid)
out["unknown_command"] = [ev["event"], ev["data"]["code"]]
rid = str(uuid.uuid4())
send(s, {"protocol": P, "type": "command", "command": "swarm_list", "request_id": rid,
         "payload": [1, 2]})
ev = until(f, rid)
out["bad_payload"] = [ev["event"], ev["data"]["code"]]
s.sendall(b"\xff\xfe\n")
ev = json.loads(f.readline())
out["invalid_utf8"] = [ev["event"], ev["data"]["code"]]
# 4. nemospawn.v1 on the same connection framing
rid = cmd(s, "teams.list", protocol="nemospawn.v1")
ev = until(f, rid)
out["teams_list"] = [ev["event"], ev["data"]["value"]["items"]]
s.close()
print(json.dumps(out))
