/* metadata_cache.c -- the broker's MetadataCache (Kafka 2.5): what its
 * Metadata answers say of the cluster comes from the controller's
 * UpdateMetadata requests (api_control.c hands over those that passed the
 * controller and broker epoch fences):
 *
 *  - the live brokers, with the endpoint and rack the controller sent: a
 *    broker registered in /brokers/ids that the controller has not
 *    announced yet is not listed, one the controller has dropped is gone
 *    at once;
 *  - per partition, the leader, leader epoch, ISR and offline replicas of
 *    the controller's last state (kept in the partition, md_*). A leader's
 *    own ISR change shows once the controller has sent it on, as in Kafka
 *    (isr_change.c notifies the controller).
 *
 * Before the first UpdateMetadata (a broker just started, or one whose
 * controller has not reached it yet) Kafka answers from an empty cache: no
 * brokers, no topics, and clients retry. Here the answer falls back to
 * what the broker read from ZooKeeper (the live brokers of /brokers/ids,
 * the partition states of their znodes, replicas not alive as offline), so
 * a client bootstrapping against a fresh broker gets a usable answer; a
 * partition the controller has not described yet answers from its znode in
 * the same way. */
#include "metadata_cache.h"

#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "control_requests.h"

static md_broker *brokers;
static int nbrokers = -1; /* -1: no UpdateMetadata yet */

static void brokers_clear(void) {
    for (int i = 0; i < nbrokers; i++) {
        free(brokers[i].host);
        free(brokers[i].rack);
    }
    free(brokers);
    brokers = NULL;
    nbrokers = -1;
}

void metadata_cache_update(const ctl_request *c) {
    brokers_clear();
    brokers = calloc((size_t)(c->nbrokers > 0 ? c->nbrokers : 1), sizeof(md_broker));
    if (!brokers)
        abort();
    nbrokers = 0;
    for (int i = 0; i < c->nbrokers; i++) {
        const ctl_broker *b = &c->brokers[i];
        if (!b->host)
            continue; /* no PLAINTEXT endpoint: not reachable by clients */
        md_broker *m = &brokers[nbrokers++];
        m->id = b->id;
        m->host = xstrdup(b->host);
        m->port = b->port;
        m->rack = b->rack ? xstrdup(b->rack) : NULL;
    }
    for (int i = 0; i < c->npartitions; i++) {
        const ctl_partition_state *ps = &c->partitions[i];
        topic *t = topic_find(ps->topic_name);
        partition *p = t && !t->deleting ? partition_get(t, ps->partition_index) : NULL;
        if (!p)
            continue; /* a topic not read yet: its znodes bring it */
        metadata_partition_free(p);
        p->md_leader = ps->leader;
        p->md_leader_epoch = ps->leader_epoch < 0 ? 0 : ps->leader_epoch;
        p->md_isr = ctl_ids_copy(ps->isr, ps->nisr);
        p->md_nisr = ps->nisr;
        p->md_offline = ctl_ids_copy(ps->offline_replicas, ps->noffline_replicas);
        p->md_noffline = ps->noffline_replicas;
    }
}

int metadata_cache_brokers(const md_broker **out) {
    *out = brokers;
    return nbrokers;
}

int metadata_broker_endpoint(int32_t id, md_broker *out) {
    if (nbrokers < 0) {
        for (int i = 0; i < B.nnodes; i++)
            if (B.nodes[i].id == id) {
                if (out)
                    *out = (md_broker){id, B.nodes[i].host, B.nodes[i].port, B.nodes[i].rack};
                return 1;
            }
        return 0;
    }
    for (int i = 0; i < nbrokers; i++)
        if (brokers[i].id == id) {
            if (out)
                *out = brokers[i];
            return 1;
        }
    return 0;
}

int metadata_partition(const partition *p, md_partition *out, int32_t *scratch, int cap) {
    if (p->md_leader_epoch >= 0) {
        out->leader = p->md_leader;
        out->leader_epoch = p->md_leader_epoch;
        out->isr = p->md_isr;
        out->nisr = p->md_nisr;
        out->offline = p->md_offline;
        out->noffline = p->md_noffline;
        return 1;
    }
    out->leader = p->leader;
    out->leader_epoch = p->leader_epoch;
    out->isr = p->isr;
    out->nisr = p->nisr;
    int n = 0;
    for (int r = 0; r < p->nreplicas && n < cap; r++)
        if (!metadata_broker_alive(p->replicas[r]))
            scratch[n++] = p->replicas[r];
    out->offline = scratch;
    out->noffline = n;
    return 0;
}

void metadata_partition_free(partition *p) {
    free(p->md_isr);
    free(p->md_offline);
    p->md_isr = p->md_offline = NULL;
    p->md_nisr = p->md_noffline = 0;
    p->md_leader = -1;
    p->md_leader_epoch = -1;
}
