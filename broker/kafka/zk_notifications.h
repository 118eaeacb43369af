/* zk_notifications.h -- the controller's reading of a directory of
 * sequential notification znodes (/isr_change_notification,
 * /log_dir_event_notification): each child with the prefix is read, handed
 * to the handler and deleted, as Kafka's controller events do; the children
 * are watched again on each call. */
#ifndef KAFKA_ZK_NOTIFICATIONS_H
#define KAFKA_ZK_NOTIFICATIONS_H

/* data may be NULL (an empty znode); path is the notification's. */
typedef void zk_notification_fn(const char *path, const char *data, int len);

typedef struct zk_notification_dir {
    const char *dir;    /* "/isr_change_notification" */
    const char *prefix; /* "isr_change_" */
    zk_notification_fn *handle;
} zk_notification_dir;

/* Lists (and watches) nd->dir; nd must outlive the calls (a static). Only
 * while this broker is the controller. */
void zk_notifications_process(const zk_notification_dir *nd);

#endif
