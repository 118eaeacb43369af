#!/usr/bin/env node
// kafkajs (2.2.4) in consumer groups, driven by tests/integration/groups_*.bats.
//
//   kafkajs_group.js member --bootstrap HOST:PORT --group G --topic T --name NAME
//                    --dir DIR [--session-timeout-ms MS] [--max-seconds S]
//       Same contract as group_member.py: keeps NAME.assign (current
//       partitions, comma-separated), NAME.events ("assigned 0,3" per
//       assignment) and NAME.records ("<partition> <offset> <value>") in DIR;
//       commits every record before the next; SIGTERM disconnects (leaves).
//   kafkajs_group.js admin --bootstrap HOST:PORT --group G [--delete]
//       Prints, one per line: "list <group> <protocolType>" for every group,
//       "describe <group> <state> <members> <protocol>", "offset <topic> <partition>
//       <offset>" from fetchOffsets, and with --delete "deleted <group>" or
//       "delete-error <group> <error type>".
'use strict'

const fs = require('fs')
const path = require('path')
const { Kafka, logLevel } = require('kafkajs')

function args() {
  const a = { mode: process.argv[2], sessionTimeoutMs: 6000, maxSeconds: 300, delete: false }
  const argv = process.argv.slice(3)
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    const next = () => argv[++i]
    if (k === '--bootstrap') a.bootstrap = next()
    else if (k === '--group') a.group = next()
    else if (k === '--topic') a.topic = next()
    else if (k === '--name') a.name = next()
    else if (k === '--dir') a.dir = next()
    else if (k === '--session-timeout-ms') a.sessionTimeoutMs = Number(next())
    else if (k === '--max-seconds') a.maxSeconds = Number(next())
    else if (k === '--delete') a.delete = true
    else {
      console.error(`unknown argument: ${k}`)
      process.exit(3)
    }
  }
  return a
}

async function member(a) {
  const base = path.join(a.dir, a.name)
  const records = fs.openSync(`${base}.records`, 'a')
  const events = fs.openSync(`${base}.events`, 'a')
  const kafka = new Kafka({ clientId: a.name, brokers: [a.bootstrap], logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({
    groupId: a.group,
    sessionTimeout: a.sessionTimeoutMs,
    heartbeatInterval: 1000,
    rebalanceTimeout: 20000,
  })
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = (e.payload.memberAssignment[a.topic] || []).slice().sort((x, y) => x - y)
    const line = parts.join(',')
    fs.writeFileSync(`${base}.assign.tmp`, `${line}\n`)
    fs.renameSync(`${base}.assign.tmp`, `${base}.assign`)
    fs.writeSync(events, `assigned ${line}\n`)
  })
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await consumer.disconnect()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  setTimeout(stop, a.maxSeconds * 1000).unref()
  await consumer.connect()
  await consumer.subscribe({ topic: a.topic, fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      fs.writeSync(records, `${partition} ${message.offset} ${message.value.toString()}\n`)
      await consumer.commitOffsets([
        { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
      ])
    },
  })
}

async function admin(a) {
  const kafka = new Kafka({ clientId: 'groups-admin', brokers: [a.bootstrap], logLevel: logLevel.NOTHING })
  const adm = kafka.admin()
  await adm.connect()
  const { groups } = await adm.listGroups()
  for (const g of groups) console.log(`list ${g.groupId} ${g.protocolType || '-'}`)
  const d = await adm.describeGroups([a.group])
  for (const g of d.groups)
    console.log(`describe ${g.groupId} ${g.state} ${g.members.length} ${g.protocol || '-'}`)
  const offsets = await adm.fetchOffsets({ groupId: a.group })
  for (const t of offsets)
    for (const p of t.partitions) console.log(`offset ${t.topic} ${p.partition} ${p.offset}`)
  if (a.delete) {
    try {
      await adm.deleteGroups([a.group])
      console.log(`deleted ${a.group}`)
    } catch (e) {
      const err = (e.groups && e.groups[0] && e.groups[0].error) || e
      console.log(`delete-error ${a.group} ${err.type || err.name}`)
    }
  }
  await adm.disconnect()
}

const a = args()
const run = a.mode === 'member' ? member : a.mode === 'admin' ? admin : null
if (!run) {
  console.error('usage: kafkajs_group.js member|admin ...')
  process.exit(3)
}
run(a).catch((e) => {
  console.error(`${a.name || 'admin'}: ${e.name}: ${e.message}`)
  process.exit(1)
})
