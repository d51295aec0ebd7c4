/*
 * start.h: starting a run and what `run` and `rerun` do next (see
 * start.c).
 */
#ifndef SLUICE_CLI_START_H
#define SLUICE_CLI_START_H

#include "call.h"
#include "http.h"
#include "opts.h"
#include "status.h"

/* What to do once the run is started: the options of run and rerun. */
struct run_opts {
	int wait;	/* --wait: until it ends; exit 0 only if COMPLETED */
	int follow;	/* --follow: --wait, printing every task's log */
	int json;	/* --json: the API's reply instead of the id */
};

/* The command line of run, retry and rerun: -p arguments and what
 * follows the start. */
struct run_line {
	struct cli_list pargs;	/* release with cli_list_fini */
	struct run_opts o;
};

/* The cli_opt entries of struct run_opts o (not ending the table). */
#define RUN_OPTS(o) \
	{ "wait", 'w', CLI_OPT_FLAG, &(o).wait }, \
	{ "follow", 'f', CLI_OPT_FLAG, &(o).follow }, \
	{ "json", 'j', CLI_OPT_FLAG, &(o).json }

/* What the usage texts of run and rerun say of struct run_opts. */
#define RUN_OPTS_HELP \
    "Prints the new run's id. --wait waits for the run to end, prints\n" \
    "its end state and exits 0 only if it COMPLETED (1 otherwise).\n" \
    "--follow does the same while printing every task's log as it is\n" \
    "written, each line prefixed with the task's name (\"extract | ...\").\n" \
    "--json prints the API's reply instead of the id: the new run, or\n" \
    "with --wait the run as it ended (--json and --follow do not mix).\n"

cli_check_fn cli_run_line_check;
enum sl_status cli_run_start(struct http *h, const char *path,
    const char *body, const struct run_opts *o);

#endif
