/* test_group.c -- which __consumer_offsets partition coordinates a group:
 * abs(String.hashCode(group.id)) % partitions, with Java's hashCode over
 * UTF-16 code units (so non-ASCII ids and surrogate pairs hash as in the
 * JVM) and Kafka's Utils.abs (Integer.MIN_VALUE -> 0). Expected values are
 * Java's: "hello".hashCode() == 99162322, "polygenelubricants".hashCode()
 * == Integer.MIN_VALUE. */
#include "unit.h"

#include "group.h"

static void check(const char *id, int32_t n, int32_t want) {
    CHECK_EQ(group_partition_for(id, (int)strlen(id), n), want);
}

int main(void) {
    check("", 50, 0);
    check("hello", 50, 22);                  /* 99162322 */
    check("console-consumer-12345", 50, 6);  /* 158455506 */
    check("my-group", 50, 12);               /* -1906497762 */
    check("g-share-kcat-24047", 50, 49);     /* 810869699 */
    check("Gr\xc3\xbc\xc3\x9f" "e", 50, 1);  /* "Grüße", 69215351 */
    check("\xe7\xbe\xa4\xe7\xbb\x84", 50, 8); /* two CJK chars, 1045408 */
    check("\xf0\x9f\x98\x80" "emoji", 50, 27); /* a surrogate pair, -1233692477 */
    check("polygenelubricants", 50, 0);      /* Integer.MIN_VALUE */
    check("hello", 1, 0);
    check("hello", 7, 99162322 % 7);
    return unit_report("test_group");
}
