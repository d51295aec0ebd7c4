/*
 * cmd_repo.c: `sluicectl repo add|list|show|sync|del`, flow repositories
 * through the API (/api/repos). Secrets are read from files (never the
 * command line, where ps and shell histories would show them): --secret-
 * file (the push webhook's), --token-file (https), --ssh-key-file (a
 * deploy key); one trailing newline of the first two is dropped. `sync
 * --wait` polls until a sync that ended after the request is reported,
 * and fails when it failed. --json prints the API's reply body exactly as
 * it came; otherwise lists have a header row and aligned columns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "poll.h"
#include "timefmt.h"
#include "xalloc.h"

#define POLL_MS 500
#define WAIT_DEFAULT_S 300
#define SHORT_COMMIT 12
#define LIST_COLS 6

static const char usage[] =
    "usage: sluicectl repo add NAME URL [--ref REF] [--path DIR] "
    "[--interval S]\n"
    "           [--secret-file F] [--token-file F] [--ssh-key-file F] "
    "[--env KEY=VALUE]...\n"
    "       sluicectl repo list [--json]\n"
    "       sluicectl repo show NAME [--json]\n"
    "       sluicectl repo sync NAME [--wait] [--timeout S] [--json]\n"
    "       sluicectl repo del NAME\n"
    "add registers (or replaces) a git repository whose flow files under\n"
    "DIR (default flows/) become flows; REF defaults to main, S (polling,\n"
    "0 for none) to 60. Secrets come from files; one left out on a\n"
    "second add keeps its stored value. --env takes PIP_* settings.\n"
    "sync asks for a sync now; --wait waits (at most --timeout seconds,\n"
    "default 300) for its end and fails when it failed. del archives the\n"
    "repository's flows.\n";

/* What the command line gave. */
struct repo_cmd {
	const char *ref, *path, *interval, *timeout;
	const char *secret_file, *token_file, *key_file;
	struct cli_list env;
	int json, wait;
	char **args;
};

/*
 * Calls the API. On a 2xx reply prints its body as is when c->json, and
 * parses it into *out when out is not NULL (the caller puts it). Returns
 * SL_OK, or the failure after printing it.
 */
static enum sl_status
call(struct http *h, const struct repo_cmd *c, const char *method,
    const char *path, const char *body, struct json_object **out)
{
	struct http_reply r;
	enum sl_status s;
	char why[256];

	if (out != NULL)
		*out = NULL;
	if ((s = http_call(h, method, path, body, &r)) != SL_OK)
		goto done;
	if (r.status < 200 || r.status > 299) {
		s = http_fail(&r);
		goto done;
	}
	if (c->json)
		fwrite(r.body, 1, r.len, stdout);
	if (out != NULL && (*out = jsonx_parse(r.body, r.len, why,
	    sizeof(why))) == NULL) {
		cli_err("%s %s: the reply is not JSON: %s", method, path, why);
		s = SL_IO;
	}
done:
	http_reply_fini(&r);
	return s;
}

/* Returns "/api/repos/<escaped name><tail>"; caller frees. */
static char *
repo_path(struct http *h, const char *name, const char *tail)
{
	char *e = http_escape(h, name), *p;

	p = xasprintf("/api/repos/%s%s", e, tail);
	free(e);
	return p;
}

/* Returns obj's string field key, or "-" when absent, null or empty. */
static const char *
field(struct json_object *obj, const char *key)
{
	const char *s = jsonx_get_str(obj, key);

	return s && *s ? s : "-";
}

/* Adds body[key] = the contents of file (one trailing newline dropped
 * unless keep_newline). Returns SL_OK or SL_IO (printed). */
