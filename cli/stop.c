/* Stopping a long command cleanly on SIGINT or SIGTERM (cli.h). */
#include <signal.h>
#include <string.h>

#include "cli.h"

volatile sig_atomic_t ns_stop_signal;

static void on_stop_signal(int sig)
{
    ns_stop_signal = sig;
    /* A second one ends the process at once: what the commands keep on
     * disk is replaced only by a rename, so it is the old or the new. */
    signal(sig, SIG_DFL);
}

void ns_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
