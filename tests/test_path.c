/* ns_mkdtemp (util/path.h): a fresh directory of its own each time, named
 * from the prefix, with the mode a plain mkdir would give it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/path.h"

Test(path, mkdtemp_makes_a_fresh_directory_with_the_usual_mode)
{
    char a[64], b[64];
    cr_assert_eq(ns_mkdtemp(a, sizeof a, "/tmp/ns-test-path-"), 0);
    cr_assert_eq(ns_mkdtemp(b, sizeof b, "/tmp/ns-test-path-"), 0);
    cr_assert_neq(strcmp(a, b), 0);
    cr_assert_eq(strncmp(a, "/tmp/ns-test-path-", 18), 0);
    cr_assert_eq(strlen(a), 18 + 6);
    mode_t mask = umask(0);
    umask(mask);
    struct stat st;
    cr_assert_eq(stat(a, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0777 & ~mask);
    cr_assert_eq(ns_remove_tree(a), 0);
    cr_assert_eq(ns_remove_tree(b), 0);
}

Test(path, mkdtemp_refuses_a_name_that_does_not_fit)
{
    char small[16];
    errno = 0;
    cr_assert_eq(ns_mkdtemp(small, sizeof small, "/tmp/ns-test-path-"), -1);
    cr_assert_eq(errno, ENAMETOOLONG);
}
