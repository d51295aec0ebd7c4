/*
 * venv.h: virtual environments of repository flows (see venv.c). Private
 * to scheduler/.
 */
#ifndef SLUICE_VENV_H
#define SLUICE_VENV_H

#include <stddef.h>

#include "status.h"

/* <data>/code/venvs/<id> (caller frees). */
char *venv_path(const char *data_dir, const char *id);
/*
 * Makes sure the environment id, for the requirements text given, is
 * built and ready; env: "PIP_*=..." for pip (NULL-terminated) or NULL.
 * SL_OK, or a status with why (pip's message on a failed install).
 */
enum sl_status venv_ensure(const char *data_dir, const char *id,
    const char *requirements, char **env, char *why, size_t whysz);

#endif
