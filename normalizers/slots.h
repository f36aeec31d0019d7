/* 64 instances of a macro M(a, b), a and b in 0..7, for the trampolines
 * that give each algorithm added at run time (a plugin's, a formula's) a
 * function of its own: ns_algorithm's passes take no context pointer, so
 * slot a * 8 + b is reached through forward_ab and its kin. */
#ifndef NS_SLOTS_H
#define NS_SLOTS_H

#define NS_SLOTS8(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#define NS_SLOTS64(M)                                                                       \
    NS_SLOTS8(M, 0) NS_SLOTS8(M, 1) NS_SLOTS8(M, 2) NS_SLOTS8(M, 3) NS_SLOTS8(M, 4)          \
    NS_SLOTS8(M, 5) NS_SLOTS8(M, 6) NS_SLOTS8(M, 7)

#endif
