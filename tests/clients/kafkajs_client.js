#!/usr/bin/env node
// kafkajs (2.2.4, from npm: tests/clients/package.json) driven against the
// broker.  `npm ci` in tests/clients first (tests/install-deps.sh does it).
//
// Subcommands (all take --bootstrap HOST:PORT, default $BROKER, --timeout S):
//   check                        connect, print brokers and topics
//   roundtrip   --topic T --count N --partitions P [--codec C] [--pad B]
//               admin-create, produce N keyed messages, consume, verify
//   compression --codec gzip|snappy|lz4|zstd [--count N]  roundtrip, codec
//   idempotent  [--count N] [--partitions P]   idempotent: true,
//               maxInFlightRequests: 1; exactly N, in order
//   admin       [--topic NAME]   create/list/describe/alter/delete + errors
//   delete-records [--topic T]   produce 100, DeleteRecords before 50,
//               earliest offset is 50 and consuming starts there
//   offsets     --topic T        print "partition earliest latest" lines
//
// Reading back: kafkajs has no public group-less consumer, so by default the
// programs drive kafkajs's own Cluster/Broker objects (ListOffsets earliest,
// then Fetch, kafkajs's decoders) without a group: see consumeVerifyAssign.
// --group uses the public consumer API instead (a fresh groupId each run,
// fromBeginning: true), which needs the broker's group coordinator
// (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetFetch,
// OffsetCommit, LeaveGroup).
// Codecs: gzip is built in; snappy via kafkajs-snappy (snappyjs), lz4 via
// lz4js (pure JS LZ4 frames), zstd via @bokuweb/zstd-wasm (WebAssembly in
// the npm package): all pure JS/wasm, nothing to compile or download.
//
// Message i: key "k<i % 1000>", value "v<i>" + pad dots, header idx=<i>
// when i % 100 == 0.  Exit: 0 pass, 1 failure, 2 cannot connect, 3 usage.
'use strict'

const {
  Kafka,
  logLevel,
  CompressionTypes,
  CompressionCodecs,
  ConfigResourceTypes,
} = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const lz4 = require('lz4js')
const zstd = require('@bokuweb/zstd-wasm')

const NAME = 'kafkajs'
const EXIT_FAIL = 1
const EXIT_NOCONN = 2
const EXIT_USAGE = 3

class TestFailure extends Error {}
class NoConnection extends Error {}

// ------------------------------------------------------------- codecs --

const LZ4Codec = () => ({
  async compress(encoder) {
    return Buffer.from(lz4.compress(encoder.buffer))
  },
  async decompress(buffer) {
    return Buffer.from(lz4.decompress(buffer))
  },
})
let zstdReady = null
const ZstdCodec = () => ({
  async compress(encoder) {
    await (zstdReady = zstdReady || zstd.init())
    return Buffer.from(zstd.compress(encoder.buffer, 3))
  },
  async decompress(buffer) {
    await (zstdReady = zstdReady || zstd.init())
    return Buffer.from(zstd.decompress(buffer))
  },
})
CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = LZ4Codec
CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodec
const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

// ------------------------------------------------------------ scheme --

const keyFor = i => `k${i % 1000}`
const valueFor = (i, pad = 0) => `v${i}${'.'.repeat(pad)}`
const headerFor = i => (i % 100 === 0 ? String(i) : null)
const VALUE_RE = /^v(\d+)(\.*)$/
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const str = b => (b === null || b === undefined ? null : Buffer.isBuffer(b) ? b.toString() : String(b))

// Same checks as kclient_common.Verifier (Python).
class Verifier {
  constructor(count, { pad = 0, keyed = true, firstOffset = 0, checkHeaders = false, tsWindow = null, startIndex = 0 } = {}) {
    Object.assign(this, { count, pad, keyed, firstOffset, checkHeaders, tsWindow, startIndex })
    this.seen = new Set()
    this.lastIndex = new Map()
    this.nextOffset = new Map()
    this.keyPartition = new Map()
    this.perPartition = new Map()
    this.errors = []
    this.received = 0
  }

