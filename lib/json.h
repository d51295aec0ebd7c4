/* json.h: json-c helpers, prefixed jsonx_ (see json.c). */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting accepted from any input. */
#define JSONX_MAX_DEPTH 32

struct json_object *jsonx_parse(const char *buf, size_t len, char *why,
    size_t whysz);
const char *jsonx_get_str(struct json_object *obj, const char *key);
struct json_object *jsonx_get(struct json_object *obj, const char *key);
int jsonx_is_int(struct json_object *v);
void jsonx_add_str(struct json_object *obj, const char *key, const char *v);
void jsonx_add_int(struct json_object *obj, const char *key, int64_t v);
struct json_object *jsonx_new_double(double d);
void jsonx_add_double(struct json_object *obj, const char *key, double d);
void jsonx_add_time(struct json_object *obj, const char *key, int64_t ms);
const char *jsonx_text(struct json_object *obj);

#endif
