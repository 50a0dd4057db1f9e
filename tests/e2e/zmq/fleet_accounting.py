#!/usr/bin/python3
"""Closes the fleet run's books (tests/e2e/zmq_fleet.sh).

Inputs: the hub logs of both hub runs (JSON lines written by edgezmqsrc log=...) and each
edge's "edgestream-zmq-sink" bus message (sender, attempted, sent, dropped). Per edge:
  attempted = sent + dropped                       (the sink's own books)
  the final heartbeat the restarted hub logged carries the same three numbers
  every data sequence number received is unique and below `attempted`
  each hub run received one contiguous run of sequence numbers, so the only gaps are
  before the first subscription reached the edge (counted by the sink as dropped,
  no-receiver: gap_start = dropped-no-receiver), what the killed hub held (gap_restart:
  the one loss only the logs show), and at the end what was still queued for an absent
  hub (gap_end = dropped-unsent): received + gap_start + gap_restart + gap_end = attempted
  both hub runs received something from the edge (it reconnected by itself)
Prints one line per edge and exits 1 on any mismatch.
"""
import json
import re
import sys


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    hub1, hub2, sinks = read_log(sys.argv[1]), read_log(sys.argv[2]), {}
    for path in sys.argv[3:]:
        with open(path) as f:
            for line in f:
                if "edgestream-zmq-sink" not in line:
                    continue
                fields = dict(re.findall(r"([\w-]+)=\([a-z0-9]+\)([^,;]+)", line))
                sinks[fields["sender"]] = {
                    k: int(fields[k])
                    for k in ("attempted", "sent", "dropped", "dropped-no-receiver",
                              "dropped-queue-full", "dropped-unsent")}
    ok = True

    def check(cond, text):
        nonlocal ok
        if not cond:
            ok = False
            print("FAIL: " + text)

    check(len(sinks) == len(sys.argv) - 3, "every edge posted its counters")
    totals = dict(attempted=0, sent=0, dropped=0, received=0, lost=0)
    for sender, s in sorted(sinks.items()):
        data1 = [m["seq"] for m in hub1 if m.get("sender") == sender and m.get("kind") != "heartbeat"]
        data2 = [m["seq"] for m in hub2 if m.get("sender") == sender and m.get("kind") != "heartbeat"]
        finals = [m for m in hub2 if m.get("sender") == sender and m.get("final")]
        n = s["attempted"]
        check(n == s["sent"] + s["dropped"], f"{sender}: attempted {n} != sent + dropped")
        check(len(finals) == 1 and finals[0]["seq"] == n and finals[0]["sent"] == s["sent"]
              and finals[0]["dropped"] == s["dropped"],
              f"{sender}: the hub's final heartbeat {finals} disagrees with the sink's {s}")
        everything = data1 + data2
        check(len(set(everything)) == len(everything), f"{sender}: a sequence number arrived twice")
        check(all(0 <= q < n for q in everything), f"{sender}: a sequence number >= {n}")
        check(len(data1) > 0 and len(data2) > 0,
              f"{sender}: received {len(data1)} before and {len(data2)} after the restart")
        if not data1 or not data2:
            continue
        check(data1 == list(range(data1[0], data1[-1] + 1)), f"{sender}: hub run 1 has holes")
        check(data2 == list(range(data2[0], data2[-1] + 1)), f"{sender}: hub run 2 has holes")
        gap_start, gap_restart, gap_end = data1[0], data2[0] - data1[-1] - 1, n - 1 - data2[-1]
        received = len(everything)
        check(received + gap_start + gap_restart + gap_end == n, f"{sender}: counts do not add up")
        check(s["dropped"] == s["dropped-no-receiver"] + s["dropped-queue-full"] + s["dropped-unsent"],
              f"{sender}: the drops per reason do not add up")
        check(gap_start == s["dropped-no-receiver"],
              f"{sender}: {gap_start} windows before the first subscription, "
              f"{s['dropped-no-receiver']} counted no-receiver")
        check(gap_end == s["dropped-unsent"],
              f"{sender}: {gap_end} windows missing at the end, {s['dropped-unsent']} counted unsent")
        print(f"{sender}: attempted {n} = sent {s['sent']} + dropped {s['dropped']}; "
              f"received {len(data1)} (hub run 1) + {len(data2)} (hub run 2) = {received}; "
              f"not received: {gap_start} before the first subscription (counted no-receiver), "
              f"{gap_restart} held by the killed hub (seen in its log), {gap_end} at the end")
        totals["attempted"] += n
        totals["sent"] += s["sent"]
        totals["dropped"] += s["dropped"]
        totals["received"] += received
        totals["lost"] += gap_start + gap_restart + gap_end
    print("fleet: attempted {attempted} = received {received} + not received {lost}; "
          "sink drops {dropped}".format(**totals))
    check(totals["attempted"] == totals["received"] + totals["lost"], "fleet totals")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
