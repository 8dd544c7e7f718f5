"""Lists every system user with the official Python client (jcapiv1 from jcapi-python), the way
its users do: one page of 100 after another until a short page. Prints the time and the count.

    python3 list_users_jcapi.py READY_JSON_FILE
"""
import json
import sys
import time

import jcapiv1

ready = json.load(open(sys.argv[1]))
config = jcapiv1.Configuration()
config.host = ready["jumpcloud"]["v1"]
config.api_key["x-api-key"] = ready["jumpcloud"]["api_key"]
api = jcapiv1.SystemusersApi(jcapiv1.ApiClient(config))

started = time.monotonic()
users, skip = 0, 0
while True:
    page = api.systemusers_list("application/json", "application/json", limit=100, skip=skip)
    users += len(page.results)
    skip += 100
    if len(page.results) < 100:
        break
elapsed = time.monotonic() - started
print(f"jcapiv1 | users {users} | {elapsed:.3f} s")
