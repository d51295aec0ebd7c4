/*
 * cafind.h: which certificate sluicectl trusts for a local URL (see
 * cafind.c).
 */
#ifndef SLUICE_CLI_CAFIND_H
#define SLUICE_CLI_CAFIND_H

char *cafind_local(const char *port, char **looked);

#endif
