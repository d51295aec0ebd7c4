/*
 * api_openapi.c: GET /api/openapi.json, the machine-readable contract.
 * fcgi/openapi.json is embedded in the program at build time (.incbin;
 * fcgi/fcgi.mk makes this object depend on the file), so what is served
 * is always what was built and nothing is read at run time.
 */
#include "reply.h"

__asm__(
    "	.section .rodata\n"
    "	.global openapi_json\n"
    "	.global openapi_json_end\n"
    "	.balign 16\n"
    "openapi_json:\n"
    "	.incbin \"fcgi/openapi.json\"\n"
    "openapi_json_end:\n"
    "	.byte 0\n"
    "	.previous\n");

/*
 * GET /api/openapi.json (viewer)
 * 200 application/json: the OpenAPI 3.0 document of every route.
 */
enum sl_status
api_openapi(struct req *r)
{
	return reply_text(r, "application/json", r->ctx->openapi,
	    r->ctx->openapi_len);
}
