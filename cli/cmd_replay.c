#include <cjson/cJSON.h>
#include <string.h>

#include "../fuzz/finding_json.h"
#include "../fuzz/replay.h"
#include "cli.h"

static const char replay_help[] =
    "usage: normstab replay [--json] FILE...\n\n"
    "Re-runs every finding of the JSON Lines FILEs (as 'normstab search --json'\n"
    "prints them and 'make fuzz' stores them in reports/latest/findings/) with the\n"
    "current algorithms, the MPFR reference and the current contracts, and says\n"
    "for each one:\n"
    "  broken     it still breaks a promise the contract makes;\n"
    "  expected   it still fails, as a hazard the contract lists;\n"
    "  fixed      it no longer fails this way.\n"
    "With --json: one JSON object per finding, the finding with its new 'verdict'\n"
    "(and 'was', the verdict it was stored with).\n\n"
    "Exit status: 1 when a finding still breaks a contract, 0 otherwise.\n";

int cmd_replay(int argc, char **argv)
{
    int json = 0, first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (strcmp(argv[first], "--json") == 0)
            json = 1;
        else if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
            fputs(replay_help, stdout);
            return ns_finish_output();
        } else if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else
            ns_die("replay: unknown option '%s' (see 'normstab replay --help')", argv[first]);
    }
    if (first >= argc)
        ns_die("replay: no FILE given (JSON Lines of findings)");

    ns_finding_set all;
    ns_finding_set_init(&all);
    char err[512];
    for (int i = first; i < argc; i++)
        if (ns_findings_read(argv[i], &all, false, err, sizeof err) != 0)
            ns_die("replay: %s", err);

    size_t broken = 0;
    for (size_t i = 0; i < all.count; i++) {
        ns_replay_result r;
        if (ns_replay(&all.items[i], &r, err, sizeof err) != 0)
            ns_die("replay: finding %zu (%s %s %s): %s", i + 1, all.items[i].normalizer,
                   all.items[i].policy, ns_kind_name(all.items[i].kind), err);
        broken += r.verdict == NS_REPLAY_BROKEN;
        if (json) {
            cJSON *o = ns_finding_to_json(&r.now);
            cJSON_ReplaceItemInObject(o, "verdict", cJSON_CreateString(ns_replay_verdict_name(r.verdict)));
            cJSON_AddStringToObject(o, "was", all.items[i].expected ? "expected" : "broken");
            ns_print_json_line(o);
        } else {
            const ns_finding *f = &r.now;
            printf("%s %s %s (%s): %s", f->normalizer, f->policy, ns_kind_name(f->kind),
                   ns_cause_name(f->cause), ns_replay_verdict_name(r.verdict));
            if (r.verdict != NS_REPLAY_FIXED)
                printf(": %s", f->detail);
            putchar('\n');
        }
        ns_replay_result_free(&r);
    }
    if (!json)
        printf("%zu findings replayed, %zu breaking a contract\n", all.count, broken);
    ns_finding_set_free(&all);
    int out = ns_finish_output();
    return out ? out : broken ? NS_EXIT_FAIL : NS_EXIT_OK;
}
