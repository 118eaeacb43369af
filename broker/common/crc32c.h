/* crc32c.h -- CRC-32C (Castagnoli), the checksum of Kafka record batches
 * (magic 2) and of producer-state snapshots. */
#ifndef COMMON_CRC32C_H
#define COMMON_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: start with crc = 0. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
