/* Pieces of reading a command line that several subcommands share; each
 * subcommand keeps its own messages. */
#ifndef NS_CLI_ARGS_H
#define NS_CLI_ARGS_H

/* s as a whole number, read by strtoull in base (0: decimal, 0x hex, 0
 * octal): 0 with the number in *v, or -1 when s is empty, starts with '-',
 * has anything after the digits, or is above ULLONG_MAX. */
int ns_parse_count(const char *s, int base, unsigned long long *v);

#endif
