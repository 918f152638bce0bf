// A throwaway AT Protocol network on loopback for cmsite's Bluesky tests: a PLC directory
// kept in memory (@did-plc/server) and the reference PDS (@atproto/pds) that uses it.
// Prints {"pds": URL, "plc": URL} on one line when both answer; stops on SIGTERM.
// PDS_PUBLIC_URL, when set, is the address accounts' DID documents give for the PDS (a client
// moves there once logged in): the tests' proxy in front of it, so that every request goes through.
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { PlcServer, Database } = require('@did-plc/server')
const pds = require('@atproto/pds')

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function main() {
  const plc = PlcServer.create({ db: Database.mock(), port: await freePort() })
  const plcServer = await plc.start()
  const plcUrl = `http://localhost:${plcServer.address().port}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmsite-pds-'))
  const port = await freePort()
  const env = {
    port,
    hostname: 'localhost',
    devMode: true,
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    didPlcUrl: plcUrl,
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    rateLimitsEnabled: false,
    jwtSecret: crypto.randomBytes(16).toString('hex'),
    adminPassword: crypto.randomBytes(16).toString('hex'),
    plcRotationKeyK256PrivateKeyHex: crypto.randomBytes(32).toString('hex'),
    disableSsrfProtection: true,
  }
  const cfg = pds.envToCfg(env)
  cfg.service.publicUrl = process.env.PDS_PUBLIC_URL || cfg.service.publicUrl
  const server = await pds.PDS.create(cfg, pds.envToSecrets(env))
  await server.start()
  process.stdout.write(JSON.stringify({ pds: `http://localhost:${port}`, plc: plcUrl }) + '\n')
  const stop = async () => {
    await server.destroy().catch(() => {})
    await plc.destroy().catch(() => {})
    fs.rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n')
  process.exit(1)
})