static enum sl_status
add_file(struct json_object *body, const char *key, const char *file,
    int keep_newline)
{
	size_t len;
	char *buf;

	if (file == NULL)
		return SL_OK;
	if ((buf = cli_read_file(file, &len)) == NULL)
		return SL_IO;
	if (!keep_newline && len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!keep_newline && len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	json_object_object_add(body, key, json_object_new_string_len(buf,
	    (int)len));
	explicit_bzero(buf, len);
	free(buf);
	return SL_OK;
}

/* Parses a whole decimal number s into *out; SL_INVALID (printed) if it
 * is not one. */
static enum sl_status
whole_number(const char *opt, const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0) {
		cli_err("%s: \"%s\" is not a whole number", opt, s);
		return SL_INVALID;
	}
	return SL_OK;
}

/* Adds body["env"] from --env KEY=VALUE options. */
static enum sl_status
add_env(struct json_object *body, const struct cli_list *env)
{
	struct json_object *o;

	if (env->n == 0)
		return SL_OK;
	o = json_object_new_object();
	json_object_object_add(body, "env", o);
	for (int i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		char *key;

		if (eq == NULL || eq == env->v[i]) {
			cli_err("--env: expected KEY=VALUE, got \"%s\"",
			    env->v[i]);
			return SL_INVALID;
		}
		key = xstrndup(env->v[i], (size_t)(eq - env->v[i]));
		jsonx_add_str(o, key, eq + 1);
		free(key);
	}
	return SL_OK;
}

/* Builds the PUT body of `repo add` into *out (the caller puts it). */
static enum sl_status
add_body(const struct repo_cmd *c, struct json_object **out)
{
	struct json_object *b = json_object_new_object();
	enum sl_status s = SL_OK;
	long long n;

	*out = b;
	jsonx_add_str(b, "url", c->args[1]);
	if (c->ref != NULL)
		jsonx_add_str(b, "ref", c->ref);
	if (c->path != NULL)
		jsonx_add_str(b, "path", c->path);
	if (c->interval != NULL &&
	    (s = whole_number("--interval", c->interval, &n)) == SL_OK)
		jsonx_add_int(b, "interval_s", n);
	if (s == SL_OK)
		s = add_env(b, &c->env);
	if (s == SL_OK)
		s = add_file(b, "webhook_secret", c->secret_file, 0);
	if (s == SL_OK)
		s = add_file(b, "token", c->token_file, 0);
	if (s == SL_OK)
		s = add_file(b, "ssh_key", c->key_file, 1);
	return s;
}

/* `repo add NAME URL ...`: PUT /api/repos/{repo}. */
static enum sl_status
repo_add(struct http *h, struct repo_cmd *c)
{
	struct json_object *body = NULL, *reply = NULL;
	char *path = repo_path(h, c->args[0], "");
	enum sl_status s;

	if ((s = add_body(c, &body)) == SL_OK)
		s = call(h, c, "PUT", path, jsonx_text(body), &reply);
	if (s == SL_OK && !c->json)
		printf("repository %s stored; push webhook: %s\n",
		    field(reply, "name"), field(reply, "webhook_path"));
	json_object_put(body);
	json_object_put(reply);
	free(path);
	return s;
}

/* The first SHORT_COMMIT characters of a commit id, or "-". */
static void
short_commit(struct json_object *sync, char out[SHORT_COMMIT + 1])
{
	snprintf(out, SHORT_COMMIT + 1, "%s", field(sync, "commit"));
}

/* Prints rows (each LIST_COLS strings) with columns padded to the
 * widest cell, two spaces apart, the last one not padded. */
static void
print_table(const char *const (*rows)[LIST_COLS], size_t n)
{
	size_t w[LIST_COLS] = {0};

	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < LIST_COLS; k++)
			if (strlen(rows[i][k]) > w[k])
				w[k] = strlen(rows[i][k]);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < LIST_COLS - 1; k++)
			printf("%-*s  ", (int)w[k], rows[i][k]);
		printf("%s\n", rows[i][LIST_COLS - 1]);
	}
}

