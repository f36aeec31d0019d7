/* The last step of `make fuzz`: gathers what every engine run found,
 * replays each finding with the MPFR reference and the current contracts,
 * deduplicates by (normalizer, policy, kind, cause), and writes
 *   OUT/findings/ (findings.jsonl and one .x/.g row file per finding),
 *   OUT/fuzz.json and OUT/fuzz.md (per engine and target: executions,
 *   executions per second, findings, crashes).
 * Exit status 1 when a finding breaks a contract or an engine crashed, with
 * one line per problem on standard error.
 *
 *   collect OUT RUNS.tsv [--interrupted SIGNAL]
 * --interrupted: the runs were stopped by SIGNAL (fuzz.json and fuzz.md say
 * so; the findings are those made before it).
 * RUNS.tsv has one line per engine run, tab-separated:
 *   engine normalizer policy seconds executions crashes status findings.jsonl
 * (executions may be "-" when the engine did not say). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../replay.h"

#define MAX_RUNS 4096

typedef struct run {
    char engine[24], normalizer[48], policy[24], status[32], file[1024];
    double seconds, executions;
    long crashes;
    size_t findings, broken;
} run;

static run runs[MAX_RUNS];
static size_t nruns;

static int read_runs(const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "collect: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[2048];
    while (fgets(line, sizeof line, in) && nruns < MAX_RUNS) {
        run *r = &runs[nruns];
        char execs[64];
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%23[^\t]\t%47[^\t]\t%23[^\t]\t%lf\t%63[^\t]\t%ld\t%31[^\t]\t%1023[^\t]",
                   r->engine, r->normalizer, r->policy, &r->seconds, execs, &r->crashes,
                   r->status, r->file) != 8) {
            fprintf(stderr, "collect: %s: malformed line '%s'\n", path, line);
            fclose(in);
            return -1;
        }
        r->executions = strcmp(execs, "-") == 0 ? -1 : strtod(execs, NULL);
        nruns++;
    }
    fclose(in);
    return 0;
}

/* Where each deduplicated finding came from. */
typedef struct origin {
    char engines[96];
} origin;

static void add_engine(origin *o, const char *engine)
{
    if (strstr(o->engines, engine))
        return;
    size_t len = strlen(o->engines);
    snprintf(o->engines + len, sizeof o->engines - len, "%s%s", len ? ", " : "", engine);
}

