/*
 * test_states.c: run and task-run state rules (lib/states.c): names and
 * parsing, terminal states, every legal and illegal move (the full
 * from x to matrix against the table below), retry rules, and deriving a
 * run's state from its tasks. One line per case; exit 1 on any failure.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "states.h"

/* The legal run moves, as DESIGN.md describes them. */
static const struct {
	enum run_state	from, to;
} run_legal[] = {
	{ RUN_SCHEDULED, RUN_PENDING },
	{ RUN_SCHEDULED, RUN_RUNNING },
	{ RUN_SCHEDULED, RUN_CANCELLED },
	{ RUN_PENDING, RUN_RUNNING },
	{ RUN_PENDING, RUN_CANCELLED },
	{ RUN_PENDING, RUN_CRASHED },
	{ RUN_PENDING, RUN_FAILED },
	{ RUN_RUNNING, RUN_CANCELLING },
	{ RUN_RUNNING, RUN_COMPLETED },
	{ RUN_RUNNING, RUN_FAILED },
	{ RUN_RUNNING, RUN_CANCELLED },
	{ RUN_RUNNING, RUN_CRASHED },
	{ RUN_CANCELLING, RUN_CANCELLED },
	{ RUN_CANCELLING, RUN_CRASHED },
	/* Explicit retries only. */
	{ RUN_FAILED, RUN_PENDING },
	{ RUN_CANCELLED, RUN_PENDING },
	{ RUN_CRASHED, RUN_PENDING },
};

static const struct {
	enum task_state	from, to;
} task_legal[] = {
	{ TASK_PENDING, TASK_RUNNING },
	{ TASK_PENDING, TASK_SKIPPED },
	{ TASK_PENDING, TASK_CANCELLED },
	{ TASK_PENDING, TASK_CRASHED },
	{ TASK_RUNNING, TASK_COMPLETED },
	{ TASK_RUNNING, TASK_FAILED },
	{ TASK_RUNNING, TASK_CANCELLED },
	{ TASK_RUNNING, TASK_CRASHED },
	{ TASK_AWAITING_RETRY, TASK_RUNNING },
	{ TASK_AWAITING_RETRY, TASK_CANCELLED },
	{ TASK_AWAITING_RETRY, TASK_SKIPPED },
	{ TASK_AWAITING_RETRY, TASK_CRASHED },
};

static void
test_names(void)
{
	int ok = 1;
	enum run_state r;
	enum task_state t;

	for (int i = 0; i < RUN_STATE_MAX; i++)
		ok &= states_run_parse(states_run_name((enum run_state)i), &r)
		    == SL_OK && r == (enum run_state)i;
	check("run_names_round_trip", ok, "a name does not parse back");
	ok = 1;
	for (int i = 0; i < TASK_STATE_MAX; i++)
		ok &= states_task_parse(states_task_name((enum task_state)i),
		    &t) == SL_OK && t == (enum task_state)i;
	check("task_names_round_trip", ok, "a name does not parse back");
	check("run_name_text", strcmp(states_run_name(RUN_CANCELLING),
	    "CANCELLING") == 0, states_run_name(RUN_CANCELLING));
	check("task_name_text", strcmp(states_task_name(TASK_AWAITING_RETRY),
	    "AWAITING_RETRY") == 0, states_task_name(TASK_AWAITING_RETRY));
	check("run_name_out_of_range", strcmp(states_run_name(RUN_STATE_MAX),
	    "UNKNOWN") == 0, "no UNKNOWN");
	check("parse_refuses_lowercase", states_run_parse("running", &r) != SL_OK
	    && states_task_parse("failed", &t) != SL_OK, "accepted");
	check("parse_refuses_unknown", states_run_parse("SKIPPED", &r) != SL_OK &&
	    states_task_parse("SCHEDULED", &t) != SL_OK &&
	    states_run_parse("", &r) != SL_OK &&
	    states_run_parse(NULL, &r) != SL_OK, "accepted");
}