/* `repo list`: GET /api/repos, one line a repository. */
static enum sl_status
repo_list(struct http *h, struct repo_cmd *c)
{
	struct json_object *reply, *items;
	const char *(*rows)[LIST_COLS];
	char (*commits)[SHORT_COMMIT + 1];
	enum sl_status s;
	size_t n;

	if ((s = call(h, c, "GET", "/api/repos?limit=500", NULL, &reply)) !=
	    SL_OK || c->json)
		goto out;
	items = jsonx_get(reply, "items");
	n = json_object_is_type(items, json_type_array) ?
	    json_object_array_length(items) : 0;
	rows = xcalloc(n + 1, sizeof(*rows));
	commits = xcalloc(n + 1, sizeof(*commits));
	rows[0][0] = "NAME", rows[0][1] = "STATE", rows[0][2] = "COMMIT";
	rows[0][3] = "REF", rows[0][4] = "URL", rows[0][5] = "SUBJECT";
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		struct json_object *sync = jsonx_get(it, "sync");

		short_commit(sync, commits[i + 1]);
		rows[i + 1][0] = field(it, "name");
		rows[i + 1][1] = field(sync, "state");
		rows[i + 1][2] = commits[i + 1];
		rows[i + 1][3] = field(it, "ref");
		rows[i + 1][4] = field(it, "url");
		rows[i + 1][5] = field(sync, "subject");
	}
	print_table((const char *const (*)[LIST_COLS])rows, n + 1);
	free(rows);
	free(commits);
out:
	json_object_put(reply);
	return s;
}

/* Prints a sync error {file, field, reason} on one line, after lead. */
static void
print_error(const char *lead, struct json_object *err)
{
	const char *file = jsonx_get_str(err, "file");
	const char *fld = jsonx_get_str(err, "field");

	printf("%s%s%s%s%s%s\n", lead, file ? file : "", file ? ": " : "",
	    fld ? fld : "", fld ? ": " : "", field(err, "reason"));
}

/* Prints the names in array arr, comma-separated, or "-". */
static void
print_names(const char *lead, struct json_object *arr)
{
	size_t n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;

	fputs(lead, stdout);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", json_object_get_string(
		    json_object_array_get_idx(arr, i)));
	puts(n ? "" : "-");
}

/* Prints a repository's view as "key: value" lines. */
static void
print_repo(struct json_object *o)
{
	struct json_object *sync = jsonx_get(o, "sync");
	struct json_object *err = jsonx_get(sync, "error");
	struct json_object *iv = jsonx_get(o, "interval_s");

	printf("name:       %s\nurl:        %s\nref:        %s\n"
	    "path:       %s\n", field(o, "name"), field(o, "url"),
	    field(o, "ref"), field(o, "path"));
	printf("interval:   %lld s%s\n", (long long)json_object_get_int64(iv),
	    json_object_get_int64(iv) == 0 ? " (no polling)" : "");
	printf("env:        ");
	json_object_object_foreach(jsonx_get(o, "env"), k, v)
		printf("%s=%s ", k, json_object_get_string(v));
	printf("\nsecrets:    webhook_secret %s, token %s, ssh_key %s\n",
	    json_object_get_boolean(jsonx_get(o, "has_webhook_secret")) ?
	    "set" : "none", json_object_get_boolean(jsonx_get(o,
	    "has_token")) ? "set" : "none", json_object_get_boolean(
	    jsonx_get(o, "has_ssh_key")) ? "set" : "none");
	printf("webhook:    POST %s\n", field(o, "webhook_path"));
	printf("sync:       %s, last at %s\n", field(sync, "state"),
	    field(sync, "synced_at"));
	printf("commit:     %s %s\n", field(sync, "commit"),
	    field(sync, "subject"));
	printf("requested:  %s by %s\n", field(sync, "requested_at"),
	    field(sync, "requested_by"));
	if (err != NULL)
		print_error("error:      ", err);
	print_names("flows:      ", jsonx_get(o, "flows"));
}

