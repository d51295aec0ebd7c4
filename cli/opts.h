/*
 * opts.h: the one command-line parser of sluicectl's commands (see
 * opts.c): each command describes its options in a table.
 */
#ifndef SLUICE_CLI_OPTS_H
#define SLUICE_CLI_OPTS_H

#include "cli.h"
#include "status.h"

enum cli_opt_kind {
	CLI_OPT_FLAG,		/* to is an int *, set to 1 */
	CLI_OPT_VALUE,		/* to is a const char **, the last value */
	CLI_OPT_LIST		/* to is a struct cli_list *, every value */
};

/* One option of a command: --name VALUE, --name=VALUE or -x VALUE. */
struct cli_opt {
	const char *name;	/* the long name without "--" */
	char letter;		/* the short name, or 0 for none; never
				   h or k (every command's, see below) */
	enum cli_opt_kind kind;
	void *to;		/* where the value goes, by kind */
};

/* The values of a repeatable option, in command-line order. */
struct cli_list {
	const char **v;		/* borrowed from argv; the array is freed
				   with cli_list_fini */
	int n;
};

/* What a command accepts. Every command also takes --help/-h and
 * --insecure/-k (the global option, repeated after the command). */
struct cli_syntax {
	const char *usage;		/* for --help and usage errors */
	const struct cli_opt *opts;	/* ends with a NULL name */
	int min_args, max_args;		/* positional arguments */
	int options_first;		/* options end at the first argument */
};

/* The command line once parsed. */
struct cli_args {
	int help;	/* --help was given (the usage is printed) */
	enum cli_exit exit;	/* what to return when stopping here */
	char **args;	/* the positional arguments, borrowed from argv */
	int nargs;
};

enum sl_status cli_parse(struct cli *cli, const struct cli_syntax *syn,
    int argc, char **argv, struct cli_args *a);
void cli_list_fini(struct cli_list *l);

#endif
