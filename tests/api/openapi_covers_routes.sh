#!/usr/bin/env bash
# fcgi/openapi.json documents exactly the routes of fcgi/router.c: every
# route (method and path) is in the document and every documented
# operation is a route, with the same role (x-sluice-role), the same
# query parameters and path parameters named as the route's typed
# placeholders ("{flow}", "{run}", "{task}", "{worker}"); every operation
# documents its error responses with the error schema. GET /api/openapi.json serves that same document.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1

python3 - "$SLUICE_ROOT/fcgi/router.c" "$SLUICE_ROOT/fcgi/openapi.json" <<'PY' ||
import json, re, sys
src = open(sys.argv[1]).read()
doc = json.load(open(sys.argv[2]))
table = src[src.index("routes[] = {"):]
table = table[:table.index("};")]
routes = {}
for m in re.finditer(r'\{"(GET|PUT|PATCH|POST|DELETE)",\s*"(/api/[^"]*)",\s*(\w+),'
                     r'\s*ROLE_(\w+),\s*"([^"]*)"\}', table):
    method, path, handler, role, query = m.groups()
    routes[(method.lower(), path)] = (role.lower(), set(filter(None, query.split(","))))
if len(routes) < 15:
    sys.exit("found only %d routes in router.c" % len(routes))
ops = {}
def resolve(p):
    if "$ref" in p:
        name = p["$ref"].split("/")[-1]
        return doc["components"]["parameters"][name]
    return p
bad = []
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method == "parameters":
            continue
        q = {resolve(p)["name"] for p in op.get("parameters", []) if resolve(p)["in"] == "query"}
        params = item.get("parameters", []) + op.get("parameters", [])
        pp = {resolve(p)["name"] for p in params if resolve(p)["in"] == "path"}
        if pp != set(re.findall(r"\{(\w+)\}", path)):
            bad.append("%s %s: path parameters %s" % (method, path, sorted(pp)))
        ops[(method, path)] = (op.get("x-sluice-role"), q)
        for code, resp in op["responses"].items():
            if code.startswith(("4", "5")) and "$ref" not in resp and path != "/api/health":
                bad.append("%s %s %s: error response without the error schema" % (method, path, code))
        if path != "/api/health" and "401" not in op["responses"]:
            bad.append("%s %s: no 401" % (method, path))
        if method in ("put", "patch", "post", "delete"):
            for code in ("400", "403", "413", "415"):
                if code not in op["responses"]:
                    bad.append("%s %s: mutating route without %s" % (method, path, code))
for k in sorted(set(routes) - set(ops)):
    bad.append("route %s %s is not in openapi.json" % (k[0].upper(), k[1]))
for k in sorted(set(ops) - set(routes)):
    bad.append("openapi.json documents %s %s, which router.c lacks" % (k[0].upper(), k[1]))
for k in sorted(set(ops) & set(routes)):
    if routes[k][0] != ops[k][0]:
        bad.append("%s %s: role %s in router.c, %s in openapi.json" % (k[0].upper(), k[1], routes[k][0], ops[k][0]))
    if routes[k][1] != ops[k][1]:
        bad.append("%s %s: query %s in router.c, %s in openapi.json" % (k[0].upper(), k[1],
                   sorted(routes[k][1]), sorted(ops[k][1])))
if bad:
    sys.exit("\n".join(bad))
print("%d routes match" % len(routes))
PY
    fail "router.c and openapi.json disagree"

stack_start
api GET /api/openapi.json
expect_status 200 "GET /api/openapi.json"
[ "$(jq -S . <<<"$BODY")" = "$(jq -S . "$SLUICE_ROOT/fcgi/openapi.json")" ] ||
    fail "served document differs from fcgi/openapi.json"
[ "$(jqr .openapi)" = 3.0.3 ] || fail "not OpenAPI 3.0"
echo ok
