/* acl.c -- ACLs and authentication, as ZooKeeper's world, auth, digest and
 * ip providers define them:
 *   world:anyone          everybody
 *   auth:                 (create/setACL only) every identity the caller has
 *                         authenticated with (digest), InvalidACL if none
 *   digest:user:B64HASH   a connection that did addauth digest user:password,
 *                         B64HASH = base64(sha1("user:password"))
 *   ip:A.B.C.D[/bits]     the client's IPv4 address (or exact IPv6 text)
 * A node with an empty ACL list, or a server with skipACL, allows all.
 * SHA-1 (FIPS 180-1) and base64 are implemented here to keep the daemon
 * free of a crypto library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "array.h"
#include "zk.h"

/* ------------------------------------------------------------------------
 * SHA-1
 * ---------------------------------------------------------------------- */
#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void sha1_block(uint32_t h[5], const uint8_t *b) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = be32_get(b + 4 * i);
    for (int i = 16; i < 80; i++)
        w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (bb & c) | (~bb & d), k = 0x5A827999;
        else if (i < 40)
            f = bb ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (bb & c) | (bb & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = bb ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = ROL(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = ROL(bb, 30);
        bb = a;
        a = t;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void zk_sha1(const void *data, size_t len, uint8_t out[20]) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const uint8_t *p = data;
    size_t left = len;
    while (left >= 64) {
        sha1_block(h, p);
        p += 64;
        left -= 64;
    }
    uint8_t tail[128] = {0};
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t tlen = left < 56 ? 64 : 128;
    be64_put(tail + tlen - 8, (uint64_t)len * 8);
    sha1_block(h, tail);
    if (tlen == 128)
        sha1_block(h, tail + 64);
    for (int i = 0; i < 5; i++)
        be32_put(out + 4 * i, h[i]);
}

static void base64(const uint8_t *in, size_t n, char *out) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
}

char *zk_digest(const char *user_pass, size_t len) {
    const char *colon = memchr(user_pass, ':', len);
    if (!colon)
        return NULL;
    uint8_t h[20];
    zk_sha1(user_pass, len, h);
    size_t ulen = (size_t)(colon - user_pass);
    char *out = malloc(ulen + 1 + 29);
    memcpy(out, user_pass, ulen);
    out[ulen] = ':';
    base64(h, 20, out + ulen + 1);
    return out;
}

/* ------------------------------------------------------------------------
 * ACL lists
 * ---------------------------------------------------------------------- */
void zk_acls_free(zk_acls *a) {
    for (int32_t i = 0; i < a->n; i++) {
        free(a->v[i].scheme);
        free(a->v[i].id);
    }
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

void zk_acls_copy(zk_acls *dst, const zk_acls *src) {
    dst->n = src->n;
    dst->v = src->n ? calloc((size_t)src->n, sizeof(zk_acl)) : NULL;
    for (int32_t i = 0; i < src->n; i++) {
        dst->v[i].perms = src->v[i].perms;
        dst->v[i].scheme = strdup(src->v[i].scheme);
        dst->v[i].id = strdup(src->v[i].id);
    }
}

/* Appends to a, whose allocated capacity is *cap (array.h). */
static void acls_push(zk_acls *a, size_t *cap, int32_t perms, const char *scheme, size_t slen,
                      const char *id, size_t idlen) {
    a->v = array_reserve(a->v, cap, (size_t)a->n + 1, sizeof(zk_acl));
    if (!a->v)
        abort();
    zk_acl *e = &a->v[a->n++];
    e->perms = perms;
    e->scheme = strndup(scheme, slen);
    e->id = strndup(id, idlen);
}

static bool valid_ip_acl(const char *id, size_t len) {
    char buf[80];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, id, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0 || bits > 128)
            return false;
    }
    struct in_addr a4;
    struct in6_addr a6;
    return inet_pton(AF_INET, buf, &a4) == 1 || inet_pton(AF_INET6, buf, &a6) == 1;
}

static bool kstr_same(kstr a, kstr b) { /* null equals only null */
    return a.len == b.len && (a.len <= 0 || !memcmp(a.s, b.s, (size_t)a.len));
}

/* Is in->v[i] equal (perms, scheme, id) to an entry before it? ZooKeeper
 * 3.5+ drops such repeats from a request's list before expanding it
 * (PrepRequestProcessor.removeDuplicates, ZOOKEEPER-1877); what `auth`
 * expands to is kept as it comes, repeats included. */
