/* The fuzz input as a string, for the readers that take text. */
#ifndef NS_FUZZ_READERS_INPUT_TEXT_H
#define NS_FUZZ_READERS_INPUT_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* data[0..size) and a NUL after it, in memory of its own (free() it), or
 * NULL when out of memory. */
static inline char *ns_fuzz_input_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

#endif
