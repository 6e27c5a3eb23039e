"""The fixed reads shared by the venue (issue 31 item 1): one machine's activities, ticket stats and B2B reads
serve the others through Redis, as the attendee pages do; a forged or broken shared read is refused and the
read goes to Eventtia. Machines are separate processes on the real Redis and the loopback sandbox."""

from __future__ import annotations

import redis

from benchmarks.venue import Machine, VenueSandbox

KINDS = ("workshops", "tickets_stats", "conferences", "attendee_types")


def test_one_machines_fixed_reads_serve_the_others_and_a_forged_one_is_refused(tmp_path, redis_server):
    sandbox = VenueSandbox(tmp_path, 48).start()
    machines = Machine.fleet(3, sandbox.url, redis_server.url, tmp_path)
    try:
        for machine in machines:
            machine.send("sync")
        syncs = [machine.read() for machine in machines]
        served = sandbox.stats()["served"]
        reads = {machine.number: [machine.ask("read", kind=kind) for kind in KINDS] for machine in machines}
        after = sandbox.stats()["served"]
        taken = [machine.ask("coordinator")["reads_taken"] for machine in machines]

        key = machines[0].ask("keys")["reads"]
        r = redis.Redis.from_url(redis_server.url, decode_responses=True)
        field = next(name for name in r.hkeys(key) if '"workshops"' in name)
        sealed = r.hget(key, field)
        r.hset(key, field, sealed.replace('"name": "', '"name": "Mallory '))  # its signature no longer fits
        r.close()
        refused_before = machines[2].ask("venue")["refused"]
        forged = machines[2].ask("read", kind="workshops")  # fresh in its own cache: not read from Redis
        late, = Machine.fleet(1, sandbox.url, redis_server.url, tmp_path, first=4)
        machines.append(late)
        late_read = late.ask("read", kind="workshops")
        late_state = late.ask("venue")
        final = sandbox.stats()["served"]
    finally:
        Machine.stop_all(machines)
        sandbox.stop()
    assert sum(sync["led"] for sync in syncs) == 1
    leader = next(machine.number for machine, sync in zip(machines, syncs) if sync["led"])
    assert all(read["freshness"] == "FRESH" and read["shared"] for reads_ in reads.values() for read in reads_)
    # Each machine's activities, ticket stats, B2B and types: the leader's sync read them, the others took
    # them from Redis; Eventtia was asked for none of them again (ticket stats live 10 s: at most a few).
    assert after - served <= 2 * len(machines), (served, after)
    assert sum(taken) >= 2 * (len(KINDS) - 1)
    assert taken[leader - 1] <= 1
    assert forged["items"] == reads[3][0]["items"] and refused_before == 0
    # The late machine finds the forged entry: refused, counted, and the read asked of Eventtia instead.
    assert late_read["freshness"] == "FRESH" and late_read["items"] == reads[1][0]["items"]
    assert late_state["refused_by_kind"].get("reads") == 1
    assert final > after
