/*
 * http.h: sluicectl's HTTP client for the Sluice API (see http.c).
 */
#ifndef SLUICE_CLI_HTTP_H
#define SLUICE_CLI_HTTP_H

#include <json-c/json.h>
#include <stddef.h>

#include "status.h"

struct http;

struct http_reply {
	long status;		/* HTTP status */
	char *body;		/* NUL-terminated; owned, http_reply_fini */
	size_t len;
	long long next_offset;	/* X-Log-Next-Offset, or -1 */
	long long attempt;	/* X-Log-Attempt, or -1 */
	int complete;		/* X-Log-Complete: true */
};

struct http *http_open(int insecure);
void http_close(struct http *h);
enum sl_status http_call(struct http *h, const char *method, const char *path,
    const char *body, struct http_reply *r);
void http_reply_fini(struct http_reply *r);
enum sl_status http_fail(const struct http_reply *r);
char *http_escape(struct http *h, const char *s);
enum sl_status http_json_reply(struct http *h, const char *method,
    const char *path, const char *body, struct json_object **out,
    struct http_reply *r);
enum sl_status http_json(struct http *h, const char *method, const char *path,
    const char *body, struct json_object **out, long *status);

#endif
