/* Shared pieces of the normstab command: one file per subcommand. */
#ifndef NS_CLI_H
#define NS_CLI_H

#include <signal.h>
#include <stdio.h>

#define NS_VERSION "0.1.0"

/* Exit statuses (SPEC section 4). */
enum { NS_EXIT_OK = 0, NS_EXIT_FAIL = 1, NS_EXIT_USAGE = 2 };

/* Prints "normstab: MESSAGE" on stderr and exits with status 2.  The
 * message is one line: control characters in it are printed as \xNN. */
void ns_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The same line, without exiting. */
void ns_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A number as SPEC prints it: %a of the binary64 value, inf, -inf, nan. */
void ns_print_double(FILE *out, double v);
void ns_print_row(FILE *out, const double *v, size_t n);

/* Prints j (may be NULL) as one line on stdout and deletes it; 0, or -1
 * when j is NULL or out of memory (then nothing is printed). */
struct cJSON;
int ns_print_json_line(struct cJSON *j);

/* Flushes stdout; a write error (a full disk, a closed pipe) is exit 2. */
int ns_finish_output(void);

/* Long commands (report, search) stop after the piece of work in progress
 * on SIGINT or SIGTERM: ns_catch_stop_signals sets ns_stop_signal to the
 * signal (0 while none came); a second signal kills at once.  The command
 * then exits 128 + the signal (cli/stop.c). */
extern volatile sig_atomic_t ns_stop_signal;
void ns_catch_stop_signals(void);

/* Loads the plugins of NORMSTAB_PLUGINS and of every --plugin option, and
 * takes those options out of argv (cli/plugins.c).  Exits 2 on a bad plugin. */
void ns_cli_load_plugins(int *argc, char **argv);

/* Defines the formulas of NORMSTAB_FORMULAS, --define and --formula, and
 * takes those options out of the arguments (--formula EXPR becomes
 * -n formula where the command takes -n; cli/formulas.c).  Exits 2 on a
 * formula that cannot be read. */
void ns_cli_load_formulas(int *argc, char ***argv);

/* A subcommand (cli/cmd_NAME.c): argv[0] is its name; returns the exit
 * status. */
typedef int ns_command(int argc, char **argv);
ns_command cmd_list, cmd_round, cmd_eval, cmd_check, cmd_search, cmd_replay, cmd_collect, cmd_report,
    cmd_merge, cmd_regress, cmd_attention, cmd_attention_search;
/* attention for the normalizer-free kernels (cli/cmd_attention_linear.c) */
ns_command cmd_attention_linear;

#endif