/* `repo show NAME`: GET /api/repos/{repo}. */
static enum sl_status
repo_show(struct http *h, struct repo_cmd *c)
{
	struct json_object *reply;
	char *path = repo_path(h, c->args[0], "");
	enum sl_status s;

	if ((s = call(h, c, "GET", path, NULL, &reply)) == SL_OK && !c->json)
		print_repo(reply);
	json_object_put(reply);
	free(path);
	return s;
}

/* Reads time field key of sync (RFC 3339) into *ms; -1 when absent. */
static int64_t
sync_time(struct json_object *sync, const char *key)
{
	const char *t = jsonx_get_str(sync, key);
	int64_t ms;

	return t && timefmt_parse(t, &ms) == SL_OK ? ms : -1;
}

/*
 * Polls repository name until a sync that ended at or after asked (ms)
 * is reported, or timeout_s passes. The last view goes to *last (the
 * caller puts it). Returns SL_OK when it ended ok, SL_CONFLICT when it
 * failed, SL_IO on timeout (printed), or the request's failure.
 */
static enum sl_status
wait_sync(struct http *h, const char *path, int64_t asked,
    long long timeout_s, struct json_object **last)
{
	struct repo_cmd quiet = {0};
	int64_t until = timefmt_mono_ms() + timeout_s * 1000;
	struct json_object *sync;
	enum sl_status s;

	for (;;) {
		if ((s = call(h, &quiet, "GET", path, NULL, last)) != SL_OK)
			return s;
		sync = jsonx_get(*last, "sync");
		if (sync_time(sync, "synced_at") >= asked &&
		    strcmp(field(sync, "state"), "syncing") != 0)
			return strcmp(field(sync, "state"), "ok") == 0 ?
			    SL_OK : SL_CONFLICT;
		if (timefmt_mono_ms() >= until) {
			cli_err("no sync ended within %lld s (state %s)",
			    timeout_s, field(sync, "state"));
			return SL_IO;
		}
		json_object_put(*last);
		*last = NULL;
		cli_sleep_ms(POLL_MS);
	}
}

/* Prints how the sync in view o ended. */
static void
print_sync_end(struct json_object *o)
{
	struct json_object *sync = jsonx_get(o, "sync");
	char commit[SHORT_COMMIT + 1];

	short_commit(sync, commit);
	printf("%s: %s at commit %s %s\n", field(o, "name"),
	    field(sync, "state"), commit, field(sync, "subject"));
	if (jsonx_get(sync, "error") != NULL)
		print_error("error: ", jsonx_get(sync, "error"));
}

/* `repo sync NAME [--wait]`: POST /api/repos/{repo}/sync. */
static enum sl_status
repo_sync(struct http *h, struct repo_cmd *c)
{
	struct json_object *reply = NULL, *last = NULL;
	char *sync = repo_path(h, c->args[0], "/sync");
	char *path = repo_path(h, c->args[0], "");
	struct repo_cmd post = *c;
	long long timeout = WAIT_DEFAULT_S;
	enum sl_status s;

	post.json = c->json && !c->wait;
	if (c->timeout != NULL &&
	    (s = whole_number("--timeout", c->timeout, &timeout)) != SL_OK)
		goto out;
	if ((s = call(h, &post, "POST", sync, "{}", &reply)) != SL_OK)
		goto out;
	if (!c->wait) {
		if (!c->json)
			printf("sync of %s asked for at %s\n",
			    field(reply, "name"), field(jsonx_get(reply,
			    "sync"), "requested_at"));
		goto out;
	}
	s = wait_sync(h, path, sync_time(jsonx_get(reply, "sync"),
	    "requested_at"), timeout, &last);
	if (last != NULL && c->json)
		printf("%s\n", jsonx_text(last));
	else if (last != NULL && (s == SL_OK || s == SL_CONFLICT))
		print_sync_end(last);
out:
	json_object_put(reply);
	json_object_put(last);
	free(sync);
	free(path);
	return s;
}

