/*
 * opts.c: the one command-line parser of sluicectl's commands. A command
 * describes what it takes (struct cli_syntax: its options, how many
 * positional arguments, its usage text); this file runs getopt_long over
 * it, adds the options every command takes (--help/-h, --insecure/-k),
 * counts the arguments and prints every usage error in one wording:
 * "sluicectl: unknown option X" or "option X needs a value", then the
 * command's usage. Options and arguments may come in any order unless
 * the syntax says options come first; "--" ends the options, and a lone
 * "-" is an argument (standard input).
 */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "xalloc.h"

/* getopt_long's value for a long-only option: past every letter. */
#define LONG_ONLY_BASE 256

static const struct cli_opt common_opts[] = {
	{ "help", 'h', CLI_OPT_FLAG, NULL },
	{ "insecure", 'k', CLI_OPT_FLAG, NULL },
	{ NULL, 0, CLI_OPT_FLAG, NULL }
};

/* getopt_long's tables made from opts (both freed by the caller). */
struct getopt_tables {
	char *shortopts;
	struct option *longopts;
};

/* Counts the options of a table ending with a NULL name. */
static size_t
opts_count(const struct cli_opt *opts)
{
	size_t n = 0;

	while (opts != NULL && opts[n].name != NULL)
		n++;
	return n;
}

/* Adds opt to t as its k-th long option (a long-only one is known by k). */
static void
table_add(struct getopt_tables *t, size_t k, const struct cli_opt *opt)
{
	int arg = opt->kind == CLI_OPT_FLAG ? no_argument : required_argument;
	size_t len = strlen(t->shortopts);

	t->longopts[k].name = opt->name;
	t->longopts[k].has_arg = arg;
	t->longopts[k].flag = NULL;
	t->longopts[k].val = opt->letter ? opt->letter :
	    LONG_ONLY_BASE + (int)k;
	if (opt->letter) {
		t->shortopts[len++] = opt->letter;
		if (arg == required_argument)
			t->shortopts[len++] = ':';
		t->shortopts[len] = '\0';
	}
}

/* Builds getopt_long's tables for syn plus the common options. */
static void
tables_init(struct getopt_tables *t, const struct cli_syntax *syn)
{
	size_t n = opts_count(syn->opts), nc = opts_count(common_opts);

	t->shortopts = xcalloc(1, 3 + 2 * (n + nc) + 1);
	strcpy(t->shortopts, syn->options_first ? "+:" : ":");
	t->longopts = xcalloc(n + nc + 1, sizeof(*t->longopts));
	for (size_t i = 0; i < n; i++) {
		/* -h and -k are every command's (common_opts). */
		assert(syn->opts[i].letter != 'h' &&
		    syn->opts[i].letter != 'k');
		table_add(t, i, &syn->opts[i]);
	}
	for (size_t i = 0; i < nc; i++)
		table_add(t, n + i, &common_opts[i]);
}

static void
tables_fini(struct getopt_tables *t)
{
	free(t->shortopts);
	free(t->longopts);
}

/* The option of syn getopt_long returned as c, or NULL. */
static const struct cli_opt *
opt_of(const struct cli_syntax *syn, int c)
{
	size_t n = opts_count(syn->opts);

	if (c >= LONG_ONLY_BASE && (size_t)(c - LONG_ONLY_BASE) < n)
		return &syn->opts[c - LONG_ONLY_BASE];
	for (size_t i = 0; i < n; i++)
		if (syn->opts[i].letter != 0 && syn->opts[i].letter == c)
			return &syn->opts[i];
	return NULL;
}

/* Stores value (NULL for a flag) where opt says. */
static void
opt_store(const struct cli_opt *opt, const char *value, int argc)
{
	struct cli_list *l;

	switch (opt->kind) {
	case CLI_OPT_FLAG:
		*(int *)opt->to = 1;
		break;
	case CLI_OPT_VALUE:
		*(const char **)opt->to = value;
		break;
	case CLI_OPT_LIST:
		l = opt->to;
		if (l->v == NULL)
			l->v = xcalloc((size_t)argc, sizeof(*l->v));
		l->v[l->n++] = value;
		break;
	}
}

/* Releases the array of l's values (the values are argv's). */
void
cli_list_fini(struct cli_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * Prints what getopt_long refused, by the name the user typed: c is ':'
 * for a missing value (the option was then the last word) or '?' for an
 * unknown option (optopt names an unknown letter; 0 for a long option).
 */
static void
opt_refused(int c, char **argv)
{
	char letter[3] = { '-', (char)optopt, '\0' };

	if (c == ':')
		cli_err("option %s needs a value", argv[optind - 1]);
	else
		cli_err("unknown option %s",
		    optopt ? letter : argv[optind - 1]);
}

/* Runs getopt_long over argv with t; stores the options of syn. */
static enum sl_status
parse_options(struct cli *cli, const struct cli_syntax *syn,
    const struct getopt_tables *t, int argc, char **argv, struct cli_args *a)
{
	const struct cli_opt *opt;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, t->shortopts, t->longopts,
	    NULL)) != -1) {
		if (c == 'h')
			a->help = 1;
		else if (c == 'k')
			cli->insecure = 1;
		else if ((opt = opt_of(syn, c)) != NULL)
			opt_store(opt, optarg, argc);
		else {
			opt_refused(c, argv);
			return SL_INVALID;
		}
	}
	return SL_OK;
}

/*
 * Parses a command's argv (argv[0] is the command's name) by syn: each
 * option's value goes where its table entry says, --insecure sets
 * cli->insecure, and the positional arguments are left in a (borrowed
 * from argv, which getopt_long may reorder). On --help the usage is
 * printed to standard output, a->help is set and SL_OK returned. Returns
 * SL_OK, or SL_INVALID after printing what is wrong and the usage to
 * standard error. A command stops with a->exit (CLI_OK after --help,
 * CLI_USAGE after an error) unless the status is SL_OK and !a->help:
 *	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
 *		return a.exit;
 */
enum sl_status
cli_parse(struct cli *cli, const struct cli_syntax *syn, int argc,
    char **argv, struct cli_args *a)
{
	struct getopt_tables t;
	enum sl_status s;

	memset(a, 0, sizeof(*a));
	tables_init(&t, syn);
	s = parse_options(cli, syn, &t, argc, argv, a);
	tables_fini(&t);
	if (s == SL_OK && a->help) {
		fputs(syn->usage, stdout);
		a->exit = CLI_OK;
		return SL_OK;
	}
	a->args = argv + optind;
	a->nargs = argc - optind;
	if (s == SL_OK && (a->nargs < syn->min_args ||
	    a->nargs > syn->max_args))
		s = SL_INVALID;
	if (s != SL_OK)
		a->exit = cli_usage(syn->usage);
	return s;
}
