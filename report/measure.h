/* The report's measurements (report.h says which): into the data that the
 * writers share (data.h), through the checkpoint (checkpoint.h) so that an
 * interrupted run can resume. */
#ifndef NS_REPORT_MEASURE_H
#define NS_REPORT_MEASURE_H

#include <stddef.h>

#include "checkpoint.h"
#include "data.h"

/* Measures everything d->opts asks for into d, opening the checkpoint of the
 * report directory out in ck.  0; -1 with a message in err; or
 * NS_REPORT_INTERRUPTED when *d->opts->stop was set (err says where the work
 * done is kept). */
int ns_report_measure(ns_report_data *d, ns_checkpoint *ck, const char *out, char *err, size_t errlen);

/* Frees what ns_report_measure and the plots allocated in d. */
void ns_report_data_free(ns_report_data *d);

#endif
