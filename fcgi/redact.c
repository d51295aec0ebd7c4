/*
 * redact.c: the one decision about secrets inside a flow definition that
 * sluice-api sends. Webhook URLs often carry a token (in the path, the
 * query or user:password@), so notify.webhook is shown whole to admins
 * (roles_sees_secrets, roles.c) and to everyone else as
 * scheme://host[:port] only.
 * Every reply that includes a definition passes it through
 * redact_flow_def first, and a repository's pip settings (an index URL
 * may carry credentials) pass through redact_repo_env; nothing here
 * touches what is stored.
 */
#include <string.h>

#include "json.h"
#include "redact.h"

/*
 * Writes url's scheme://host[:port] into out (outsz bytes, truncated if
 * need be): everything after the authority is dropped, and so is any
 * userinfo before an '@'. A URL without "://" (flowdef.c never stores
 * one) becomes the empty string rather than being shown.
 */
static void
url_origin(const char *url, char *out, size_t outsz)
{
	const char *sep = strstr(url, "://"), *host, *end, *at;
	size_t n;

	out[0] = '\0';
	if (sep == NULL || outsz == 0)
		return;
	host = sep + 3;
	end = host + strcspn(host, "/?#");
	for (at = host; (at = memchr(at, '@', (size_t)(end - at))) != NULL;)
		host = ++at;
	n = (size_t)(sep + 3 - url);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, url, n);
	if ((size_t)(end - host) > outsz - 1 - n)
		end = host + (outsz - 1 - n);
	memcpy(out + n, host, (size_t)(end - host));
	out[n + (size_t)(end - host)] = '\0';
}

/*
 * Prepares def (a definition the caller owns, changed in place) for a
 * reply to a user with role: an admin sees it as stored; anyone else
 * sees notify.webhook cut to scheme://host[:port].
 */
void
redact_flow_def(struct json_object *def, enum role role)
{
	struct json_object *notify = jsonx_get(def, "notify");
	const char *url = jsonx_get_str(notify, "webhook");
	char origin[512];

	if (roles_sees_secrets(role) || url == NULL)
		return;
	url_origin(url, origin, sizeof(origin));
	jsonx_add_str(notify, "webhook", origin);
}

/*
 * Prepares a repository's pip settings env (an object the caller owns,
 * changed in place; NULL is fine) for a user with role: an admin sees
 * them as stored; anyone else sees a value holding a URL (an index may
 * carry user:password@) as scheme://host[:port] only.
 */
void
redact_repo_env(struct json_object *env, enum role role)
{
	char origin[512];

	if (roles_sees_secrets(role) || !json_object_is_type(env,
	    json_type_object))
		return;
	json_object_object_foreach(env, key, val) {
		const char *v = json_object_get_string(val);

		if (v == NULL || strstr(v, "://") == NULL)
			continue;
		url_origin(v, origin, sizeof(origin));
		jsonx_add_str(env, key, origin);
	}
}