  error(msg) {
    if (this.errors.length < 20) this.errors.push(msg)
    else if (this.errors.length === 20) this.errors.push('... (more errors not shown)')
  }

  add(partition, offset, key, value, headers, timestamp) {
    this.received++
    this.perPartition.set(partition, (this.perPartition.get(partition) || 0) + 1)
    const where = `p${partition}@${offset}`
    const exp = this.nextOffset.get(partition)
    if (exp === undefined) {
      if (this.firstOffset !== null && offset !== this.firstOffset) {
        this.error(`${where}: first offset in partition ${partition} is ${offset}, expected ${this.firstOffset}`)
      }
    } else if (offset !== exp) {
      this.error(`${where}: offset ${offset} follows ${exp - 1} in partition ${partition} (gap or reorder)`)
    }
    this.nextOffset.set(partition, offset + 1)
    const v = str(value) || ''
    const m = VALUE_RE.exec(v)
    if (!m) return this.error(`${where}: value ${JSON.stringify(v.slice(0, 60))} is not v<index>`)
    const i = Number(m[1])
    if (m[2].length !== this.pad) this.error(`${where}: v${i} has ${m[2].length} pad bytes, expected ${this.pad} (corrupted)`)
    if (i < this.startIndex || i >= this.startIndex + this.count) return this.error(`${where}: unexpected message index ${i}`)
    if (this.seen.has(i)) this.error(`${where}: duplicate message v${i}`)
    this.seen.add(i)
    const k = str(key)
    if (this.keyed) {
      if (k !== keyFor(i)) this.error(`${where}: v${i} has key ${JSON.stringify(k)}, expected ${keyFor(i)}`)
      else {
        if (!this.keyPartition.has(k)) this.keyPartition.set(k, partition)
        if (this.keyPartition.get(k) !== partition) this.error(`${where}: key ${k} in partitions ${this.keyPartition.get(k)} and ${partition}`)
      }
    } else if (k !== null) this.error(`${where}: v${i} has key ${k}, expected none`)
    const last = this.lastIndex.get(partition)
    if (last !== undefined && i <= last) this.error(`${where}: v${i} after v${last} in partition ${partition} (order not kept)`)
    this.lastIndex.set(partition, i)
    if (this.checkHeaders) {
      const want = headerFor(i)
      const got = Object.entries(headers || {}).map(([hk, hv]) => [hk, str(hv)])
      if (want === null && got.length) this.error(`${where}: v${i} has headers ${JSON.stringify(got)}, expected none`)
      if (want !== null && JSON.stringify(got) !== JSON.stringify([['idx', want]])) {
        this.error(`${where}: v${i} has headers ${JSON.stringify(got)}, expected idx=${want}`)
      }
    }
    if (this.tsWindow && timestamp !== undefined && timestamp !== null) {
      const [lo, hi] = this.tsWindow
      if (!(timestamp >= lo && timestamp <= hi)) this.error(`${where}: v${i} has timestamp ${timestamp}, outside [${lo}, ${hi}]`)
    }
  }

  done() {
    return this.seen.size >= this.count
  }

  summary() {
    const parts = [...this.perPartition.entries()].sort((a, b) => a[0] - b[0]).map(([p, n]) => `p${p}=${n}`)
    return `${this.seen.size}/${this.count} messages (${parts.join(', ') || 'none'})`
  }

  finish(what = 'consume') {
    const errs = [...this.errors]
    if (!this.done()) {
      const miss = []
      for (let i = this.startIndex; i < this.startIndex + this.count && miss.length < 10; i++) {
        if (!this.seen.has(i)) miss.push(`v${i}`)
      }
      errs.push(`${what}: only ${this.seen.size} of ${this.count} messages received (${this.received} records read); first missing: ${miss.join(', ')}`)
    }
    if (errs.length) throw new TestFailure(`${what}: ${errs.length} problem(s):\n  ${errs.join('\n  ')}`)
  }
}

