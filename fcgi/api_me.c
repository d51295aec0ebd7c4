/*
 * api_me.c: GET /api/me, who the caller is: the authenticated user name
 * (REMOTE_USER) and its role from the users table, so the dashboard can
 * offer only the actions the role allows. Read only.
 */
#include "json.h"
#include "reply.h"

/*
 * GET /api/me (viewer; also role worker)
 * 200 {"name","role"}.
 */
enum sl_status
api_me(struct req *r)
{
	struct json_object *obj = json_object_new_object();

	jsonx_add_str(obj, "name", r->user);
	jsonx_add_str(obj, "role", roles_name(r->role));
	return reply_ok(r, obj);
}
