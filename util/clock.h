/* Clocks, in seconds as doubles. */
#ifndef NS_CLOCK_H
#define NS_CLOCK_H

double ns_clock_monotonic(void);   /* for durations: never jumps */
double ns_clock_unix(void);        /* wall time since the epoch, for records */
double ns_clock_cpu(void);         /* this process's CPU time, all threads */

#endif
