/*
 * test_flowdef.c: flow-definition validation, parameter binding and
 * argv rendering (lib/flowdef.c). Runs every golden file in tests/data
 * (NAME.json must normalise to NAME.expected and validate to itself
 * again; NAME.bad.json must be refused with the message in
 * NAME.bad.expected), then one table case per refusal rule. Reports
 * through check.h: one line per case, exit 1 if any failed.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "flowdef.h"
#include "json.h"
#include "xalloc.h"

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct json_object *
parse(const char *text)
{
	char why[256];
	struct json_object *o = jsonx_parse(text, strlen(text), why,
	    sizeof(why));

	if (o == NULL)
		fprintf(stderr, "test input does not parse: %s: %s\n", why,
		    text);
	return o;
}

/* Finds tests/data from SLUICE_ROOT or by walking up from the binary. */
static char *
data_dir(const char *argv0)
{
	const char *root = getenv("SLUICE_ROOT");
	char buf[PATH_MAX], *p;
	struct stat st;

	if (root != NULL) {
		snprintf(buf, sizeof(buf), "%s/tests/data", root);
		if (stat(buf, &st) == 0)
			return xstrdup(buf);
	}
	if (realpath(argv0, buf) == NULL)
		return NULL;
	while ((p = strrchr(buf, '/')) != NULL) {
		char try[PATH_MAX + 16];

		*p = '\0';
		snprintf(try, sizeof(try), "%s/tests/data", buf);
		if (stat(try, &st) == 0 && S_ISDIR(st.st_mode))
			return xstrdup(try);
	}
	return NULL;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
golden_good(const char *dir, const char *file)
{
	char name[300], path[PATH_MAX], why[512] = "";
	char *in_text = NULL, *exp_text = NULL;
	struct json_object *in = NULL, *exp = NULL, *got = NULL, *again = NULL;
	size_t base = strlen(file) - 5;

	snprintf(name, sizeof(name), "golden_%.*s", (int)base, file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	in_text = read_text(path);
	snprintf(path, sizeof(path), "%s/%.*s.expected", dir, (int)base, file);
	exp_text = read_text(path);
	if (in_text == NULL || exp_text == NULL) {
		checkf(name, 0, "cannot read %s", path);
		goto out;
	}
	if ((in = parse(in_text)) == NULL || (exp = parse(exp_text)) == NULL) {
		checkf(name, 0, "%s", "golden file is not JSON");
		goto out;
	}
	if ((got = flowdef_validate(in, why, sizeof(why))) == NULL) {
		checkf(name, 0, "refused: %s", why);
		goto out;
	}
	if (!json_object_equal(got, exp)) {
		checkf(name, 0, "got %s", jsonx_text(got));
		goto out;
	}
	/* A normalised definition must validate to itself. */
	if ((again = flowdef_validate(got, why, sizeof(why))) == NULL ||
	    !json_object_equal(again, got)) {
		checkf(name, 0, "not idempotent: %s",
		    again ? jsonx_text(again) : why);
		goto out;
	}
	if (strcmp(jsonx_text(again), jsonx_text(got)) != 0) {
		checkf(name, 0, "key order changed: %s", jsonx_text(again));
		goto out;
	}
	check(name, 1, NULL);
out:
	json_object_put(in);
	json_object_put(exp);
	json_object_put(got);
	json_object_put(again);
	free(in_text);
	free(exp_text);
}

static void
golden_bad(const char *dir, const char *file)
{
	char name[300], path[PATH_MAX], why[512] = "";
	char *in_text = NULL, *exp_text = NULL, *nl;
	struct json_object *in = NULL, *got = NULL;
	size_t base = strlen(file) - 9;

	snprintf(name, sizeof(name), "golden_%.*s.bad", (int)base, file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	in_text = read_text(path);
	snprintf(path, sizeof(path), "%s/%.*s.bad.expected", dir, (int)base,
	    file);
	exp_text = read_text(path);
	if (in_text == NULL || exp_text == NULL) {
		checkf(name, 0, "cannot read %s", path);
		goto out;
	}
	if ((nl = strchr(exp_text, '\n')) != NULL)
		*nl = '\0';
	if ((in = parse(in_text)) == NULL) {
		checkf(name, 0, "%s", "golden file is not JSON");
		goto out;
	}
	if ((got = flowdef_validate(in, why, sizeof(why))) != NULL) {
		checkf(name, 0, "accepted: %s", jsonx_text(got));
		goto out;
	}
	if (strstr(why, exp_text) == NULL) {
		checkf(name, 0, "wrong message: %s", why);
		goto out;
	}
	check(name, 1, NULL);
out:
	json_object_put(in);
	json_object_put(got);
	free(in_text);
	free(exp_text);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
run_golden(const char *argv0)
{
	char *dir = data_dir(argv0);
	struct dirent **list = NULL;
	int n, i, count = 0;

	if (dir == NULL || (n = scandir(dir, &list, NULL, by_name)) < 0) {
		checkf("golden_dir", 0, "%s", "tests/data not found");
		free(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *f = list[i]->d_name;

		if (ends_with(f, ".bad.json")) {
			golden_bad(dir, f);
			count++;
		} else if (ends_with(f, ".json")) {
			golden_good(dir, f);
			count++;
		}
		free(list[i]);
	}
	free(list);
	checkf("golden_count", count >= 10, "%s", "too few golden files");
	free(dir);
}

/* --- table cases ------------------------------------------------------ */

/* A task list that is valid, to append to top-level cases. */
#define T1 "\"tasks\": [{\"name\": \"a\", \"command\": [\"a\"]}]"
/* Wraps task fields into a one-task definition. */
#define TASK(fields) "{\"name\": \"x\", \"tasks\": [{\"name\": \"a\", " \
    "\"command\": [\"a\"]" fields "}]}"
#define TASK2(fields) "{\"name\": \"x\", \"tasks\": [{\"name\": \"a\", " \
    "\"command\": [\"a\"]}, {\"name\": \"b\", \"command\": [\"b\"]" \
    fields "}]}"

static const struct {
	const char	*name;
	const char	*def;
	const char	*msg;		/* NULL: must be accepted */
} cases[] = {
	{ "top_not_object", "[1]", "definition: must be a JSON object" },
	{ "top_unknown_key", "{\"name\": \"x\", \"extra\": 1, " T1 "}",
	    "extra: unknown field" },
	{ "name_missing", "{" T1 "}", "name: required" },
	{ "name_not_string", "{\"name\": 5, " T1 "}",
	    "name: must be a string" },
	{ "name_uppercase", "{\"name\": \"Etl\", " T1 "}",
	    "name: \"Etl\" must match" },
	{ "name_leading_dot", "{\"name\": \".x\", " T1 "}",
	    "name: \".x\" must match" },
	{ "name_slash", "{\"name\": \"a/b\", " T1 "}",
	    "name: \"a/b\" must match" },
	{ "name_65_chars", "{\"name\": \"a123456789012345678901234567890123"
	    "4567890123456789012345678901234\", " T1 "}", "name: " },
	{ "name_64_chars", "{\"name\": \"a12345678901234567890123456789012345"
	    "678901234567890123456789012\", " T1 "}", NULL },
	{ "description_not_string", "{\"name\": \"x\", \"description\": [], "
	    T1 "}", "description: must be a string" },
	{ "parameters_not_object", "{\"name\": \"x\", \"parameters\": [], "
	    T1 "}", "parameters: must be a JSON object" },
	{ "param_bad_name", "{\"name\": \"x\", \"parameters\": {\"1x\": "
	    "{\"type\": \"string\"}}, " T1 "}", "parameters.1x: a parameter "
	    "name must match" },
	{ "param_dash_name", "{\"name\": \"x\", \"parameters\": {\"a-b\": "
	    "{\"type\": \"string\"}}, " T1 "}", "parameters.a-b: " },
	{ "param_not_object", "{\"name\": \"x\", \"parameters\": {\"p\": "
	    "\"string\"}, " T1 "}", "parameters.p: must be a JSON object" },
	{ "param_unknown_key", "{\"name\": \"x\", \"parameters\": {\"p\": "
	    "{\"type\": \"string\", \"choices\": []}}, " T1 "}",
	    "parameters.p.choices: unknown field" },
	{ "param_type_missing", "{\"name\": \"x\", \"parameters\": {\"p\": "
	    "{\"default\": \"a\"}}, " T1 "}", "parameters.p.type: required" },
	{ "param_type_unknown", "{\"name\": \"x\", \"parameters\": {\"p\": "
	    "{\"type\": \"float\"}}, " T1 "}", "parameters.p.type: must be "
	    "\"string\", \"integer\", \"number\" or \"boolean\", "
	    "not \"float\"" },
	{ "param_string_default_int", "{\"name\": \"x\", \"parameters\": "
	    "{\"p\": {\"type\": \"string\", \"default\": 1}}, " T1 "}",
	    "parameters.p.default: must be a string" },
	{ "param_integer_default_double", "{\"name\": \"x\", \"parameters\": "
	    "{\"p\": {\"type\": \"integer\", \"default\": 1.0}}, " T1 "}",
	    "parameters.p.default: must be an integer" },
	{ "param_number_default_string", "{\"name\": \"x\", \"parameters\": "
	    "{\"p\": {\"type\": \"number\", \"default\": \"1\"}}, " T1 "}",
	    "parameters.p.default: must be a number" },
	{ "param_boolean_default_int", "{\"name\": \"x\", \"parameters\": "
	    "{\"p\": {\"type\": \"boolean\", \"default\": 0}}, " T1 "}",
	    "parameters.p.default: must be a boolean" },
	{ "param_description_not_string", "{\"name\": \"x\", \"parameters\": "
	    "{\"p\": {\"type\": \"boolean\", \"description\": 1}}, " T1 "}",
	    "parameters.p.description: must be a string" },
	{ "schedule_not_object", "{\"name\": \"x\", \"schedule\": \"0 * * * "
	    "*\", " T1 "}", "schedule: must be a JSON object" },
	{ "schedule_unknown_key", "{\"name\": \"x\", \"schedule\": {\"cron\": "
	    "\"@daily\", \"tz\": \"UTC\"}, " T1 "}",
	    "schedule.tz: unknown field" },
	{ "schedule_cron_missing", "{\"name\": \"x\", \"schedule\": "
	    "{\"timezone\": \"UTC\"}, " T1 "}", "schedule.cron: required" },
	{ "schedule_cron_fields", "{\"name\": \"x\", \"schedule\": {\"cron\": "
	    "\"0 6 * *\"}, " T1 "}", "schedule.cron: a cron expression has 5 "
	    "fields" },
	{ "schedule_cron_not_string", "{\"name\": \"x\", \"schedule\": "
	    "{\"cron\": 5}, " T1 "}", "schedule.cron: must be a string" },
	{ "schedule_timezone_unknown", "{\"name\": \"x\", \"schedule\": "
	    "{\"cron\": \"@daily\", \"timezone\": \"Mars/Olympus\"}, " T1 "}",
	    "schedule.timezone: unknown time zone \"Mars/Olympus\"" },
	{ "schedule_timezone_traversal", "{\"name\": \"x\", \"schedule\": "
	    "{\"cron\": \"@daily\", \"timezone\": \"../../etc/passwd\"}, " T1
	    "}", "schedule.timezone: invalid time zone name" },
	{ "schedule_timezone_absolute", "{\"name\": \"x\", \"schedule\": "
	    "{\"cron\": \"@daily\", \"timezone\": \"/etc/localtime\"}, " T1
	    "}", "schedule.timezone: invalid time zone name" },
	{ "schedule_catchup_not_bool", "{\"name\": \"x\", \"schedule\": "
	    "{\"cron\": \"@daily\", \"catchup\": 1}, " T1 "}",
	    "schedule.catchup: must be true or false" },
	{ "schedule_lateness_negative", "{\"name\": \"x\", \"schedule\": "
	    "{\"cron\": \"@daily\", \"max_lateness_s\": -1}, " T1 "}",
	    "schedule.max_lateness_s: must be from 0" },
	{ "pool_bad", "{\"name\": \"x\", \"pool\": \"GPU pool\", " T1 "}",
	    "pool: \"GPU pool\" must match" },
	{ "max_runs_zero", "{\"name\": \"x\", \"max_concurrent_runs\": 0, "
	    T1 "}", "max_concurrent_runs: must be from 1 to 1000, not 0" },
	{ "max_runs_1001", "{\"name\": \"x\", \"max_concurrent_runs\": 1001, "
	    T1 "}", "max_concurrent_runs: must be from 1 to 1000, not 1001" },
	{ "max_runs_string", "{\"name\": \"x\", \"max_concurrent_runs\": "
	    "\"2\", " T1 "}", "max_concurrent_runs: must be an integer" },
	{ "max_runs_double", "{\"name\": \"x\", \"max_concurrent_runs\": 2.0, "
	    T1 "}", "max_concurrent_runs: must be an integer" },
	{ "timeout_zero", "{\"name\": \"x\", \"timeout_s\": 0, " T1 "}",
	    "timeout_s: must be from 1 to 604800" },
	{ "timeout_too_big", "{\"name\": \"x\", \"timeout_s\": 604801, " T1
	    "}", "timeout_s: must be from 1 to 604800" },
	{ "notify_not_object", "{\"name\": \"x\", \"notify\": true, " T1 "}",
	    "notify: must be a JSON object" },
	{ "notify_unknown_key", "{\"name\": \"x\", \"notify\": {\"webhook\": "
	    "\"https://h\", \"email\": \"a@b\"}, " T1 "}",
	    "notify.email: unknown field" },
	{ "notify_webhook_missing", "{\"name\": \"x\", \"notify\": {\"on\": "
	    "[\"FAILED\"]}, " T1 "}", "notify.webhook: required" },
	{ "notify_webhook_ftp", "{\"name\": \"x\", \"notify\": {\"webhook\": "
	    "\"ftp://h/x\"}, " T1 "}", "notify.webhook: must be an http:// or "
	    "https:// URL" },
	{ "notify_webhook_space", "{\"name\": \"x\", \"notify\": {\"webhook\": "
	    "\"https://h/a b\"}, " T1 "}", "notify.webhook: must be an http" },
	{ "notify_webhook_no_host", "{\"name\": \"x\", \"notify\": "
	    "{\"webhook\": \"https:///x\"}, " T1 "}",
	    "notify.webhook: must be an http" },
	{ "notify_on_empty", "{\"name\": \"x\", \"notify\": {\"on\": [], "
	    "\"webhook\": \"https://h\"}, " T1 "}",
	    "notify.on: must be a non-empty array" },
	{ "notify_on_not_final", "{\"name\": \"x\", \"notify\": {\"on\": "
	    "[\"RUNNING\"], \"webhook\": \"https://h\"}, " T1 "}",
	    "notify.on[0]: \"RUNNING\" is not a final run state" },
	{ "notify_on_unknown", "{\"name\": \"x\", \"notify\": {\"on\": "
	    "[\"FAILED\", \"failed\"], \"webhook\": \"https://h\"}, " T1 "}",
	    "notify.on[1]: \"failed\" is not a final run state" },
	{ "notify_on_twice", "{\"name\": \"x\", \"notify\": {\"on\": "
	    "[\"FAILED\", \"FAILED\"], \"webhook\": \"https://h\"}, " T1 "}",
	    "notify.on[1]: \"FAILED\" is listed twice" },
	{ "tasks_missing", "{\"name\": \"x\"}", "tasks: required" },
	{ "tasks_not_array", "{\"name\": \"x\", \"tasks\": {}}",
	    "tasks: must be a non-empty array" },
	{ "tasks_empty", "{\"name\": \"x\", \"tasks\": []}",
	    "tasks: must be a non-empty array" },
	{ "task_not_object", "{\"name\": \"x\", \"tasks\": [\"a\"]}",
	    "tasks[0]: must be a JSON object" },
	{ "task_unknown_key", TASK(", \"cmd\": [\"a\"]"),
	    "tasks[0].cmd: unknown field" },
	{ "task_name_missing", "{\"name\": \"x\", \"tasks\": [{\"command\": "
	    "[\"a\"]}]}", "tasks[0].name: required" },
	{ "task_name_bad", "{\"name\": \"x\", \"tasks\": [{\"name\": \"A\", "
	    "\"command\": [\"a\"]}]}", "tasks[0].name: \"A\" must match" },
	{ "task_command_missing", "{\"name\": \"x\", \"tasks\": [{\"name\": "
	    "\"a\"}]}", "tasks[0].command: required" },
	{ "task_command_string", "{\"name\": \"x\", \"tasks\": [{\"name\": "
	    "\"a\", \"command\": \"echo hi\"}]}", "tasks[0].command: must be "
	    "an array of strings, not a string; use an argv array, e.g. "
	    "[\"sh\", \"-c\"" },
	{ "task_command_empty", "{\"name\": \"x\", \"tasks\": [{\"name\": "
	    "\"a\", \"command\": []}]}", "tasks[0].command: must be a "
	    "non-empty array of strings" },
	{ "task_command_number", "{\"name\": \"x\", \"tasks\": [{\"name\": "
	    "\"a\", \"command\": [\"sleep\", 5]}]}",
	    "tasks[0].command[1]: must be a string" },
	{ "task_command_empty_program", "{\"name\": \"x\", \"tasks\": "
	    "[{\"name\": \"a\", \"command\": [\"\"]}]}",
	    "tasks[0].command[0]: must not be empty" },
	{ "task_command_nul", "{\"name\": \"x\", \"tasks\": [{\"name\": "
	    "\"a\", \"command\": [\"a\", \"b\\u0000c\"]}]}",
	    "tasks[0].command[1]: must not contain NUL" },
	{ "task_command_template_malformed", "{\"name\": \"x\", \"tasks\": "
	    "[{\"name\": \"a\", \"command\": [\"a\", \"{{params.}}\"]}]}",
	    "tasks[0].command[1]: malformed parameter reference" },
	{ "task_command_template_unclosed", "{\"name\": \"x\", \"parameters\": "
	    "{\"p\": {\"type\": \"string\"}}, \"tasks\": [{\"name\": \"a\", "
	    "\"command\": [\"a\", \"{{params.p\"]}]}",
	    "tasks[0].command[1]: malformed parameter reference" },
	{ "task_command_template_undeclared", "{\"name\": \"x\", \"tasks\": "
	    "[{\"name\": \"a\", \"command\": [\"a\", \"x{{params.p}}\"]}]}",
	    "tasks[0].command[1]: {{params.p}} names no declared parameter" },
	{ "task_command_other_braces_kept", "{\"name\": \"x\", \"tasks\": "
	    "[{\"name\": \"a\", \"command\": [\"awk\", \"{{print}}\"]}]}",
	    NULL },
	{ "task_workdir_relative_inside_repo", TASK(", \"workdir\": \"srv/x\""),
	    NULL },
	{ "task_workdir_relative_climbing_out",
	    TASK(", \"workdir\": \"srv/../../x\""),
	    "tasks[0].workdir: a relative path must stay inside" },
	{ "task_workdir_not_string", TASK(", \"workdir\": 1"),
	    "tasks[0].workdir: must be a string" },
	{ "task_env_not_object", TASK(", \"env\": [\"A=1\"]"),
	    "tasks[0].env: must be an object" },
	{ "task_env_bad_name", TASK(", \"env\": {\"1A\": \"x\"}"),
	    "tasks[0].env.1A: a variable name must match" },
	{ "task_env_dash_name", TASK(", \"env\": {\"A-B\": \"x\"}"),
	    "tasks[0].env.A-B: a variable name must match" },
	{ "task_env_sluice", TASK(", \"env\": {\"SLUICE_PARAMS\": \"{}\"}"),
	    "tasks[0].env.SLUICE_PARAMS: SLUICE_* variables are set by "
	    "Sluice and cannot be overridden" },
	{ "task_env_value_number", TASK(", \"env\": {\"N\": 1}"),
	    "tasks[0].env.N: must be a string" },
	{ "task_retries_negative", TASK(", \"retries\": -1"),
	    "tasks[0].retries: must be from 0 to 100, not -1" },
	{ "task_retries_101", TASK(", \"retries\": 101"),
	    "tasks[0].retries: must be from 0 to 100, not 101" },
	{ "task_retry_delay_big", TASK(", \"retry_delay_s\": 86401"),
	    "tasks[0].retry_delay_s: must be from 0 to 86400" },
	{ "task_backoff_small", TASK(", \"retry_backoff\": 0.5"),
	    "tasks[0].retry_backoff: must be a number from 1.0 to 10.0" },
	{ "task_backoff_big", TASK(", \"retry_backoff\": 10.5"),
	    "tasks[0].retry_backoff: must be a number from 1.0 to 10.0" },
	{ "task_backoff_string", TASK(", \"retry_backoff\": \"2\""),
	    "tasks[0].retry_backoff: must be a number" },
	{ "task_jitter_big", TASK(", \"retry_jitter_s\": 3601"),
	    "tasks[0].retry_jitter_s: must be from 0 to 3600" },
	{ "task_timeout_zero", TASK(", \"timeout_s\": 0"),
	    "tasks[0].timeout_s: must be from 1 to 604800" },
	{ "task_timeout_double", TASK(", \"timeout_s\": 1.5"),
	    "tasks[0].timeout_s: must be an integer" },
	{ "task_depends_not_array", TASK2(", \"depends_on\": \"a\""),
	    "tasks[1].depends_on: must be an array of task names" },
	{ "task_depends_not_string", TASK2(", \"depends_on\": [1]"),
	    "tasks[1].depends_on[0]: must be a string" },
	{ "task_depends_self", TASK2(", \"depends_on\": [\"b\"]"),
	    "tasks[1].depends_on[0]: a task cannot depend on itself" },
	{ "task_depends_unknown", TASK2(", \"depends_on\": [\"a\", \"c\"]"),
	    "tasks[1].depends_on[1]: no task named \"c\"" },
	{ "task_depends_twice", TASK2(", \"depends_on\": [\"a\", \"a\"]"),
	    "tasks[1].depends_on[1]: \"a\" is listed twice" },
	{ "task_depends_cycle_two", "{\"name\": \"x\", \"tasks\": [{\"name\": "
	    "\"a\", \"command\": [\"a\"], \"depends_on\": [\"b\"]}, {\"name\": "
	    "\"b\", \"command\": [\"b\"], \"depends_on\": [\"a\"]}]}",
	    "tasks: dependency cycle a -> b -> a" },
	{ "task_depends_ok", TASK2(", \"depends_on\": [\"a\"]"), NULL },
	{ "nulls_mean_absent", "{\"name\": \"x\", \"description\": null, "
	    "\"schedule\": null, \"notify\": null, \"pool\": null, "
	    "\"timeout_s\": null, " T1 "}", NULL },
};

static void
run_table(void)
{
	char why[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *in = parse(cases[i].def), *got = NULL;

		why[0] = '\0';
		if (in == NULL) {
			checkf(cases[i].name, 0, "%s", "bad test input");
			continue;
		}
		got = flowdef_validate(in, why, sizeof(why));
		if (cases[i].msg == NULL)
			checkf(cases[i].name, got != NULL, "refused: %s", why);
		else if (got != NULL)
			checkf(cases[i].name, 0, "accepted: %s",
			    jsonx_text(got));
		else
			checkf(cases[i].name, strstr(why, cases[i].msg) != NULL,
			    "wrong message: %s", why);
		json_object_put(got);
		json_object_put(in);
	}
}

/* A flow stored through the API (no repository) needs absolute workdirs. */
static void
test_workdirs_absolute(void)
{
	struct json_object *in = parse(TASK(", \"workdir\": \"srv\"")), *got;
	char why[512] = "";

	got = flowdef_validate(in, why, sizeof(why));
	checkf("workdir_relative_refused_outside_repo", got != NULL &&
	    flowdef_workdirs_absolute(got, why, sizeof(why)) == -1 &&
	    strstr(why, "tasks[0].workdir: must be an absolute path") != NULL,
	    "got: %s", why);
	json_object_put(got);
	json_object_put(in);
}

/* Task names must be unique within a flow. */
static void
test_duplicate_task(void)
{
	const char *def = "{\"name\": \"x\", \"tasks\": [{\"name\": \"a\", "
	    "\"command\": [\"a\"]}, {\"name\": \"a\", \"command\": [\"b\"]}]}";
	struct json_object *in = parse(def), *got;
	char why[512] = "";

	got = flowdef_validate(in, why, sizeof(why));
	checkf("task_name_unique", got == NULL && strstr(why, "tasks[1].name: "
	    "another task is already named \"a\"") != NULL, "got: %s", why);
	json_object_put(got);
	json_object_put(in);
}

/* --- parameter binding and rendering ---------------------------------- */

static const char bind_def[] = "{\"name\": \"x\", \"parameters\": {"
    "\"city\": {\"type\": \"string\", \"default\": \"Leiden\"},"
    "\"n\": {\"type\": \"integer\", \"default\": 3},"
    "\"ratio\": {\"type\": \"number\", \"default\": 0.5},"
    "\"dry\": {\"type\": \"boolean\", \"default\": false},"
    "\"day\": {\"type\": \"string\"}}, " T1 "}";

static const struct {
	const char	*name;
	const char	*given;		/* NULL: no parameters given */
	const char	*expect;	/* bound JSON, or NULL when refused */
	const char	*msg;
} binds[] = {
	{ "bind_required_missing", NULL, NULL,
	    "parameters.day: required (it has no default)" },
	{ "bind_defaults", "{\"day\": \"2026-03-29\"}",
	    "{\"city\": \"Leiden\", \"n\": 3, \"ratio\": 0.5, "
	    "\"dry\": false, \"day\": \"2026-03-29\"}", NULL },
	{ "bind_all_given", "{\"day\": \"d\", \"city\": \"Delft\", "
	    "\"n\": -7, \"ratio\": 2.25, \"dry\": true}",
	    "{\"city\": \"Delft\", \"n\": -7, \"ratio\": 2.25, "
	    "\"dry\": true, \"day\": \"d\"}", NULL },
	{ "bind_integer_for_number", "{\"day\": \"d\", \"ratio\": 2}",
	    "{\"city\": \"Leiden\", \"n\": 3, \"ratio\": 2, \"dry\": false, "
	    "\"day\": \"d\"}", NULL },
	{ "bind_number_for_integer", "{\"day\": \"d\", \"n\": 2.5}", NULL,
	    "parameters.n: must be an integer" },
	{ "bind_string_for_integer", "{\"day\": \"d\", \"n\": \"2\"}", NULL,
	    "parameters.n: must be an integer" },
	{ "bind_int_for_boolean", "{\"day\": \"d\", \"dry\": 1}", NULL,
	    "parameters.dry: must be a boolean" },
	{ "bind_number_for_string", "{\"day\": 20260329}", NULL,
	    "parameters.day: must be a string" },
	{ "bind_unknown", "{\"day\": \"d\", \"cty\": \"x\"}", NULL,
	    "parameters.cty: the flow has no such parameter" },
	{ "bind_null_takes_default", "{\"day\": \"d\", \"city\": null}",
	    "{\"city\": \"Leiden\", \"n\": 3, \"ratio\": 0.5, \"dry\": false, "
	    "\"day\": \"d\"}", NULL },
	{ "bind_not_object", "[\"d\"]", NULL,
	    "parameters: must be a JSON object" },
};

static void
run_bind(void)
{
	struct json_object *src = parse(bind_def), *def;
	char why[512];

	def = flowdef_validate(src, why, sizeof(why));
	if (def == NULL) {
		checkf("bind_def", 0, "refused: %s", why);
		json_object_put(src);
		return;
	}
	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		struct json_object *given = binds[i].given ?
		    parse(binds[i].given) : NULL, *out = NULL, *exp = NULL;
		enum sl_status r;

		why[0] = '\0';
		r = flowdef_bind_params(def, given, &out, why, sizeof(why));
		if (binds[i].expect != NULL) {
			exp = parse(binds[i].expect);
			if (r != SL_OK)
				checkf(binds[i].name, 0, "refused: %s", why);
			else if (!json_object_equal(out, exp) ||
			    strcmp(jsonx_text(out), jsonx_text(exp)) != 0)
				checkf(binds[i].name, 0, "got %s",
				    jsonx_text(out));
			else
				check(binds[i].name, 1, NULL);
		} else if (r == SL_OK) {
			checkf(binds[i].name, 0, "accepted: %s",
			    jsonx_text(out));
		} else {
			checkf(binds[i].name, out == NULL &&
			    strstr(why, binds[i].msg) != NULL,
			    "wrong message: %s", why);
		}
		json_object_put(out);
		json_object_put(exp);
		json_object_put(given);
	}
	json_object_put(def);
	json_object_put(src);
}

static const struct {
	const char	*name;
	const char	*arg;
	const char	*expect;	/* NULL: refused */
} renders[] = {
	{ "render_plain", "--verbose", "--verbose" },
	{ "render_empty", "", "" },
	{ "render_string", "{{params.city}}", "Den Haag" },
	{ "render_embedded", "--city={{params.city}}!", "--city=Den Haag!" },
	{ "render_blanks", "{{ params.city }}", "Den Haag" },
	{ "render_integer", "n={{params.n}}", "n=-3" },
	{ "render_number", "{{params.ratio}}", "0.25" },
	{ "render_boolean", "{{params.dry}}/{{params.wet}}", "true/false" },
	{ "render_several", "{{params.n}}{{params.n}}:{{params.city}}",
	    "-3-3:Den Haag" },
	{ "render_not_recursive", "{{params.tpl}}", "{{params.n}}" },
	{ "render_other_braces", "{{print $1}} {{params.n}} }}{{",
	    "{{print $1}} -3 }}{{" },
	{ "render_unknown", "{{params.nope}}", NULL },
	{ "render_malformed", "{{params.city", NULL },
};

static void
run_render(void)
{
	struct json_object *params = parse("{\"city\": \"Den Haag\", \"n\": -3,"
	    " \"ratio\": 0.25, \"dry\": true, \"wet\": false, \"tpl\": "
	    "\"{{params.n}}\"}");
	char why[512];

	for (size_t i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		char *got;

		why[0] = '\0';
		got = flowdef_render_arg(renders[i].arg, params, why,
		    sizeof(why));
		if (renders[i].expect == NULL)
			checkf(renders[i].name, got == NULL && why[0] != '\0',
			    "accepted: %s", got);
		else if (got == NULL)
			checkf(renders[i].name, 0, "refused: %s", why);
		else
			checkf(renders[i].name, strcmp(got,
			    renders[i].expect) == 0, "got \"%s\"", got);
		free(got);
	}
	json_object_put(params);
}

static void
test_name_valid(void)
{
	checkf("name_valid", flowdef_name_valid("a") &&
	    flowdef_name_valid("0etl.v2_x-y") && !flowdef_name_valid("") &&
	    !flowdef_name_valid(NULL) && !flowdef_name_valid("-a") &&
	    !flowdef_name_valid("_a") && !flowdef_name_valid("a b") &&
	    !flowdef_name_valid("a\xc3\xa9"), "%s", "");
}

int
main(int argc, char **argv)
{
	(void)argc;
	run_golden(argv[0]);
	run_table();
	test_duplicate_task();
	test_workdirs_absolute();
	run_bind();
	run_render();
	test_name_valid();
	return check_status();
}
