#!/usr/bin/python3
"""A NemoSpawn ZeroMQ peer in Python (pyzmq), speaking the wire format of docs/transport.md.

Wire: one single-frame ZeroMQ message per envelope; the frame is the message record of the
on-disk format (msg_id, team_id, from_agent, to_agent, body, timestamp, read) as UTF-8 JSON.
Receivers bind a PULL socket and record it in DATA/teams/TEAM/endpoints/AGENT.json; senders
connect a PUSH socket to the recorded zmq_endpoint.

usage:
  zmq_peer.py send DATA TEAM TO COUNT       push COUNT envelopes with bodies "py <i> ✓"
  zmq_peer.py receive DATA TEAM AGENT COUNT bind, record the endpoint, print READY, then each
                                            body as a JSON string per line, then exit
Run with Debian's /usr/bin/python3 (python3-zmq).
"""
import datetime
import json
import os
import secrets
import socket
import sys
import time

import zmq


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def envelope(team, sender, to, body):
    return {"msg_id": secrets.token_hex(4), "team_id": team, "from_agent": sender,
            "to_agent": to, "body": body, "timestamp": now(), "read": False}


def endpoint_file(data, team, agent):
    return os.path.join(data, "teams", team, "endpoints", agent + ".json")


def send(data, team, to, count):
    with open(endpoint_file(data, team, to), encoding="utf-8") as f:
        record = json.load(f)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.setsockopt(zmq.LINGER, 5000)
    s.setsockopt(zmq.SNDTIMEO, 10000)
    s.connect(record["zmq_endpoint"])
    for i in range(count):
        frame = json.dumps(envelope(team, "python-peer", to, "py %d ✓" % i), ensure_ascii=False)
        s.send(frame.encode("utf-8"))
    s.close()
    ctx.term()


def receive(data, team, agent, count):
    ctx = zmq.Context()
    s = ctx.socket(zmq.PULL)
    s.setsockopt(zmq.LINGER, 0)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    path = endpoint_file(data, team, agent)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    record = {"agent_id": agent, "team_id": team, "host": socket.gethostname(),
              "pid": os.getpid(), "transports": ["zmq", "file"],
              "zmq_endpoint": "tcp://127.0.0.1:%d" % port, "updated_at": now()}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    print("READY", flush=True)
    deadline = time.monotonic() + 60
    got = 0
    while got < count and time.monotonic() < deadline:
        if s.poll(1000):
            message = json.loads(s.recv().decode("utf-8"))
            assert message["to_agent"] == agent, message
            print(json.dumps(message["body"]), flush=True)
            got += 1
    os.remove(path)
    s.close()
    ctx.term()
    sys.exit(0 if got == count else 1)


if __name__ == "__main__":
    mode, data, team, agent, count = sys.argv[1:6]
    {"send": send, "receive": receive}[mode](data, team, agent, int(count))
