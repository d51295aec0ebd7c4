/*
 * fuzz_request.c: libFuzzer target for what sluice-api parses from a
 * request before any handler runs (fcgi/request.c, fcgi/auth.c's base64
 * decoder, compiled in): the input is split at the first two NUL bytes
 * into a request URI, a query string and a body. Path splitting, query
 * parsing against a route's parameter list, integer and boolean
 * parameters, the JSON body and its key check, and Basic credential
 * decoding must never crash, leak or accept a path segment with '/', "."
 * or "..". Needs libfcgi (FCGX_GetParam); build it with
 *   make -f tests/fuzz/fuzz.mk build/fuzz/fuzz_request
 * (or build/fuzz/seeds_request to replay seeds with gcc), which links
 * lib/ and the libraries it needs (FUZZ_LDLIBS).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fcgi/auth.c"
#include "../../fcgi/authcache.c"
#include "../../fcgi/buf.c"
#include "../../fcgi/reply.c"
#include "../../fcgi/request.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns the next NUL-terminated piece of data (a new string). */
static char *
piece(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = memchr(*data, '\0', *size);
	size_t n = nul ? (size_t)(nul - *data) : *size;
	char *s = xstrndup((const char *)*data, n);

	*data += nul ? n + 1 : n;
	*size -= nul ? n + 1 : n;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri = piece(&data, &size), *qs = piece(&data, &size);
	char *e_uri = xasprintf("REQUEST_URI=%s", uri);
	char *e_qs = xasprintf("QUERY_STRING=%s", qs);
	char *envp[] = {e_uri, e_qs, NULL};
	char *segs[REQ_MAX_SEGS] = {0};
	unsigned char dec[1024];
	struct json_object *obj;
	FCGX_Request fr;
	struct req r;
	int64_t v;
	int n, b;

	memset(&fr, 0, sizeof(fr));
	fr.envp = envp;
	req_init(&r, NULL, NULL, &fr);
	n = req_split_path(&r, segs, REQ_MAX_SEGS);
	for (int i = 0; i < n; i++)
		if (strchr(segs[i], '/') || !strcmp(segs[i], ".") ||
		    !strcmp(segs[i], ".."))
			__builtin_trap();
	for (int i = 0; i < REQ_MAX_SEGS; i++)
		free(segs[i]);
	if (req_parse_query(&r, "flow,state,limit,cursor,offset,download") ==
	    SL_OK) {
		req_limit(&r, &v);
		req_query_int(&r, "offset", 0, 0, INT64_MAX, &v);
		req_query_bool(&r, "download", &b);
	}
	r.body = xmalloc(size + 1);
	memcpy(r.body, data, size);
	r.body[size] = '\0';
	r.body_len = size;
	if (req_json_object(&r, 1, &obj) == SL_OK) {
		req_check_keys(&r, obj, "parameters", "body");
		json_object_put(obj);
	}
	if (strlen(qs) < sizeof(dec) / 4 * 3)
		b64_decode(qs, strlen(qs), dec);
	req_free(&r);
	free(e_uri);
	free(e_qs);
	free(uri);
	free(qs);
	return 0;
}
