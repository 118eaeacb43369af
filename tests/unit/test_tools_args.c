/* test_tools_args.c -- the tools' option values and input files as the
 * Java tools parse them (tools_args.c, tools_inputs.c): kafka-topics
 * --replica-assignment, kafka-configs --add-config/--delete-config,
 * kafka-reassign-partitions --broker-list, --reassignment-json-file and
 * --topics-to-move-json-file, the consumer groups' reset plan, the
 * --zookeeper modes' config updates; no count
 * capped (a row of 100 replicas, 2000 brokers) and duplicate checks
 * (tools_dups.c, n log n) right on inputs of 20,000 entries; their speed
 * is not timed here (no timed tests: a sanitizer build or a loaded machine
 * is several times slower). */
#include <stdio.h>
#include <string.h>

#include "tools.h"
#include "unit.h"
#include "zk_admin.h"

static kadmin A;

/* "0:1:...:n-1" rows times, each row shifted by its index */
static char *id_rows(int rows, int n, char sep_ids, char sep_rows) {
    wbuf w;
    wb_init(&w, (size_t)rows * (size_t)n * 8 + 1);
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < n; i++) {
            char num[24];
            int k = snprintf(num, sizeof(num), "%s%d", i ? (char[]){sep_ids, 0} : r ? (char[]){sep_rows, 0} : "",
                             i + r);
            wb_write(&w, num, (size_t)k);
        }
    wb_write(&w, "", 1);
    return (char *)w.data;
}

static void check_replica_assignment(void) {
    int32_t *v;
    int np, rf;
    tools_input_error e = {0};
    CHECK(tools_replica_assignment(&A, " 1 : 2 , 3:4", &v, &np, &rf, &e) == 0);
    CHECK_EQ(np, 2);
    CHECK_EQ(rf, 2);
    CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3 && v[3] == 4);
    CHECK(tools_replica_assignment(&A, "1:2,", &v, &np, &rf, &e) == 0); /* Java drops a trailing "" */
    CHECK_EQ(np, 1);

    /* more than 64 replicas in a row: all kept (it was cut at 64) */
    char *s = id_rows(3, 100, ':', ',');
    CHECK(tools_replica_assignment(&A, s, &v, &np, &rf, &e) == 0);
    CHECK_EQ(np, 3);
    CHECK_EQ(rf, 100);
    int exact = 1;
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < 100; i++)
            exact &= v[r * 100 + i] == r + i;
    CHECK(exact);
    free(s);

    CHECK(tools_replica_assignment(&A, "1,,2", &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "For input string: \"\""));
    CHECK(tools_replica_assignment(&A, "1::2", &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "For input string: \"\""));
    CHECK(tools_replica_assignment(&A, "1:x", &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "For input string: \"x\""));
    CHECK(tools_replica_assignment(&A, "1:2147483648", &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "For input string: \"2147483648\""));
    CHECK(tools_replica_assignment(&A, "3:4,2:1:1:2", &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "Partition replica lists may not contain duplicate entries: 1"));
    CHECK(tools_replica_assignment(&A, "1:2,3", &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "Partition 1 has different replication factor: 1"));

    /* one row of 20,000 brokers, the last one repeating the first */
    s = id_rows(1, 20000, ':', ',');
    strcat(s, ":0");
    CHECK(tools_replica_assignment(&A, s, &v, &np, &rf, &e) == -1);
    CHECK(!strcmp(e.message, "Partition replica lists may not contain duplicate entries: 0"));
    free(s);
}

static void check_config_add(void) {
    const char **k, **v;
    int n;
    tools_input_error e = {0};
    CHECK(tools_config_add(&A, "a=1, b = [x,y] ,c= 3 ,k=[a=b],e=", &k, &v, &n, &e) == 0);
    CHECK_EQ(n, 5);
    CHECK(!strcmp(k[0], "a") && !strcmp(v[0], "1"));
    CHECK(!strcmp(k[1], "b") && !strcmp(v[1], "x,y"));
    CHECK(!strcmp(k[2], "c") && !strcmp(v[2], "3"));
    CHECK(!strcmp(k[3], "k") && !strcmp(v[3], "a=b"));
    CHECK(!strcmp(k[4], "e") && !strcmp(v[4], ""));
    CHECK(tools_config_add(&A, "a=1,b=2,a=3", &k, &v, &n, &e) == 0);
    CHECK_EQ(n, 2);
    CHECK(!strcmp(k[0], "a") && !strcmp(v[0], "3") && !strcmp(k[1], "b") && !strcmp(v[1], "2"));
    CHECK(tools_config_add(&A, "a=1,", &k, &v, &n, &e) == 0);
    CHECK_EQ(n, 1);
    CHECK(tools_config_add(&A, ",", &k, &v, &n, &e) == 0); /* Java: no pair at all */
    CHECK_EQ(n, 0);
    const char *bad[] = {"a", "a=1=2", "a=1,,b=2", "", "=[,]="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        memset(&e, 0, sizeof(e));
        CHECK(tools_config_add(&A, bad[i], &k, &v, &n, &e) == -1);
        CHECK(!strcmp(e.message, "requirement failed: Invalid entity config: all configs to be added must be in "
                                 "the format \"key=val\"."));
    }

    /* 20,000 pairs, every key twice */
    wbuf w;
    wb_init(&w, 8 << 20);
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 10000; i++) {
            char kv[48];
            int l = snprintf(kv, sizeof(kv), "%sk%d=v%d", r || i ? "," : "", i, r);
            wb_write(&w, kv, (size_t)l);
        }
    wb_write(&w, "", 1);
    CHECK(tools_config_add(&A, (const char *)w.data, &k, &v, &n, &e) == 0);
    CHECK_EQ(n, 10000);
    CHECK(!strcmp(k[9999], "k9999") && !strcmp(v[9999], "v1"));
    wb_free(&w);
}

