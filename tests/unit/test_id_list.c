/* test_id_list.c -- lists of broker ids (id_list.c): membership, and the
 * text the log lines print, separators and cutting at the buffer's end. */
#include <string.h>

#include "id_list.h"
#include "unit.h"

static void check_membership(void) {
    const int32_t a[] = {3, 1, 2};
    CHECK(id_in_list(a, 3, 1));
    CHECK(id_in_list(a, 3, 2));
    CHECK(!id_in_list(a, 3, 4));
    CHECK(!id_in_list(a, 2, 2)); /* only the first n */
    CHECK(!id_in_list(NULL, 0, 0));
}

static void check_text(void) {
    const int32_t a[] = {3, 1, 2, -1};
    char out[64];
    CHECK_EQ(id_list_str(out, sizeof(out), a, 3, ","), 5);
    CHECK(!strcmp(out, "3,1,2"));
    CHECK_EQ(id_list_str(out, sizeof(out), a, 4, ", "), 11);
    CHECK(!strcmp(out, "3, 1, 2, -1"));
    CHECK_EQ(id_list_str(out, sizeof(out), a, 0, ","), 0);
    CHECK(!strcmp(out, ""));
    /* cut at cap - 1 characters, terminated, the length what was written */
    char small[4];
    CHECK_EQ(id_list_str(small, sizeof(small), a, 3, ", "), 3);
    CHECK(!strcmp(small, "3, "));
    char one[1];
    CHECK_EQ(id_list_str(one, sizeof(one), a, 3, ","), 0);
    CHECK(one[0] == 0);
}

int main(void) {
    check_membership();
    check_text();
    return unit_report("test_id_list");
}
