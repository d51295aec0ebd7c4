/*
 * request.h: reading a request (see request.c): FastCGI params, path
 * segments, query parameters, the body, the caller's role, and small
 * validation helpers. Helpers that can fail reply with the error
 * themselves (reply_fail) and return its enum sl_status, which the
 * handler returns in turn.
 */
#ifndef SLUICE_FCGI_REQUEST_H
#define SLUICE_FCGI_REQUEST_H

#include <json-c/json.h>
#include <stdint.h>

#include "api.h"

#define REQ_MAX_SEGS 8

void req_init(struct req *r, struct ctx *ctx, struct db *db,
    FCGX_Request *fr);
void req_free(struct req *r);
const char *req_param(struct req *r, const char *name);
int req_split_path(struct req *r, char **segs, int max);
enum sl_status req_parse_query(struct req *r, const char *allowed);
const char *req_query(struct req *r, const char *key);
enum sl_status req_query_int(struct req *r, const char *key, int64_t def,
    int64_t min, int64_t max, int64_t *out);
enum sl_status req_query_bool(struct req *r, const char *key, int *out);
enum sl_status req_limit(struct req *r, int64_t *limit);
enum sl_status req_audit(struct req *r, const char *action, const char *type,
    const char *id, struct json_object *detail);
enum sl_status req_read_body(struct req *r);
enum sl_status req_load_role(struct req *r);
enum sl_status req_json_object(struct req *r, int optional,
    struct json_object **out);
enum sl_status req_empty_body(struct req *r);
enum sl_status req_check_keys(struct req *r, struct json_object *obj,
    const char *allowed, const char *where);
const char *req_type_name(struct json_object *v);

#endif