/* `repo del NAME`: DELETE /api/repos/{repo}. */
static enum sl_status
repo_del(struct http *h, struct repo_cmd *c)
{
	char *path = repo_path(h, c->args[0], "");
	enum sl_status s;

	if ((s = call(h, c, "DELETE", path, NULL, NULL)) == SL_OK)
		printf("repository %s deleted; its flows are archived\n",
		    c->args[0]);
	free(path);
	return s;
}

/* The subcommands: name, positional arguments, which options. */
enum opt_set { OPTS_ADD, OPTS_JSON, OPTS_SYNC, OPTS_NONE };

static const struct repo_sub {
	const char *name;
	int nargs;
	enum opt_set opts;
	enum sl_status (*fn)(struct http *, struct repo_cmd *);
} subs[] = {
	{ "add", 2, OPTS_ADD, repo_add },
	{ "list", 0, OPTS_JSON, repo_list },
	{ "show", 1, OPTS_JSON, repo_show },
	{ "sync", 1, OPTS_SYNC, repo_sync },
	{ "del", 1, OPTS_NONE, repo_del },
};

/* Fills opts (room for 10) with the options of set, pointing into c. */
static void
sub_opts(enum opt_set set, struct repo_cmd *c, struct cli_opt *opts)
{
	const struct cli_opt add[] = {
		{ "ref", 'r', CLI_OPT_VALUE, &c->ref },
		{ "path", 'p', CLI_OPT_VALUE, &c->path },
		{ "interval", 'i', CLI_OPT_VALUE, &c->interval },
		{ "secret-file", 0, CLI_OPT_VALUE, &c->secret_file },
		{ "token-file", 0, CLI_OPT_VALUE, &c->token_file },
		{ "ssh-key-file", 0, CLI_OPT_VALUE, &c->key_file },
		{ "env", 'e', CLI_OPT_LIST, &c->env },
	};
	const struct cli_opt json = { "json", 'j', CLI_OPT_FLAG, &c->json };
	const struct cli_opt sync[] = {
		{ "wait", 'w', CLI_OPT_FLAG, &c->wait },
		{ "timeout", 't', CLI_OPT_VALUE, &c->timeout },
	};
	int n = 0;

	if (set == OPTS_ADD)
		for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++)
			opts[n++] = add[i];
	if (set == OPTS_SYNC)
		for (size_t i = 0; i < sizeof(sync) / sizeof(sync[0]); i++)
			opts[n++] = sync[i];
	if (set != OPTS_NONE)
		opts[n++] = json;
	opts[n] = (struct cli_opt){ NULL, 0, CLI_OPT_FLAG, NULL };
}

/* `sluicectl repo ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_repo(struct cli *cli, int argc, char **argv)
{
	struct repo_cmd c = {0};
	const struct repo_sub *sub = NULL;
	struct cli_opt opts[10];
	struct cli_syntax syn = { usage, opts, 0, 0, 0 };
	struct cli_args a;
	struct http *h;
	enum sl_status s;

	for (size_t i = 0; argc >= 2 && i < sizeof(subs) / sizeof(subs[0]);
	    i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			sub = &subs[i];
	if (sub == NULL) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") ||
		    !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (argc >= 2)
			cli_err("unknown repo command %s", argv[1]);
		return cli_usage(usage);
	}
	sub_opts(sub->opts, &c, opts);
	syn.min_args = syn.max_args = sub->nargs;
	if (cli_parse(cli, &syn, argc - 1, argv + 1, &a) != SL_OK || a.help) {
		cli_list_fini(&c.env);
		return a.exit;
	}
	c.args = a.args;
	s = SL_IO;
	if ((h = http_open(cli->insecure)) != NULL) {
		s = sub->fn(h, &c);
		http_close(h);
	}
	cli_list_fini(&c.env);
	return cli_exit_of(s);
}