// ------------------------------------------------------------ helpers --

function errorTypes(e, out = new Set()) {
  if (!e || typeof e !== 'object') return out
  if (e.type) out.add(e.type)
  for (const sub of [e.errors, e.partitions, e.topics].filter(Array.isArray)) {
    for (const x of sub) errorTypes(x.error || x, out)
  }
  if (e.originalError) errorTypes(e.originalError, out)
  if (e.cause) errorTypes(e.cause, out)
  return out
}

async function expectError(what, type, fn) {
  try {
    await fn()
  } catch (e) {
    const types = errorTypes(e)
    if (types.has(type)) return e
    throw new TestFailure(`${what}: expected ${type}, got ${e.name}: ${e.message} (types ${[...types].join(',') || 'none'})`)
  }
  throw new TestFailure(`${what}: expected ${type}, but it succeeded`)
}

function makeKafka(args) {
  return new Kafka({
    clientId: 'kt-kafkajs',
    brokers: [args.bootstrap],
    logLevel: process.env.KAFKAJS_DEBUG ? logLevel.DEBUG : logLevel.ERROR,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
  })
}

async function connectAdmin(kafka, args) {
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (e) {
    throw new NoConnection(`${e.name}: ${e.message}`)
  }
  return admin
}

async function waitFor(what, timeoutS, fn) {
  const deadline = Date.now() + timeoutS * 1000
  let last
  for (;;) {
    last = await fn()
    if (last === true) return
    if (Date.now() > deadline) throw new TestFailure(`${what}: not within ${timeoutS} s (last: ${last})`)
    await sleep(200)
  }
}

async function waitPartitions(admin, topic, n) {
  await waitFor(`topic ${topic} with ${n} partitions`, 30, async () => {
    try {
      const md = await admin.fetchTopicMetadata({ topics: [topic] })
      const parts = md.topics[0].partitions
      if (parts.length !== n) return `${parts.length} partitions`
      const noLeader = parts.filter(p => p.leader < 0).map(p => p.partitionId)
      return noLeader.length ? `no leader for ${noLeader}` : true
    } catch (e) {
      return `${e.name}: ${e.message}`
    }
  })
}

async function createTopic(admin, topic, numPartitions, configEntries = []) {
  let created
  try {
    created = await admin.createTopics({
      topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }],
      waitForLeaders: true,
      timeout: 30000,
    })
  } catch (e) {
    throw new TestFailure(`CreateTopics ${topic} (${numPartitions} partitions): ${e.name}: ${e.message} [${[...errorTypes(e)]}]`)
  }
  if (!created) throw new TestFailure(`CreateTopics ${topic}: topic already existed`)
  await waitPartitions(admin, topic, numPartitions)
}

async function produce(kafka, topic, count, { pad = 0, codec = 'none', idempotent = false, headers = false, keyed = true, partition, start = 0 } = {}) {
  const producer = kafka.producer(
    idempotent ? { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false } : { allowAutoTopicCreation: false }
  )
  const t0 = Date.now()
  const chunk = 1000
  try {
    await producer.connect()
    for (let base = start; base < start + count; base += chunk) {
      const messages = []
      for (let i = base; i < Math.min(base + chunk, start + count); i++) {
        const m = { value: valueFor(i, pad) }
        if (keyed) m.key = keyFor(i)
        if (headers && headerFor(i) !== null) m.headers = { idx: headerFor(i) }
        if (partition !== undefined) m.partition = partition
        messages.push(m)
      }
      const res = await producer.send({ topic, messages, acks: -1, compression: CODECS[codec] })
      for (const r of res) {
        if (r.errorCode !== 0) throw new TestFailure(`produce: partition ${r.partition} error code ${r.errorCode}`)
      }
    }
  } catch (e) {
    if (e instanceof TestFailure) throw e
    throw new TestFailure(`produce to ${topic}: ${e.name}: ${e.message} [${[...errorTypes(e)]}]`)
  } finally {
    await producer.disconnect()
  }
  console.log(`produced ${count} messages to ${topic} in ${((Date.now() - t0) / 1000).toFixed(1)} s (codec ${codec}${idempotent ? ', idempotent' : ''})`)
}

