"""The bulk_actions benchmark for the official Python client (umapi-client 3.0.1), for comparison.

Creates N users (default 5,000) in example.com, adds each to the first two user groups, checks
that every user arrived, and prints the same figures as `cargo bench -p umapi --bench bulk_actions`.
It needs a sandbox served with TLS (the Python client always talks https to IMS):

    idm sandbox serve --tls [--throttle on --time-scale 60] > ready.json &
    python bulk_actions.py ready.json [N]

See BENCHMARKS.md for the full procedure.
"""
import json
import os
import resource
import sys
import time
import urllib.parse
import urllib.request
import ssl

import umapi_client
from umapi_client import Connection, GroupsQuery, IdentityType, OAuthS2S, UserAction, UsersQuery


def sandbox_stats(base, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(base + "/_sandbox/stats", context=ctx) as resp:
        return json.load(resp)


def main():
    ready = json.load(open(sys.argv[1]))
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    u = ready["umapi"]
    ca = ready["tls_ca"]
    if not ca:
        sys.exit("start the sandbox with --tls: umapi-client only speaks https to IMS")
    host = urllib.parse.urlparse(u["ims"]).netloc
    auth = OAuthS2S(u["client_id"], u["client_secret"], auth_host=host,
                    auth_endpoint="/ims/token/v3", ssl_verify=ca)
    conn = Connection(org_id=u["org_id"], auth=auth, endpoint=u["endpoint"], ssl_verify=ca)

    groups = [g["groupName"] for g in GroupsQuery(conn)
              if g.get("type") == "USER_GROUP"][:2]
    run = "p%d" % os.getpid()
    before = sandbox_stats(u["ims"], ca)

    started = time.perf_counter()
    cpu_started = time.process_time()
    actions = []
    for i in range(n):
        email = "%s-%d@example.com" % (run, i)
        a = UserAction(email)
        a.create(email, firstname="Bench", lastname="User%d" % i, id_type=IdentityType.enterpriseID)
        a.add_to_groups(groups)
        actions.append(a)
    queued, sent, completed = conn.execute_multiple(actions)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started

    after = sandbox_stats(u["ims"], ca)
    in_groups = []
    for g in groups:
        in_groups.append(sum(1 for user in UsersQuery(conn, in_group=g)
                             if user["email"].startswith(run + "-")))
    rate = n / elapsed
    print("umapi-client %s | users %d | python %s" % (umapi_client.__version__, n, sys.version.split()[0]))
    print("elapsed %.2f s | %.0f actions/s | entries processed %d | client CPU %.2f s" % (
        elapsed, rate, after["actions_processed"] - before["actions_processed"], cpu))
    print("completed %d | sent %d | found in groups %s | 429s %d" % (
        completed, sent, in_groups, after["throttled"] - before["throttled"]))
    print("client peak RSS %.1f MiB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))


if __name__ == "__main__":
    main()
