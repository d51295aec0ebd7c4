/*
 * cli.h: what sluicectl's files share: the command entry points (one
 * cmd_*.c file each), the exit codes, and the local-database helper.
 * Each command gets argv with argv[0] set to its own name and returns the
 * process exit code.
 */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <stddef.h>

struct db;

enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,	/* the command ran and failed */
	CLI_USAGE = 2	/* the command line was wrong */
};

/*
 * What the global options say, handed to every command (a command's own
 * options may add to it): sluicectl's only shared state.
 */
struct cli {
	int insecure;	/* --insecure: skip TLS verification */
};

int cmd_migrate(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_runs(struct cli *cli, int argc, char **argv);
int cmd_flows(struct cli *cli, int argc, char **argv);
int cmd_logs(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);

struct db *cli_db_open(void);
char *cli_read_file(const char *path, size_t *len);
int cli_write_new_file(const char *path, const char *buf, size_t len,
    int mode);
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage(const char *usage);
void cli_sleep_ms(long ms);
int cli_run_state_ended(const char *state);

#endif
