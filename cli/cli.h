/*
 * cli.h: what sluicectl's files share: the command entry points (one
 * cmd_*.c file each), the exit codes, and the local-database helper.
 * Each command gets argv with argv[0] set to its own name and returns the
 * process exit code. Inside, functions that can fail return enum
 * sl_status (the failure already printed); enum cli_exit appears only
 * where a command returns (cli_exit_of maps a status to it).
 */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <stddef.h>

#include "status.h"

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

typedef enum cli_exit cli_command_fn(struct cli *cli, int argc,
    char **argv);

cli_command_fn cmd_migrate;
cli_command_fn cmd_user;
cli_command_fn cmd_apply;
cli_command_fn cmd_run;
cli_command_fn cmd_runs;
cli_command_fn cmd_flows;
cli_command_fn cmd_logs;
cli_command_fn cmd_init;
cli_command_fn cmd_local;	/* `run --local`, from cmd_run */
cli_command_fn cmd_cancel;
cli_command_fn cmd_retry;
cli_command_fn cmd_rerun;
cli_command_fn cmd_pause;
cli_command_fn cmd_resume;
cli_command_fn cmd_workers;
cli_command_fn cmd_events;
cli_command_fn cmd_repo;

struct db *cli_db_open(void);
char *cli_read_file(const char *path, size_t *len);
enum sl_status cli_write_new_file(const char *path, const char *buf,
    size_t len, int mode);
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
enum cli_exit cli_usage(const char *usage);
enum cli_exit cli_exit_of(enum sl_status s);

#endif
