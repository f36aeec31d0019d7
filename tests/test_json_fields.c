/* The field-table writer (analysis/json.h): each kind written as the
 * hand-written cJSON calls it replaces wrote it, keys in table order. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../analysis/json.h"

typedef struct sample {
    bool flag;
    double ratio;
    size_t count;
    double exact;
    double missing;
} sample;

static const ns_json_field sample_fields[] = {
    NS_JSON_FIELD(sample, count, COUNT), NS_JSON_KEYED("is_set", sample, flag, BOOL),
    NS_JSON_FIELD(sample, ratio, NUMBER), NS_JSON_FIELD(sample, exact, EXACT),
    NS_JSON_FIELD(sample, missing, NUMBER),
};

static char *written(const sample *s)
{
    cJSON *o = cJSON_CreateObject();
    NS_JSON_ADD_FIELDS(o, s, sample_fields);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

Test(json_fields, every_kind_is_written_in_table_order_under_its_key)
{
    sample s = { true, 0.5, 7, 1.5, INFINITY };
    char *text = written(&s);
    /* 1.5 = 0x1.8p+0 exactly; an infinite NUMBER has no JSON form: null */
    cr_assert_str_eq(text, "{\"count\":7,\"is_set\":true,\"ratio\":0.5,\"exact\":\"0x1.8p+0\",\"missing\":null}");
    free(text);
}

Test(json_fields, a_nan_exact_is_the_word_nan_and_false_is_false)
{
    sample s = { false, -2, 0, NAN, 3 };
    char *text = written(&s);
    cr_assert_str_eq(text, "{\"count\":0,\"is_set\":false,\"ratio\":-2,\"exact\":\"nan\",\"missing\":3}");
    free(text);
}
