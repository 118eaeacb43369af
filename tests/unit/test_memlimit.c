/* test_memlimit.c -- KAFKA_HEAP_OPTS parsing (the JVM's size syntax and its
 * errors), the ceiling's charge/release accounting, and metered wbufs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "memlimit.h"
#include "unit.h"

#define MiB ((size_t)1 << 20)

static void test_parse(void) {
    heap_opts h;
    char err[512];
    CHECK_EQ(heap_opts_parse("-Xmx400m -Xms400m", 16 * MiB, &h, err, sizeof err), 0);
    CHECK_EQ(h.xmx, 400 * MiB);
    CHECK_EQ(h.xms, 400 * MiB);
    CHECK(!strcmp(h.xmx_text, "-Xmx400m"));
    CHECK_EQ(heap_opts_parse("  -Xmx1G\t-XX:+UseG1GC -Dfoo=bar ", 16 * MiB, &h, err, sizeof err), 0);
    CHECK_EQ(h.xmx, (size_t)1 << 30);
    CHECK_EQ(h.xms, 0);
    CHECK_EQ(heap_opts_parse("-Xmx2097152k", 16 * MiB, &h, err, sizeof err), 0);
    CHECK_EQ(h.xmx, (size_t)2 << 30);
    CHECK_EQ(heap_opts_parse("-Xmx33554432", 16 * MiB, &h, err, sizeof err), 0);
    CHECK_EQ(h.xmx, 32 * MiB);
    CHECK_EQ(heap_opts_parse("", 16 * MiB, &h, err, sizeof err), 0);
    CHECK_EQ(h.xmx, 0);
    CHECK_EQ(heap_opts_parse(NULL, 16 * MiB, &h, err, sizeof err), 0);

    static const char *const bad[][2] = {
        {"-Xmx64x", "-Xmx64x"},       {"-Xmx", "-Xmx"},          {"-Xmxm", "-Xmxm"},
        {"-Xmx400mb", "-Xmx400mb"},   {"-Xmx-4m", "-Xmx-4m"},    {"-Xms1q -Xmx1g", "-Xms1q"},
        {"400m", "400m"},             {"-Xmx0", "-Xmx0"},        {"-Xmx99999999999999999999", "-Xmx9999"},
        {"-Xmx8m", "-Xmx8m"},         {"-Xmx64m -Xms65m", "-Xms65m"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        int rc = heap_opts_parse(bad[i][0], 16 * MiB, &h, err, sizeof err);
        CHECK_EQ(rc, -1);
        if (rc != -1 || !strstr(err, bad[i][1]) || !strstr(err, "KAFKA_HEAP_OPTS"))
            fprintf(stderr, "  '%s' -> rc %d, '%s'\n", bad[i][0], rc, err);
        CHECK(strstr(err, bad[i][1]) != NULL);
    }
}

static void test_from_env(void) {
    heap_opts h;
    size_t limit;
    char src[512], err[512];
    unsetenv("KAFKA_HEAP_OPTS");
    CHECK_EQ(memlimit_from_env("kafka-server-start.sh", "-Xmx1G -Xms1G", 16 * MiB, &h, &limit, src,
                               sizeof src, err, sizeof err), 0);
    CHECK_EQ(limit, (size_t)1 << 30);
    CHECK(strstr(src, "default of kafka-server-start.sh") != NULL);
    setenv("KAFKA_HEAP_OPTS", "-Xmx64m", 1);
    CHECK_EQ(memlimit_from_env("s", "-Xmx1G", 16 * MiB, &h, &limit, src, sizeof src, err, sizeof err), 0);
    CHECK_EQ(limit, 64 * MiB);
    CHECK(!strcmp(src, "KAFKA_HEAP_OPTS=\"-Xmx64m\""));
    setenv("KAFKA_HEAP_OPTS", "-XX:+UseG1GC", 1);
    CHECK_EQ(memlimit_from_env("s", "-Xmx1G", 16 * MiB, &h, &limit, src, sizeof src, err, sizeof err), 0);
    CHECK(limit >= 16 * MiB && limit != (size_t)1 << 30);
    CHECK(strstr(src, "quarter of physical memory") != NULL);
    setenv("KAFKA_HEAP_OPTS", "-Xmx1z", 1);
    CHECK_EQ(memlimit_from_env("s", "-Xmx1G", 16 * MiB, &h, &limit, src, sizeof src, err, sizeof err), -1);
    CHECK(strstr(err, "'-Xmx1z'") != NULL);
    unsetenv("KAFKA_HEAP_OPTS");
}

static void test_accounting(void) {
    memlimit_set(64 * MiB); /* admission: 64 - 8 */
    CHECK_EQ(memlimit_admission(), 56 * MiB);
    size_t base = memlimit_used();
    CHECK_EQ(memlimit_try_charge(50 * MiB), 0);
    CHECK_EQ(memlimit_try_charge(10 * MiB), -1); /* 60 > 56: refused, nothing charged */
    CHECK_EQ(memlimit_used(), base + 50 * MiB);
    memlimit_charge(10 * MiB); /* committed memory is always charged */
    CHECK_EQ(memlimit_used(), base + 60 * MiB);
    CHECK(memlimit_peak() >= base + 60 * MiB);
    (void)memlimit_freed();
    memlimit_release(60 * MiB);
    CHECK_EQ(memlimit_freed(), 1);
    CHECK_EQ(memlimit_freed(), 0);
    CHECK_EQ(memlimit_used(), base);
    CHECK_EQ(memlimit_try_charge(57 * MiB), -1); /* more than one request may ever hold */

    /* metered wbufs: growth charged, refused growth leaves the buffer as it was */
    wbuf w;
    wb_init_metered(&w, 1000);
    CHECK_EQ(memlimit_used(), base + w.cap);
    wb_write(&w, "abc", 3);
    CHECK_EQ(wb_try_reserve(&w, 20 * MiB), 0);
    CHECK_EQ(w.cap, 3 + 20 * MiB);
    CHECK_EQ(memlimit_used(), base + w.cap);
    CHECK_EQ(wb_try_reserve(&w, 60 * MiB), -1); /* would hold 60 MiB */
    CHECK_EQ(w.cap, 3 + 20 * MiB);
    CHECK(!memcmp(w.data, "abc", 3));
    wb_shrink(&w, 4096);
    CHECK_EQ(w.cap, 4096);
    CHECK_EQ(memlimit_used(), base + 4096);
    size_t charged = wb_charged(&w);
    uint8_t *d = wb_steal(&w, NULL);
    CHECK_EQ(memlimit_used(), base + 4096); /* the charge went with the data */
    free(d);
    memlimit_release(charged);
    wb_free(&w);
    CHECK_EQ(memlimit_used(), base);
    wbuf plain;
    wb_init(&plain, 1 << 20); /* not metered */
    CHECK_EQ(memlimit_used(), base);
    wb_free(&plain);
    memlimit_set(0);
    CHECK_EQ(memlimit_try_charge((size_t)1 << 40), 0); /* unlimited */
    memlimit_release((size_t)1 << 40);
}

static void test_human(void) {
    char b[32];
    CHECK(!strcmp(memlimit_human(64 * MiB, b, sizeof b), "64 MiB"));
    CHECK(!strcmp(memlimit_human(1536 * MiB, b, sizeof b), "1.5 GiB"));
    CHECK(!strcmp(memlimit_human(100, b, sizeof b), "100 bytes"));
}

int main(void) {
    test_parse();
    test_from_env();
    test_accounting();
    test_human();
    return unit_report("test_memlimit");
}