static void
test_terminal(void)
{
	check("run_terminal", !states_run_terminal(RUN_SCHEDULED) &&
	    !states_run_terminal(RUN_PENDING) &&
	    !states_run_terminal(RUN_RUNNING) &&
	    !states_run_terminal(RUN_CANCELLING) &&
	    states_run_terminal(RUN_COMPLETED) &&
	    states_run_terminal(RUN_FAILED) &&
	    states_run_terminal(RUN_CANCELLED) &&
	    states_run_terminal(RUN_CRASHED), "wrong set");
	check("task_terminal", !states_task_terminal(TASK_PENDING) &&
	    !states_task_terminal(TASK_RUNNING) &&
	    !states_task_terminal(TASK_AWAITING_RETRY) &&
	    states_task_terminal(TASK_COMPLETED) &&
	    states_task_terminal(TASK_FAILED) &&
	    states_task_terminal(TASK_CANCELLED) &&
	    states_task_terminal(TASK_CRASHED) &&
	    states_task_terminal(TASK_SKIPPED), "wrong set");
	check("run_retryable", states_run_retryable(RUN_FAILED) &&
	    states_run_retryable(RUN_CANCELLED) &&
	    states_run_retryable(RUN_CRASHED) &&
	    !states_run_retryable(RUN_COMPLETED) &&
	    !states_run_retryable(RUN_RUNNING), "wrong set");
	check("task_needs_retry", states_task_needs_retry(TASK_FAILED) &&
	    states_task_needs_retry(TASK_CANCELLED) &&
	    states_task_needs_retry(TASK_CRASHED) &&
	    states_task_needs_retry(TASK_SKIPPED) &&
	    !states_task_needs_retry(TASK_COMPLETED) &&
	    !states_task_needs_retry(TASK_RUNNING), "wrong set");
	check("run_active", states_run_active(RUN_RUNNING) &&
	    states_run_active(RUN_CANCELLING) &&
	    !states_run_active(RUN_PENDING) &&
	    !states_run_active(RUN_COMPLETED), "wrong set");
	check("task_waiting", states_task_waiting(TASK_PENDING) &&
	    states_task_waiting(TASK_AWAITING_RETRY) &&
	    !states_task_waiting(TASK_RUNNING) &&
	    !states_task_waiting(TASK_FAILED), "wrong set");
}

/* Every name in an SQL state set is a state of its kind. */
static void
sql_set_names(const char *name, const char *set, int task)
{
	char buf[32];
	const char *p = set;
	int ok = set[0] == '(';
	enum run_state r;
	enum task_state t;

	while (ok && (p = strchr(p, '\'')) != NULL) {
		const char *e = strchr(p + 1, '\'');
		size_t n = e ? (size_t)(e - p - 1) : sizeof(buf);

		if (n >= sizeof(buf))
			ok = 0;
		else {
			memcpy(buf, p + 1, n);
			buf[n] = '\0';
			ok = task ? states_task_parse(buf, &t) == SL_OK :
			    states_run_parse(buf, &r) == SL_OK;
			p = e + 1;
		}
	}
	check(name, ok, set);
}

static void
test_sql_sets(void)
{
	sql_set_names("sql_run_active", STATES_SQL_RUN_ACTIVE, 0);
	sql_set_names("sql_run_terminal", STATES_SQL_RUN_TERMINAL, 0);
	sql_set_names("sql_run_retryable", STATES_SQL_RUN_RETRYABLE, 0);
	sql_set_names("sql_task_waiting", STATES_SQL_TASK_WAITING, 1);
	sql_set_names("sql_task_terminal", STATES_SQL_TASK_TERMINAL, 1);
	sql_set_names("sql_task_needs_retry", STATES_SQL_TASK_NEEDS_RETRY, 1);
	sql_set_names("sql_task_broke", STATES_SQL_TASK_BROKE, 1);
}

