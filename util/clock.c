#include "clock.h"

#include <time.h>

static double seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ns_clock_monotonic(void) { return seconds(CLOCK_MONOTONIC); }
double ns_clock_unix(void) { return seconds(CLOCK_REALTIME); }
double ns_clock_cpu(void) { return seconds(CLOCK_PROCESS_CPUTIME_ID); }
