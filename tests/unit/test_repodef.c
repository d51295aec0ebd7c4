/*
 * test_repodef.c: lib/repodef.c, the checks a repository's settings pass
 * before git sees them: accepted and refused URLs, refs and flow folder
 * paths (with their normal form), and repodef_parse's defaults, secret
 * changes (absent keeps, null clears, a string sets) and field-named
 * messages. One line per case; exit 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "repodef.h"

static void
test_urls(void)
{
	static const struct {
		const char *url;
		int ok;
	} cases[] = {
		{"/srv/git/x.git", 1}, {"file:///srv/x.git", 1},
		{"https://git.example/t/x.git", 1},
		{"https://git.example:8443/x", 1},
		{"ssh://git@git.example:22/t/x.git", 1},
		{"git@github.com:team/x.git", 1},
		{"", 0}, {"-x", 0}, {"/srv/-x", 0}, {"ext::sh -c id", 0},
		{"x::y", 0}, {"http://h/x", 0}, {"git://h/x", 0},
		{"https://u:p@h/x", 0}, {"https://tok@h/x", 0},
		{"https://h", 0},
		{"https://h/", 0}, {"https://h:x/y", 0}, {"ssh://u:p@h/x", 0},
		{"u@h:-x", 0}, {"h:path", 0}, {"a/b@h:x", 0}, {"rel/x.git", 0},
		{"file://x", 0}, {"/srv/a b", 0}, {"/srv/a\tb", 0},
		{"/srv/a\\b", 0},
	};
	char why[256], name[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "url_%s_\"%s\"",
		    cases[i].ok ? "ok" : "bad", cases[i].url);
		checkf(name, repodef_url_valid(cases[i].url, why,
		    sizeof(why)) == cases[i].ok, "wrong answer (%s)", why);
	}
}

static void
test_refs(void)
{
	static const struct {
		const char *ref;
		int ok;
	} cases[] = {
		{"main", 1}, {"release/v1.2", 1}, {"v2.0_rc-1", 1},
		{"", 0}, {"-main", 0}, {".x", 0}, {"a..b", 0}, {"a//b", 0},
		{"/a", 0}, {"a/", 0}, {"a.", 0}, {"a/.b", 0}, {"a/-b", 0},
		{"x.lock", 0}, {"a b", 0}, {"a@{1}", 0}, {"a~1", 0},
		{"a^", 0}, {"a:b", 0},
	};
	char why[256], name[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "ref_%s_\"%s\"",
		    cases[i].ok ? "ok" : "bad", cases[i].ref);
		check(name, repodef_ref_valid(cases[i].ref, why,
		    sizeof(why)) == cases[i].ok, "wrong answer");
	}
}

static void
test_paths(void)
{
	static const struct {
		const char *in, *want;	/* want NULL: refused */
	} cases[] = {
		{"flows", "flows/"}, {"flows/", "flows/"},
		{"./a//b/./c", "a/b/c/"}, {"", "./"}, {".", "./"},
		{"my flows/x", "my flows/x/"},
		{"/etc", NULL}, {"..", NULL}, {"a/../..", NULL}, {"-x", NULL},
		{"a/-x", NULL}, {"a\\b", NULL}, {"a\tb", NULL},
	};
	char why[256], name[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = repodef_path_normalise(cases[i].in, why,
		    sizeof(why));

		snprintf(name, sizeof(name), "path_\"%s\"", cases[i].in);
		checkf(name, cases[i].want ? got && !strcmp(got,
		    cases[i].want) : got == NULL, "got %s", got ? got : "NULL");
		free(got);
	}
}

/* One repodef_parse case: body, the status wanted, what else to check. */
static void
parse_case(const char *name, const char *text, enum sl_status want,
    int (*ok)(const struct repodef *, const char *why))
{
	struct json_object *body;
	struct repodef d;
	enum sl_status s;
	char why[256] = "";

	body = jsonx_parse(text, strlen(text), why, sizeof(why));
	s = repodef_parse(body, &d, why, sizeof(why));
	checkf(name, s == want && ok(&d, why), "status %d: %s", s, why);
	repodef_fini(&d);
	json_object_put(body);
}

static int
defaults_and_secrets(const struct repodef *d, const char *why)
{
	(void)why;
	return !strcmp(d->ref, "main") && !strcmp(d->path, "flows/") &&
	    d->interval_s == 60 && !strcmp(d->env, "{}") &&
	    d->secret[REPODEF_WEBHOOK_SECRET].how == REPODEF_CLEAR &&
	    d->secret[REPODEF_TOKEN].how == REPODEF_SET &&
	    !strcmp(d->secret[REPODEF_TOKEN].value, "t") &&
	    d->secret[REPODEF_SSH_KEY].how == REPODEF_KEEP;
}

static int
no_polling_with_env(const struct repodef *d, const char *why)
{
	(void)why;
	return d->interval_s == 0 && strstr(d->env, "PIP_NO_INDEX") != NULL;
}

static int
names_env(const struct repodef *d, const char *why)
{
	(void)d;
	return strncmp(why, "env:", 4) == 0;
}

static int
says_url_required(const struct repodef *d, const char *why)
{
	(void)d;
	return strcmp(why, "url: required") == 0;
}

static void
test_parse(void)
{
	parse_case("parse_defaults_and_secret_changes", "{\"url\": \"/x.git\", "
	    "\"token\": \"t\", \"webhook_secret\": null}", SL_OK,
	    defaults_and_secrets);
	parse_case("parse_interval_0_and_env", "{\"url\": \"/x.git\", "
	    "\"interval_s\": 0, \"env\": {\"PIP_NO_INDEX\": \"1\"}}", SL_OK,
	    no_polling_with_env);
	parse_case("parse_names_env", "{\"url\": \"/x.git\", \"env\": "
	    "{\"PATH\": \"/\"}}", SL_INVALID, names_env);
	parse_case("parse_url_required", "{\"ref\": \"main\"}", SL_INVALID,
	    says_url_required);
}

int
main(void)
{
	test_urls();
	test_refs();
	test_paths();
	test_parse();
	return check_status();
}
