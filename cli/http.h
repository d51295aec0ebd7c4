/*
 * http.h: sluicectl's HTTP client for the Sluice API (see http.c).
 */
#ifndef SLUICE_CLI_HTTP_H
#define SLUICE_CLI_HTTP_H

#include <json-c/json.h>
#include <stddef.h>

struct api;

struct api_reply {
	long status;		/* HTTP status */
	char *body;		/* NUL-terminated; owned, api_reply_fini */
	size_t len;
	long long next_offset;	/* X-Log-Next-Offset, or -1 */
	long long attempt;	/* X-Log-Attempt, or -1 */
	int complete;		/* X-Log-Complete: true */
};

struct api *api_open(int insecure);
void api_close(struct api *a);
int api_call(struct api *a, const char *method, const char *path,
    const char *body, struct api_reply *r);
void api_reply_fini(struct api_reply *r);
int api_fail(const struct api_reply *r);
char *api_escape(struct api *a, const char *s);
int api_json(struct api *a, const char *method, const char *path,
    const char *body, struct json_object **out, long *status);

#endif