// Read `topic` from its earliest offsets WITHOUT a consumer group: kafkajs
// has no public assign()-style consumer, so this drives kafkajs's own
// Cluster and Broker objects (its real ListOffsets and Fetch encoders and
// decoders, record batch parsing and codecs) the way its consumer does,
// minus the group membership.  Stops when the verifier has everything
// (then reads 1 s more, to catch duplicates) or on timeout.
async function consumeVerifyAssign(kafka, topic, verifier, timeoutS) {
  const sym = Object.getOwnPropertySymbols(kafka).find(s => String(s) === 'Symbol(private:Kafka:createCluster)')
  if (!sym) throw new TestFailure('kafkajs internals changed (no createCluster): expected kafkajs 2.2.4')
  const cluster = kafka[sym]({ allowAutoTopicCreation: false, isolationLevel: 1 })
  const t0 = Date.now()
  try {
    await cluster.connect()
    await cluster.addTargetTopic(topic)
    const partitions = cluster.findTopicPartitionMetadata(topic).map(p => p.partitionId).sort((a, b) => a - b)
    if (!partitions.length) throw new TestFailure(`topic ${topic} has no partitions in metadata`)
    const [earliest] = await cluster.fetchTopicsOffset([
      { topic, partitions: partitions.map(partition => ({ partition })), fromBeginning: true },
    ])
    const next = new Map(earliest.partitions.map(p => [p.partition, BigInt(p.offset)]))
    const deadline = Date.now() + timeoutS * 1000
    let drainUntil = null
    while (Date.now() < deadline) {
      if (verifier.done()) {
        if (drainUntil === null) drainUntil = Date.now() + 1000
        else if (Date.now() > drainUntil) break
      }
      const byLeader = cluster.findLeaderForPartitions(topic, partitions)
      await Promise.all(
        Object.entries(byLeader).map(async ([nodeId, parts]) => {
          const broker = await cluster.findBroker({ nodeId })
          const res = await broker.fetch({
            replicaId: -1,
            isolationLevel: 1,
            maxWaitTime: 100,
            minBytes: 1,
            maxBytes: 10485760,
            topics: [{ topic, partitions: parts.map(p => ({ partition: p, fetchOffset: String(next.get(p)), maxBytes: 1048576 })) }],
          })
          for (const t of res.responses) {
            for (const part of t.partitions) {
              for (const m of part.messages) {
                const off = BigInt(m.offset)
                if (m.isControlRecord || off < next.get(part.partition)) continue
                verifier.add(part.partition, Number(off), m.key, m.value, m.headers, Number(m.timestamp))
                next.set(part.partition, off + 1n)
              }
            }
          }
        })
      )
    }
  } catch (e) {
    if (e instanceof TestFailure) throw e
    throw new TestFailure(`fetch: ${e.name}: ${e.message} [${[...errorTypes(e)]}]`)
  } finally {
    await cluster.disconnect().catch(() => {})
  }
  verifier.finish()
  console.log(`consumed and verified ${verifier.summary()} in ${((Date.now() - t0) / 1000).toFixed(1)} s (no group: ListOffsets + Fetch)`)
}

async function consume(kafka, topic, verifier, timeoutS, args) {
  if (args.group) return consumeVerify(kafka, topic, verifier, timeoutS)
  return consumeVerifyAssign(kafka, topic, verifier, timeoutS)
}