static bool acl_repeated(const jute_aclvec *in, int32_t i) {
    const jute_acl *a = &in->v[i];
    for (int32_t j = 0; j < i; j++) {
        const jute_acl *b = &in->v[j];
        if (a->perms == b->perms && kstr_same(a->id.scheme, b->id.scheme) &&
            kstr_same(a->id.id, b->id.id))
            return true;
    }
    return false;
}

int zk_acl_fixup(const jute_aclvec *in, const zk_authid *ids, int nids, zk_acls *out) {
    out->n = 0;
    out->v = NULL;
    size_t cap = 0;
    if (!in || in->count <= 0)
        return ZINVALIDACL;
    for (int32_t i = 0; i < in->count; i++) {
        const jute_acl *a = &in->v[i];
        if (acl_repeated(in, i))
            continue;
        kstr s = a->id.scheme, id = a->id.id;
        if (s.len < 0 || (id.len < 0 && !kstr_eq(s, "auth"))) /* kazoo sends auth's "" as null */
            goto bad;
        if (kstr_eq(s, "world")) {
            if (!kstr_eq(id, "anyone"))
                goto bad;
            acls_push(out, &cap, a->perms, s.s, (size_t)s.len, id.s, (size_t)id.len);
        } else if (kstr_eq(s, "auth")) {
            bool any = false;
            for (int j = 0; j < nids; j++) {
                if (!strcmp(ids[j].scheme, "digest")) { /* the authenticated kind */
                    acls_push(out, &cap, a->perms, ids[j].scheme, strlen(ids[j].scheme), ids[j].id,
                              strlen(ids[j].id));
                    any = true;
                }
            }
            if (!any)
                goto bad;
        } else if (kstr_eq(s, "digest")) {
            if (!memchr(id.s, ':', (size_t)id.len))
                goto bad;
            acls_push(out, &cap, a->perms, s.s, (size_t)s.len, id.s, (size_t)id.len);
        } else if (kstr_eq(s, "ip")) {
            if (!valid_ip_acl(id.s, (size_t)id.len))
                goto bad;
            acls_push(out, &cap, a->perms, s.s, (size_t)s.len, id.s, (size_t)id.len);
        } else if (kstr_eq(s, "super")) {
            acls_push(out, &cap, a->perms, s.s, (size_t)s.len, id.s, (size_t)id.len);
        } else {
            goto bad;
        }
    }
    return ZOK;
bad:
    zk_acls_free(out);
    return ZINVALIDACL;
}

bool zk_ip_match(const char *pattern, const char *ip) {
    char buf[80];
    snprintf(buf, sizeof buf, "%s", pattern);
    char *slash = strchr(buf, '/');
    int bits = 32;
    if (slash) {
        *slash = '\0';
        bits = atoi(slash + 1);
    }
    const char *cip = ip;
    if (!strncmp(cip, "::ffff:", 7) && strchr(cip, '.'))
        cip += 7; /* IPv4-mapped */
    struct in_addr pa, ca;
    if (inet_pton(AF_INET, buf, &pa) == 1 && inet_pton(AF_INET, cip, &ca) == 1) {
        if (bits <= 0)
            return true;
        if (bits > 32)
            bits = 32;
        uint32_t mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
        return (ntohl(pa.s_addr) & mask) == (ntohl(ca.s_addr) & mask);
    }
    return !strcmp(buf, ip);
}

bool zk_acl_check(const zk_acls *acl, int32_t perm, const zk_authid *ids, int nids) {
    if (Z.cfg.skip_acl || !acl || acl->n == 0)
        return true;
    for (int j = 0; j < nids; j++)
        if (!strcmp(ids[j].scheme, "super"))
            return true;
    for (int32_t i = 0; i < acl->n; i++) {
        const zk_acl *a = &acl->v[i];
        if (!(a->perms & perm))
            continue;
        if (!strcmp(a->scheme, "world") && !strcmp(a->id, "anyone"))
            return true;
        for (int j = 0; j < nids; j++) {
            if (strcmp(ids[j].scheme, a->scheme))
                continue;
            if (!strcmp(a->scheme, "ip") ? zk_ip_match(a->id, ids[j].id) : !strcmp(a->id, ids[j].id))
                return true;
        }
    }
    return false;
}
