/*
 * config.h: numbers from the environment (see config.c).
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

int config_int(const char *name, int64_t def, int64_t min, int64_t max,
    int64_t *out, char *why, size_t whysz);

#endif
