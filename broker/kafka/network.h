/* network.h -- client connections of the broker: framing, request dispatch
 * and queued responses (memory and sendfile parts).
 *
 * A connection handles its requests in order and answers them in order, as
 * Kafka does: while a request is deferred (a long-poll Fetch, a CreateTopics
 * waiting for ZooKeeper) the following requests stay in the input buffer.
 * One exception: a deferred request whose handler released its frame
 * (request_release_frame: an acks=all Produce waiting for replication) lets
 * the Produce requests after it be handled meanwhile; their responses wait
 * behind its own, and any other request waits until all are answered.
 *
 * Memory (the -Xmx ceiling, memlimit.h): a request's frame is charged when
 * its size is read, and reading pauses at the admission ceiling; answers are
 * charged while queued. A connection whose queued answers pass 1 MiB (a
 * client that does not read them) handles no further request until they are
 * sent, and once answers have used up the reserve (the ceiling itself is
 * reached) no connection starts a new request until memory is freed. Log
 * data is sent from the files (sendfile) and costs no memory. */
#ifndef KAFKA_NETWORK_H
#define KAFKA_NETWORK_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

typedef struct conn conn;

typedef struct request {
    conn *c;
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    kstr client_id;
    int header_tags; /* flexible version: response header v1 (tagged fields) */
    uint8_t *frame; /* the request without its size prefix (writable) */
    size_t frame_len;
    rbuf body;      /* positioned at the request body */
    void *state;    /* handler state while deferred */
    /* network.c's own */
    int frame_released;    /* request_release_frame was called */
    int answered;          /* complete; its response waits for earlier ones */
    struct response *held; /* that response */
    struct request *next_in_order;
} request;

/* A response body (its memory is charged to the -Xmx ceiling): bytes in memory with file ranges spliced in at given
 * positions (sent with sendfile(2)). */
typedef struct resp_file {
    size_t at;  /* position in wb where this file range goes */
    int fd;     /* owned; closed when sent or dropped */
    off_t pos;
    size_t len;
} resp_file;

typedef struct response response;
struct response {
    wbuf wb;
    resp_file *files;
    int nfiles, capfiles;
    size_t files_len; /* total bytes in files */
};

void resp_init(response *rs);
void resp_free(response *rs);
void resp_add_file(response *rs, int fd, off_t pos, size_t len);
size_t resp_len(const response *rs); /* memory + file bytes */

/* Handler contract: parse rq->body (bounds-checked, `err_parse` on failure),
 * write the response body (no header) into rs. Return 0 when rs is complete,
 * 1 when deferred (the handler keeps rq and a copy of rs, and calls
 * request_complete later), 2 when no response is due (acks=0), -1 on
 * malformed input (the connection is closed with a WARN line). */
typedef int api_handler(request *rq, response *rs);

/* Finishes a deferred request: queues rs (body) and resumes the connection.
 * If the connection was closed meanwhile, only frees. Takes ownership of rs
 * contents and frees rq. */
void request_complete(request *rq, response *rs);
/* A deferred handler no longer reads its request's frame: the Produce
 * requests after it on the connection may be handled before it completes. */
void request_release_frame(request *rq);
/* Whether the client of a deferred request is still there. */
int request_conn_alive(const request *rq);
const char *request_client_host(const request *rq);

int network_listen(void);       /* opens every listener from the config */
/* Called before the event loop sleeps: once memory was freed, connections
 * whose reading was paused by the memory ceiling are read again. */
void network_before_sleep(void);
void network_stop_accepting(void);
void network_close_all(void);
int network_conn_count(void);
/* Serves a connected, non-blocking socket as a client connection (the
 * listeners' accept path; the fuzzers hand over one end of a socketpair).
 * Returns 0, or -1 with fd closed. */
int network_adopt(int fd, const char *ip, int port);
/* Whether every connection waits for input: no request deferred (the
 * input is parsed whenever none is), no response left to send, no reading
 * paused at the memory ceiling. */
int network_idle(void);

#endif
