/*
 * main.c: sluicectl's entry point: global options, the command table and
 * the overall usage text. It owns no command logic; each command lives in
 * its own cmd_*.c file. Exit codes: 0 success, 1 failure, 2 usage error.
 * Every command reads SLUICE_DATA (lib/paths.c); the HTTP commands also
 * read SLUICE_URL, SLUICE_USER and SLUICE_PASSWORD (cli/http.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define SLUICE_VERSION "0.1.0"

static const char usage_text[] =
    "usage: sluicectl [--insecure] COMMAND [ARGS]\n"
    "\n"
    "Local commands (read and write $SLUICE_DATA directly):\n"
    "  migrate                          create or upgrade sluice.db\n"
    "  user add NAME --role ROLE        add a user; password from stdin\n"
    "  user passwd NAME                 set a password from stdin\n"
    "  user role NAME ROLE              change a role\n"
    "  user del NAME                    remove a user\n"
    "  user list                        list users and roles\n"
    "  init DIR [--name FLOW]           a new flow project: a git repository\n"
    "  apply --dry-run FILE...          check flow files (no server needed)\n"
    "  run --local FILE [-p K=V]...     run a flow file here, now (no server)\n"
    "\n"
    "API commands (talk to $SLUICE_URL as $SLUICE_USER/$SLUICE_PASSWORD,\n"
    "or with ~/.netrc's login for the URL's host):\n"
    "  apply FILE...                    create or update flows\n"
    "  flows                            list flows\n"
    "  pause FLOW                       pause a flow's schedule\n"
    "  resume FLOW                      resume a flow's schedule\n"
    "  run FLOW [-p KEY=VALUE]... [--wait|--follow]   start a run\n"
    "  runs [--flow FLOW] [--state S]   list recent runs\n"
    "  logs RUN_ID TASK [--attempt N] [--follow]   print a task's log\n"
    "  cancel RUN                       cancel a run\n"
    "  retry RUN [--wait|--follow]      rerun a run's failed tasks in it\n"
    "  rerun RUN [-p KEY=VALUE]... [--wait|--follow]   a new run like RUN\n"
    "  workers                          list workers\n"
    "  workers pause|resume NAME        stop or restart a worker's claims\n"
    "  workers limit NAME N             set a worker's concurrency\n"
    "  events [--actor U] [--object O]  the audit trail\n"
    "  repo add|list|show|sync|del ...  flow repositories the server follows\n"
    "\n"
    "The API commands but apply and logs take --json: print the API's\n"
    "reply as it is. Every command takes --insecure (skip TLS checks).\n"
    "Lists print a header row and aligned columns. Roles: viewer,\n"
    "operator, admin, worker.\n"
    "`sluicectl help COMMAND` or `sluicectl COMMAND --help` shows a\n"
    "command's own usage.\n";

static const struct {
	const char *name;
	cli_command_fn *fn;
} commands[] = {
	{ "migrate", cmd_migrate },
	{ "user", cmd_user },
	{ "apply", cmd_apply },
	{ "run", cmd_run },
	{ "runs", cmd_runs },
	{ "flows", cmd_flows },
	{ "logs", cmd_logs },
	{ "init", cmd_init },
	{ "cancel", cmd_cancel },
	{ "retry", cmd_retry },
	{ "rerun", cmd_rerun },
	{ "pause", cmd_pause },
	{ "resume", cmd_resume },
	{ "workers", cmd_workers },
	{ "events", cmd_events },
	{ "repo", cmd_repo },
};

/* Prints "sluicectl: <message>" and a newline to stderr. */
void
cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("sluicectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Prints a command's usage to stderr and returns CLI_USAGE. */
enum cli_exit
cli_usage(const char *usage)
{
	fputs(usage, stderr);
	return CLI_USAGE;
}

/*
 * The exit code of a command whose work ended with s: CLI_OK for SL_OK,
 * else CLI_FAIL (the failure was printed where it happened).
 */
enum cli_exit
cli_exit_of(enum sl_status s)
{
	return s == SL_OK ? CLI_OK : CLI_FAIL;
}

/* Parses global options and runs one command; returns its exit code. */
int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("sluicectl %s\n", SLUICE_VERSION);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--insecure") == 0 ||
		    strcmp(argv[i], "-k") == 0) {
			cli.insecure = 1;
			continue;
		}
		cli_err("unknown option %s", argv[i]);
		return cli_usage(usage_text);
	}
	if (i == argc)
		return cli_usage(usage_text);
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 == argc) {
			fputs(usage_text, stdout);
			return CLI_OK;
		}
		/* `help COMMAND` is `COMMAND --help`. */
		argv[i] = argv[i + 1];
		argv[i + 1] = "--help";
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].fn(&cli, argc - i, argv + i);
	cli_err("unknown command %s", argv[i]);
	return cli_usage(usage_text);
}
