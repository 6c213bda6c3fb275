#!/usr/bin/env python3
"""A Codeswarm-style client using only the standard library (socket + json).

Drives codeswarm.router.v1 end to end: launch a mock swarm of 3, inject to all and to node 1,
approve one command and deny another, terminate. Exits non-zero with a message on any mismatch.
Usage: client.py PORT [KEY]
"""
import json
import socket
import sys
import time
import uuid

PROTOCOL = "codeswarm.router.v1"
HOSTILE = "$(id) `id` \"dq\" 'sq' \\n\n\u202eevil\u202c \x01"


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""
        self.seen = []

    def send(self, command, payload=None):
        rid = str(uuid.uuid4())
        line = json.dumps({"protocol": PROTOCOL, "type": "command", "command": command,
                           "request_id": rid, "payload": payload or {}})
        self.sock.sendall(line.encode("utf-8") + b"\n")
        return rid

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("server closed the connection; seen: %s" % self.names())
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        ev = json.loads(line.decode("utf-8"))
        self.seen.append(ev)
        return ev

    def names(self):
        return [e.get("event") for e in self.seen]

    def wait(self, event, pred=lambda d: True, timeout=90):
        for ev in self.seen:
            if ev.get("event") == event and not ev.get("_taken") and pred(ev["data"]):
                ev["_taken"] = True
                return ev["data"]
        end = time.time() + timeout
        while time.time() < end:
            ev = self._read()
            if ev.get("event") == event and pred(ev["data"]):
                ev["_taken"] = True
                return ev["data"]
        raise SystemExit("timed out waiting for %s; seen: %s" % (event, self.names()))


def check(cond, what):
    if not cond:
        raise SystemExit("check failed: " + what)


def main():
    port = int(sys.argv[1])
    c = Client(port)
    if len(sys.argv) > 2:
        c.send("hello", {"key": sys.argv[2]})
        c.wait("hello")
    rid = c.send("swarm_launch", {"nodes": 3, "provider": "mock",
                                  "agents_md_content": HOSTILE})
    launched = c.wait("swarm_launched", lambda d: d.get("request_id") == rid)
    swarm, job = launched["swarm_id"], launched["job_id"]
    check(launched["node_count"] == 3, "node_count 3")

    rid = c.send("inject", {"swarm_id": swarm, "nodes": "all", "content": "hi all"})
    acks = [c.wait("inject_ack", lambda d: d["request_id"] == rid) for _ in range(3)]
    check(sorted(a["node_id"] for a in acks) == [0, 1, 2], "acks for nodes 0,1,2")
    for _ in range(3):
        c.wait("inject_delivered", lambda d: d["request_id"] == rid)

    rid = c.send("inject", {"swarm_id": swarm, "nodes": [1], "content": HOSTILE})
    ack = c.wait("inject_ack", lambda d: d["request_id"] == rid)
    inj = ack["injection_id"]
    check(ack["node_id"] == 1, "node 1 acked")
    msg = c.wait("assistant", lambda d: d["injection_id"] == inj)
    check(msg["content"] == "mock: " + HOSTILE, "hostile prompt round-tripped exactly")
    c.wait("turn_complete", lambda d: d["injection_id"] == inj)

    rid = c.send("inject", {"swarm_id": "no-such-swarm", "content": "x"})
    rej = c.wait("command_rejected", lambda d: d.get("request_id") == rid)
    check("no-such-swarm" in rej["reason"], "unknown swarm rejected by name")

    rid = c.send("inject", {"swarm_id": swarm, "nodes": [2],
                            "content": "RUN: make deploy\nRUN: rm -rf /"})
    first = c.wait("exec_approval_required", lambda d: d["node_id"] == 2)
    check(first["command"] == "make deploy", "first command")
    rid = c.send("approve_execution", {"job_id": job, "call_id": first["call_id"],
                                       "node_id": 2, "approved": True})
    c.wait("exec_approval_submitted", lambda d: d["request_id"] == rid and d["approved"])
    c.wait("command_completed", lambda d: d["call_id"] == first["call_id"]
           and d["status"] == "completed")
    second = c.wait("exec_approval_required", lambda d: d["node_id"] == 2)
    check(second["command"] == "rm -rf /", "second command")
    rid = c.send("approve_execution", {"job_id": job, "call_id": second["call_id"],
                                       "approved": False})
    c.wait("exec_approval_submitted", lambda d: d["request_id"] == rid and not d["approved"])
    c.wait("command_completed", lambda d: d["call_id"] == second["call_id"]
           and d["status"] == "declined")

    rid = c.send("swarm_terminate", {"swarm_id": swarm})
    c.wait("swarm_status", lambda d: d["request_id"] == rid and d["status"] == "terminating")
    c.wait("swarm_terminated", lambda d: d["request_id"] == rid)
    rid = c.send("swarm_list")
    listed = c.wait("swarm_list", lambda d: d["request_id"] == rid)
    check(listed["swarms"][swarm]["status"] == "terminated", "terminated in swarm_list")
    print("OK %d events" % len(c.seen))


if __name__ == "__main__":
    main()
