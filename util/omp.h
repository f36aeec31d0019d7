/* OpenMP pragmas that vanish in a build without OpenMP (one thread):
 * NS_OMP("omp parallel for") in code that must build either way. */
#ifndef NS_UTIL_OMP_H
#define NS_UTIL_OMP_H

#ifdef _OPENMP
#include <omp.h>
#define NS_OMP(directive) _Pragma(directive)
#else
#define NS_OMP(directive)
#endif

#endif
