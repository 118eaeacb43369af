/* controlled_shutdown.h -- a stopping broker asks the controller to move
 * its leaderships away first (controlled.shutdown.enable). */
#ifndef KAFKA_CONTROLLED_SHUTDOWN_H
#define KAFKA_CONTROLLED_SHUTDOWN_H

#include "broker.h"

/* Starts the exchange with the controller; the event loop keeps running. */
void controlled_shutdown_start(void);
/* 1 once it succeeded or every attempt failed: the broker may close. */
int controlled_shutdown_done(void);

#endif
