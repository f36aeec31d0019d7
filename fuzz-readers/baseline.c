/* libFuzzer target: the reader of regression baselines (report/regress.h,
 * ns_regress_load: JSON as `normstab report` writes it), on the input as a
 * file.  A baseline it accepts is then written out as the text report of
 * an empty comparison.  Any crash, leak or undefined behaviour is the
 * finding; a refusal must say something (names quoted in it may hold
 * control characters, as cJSON takes them in strings: the command prints
 * them escaped, cli/output.c). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../report/regress.h"
#include "input_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = ns_fuzz_input_file("baseline.json", data, size);
    ns_regress_baseline b;
    char err[1024];
    memset(&b, 0, sizeof b);
    if (ns_regress_load(path, &b, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < b.count; i++)
        if (!b.entries[i].normalizer || !b.entries[i].policy || !b.entries[i].sum)
            abort();
    ns_regress_baseline_free(&b);
    return 0;
}