static void check_config_delete(void) {
    const char *args[] = {" a , b", ",", "c,,d"};
    const char **k;
    int n;
    CHECK(tools_config_delete(&A, args, 3, &k, &n) == 0);
    CHECK_EQ(n, 5);
    CHECK(n == 5 && !strcmp(k[0], "a") && !strcmp(k[1], "b") && !strcmp(k[2], ",") && !strcmp(k[3], "c") &&
          !strcmp(k[4], "d"));
}

static void check_broker_list(void) {
    int32_t *v;
    int n;
    tools_input_error e = {0};
    char *s = id_rows(1, 2000, ',', ',');
    CHECK(tools_broker_list(&A, s, &v, &n, &e) == 0);
    CHECK_EQ(n, 2000); /* it was cut at 1024 */
    CHECK(n == 2000 && v[1999] == 1999);
    free(s);
    CHECK(tools_broker_list(&A, "3,1,2,1,2,3,4", &v, &n, &e) == -1);
    CHECK(!strcmp(e.message, "Broker list contains duplicate entries: 3,1,2"));
    CHECK(tools_broker_list(&A, "1,,2", &v, &n, &e) == -1);
    CHECK(!strcmp(e.exception, "java.lang.NumberFormatException") && !strcmp(e.message, "For input string: \"\""));
    CHECK(tools_broker_list(&A, "1, 2", &v, &n, &e) == -1);
    CHECK(!strcmp(e.message, "For input string: \" 2\""));
}

static int reassign(const char *text, int execute, tools_reassignment **r, int *n, tools_input_error *e) {
    memset(e, 0, sizeof(*e));
    return tools_reassignment_json(&A, text, strlen(text), execute, r, n, e);
}

static void check_reassignment_json(void) {
    tools_reassignment *r;
    int n;
    tools_input_error e;
    CHECK(reassign("{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2],"
                   "\"log_dirs\":[\"any\",\"any\"]},{\"topic\":\"u\",\"partition\":3,\"replicas\":[2]}]}",
                   1, &r, &n, &e) == 0);
    CHECK_EQ(n, 2);
    CHECK(n == 2 && !strcmp(r[1].topic, "u") && r[1].partition == 3 && r[1].nreplicas == 1 && r[1].replicas[0] == 2);
    const char *dup = "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,1,2]},"
                      "{\"topic\":\"t\",\"partition\":1,\"replicas\":[3,3]}]}";
    CHECK(reassign(dup, 0, &r, &n, &e) == 0); /* --verify: no --execute checks */
    CHECK(reassign(dup, 1, &r, &n, &e) == -1);
    CHECK(!strcmp(e.message, "Partition replica lists may not contain duplicate entries: t-0 contains multiple "
                             "entries for 1,2. t-1 contains multiple entries for 3"));
    CHECK(reassign("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1]},"
                   "{\"topic\":\"t\",\"partition\":0,\"replicas\":[2]}]}",
                   1, &r, &n, &e) == -1);
    CHECK(!strcmp(e.message, "Partition reassignment contains duplicate topic partitions: t-0"));
    CHECK(reassign("{\"partitions\":[]}", 1, &r, &n, &e) == -1);
    CHECK(!strcmp(e.message, "Partition reassignment list cannot be empty"));
    CHECK(reassign("{\"version\":2,\"partitions\":[]}", 1, &r, &n, &e) == -1);
    CHECK(!strcmp(e.message, "Not supported version field value 2"));
    CHECK(reassign("{\"partitions\":[{\"topic\":\"t\",\"replicas\":[1]}]}", 0, &r, &n, &e) == -1);
    CHECK(!strcmp(e.message, "No such field exists: `partition`"));
    CHECK(reassign("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1],\"log_dirs\":[]}]}", 0, &r,
                   &n, &e) == -1);
    CHECK(!strcmp(e.message, "Size of replicas list is different from size of log dirs list for partition t-0"));
    CHECK(reassign("[1]", 0, &r, &n, &e) == -1);
    CHECK(!strcmp(e.exception, "kafka.admin.AdminOperationException") &&
          !strcmp(e.message, "The input string is not a valid JSON"));

    /* 20,000 partitions, the last one naming the first again */
    wbuf w;
    wb_init(&w, 16 << 20);
    wb_write(&w, "{\"partitions\":[", 15);
    for (int i = 0; i <= 20000; i++) {
        char p[96];
        int l = snprintf(p, sizeof(p), "%s{\"topic\":\"t%d\",\"partition\":%d,\"replicas\":[1,2,3]}", i ? "," : "",
                         (i % 20000) % 1000, (i % 20000) / 1000);
        wb_write(&w, p, (size_t)l);
    }
    wb_write(&w, "]}", 2);
    memset(&e, 0, sizeof(e));
    CHECK(tools_reassignment_json(&A, (const char *)w.data, w.len, 1, &r, &n, &e) == -1);
    CHECK(!strcmp(e.message, "Partition reassignment contains duplicate topic partitions: t0-0"));
    wb_free(&w);
}