// With --group: read `topic` from the beginning with a fresh consumer group until the
// verifier has everything (then 1 s more, to catch duplicates) or timeout.
async function consumeVerify(kafka, topic, verifier, timeoutS) {
  const consumer = kafka.consumer({
    groupId: `kt-kafkajs-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30000,
    rebalanceTimeout: 30000,
    heartbeatInterval: 3000,
    allowAutoTopicCreation: false,
  })
  const t0 = Date.now()
  let crashed = null
  consumer.on(consumer.events.CRASH, ev => {
    crashed = ev.payload && ev.payload.error
  })
  try {
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          verifier.add(batch.partition, Number(m.offset), m.key, m.value, m.headers, Number(m.timestamp))
        }
      },
    })
    const deadline = Date.now() + timeoutS * 1000
    while (!verifier.done() && !crashed && Date.now() < deadline) await sleep(50)
    if (verifier.done()) await sleep(1000)
  } catch (e) {
    throw new TestFailure(`consumer: ${e.name}: ${e.message} [${[...errorTypes(e)]}]`)
  } finally {
    await consumer.disconnect().catch(() => {})
  }
  if (crashed && !verifier.done()) throw new TestFailure(`consumer crashed: ${crashed.name}: ${crashed.message}`)
  verifier.finish()
  console.log(`consumed and verified ${verifier.summary()} in ${((Date.now() - t0) / 1000).toFixed(1)} s (group consumer)`)
}

function defaultTopic(args, prefix) {
  if (!args.topic) args.topic = `${prefix}-${process.pid}-${Date.now() % 1000000}`
  return args.topic
}

// ----------------------------------------------------------- commands --

async function cmdCheck(args) {
  const kafka = makeKafka(args)
  const admin = await connectAdmin(kafka, args)
  const cl = await admin.describeCluster()
  const topics = await admin.listTopics()
  console.log(`brokers: ${cl.brokers.map(b => `${b.nodeId}=${b.host}:${b.port}`).join(', ')}`)
  console.log(`controller: ${cl.controller}  topics: ${topics.length}`)
  await admin.disconnect()
}

async function roundtrip(args, { codec = 'none', idempotent = false } = {}) {
  defaultTopic(args, 'rt-kafkajs')
  const kafka = makeKafka(args)
  const admin = await connectAdmin(kafka, args)
  if (args['no-create']) await waitPartitions(admin, args.topic, args.partitions)
  else await createTopic(admin, args.topic, args.partitions)
  const tStart = Date.now() - 5000
  await produce(kafka, args.topic, args.count, { pad: args.pad, codec, idempotent, headers: true })
  const v = new Verifier(args.count, { pad: args.pad, checkHeaders: true, tsWindow: [tStart, Date.now() + 5000] })
  await consume(kafka, args.topic, v, args.timeout, args)
  const offs = await admin.fetchTopicOffsets(args.topic)
  const total = offs.reduce((s, o) => s + Number(o.high) - Number(o.low), 0)
  if (total !== args.count) throw new TestFailure(`offsets of ${args.topic} add up to ${total} messages, expected ${args.count}: ${JSON.stringify(offs)}`)
  await admin.disconnect()
}

async function cmdAdmin(args) {
  const kafka = makeKafka(args)
  const admin = await connectAdmin(kafka, args)
  const t = defaultTopic(args, 'admin-kafkajs')
  const cfg = { 'retention.ms': '3600000', 'cleanup.policy': 'delete', 'max.message.bytes': '200000' }
  await createTopic(admin, t, 3, Object.entries(cfg).map(([name, value]) => ({ name, value })))
  console.log(`created ${t} with 3 partitions and ${JSON.stringify(cfg)}`)

  const again = await admin.createTopics({ topics: [{ topic: t, numPartitions: 3 }], timeout: 30000 })
  if (again !== false) throw new TestFailure(`creating ${t} again returned ${again}, expected false (TOPIC_ALREADY_EXISTS)`)
  if (!(await admin.listTopics()).includes(t)) throw new TestFailure(`${t} missing from listTopics()`)

  const dc = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: t }],
    includeSynonyms: false,
  })
  const res = dc.resources[0]
  if (res.errorCode !== 0) throw new TestFailure(`DescribeConfigs ${t}: error ${res.errorCode} ${res.errorMessage}`)
  const got = Object.fromEntries(res.configEntries.map(e => [e.configName, e.configValue]))
  for (const [k, want] of Object.entries(cfg)) {
    if (got[k] !== want) throw new TestFailure(`DescribeConfigs ${t}: ${k} = ${got[k]}, expected ${want}`)
  }
  console.log(`describe configs: ${res.configEntries.length} entries, retention.ms=${got['retention.ms']}`)

  try {
    await admin.createPartitions({ topicPartitions: [{ topic: t, count: 5 }], timeout: 30000 })
  } catch (e) {
    throw new TestFailure(`CreatePartitions ${t} to 5: ${e.name}: ${e.message}`)
  }
  await waitPartitions(admin, t, 5)
  console.log('partitions increased to 5')
  await expectError(`CreatePartitions ${t} down to 4`, 'INVALID_PARTITIONS', () =>
    admin.createPartitions({ topicPartitions: [{ topic: t, count: 4 }], timeout: 30000 })
  )
  await produce(kafka, t, 10, { partition: 4 })

  try {
    await admin.deleteTopics({ topics: [t], timeout: 30000 })
  } catch (e) {
    throw new TestFailure(`DeleteTopics ${t}: ${e.name}: ${e.message}`)
  }
  await waitFor(`deleted topic ${t} gone from listTopics()`, 30, async () => !(await admin.listTopics()).includes(t) || 'still listed')
  console.log(`deleted ${t}; gone from metadata`)

  for (const bad of ['bad name!', '..', 'x'.repeat(250), 'a/b']) {
    await expectError(`CreateTopics ${JSON.stringify(bad.slice(0, 40))}`, 'INVALID_TOPIC_EXCEPTION', () =>
      admin.createTopics({ topics: [{ topic: bad, numPartitions: 1 }], waitForLeaders: false, timeout: 30000 })
    )
  }
  console.log('invalid topic names rejected with INVALID_TOPIC_EXCEPTION')
  await admin.disconnect()
}

async function cmdDeleteRecords(args) {
  const kafka = makeKafka(args)
  const admin = await connectAdmin(kafka, args)
  const t = defaultTopic(args, 'delrec-kafkajs')
  await createTopic(admin, t, 1)
  await produce(kafka, t, 100)
  const offs = async () => {
    const o = (await admin.fetchTopicOffsets(t)).find(x => x.partition === 0)
    return [Number(o.low), Number(o.high)]
  }
  let [low, high] = await offs()
  if (low !== 0 || high !== 100) throw new TestFailure(`before DeleteRecords: offsets ${low}..${high}, expected 0..100`)

  try {
    await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '50' }] })
  } catch (e) {
    throw new TestFailure(`DeleteRecords ${t}[0] before 50: ${e.name}: ${e.message} [${[...errorTypes(e)]}]`)
  }
  ;[low, high] = await offs()
  if (low !== 50 || high !== 100) throw new TestFailure(`after DeleteRecords before 50: offsets ${low}..${high}, expected 50..100`)
  console.log('DeleteRecords: earliest offset now 50, latest 100')

  const v = new Verifier(50, { startIndex: 50, firstOffset: 50 })
  await consume(kafka, t, v, Math.min(args.timeout, 60), args)
  console.log('consuming from the earliest offset starts at 50')

  await expectError('DeleteRecords beyond the latest offset', 'OFFSET_OUT_OF_RANGE', () =>
    admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '150' }] })
  )
  // offset -1: delete everything up to the high watermark
  await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '-1' }] })
  ;[low, high] = await offs()
  if (low !== 100 || high !== 100) throw new TestFailure(`after DeleteRecords -1: offsets ${low}..${high}, expected 100..100`)
  console.log('DeleteRecords -1: earliest offset = latest = 100')
  await produce(kafka, t, 1, { start: 100 })
  ;[low, high] = await offs()
  if (low !== 100 || high !== 101) throw new TestFailure(`produce after DeleteRecords: offsets ${low}..${high}, expected 100..101`)
  await admin.disconnect()
}

async function cmdOffsets(args) {
  const kafka = makeKafka(args)
  const admin = await connectAdmin(kafka, args)
  let offs
  try {
    offs = await admin.fetchTopicOffsets(args.topic)
  } catch (e) {
    throw new TestFailure(`ListOffsets ${args.topic}: ${e.name}: ${e.message}`)
  }
  for (const o of offs.sort((a, b) => a.partition - b.partition)) console.log(`${o.partition} ${o.low} ${o.high}`)
  await admin.disconnect()
}

// ---------------------------------------------------------------- main --

const COMMANDS = {
  check: { fn: cmdCheck, topic: false },
  roundtrip: { fn: a => roundtrip(a, { codec: a.codec }), defaults: { count: 100000, partitions: 3, pad: 0, codec: 'none' } },
  compression: { fn: a => roundtrip(a, { codec: a.codec }), defaults: { count: 20000, partitions: 3, pad: 100 }, required: ['codec'] },
  idempotent: { fn: a => roundtrip(a, { idempotent: true }), defaults: { count: 20000, partitions: 1, pad: 0 } },
  admin: { fn: cmdAdmin },
  'delete-records': { fn: cmdDeleteRecords },
  offsets: { fn: cmdOffsets, required: ['topic'] },
}
const NUMERIC = new Set(['count', 'partitions', 'pad', 'timeout'])
const FLAGS = new Set(['no-create', 'group'])

function usage(msg) {
  console.error(`${msg ? `usage error: ${msg}\n` : ''}usage: kafkajs_client.js {${Object.keys(COMMANDS).join('|')}} [--bootstrap H:P] [--topic T] [--count N] [--partitions P] [--codec C] [--pad B] [--timeout S] [--no-create] [--group]`)
  process.exit(EXIT_USAGE)
}

function parseArgs(argv) {
  const cmd = argv[0]
  if (!cmd || !COMMANDS[cmd]) usage(cmd ? `unknown command ${cmd}` : 'no command')
  const spec = COMMANDS[cmd]
  const args = Object.assign({ cmd, bootstrap: process.env.BROKER || '127.0.0.1:9092', timeout: 120 }, spec.defaults || {})
  for (let i = 1; i < argv.length; i++) {
    let a = argv[i]
    if (a === '-b') a = '--bootstrap'
    if (a === '-t') a = '--topic'
    if (!a.startsWith('--')) usage(`unexpected argument ${a}`)
    a = a.slice(2)
    if (FLAGS.has(a)) {
      args[a] = true
      continue
    }
    if (i + 1 >= argv.length) usage(`--${a} needs a value`)
    const val = argv[++i]
    args[a] = NUMERIC.has(a) ? Number(val) : val
    if (NUMERIC.has(a) && !Number.isFinite(args[a])) usage(`--${a} wants a number`)
  }
  for (const r of spec.required || []) if (args[r] === undefined) usage(`${cmd} needs --${r}`)
  if (args.codec !== undefined && CODECS[args.codec] === undefined) usage(`unknown codec ${args.codec}`)
  return args
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const t0 = Date.now()
  const watchdog = setTimeout(() => {
    console.error(`FAIL: ${NAME} ${args.cmd}: timed out after ${args.timeout + 15} s (watchdog)`)
    process.exit(EXIT_FAIL)
  }, (args.timeout + 15) * 1000)
  watchdog.unref()
  try {
    await COMMANDS[args.cmd].fn(args)
  } catch (e) {
    if (e instanceof NoConnection) {
      console.error(`ERROR: ${NAME} ${args.cmd}: cannot connect to broker at ${args.bootstrap}: ${e.message}`)
      process.exit(EXIT_NOCONN)
    }
    if (e instanceof TestFailure) console.error(`FAIL: ${NAME} ${args.cmd}: ${e.message}`)
    else console.error(`FAIL: ${NAME} ${args.cmd}: unexpected exception: ${e && e.stack}`)
    process.exit(EXIT_FAIL)
  }
  console.log(`PASS: ${NAME} ${args.cmd} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  process.exit(0)
}

main()