/* Checks every pair: legal exactly when listed. */
static void
test_moves(void)
{
	char name[96], detail[96];

	for (int f = 0; f < RUN_STATE_MAX; f++)
		for (int t = 0; t < RUN_STATE_MAX; t++) {
			int want = 0;

			for (size_t i = 0; i < sizeof(run_legal) /
			    sizeof(run_legal[0]); i++)
				want |= run_legal[i].from ==
				    (enum run_state)f && run_legal[i].to ==
				    (enum run_state)t;
			snprintf(name, sizeof(name), "run_%s_%s_%s",
			    states_run_name((enum run_state)f),
			    want ? "to" : "not_to",
			    states_run_name((enum run_state)t));
			snprintf(detail, sizeof(detail), "states_run_can says "
			    "%d", !want);
			check(name, states_run_can((enum run_state)f,
			    (enum run_state)t) == want, detail);
		}
	for (int f = 0; f < TASK_STATE_MAX; f++)
		for (int t = 0; t < TASK_STATE_MAX; t++) {
			int want = 0;

			for (size_t i = 0; i < sizeof(task_legal) /
			    sizeof(task_legal[0]); i++)
				want |= task_legal[i].from ==
				    (enum task_state)f && task_legal[i].to ==
				    (enum task_state)t;
			snprintf(name, sizeof(name), "task_%s_%s_%s",
			    states_task_name((enum task_state)f),
			    want ? "to" : "not_to",
			    states_task_name((enum task_state)t));
			snprintf(detail, sizeof(detail), "states_task_can says "
			    "%d", !want);
			check(name, states_task_can((enum task_state)f,
			    (enum task_state)t) == want, detail);
		}
	check("run_can_out_of_range", !states_run_can(RUN_STATE_MAX,
	    RUN_PENDING) && !states_run_can(RUN_RUNNING, RUN_STATE_MAX),
	    "accepted");
	check("task_can_out_of_range", !states_task_can(TASK_STATE_MAX,
	    TASK_RUNNING) && !states_task_can(TASK_RUNNING, TASK_STATE_MAX),
	    "accepted");
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
derive(const char *name, const enum task_state *latest, size_t n,
    int cancel, enum run_state want)
{
	enum run_state got = states_run_from_tasks(latest, n, cancel);
	char detail[64];

	snprintf(detail, sizeof(detail), "got %s, want %s",
	    states_run_name(got), states_run_name(want));
	check(name, got == want, detail);
}

static void
test_derive(void)
{
	static const enum task_state done[] = { TASK_COMPLETED,
	    TASK_COMPLETED };
	static const enum task_state one_running[] = { TASK_COMPLETED,
	    TASK_RUNNING, TASK_PENDING };
	static const enum task_state waiting[] = { TASK_COMPLETED,
	    TASK_AWAITING_RETRY };
	static const enum task_state failed_skipped[] = { TASK_COMPLETED,
	    TASK_FAILED, TASK_SKIPPED };
	static const enum task_state failed_running[] = { TASK_FAILED,
	    TASK_RUNNING };
	static const enum task_state crashed[] = { TASK_COMPLETED,
	    TASK_CRASHED };
	static const enum task_state failed_crashed[] = { TASK_CRASHED,
	    TASK_FAILED, TASK_CANCELLED };
	static const enum task_state crashed_cancelled[] = { TASK_CANCELLED,
	    TASK_CRASHED };
	static const enum task_state cancelled[] = { TASK_COMPLETED,
	    TASK_CANCELLED, TASK_SKIPPED };

	derive("derive_all_completed", done, N(done), 0, RUN_COMPLETED);
	derive("derive_running", one_running, N(one_running), 0, RUN_RUNNING);
	derive("derive_awaiting_retry_is_running", waiting, N(waiting), 0,
	    RUN_RUNNING);
	derive("derive_failed", failed_skipped, N(failed_skipped), 0,
	    RUN_FAILED);
	derive("derive_failed_but_still_running", failed_running,
	    N(failed_running), 0, RUN_RUNNING);
	derive("derive_crashed", crashed, N(crashed), 0, RUN_CRASHED);
	derive("derive_failed_beats_crashed", failed_crashed,
	    N(failed_crashed), 0, RUN_FAILED);
	derive("derive_crashed_beats_cancelled", crashed_cancelled,
	    N(crashed_cancelled), 0, RUN_CRASHED);
	derive("derive_cancelled", cancelled, N(cancelled), 0, RUN_CANCELLED);
	derive("derive_cancel_requested_running", one_running,
	    N(one_running), 1, RUN_CANCELLING);
	derive("derive_cancel_requested_done", failed_skipped,
	    N(failed_skipped), 1, RUN_CANCELLED);
	derive("derive_cancel_requested_completed", done, N(done), 1,
	    RUN_CANCELLED);
}

int
main(void)
{
	test_names();
	test_terminal();
	test_sql_sets();
	test_moves();
	test_derive();
	return check_status();
}