static void check_topics_to_move_json(void) {
    const char **t;
    int n;
    tools_input_error e = {0};
    const char *ok = "{\"topics\":[{\"topic\":\"a\"},{\"topic\":\"b\"}],\"version\":1}";
    CHECK(tools_topics_to_move_json(&A, ok, strlen(ok), &t, &n, &e) == 0);
    CHECK(n == 2 && !strcmp(t[0], "a") && !strcmp(t[1], "b"));
    const char *dup = "{\"topics\":[{\"topic\":\"b\"},{\"topic\":\"a\"},{\"topic\":\"a\"},{\"topic\":\"b\"}]}";
    CHECK(tools_topics_to_move_json(&A, dup, strlen(dup), &t, &n, &e) == -1);
    CHECK(!strcmp(e.message, "List of topics to reassign contains duplicate entries: b,a"));
    /* every entry is read before the duplicate check, as Kafka does */
    const char *bad = "{\"topics\":[{\"topic\":\"a\"},{\"topic\":\"a\"},{\"name\":\"c\"}]}";
    CHECK(tools_topics_to_move_json(&A, bad, strlen(bad), &t, &n, &e) == -1);
    CHECK(!strcmp(e.message, "No such field exists: `topic`"));
}

static void check_reset_plan(void) {
    const char *csv = "t,0,5\nu,1,7\nt,0,9\nx,y,z\nt,1,3\n";
    ka_tp_offset *tps;
    int n;
    CHECK(tools_reset_plan_csv(&A, csv, strlen(csv), "g", "g", &tps, &n) == 1);
    CHECK_EQ(n, 3);
    CHECK(n == 3 && !strcmp(tps[0].topic, "t") && tps[0].partition == 0 && tps[0].offset == 9);
    CHECK(n == 3 && !strcmp(tps[1].topic, "u") && tps[1].offset == 7 && tps[2].partition == 1 && tps[2].offset == 3);
}

/* kafka-configs/kafka-topics --zookeeper: puts then deletes on a config */
static void check_props_update(void) {
    zka_props p = {0};
    zka_props_put(&p, "a", "1");
    zka_props_put(&p, "b", "2");
    const char *k[] = {"c", "b", "c"}, *v[] = {"4", "3", "5"}, *del[] = {"a"};
    zka_props_update(&p, k, v, 3, del, 1);
    CHECK_EQ(p.n, 2);
    CHECK(p.n == 2 && !strcmp(p.keys[0], "b") && !strcmp(p.vals[0], "3") && !strcmp(p.keys[1], "c") &&
          !strcmp(p.vals[1], "5"));
    const char *ask[] = {"a", "b", "c", "d"};
    int has[4];
    zka_props_has(&p, ask, 4, has);
    CHECK(!has[0] && has[1] && has[2] && !has[3]);
    zka_props_free(&p);
}

/* tools_int_unique / tools_str_unique keep each first occurrence, in order */
static void check_unique(void) {
    int32_t v[] = {3, 1, 3, 2, 1, 3};
    CHECK_EQ(tools_int_unique(v, 6), 3);
    CHECK(v[0] == 3 && v[1] == 1 && v[2] == 2);
    CHECK_EQ(tools_int_unique(v, 1), 1);
    const char *s[] = {"b", "a", "b", "c", "a"};
    CHECK_EQ(tools_str_unique(s, 5), 3);
    CHECK(!strcmp(s[0], "b") && !strcmp(s[1], "a") && !strcmp(s[2], "c"));
}

int main(void) {
    check_unique();
    check_replica_assignment();
    check_config_add();
    check_config_delete();
    check_broker_list();
    check_reassignment_json();
    check_topics_to_move_json();
    check_reset_plan();
    check_props_update();
    ka_close(&A);
    return unit_report("test_tools_args");
}
