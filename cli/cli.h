/* ipcfuzz subcommands: each returns its exit status (2 for bad use). */
#ifndef IPCFUZZ_CLI_H
#define IPCFUZZ_CLI_H

int cmd_list(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_repro(int argc, char **argv);
/* A whole number in 1..hi, or -1. */
long cli_parse_pos(const char *s, long hi);
int cmd_vm(int argc, char **argv);
/* Writes an error and the subcommand's usage line; returns 2. */
int cli_bad_use(const char *usage, const char *fmt, const char *word);

#endif