static const char *md_escape(const char *s, char *buf, size_t len)
{
    size_t k = 0;
    for (; *s && k + 2 < len; s++) {
        if (*s == '|' || *s == '*' || *s == '_' || *s == '`' || *s == '<' || *s == '>')
            buf[k++] = '\\';
        buf[k++] = *s;
    }
    buf[k] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--interrupted") == 0)) {
        fputs("usage: collect OUT RUNS.tsv [--interrupted SIGNAL]\n", stderr);
        return 2;
    }
    const char *out = argv[1];
    const char *stopped_by = argc == 5 ? argv[4] : NULL;
    if (read_runs(argv[2]) != 0)
        return 2;

    ns_finding_set all;
    ns_finding_set_init(&all);
    origin *origins = NULL;
    size_t problems = 0, crashes = 0;
    char err[512];
    for (size_t i = 0; i < nruns; i++) {
        run *r = &runs[i];
        crashes += r->crashes > 0 ? (size_t)r->crashes : 0;
        if (r->crashes > 0) {
            fprintf(stderr, "make fuzz: %s crashed %ld times on %s %s (%s)\n", r->engine, r->crashes,
                    r->normalizer, r->policy, r->status);
            problems++;
        }
        ns_finding_set found;
        ns_finding_set_init(&found);
        FILE *probe = fopen(r->file, "r");
        if (probe) {
            fclose(probe);
            if (ns_findings_read(r->file, &found, true, err, sizeof err) != 0) {
                fprintf(stderr, "collect: %s\n", err);
                return 2;
            }
        }
        r->findings = found.count;
        for (size_t k = 0; k < found.count; k++) {
            ns_replay_result rr;
            if (ns_replay(&found.items[k], &rr, err, sizeof err) != 0) {
                fprintf(stderr, "collect: %s: %s\n", r->file, err);
                return 2;
            }
            if (rr.verdict == NS_REPLAY_BROKEN || rr.verdict == NS_REPLAY_EXPECTED) {
                rr.now.confirmed = true;
                snprintf(rr.now.engine, sizeof rr.now.engine, "%.23s", r->engine);
                r->broken += rr.verdict == NS_REPLAY_BROKEN;
                long at = ns_finding_set_find(&all, &rr.now);
                if (ns_finding_set_add(&all, &rr.now) < 0) {
                    fprintf(stderr, "collect: out of memory\n");
                    return 2;
                }
                if (at < 0) {
                    origin *p = realloc(origins, all.count * sizeof *p);
                    if (!p) {
                        fprintf(stderr, "collect: out of memory\n");
                        return 2;
                    }
                    origins = p;
                    origins[all.count - 1].engines[0] = '\0';
                    at = (long)all.count - 1;
                }
                add_engine(&origins[at], r->engine);
            }
            ns_replay_result_free(&rr);
        }
        ns_finding_set_free(&found);
    }

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/findings", out);
    if (ns_findings_store(&all, dir, err, sizeof err) != 0) {
        fprintf(stderr, "collect: %s\n", err);
        return 2;
    }
    size_t broken = ns_finding_set_broken(&all);
    for (size_t i = 0; i < all.count; i++) {
        const ns_finding *f = &all.items[i];
        if (f->expected)
            continue;
        char slug[160], gfile[4400] = "";
        ns_finding_slug(f, slug, sizeof slug);
        if (f->has_g)
            snprintf(gfile, sizeof gfile, " -g %s/%s.g", dir, slug);
        fprintf(stderr, "make fuzz: %s %s breaks its contract: %s (%s): %s; %s.\n"
                "  replay: normstab eval -n %s -p %s -i %s/%s.x%s\n",
                f->normalizer, f->policy, ns_kind_name(f->kind), ns_cause_name(f->cause),
                f->detail, f->why, f->normalizer, f->policy, dir, slug, gfile);
        problems++;
    }

    /* fuzz.json */
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", 1);
    cJSON *jr = cJSON_AddArrayToObject(root, "runs");
    double total_seconds = 0;
    for (size_t i = 0; i < nruns; i++) {
        const run *r = &runs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "engine", r->engine);
        cJSON_AddStringToObject(o, "normalizer", r->normalizer);
        cJSON_AddStringToObject(o, "policy", r->policy);
        cJSON_AddNumberToObject(o, "seconds", r->seconds);
        if (r->executions >= 0) {
            cJSON_AddNumberToObject(o, "executions", r->executions);
            cJSON_AddNumberToObject(o, "executions_per_second",
                                    r->seconds > 0 ? r->executions / r->seconds : 0);
        }
        cJSON_AddNumberToObject(o, "findings", (double)r->findings);
        cJSON_AddNumberToObject(o, "broken", (double)r->broken);
        cJSON_AddNumberToObject(o, "crashes", (double)r->crashes);
        cJSON_AddStringToObject(o, "status", r->status);
        cJSON_AddItemToArray(jr, o);
        total_seconds += r->seconds;
    }
    cJSON *jf = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < all.count; i++) {
        cJSON *o = ns_finding_to_json(&all.items[i]);
        cJSON_AddStringToObject(o, "engines", origins[i].engines);
        cJSON_AddItemToArray(jf, o);
    }
    cJSON_AddNumberToObject(root, "broken", (double)broken);
    cJSON_AddNumberToObject(root, "crashes", (double)crashes);
    cJSON_AddNumberToObject(root, "engine_seconds", total_seconds);
    cJSON_AddBoolToObject(root, "interrupted", stopped_by != NULL);
    if (stopped_by)
        cJSON_AddStringToObject(root, "stopped_by", stopped_by);
    char path[4200];
    snprintf(path, sizeof path, "%s/fuzz.json", out);
    FILE *fj = fopen(path, "w");
    char *text = cJSON_Print(root);
    if (!fj || !text || fprintf(fj, "%s\n", text) < 0 || fclose(fj) != 0) {
        fprintf(stderr, "collect: cannot write %s\n", path);
        return 2;
    }
    cJSON_free(text);
    cJSON_Delete(root);

    /* fuzz.md */
    snprintf(path, sizeof path, "%s/fuzz.md", out);
    FILE *md = fopen(path, "w");
    if (!md) {
        fprintf(stderr, "collect: cannot write %s\n", path);
        return 2;
    }
    fprintf(md, "# Fuzzing\n\n%s: %zu distinct findings, %zu breaking a contract, %zu crashes, "
            "%zu engine runs.\n\n", broken || crashes ? "**FAILED**" : stopped_by ? "Interrupted" : "Passed",
            all.count, broken, crashes, nruns);
    if (stopped_by)
        fprintf(md, "**Interrupted** by %s: the runs below are those made before it (the last one "
                "cut short) and the findings theirs; the corpora are kept for the next run.\n\n",
                stopped_by);
    fprintf(md, "## Engines\n\n| engine | runs | seconds | executions | executions/s | findings | broken | crashes |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    const char *seen[16];
    size_t nseen = 0;
    for (size_t i = 0; i < nruns; i++) {
        size_t j = 0;
        while (j < nseen && strcmp(seen[j], runs[i].engine) != 0)
            j++;
        if (j < nseen || nseen == 16)
            continue;
        seen[nseen++] = runs[i].engine;
        double sec = 0, ex = 0;
        size_t nr = 0, fi = 0, br = 0;
        long cr = 0;
        bool counted = true;
        for (size_t k = 0; k < nruns; k++)
            if (strcmp(runs[k].engine, runs[i].engine) == 0) {
                nr++;
                sec += runs[k].seconds;
                if (runs[k].executions >= 0)
                    ex += runs[k].executions;
                else
                    counted = false;
                fi += runs[k].findings;
                br += runs[k].broken;
                cr += runs[k].crashes;
            }
        if (counted)
            fprintf(md, "| %s | %zu | %.0f | %.0f | %.0f | %zu | %zu | %ld |\n", runs[i].engine, nr,
                    sec, ex, sec > 0 ? ex / sec : 0, fi, br, cr);
        else
            fprintf(md, "| %s | %zu | %.0f | - | - | %zu | %zu | %ld |\n", runs[i].engine, nr, sec,
                    fi, br, cr);
    }
    char esc[900], esc2[900];
    if (broken) {
        fprintf(md, "\n## Broken promises\n\n");
        for (size_t i = 0; i < all.count; i++) {
            const ns_finding *f = &all.items[i];
            if (f->expected)
                continue;
            char slug[160];
            ns_finding_slug(f, slug, sizeof slug);
            fprintf(md, "- **%s %s %s** (%s): %s; %s. Replay: `normstab eval -n %s -p %s -i %s/%s.x`\n",
                    f->normalizer, f->policy, ns_kind_name(f->kind), ns_cause_name(f->cause),
                    md_escape(f->detail, esc, sizeof esc), md_escape(f->why, esc2, sizeof esc2),
                    f->normalizer, f->policy, dir, slug);
        }
    }
    fprintf(md, "\n## Findings\n\n| normalizer | policy | kind | cause | verdict | n | found by | why |\n"
                "|---|---|---|---|---|---:|---|---|\n");
    for (size_t i = 0; i < all.count; i++) {
        const ns_finding *f = &all.items[i];
        fprintf(md, "| %s | %s | %s | %s | %s | %zu | %s | %s |\n", f->normalizer, f->policy,
                ns_kind_name(f->kind), ns_cause_name(f->cause), f->expected ? "expected" : "**broken**",
                f->row.n, origins[i].engines, md_escape(f->why, esc, sizeof esc));
    }
    fprintf(md, "\n## Runs\n\n| engine | normalizer | policy | seconds | executions/s | findings | broken | crashes | status |\n"
                "|---|---|---|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < nruns; i++) {
        const run *r = &runs[i];
        if (r->executions >= 0)
            fprintf(md, "| %s | %s | %s | %.1f | %.0f | %zu | %zu | %ld | %s |\n", r->engine,
                    r->normalizer, r->policy, r->seconds, r->seconds > 0 ? r->executions / r->seconds : 0,
                    r->findings, r->broken, r->crashes, r->status);
        else
            fprintf(md, "| %s | %s | %s | %.1f | - | %zu | %zu | %ld | %s |\n", r->engine, r->normalizer,
                    r->policy, r->seconds, r->findings, r->broken, r->crashes, r->status);
    }
    if (fclose(md) != 0) {
        fprintf(stderr, "collect: cannot write %s\n", path);
        return 2;
    }
    size_t nfound = all.count;
    free(origins);
    ns_finding_set_free(&all);
    printf("fuzz: %zu distinct findings, %zu breaking a contract, %zu crashes%s (%s/fuzz.md)\n",
           nfound, broken, crashes, stopped_by ? ", interrupted" : "", out);
    return problems ? 1 : 0;
}
