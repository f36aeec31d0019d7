/* The random numbers of stochastic rounding (+sr).
 *
 * A draw is a hash of (seed, stream, index): the index-th number of a
 * stream, not the next number of a shared generator.  A caller starts one
 * stream per row (or per row and pass) with ns_sr_begin; every stochastic
 * rounding then takes the next index of the calling thread's stream.  So a
 * result depends on the seed, the stream and the operation's place in the
 * row's computation, never on the thread count or on the order in which
 * rows are evaluated (SPEC section 6: reproducible for a seed).  Before any
 * ns_sr_begin a thread's stream is (seed 1, stream 0). */
#ifndef NS_STOCHASTIC_H
#define NS_STOCHASTIC_H

#include <stddef.h>
#include <stdint.h>

/* Starts the calling thread's stream (seed, stream) at index 0. */
void ns_sr_begin(uint64_t seed, uint64_t stream);

/* The next number of the calling thread's stream, uniform on [0, 1) in
 * steps of 2^-53. */
double ns_sr_uniform(void);

/* A stream key for a row: a hash of its values' bit patterns and of tag (a
 * pass: forward, backward), so that the same row gets the same stream
 * wherever and whenever it is evaluated, and a replayed finding rounds as
 * it did when found. */
uint64_t ns_sr_row_key(const double *x, size_t n, uint64_t tag);

#endif
