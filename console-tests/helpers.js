// Shared by the console's browser tests: a real ecsnet server on 127.0.0.1 (free port, temp
// data dir), data written through its API with the ecsnet CLI, headless Chromium through
// playwright-core, and screenshots into docs/console/.
'use strict';

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..');
const BIN = process.env.ECSNET_BIN || path.join(ROOT, 'target', 'debug', 'ecsnet');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'docs', 'console');
const KEY_ID = 'LTAI5tConsoleTestRoot01';
const SECRET = 'ConsoleTestSecret0123456789abc';
const REGION = 'cn-hangzhou';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(BIN, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ecsnet ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Starts `ecsnet serve`; resolves once the console answers. */
async function startServer() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run cargo build first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsnet-console-'));
  const port = await freePort();
  const endpoint = `127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve', '--listen', endpoint, '--data-dir', dataDir], {
    env: { ...process.env, ECSNET_ROOT_ACCESS_KEY_ID: KEY_ID, ECSNET_ROOT_ACCESS_KEY_SECRET: SECRET, ECSNET_LOG: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://${endpoint}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`ecsnet serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${base}/console/`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (i > 200) throw new Error('ecsnet serve did not start within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const config = path.join(dataDir, 'cli-config.json');
  const credentials = (keyId, secret) => ['--endpoint', endpoint, '--region', REGION, '--access-key-id', keyId, '--access-key-secret', secret];
  const server = {
    base,
    dataDir,
    /** An API call through the ecsnet CLI as the root account; resolves to its JSON answer. */
    async api(action, params = {}, as = { keyId: KEY_ID, secret: SECRET }) {
      const product = ['CreateVpc', 'DescribeVpcs', 'CreateVSwitch', 'DescribeVSwitches'].includes(action) ? 'vpc' : 'ecs';
      const flags = Object.entries({ RegionId: REGION, ...params }).flatMap(([k, v]) => [`--${k}`, String(v)]);
      return JSON.parse(await run([product, action, ...flags, ...credentials(as.keyId, as.secret)], { ECSNET_CONFIG: config }));
    },
    async seedDemo() {
      return JSON.parse(await run(['seed', '--demo', ...credentials(KEY_ID, SECRET)], { ECSNET_CONFIG: config }));
    },
    async createAccount() {
      return JSON.parse(await run(['account', 'create', '--data-dir', dataDir]));
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Headless Chromium; a missing browser is a failure, never a skip. */
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium and chromium-driver (console-tests/run.sh does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

async function newPage(browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Refused calls show up as failed resources (4xx); only script errors are problems.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.problems = problems;
  return page;
}

async function signIn(page, base, keyId = KEY_ID, secret = SECRET) {
  await page.goto(`${base}/console/`);
  await page.getByLabel('AccessKey ID').fill(keyId);
  await page.getByLabel('AccessKey Secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Saves a screenshot of the page as docs/console/<name>.png. */
async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  // Let the caret and focus rings settle so repeated runs give the same picture.
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** The row of a table that contains `text`. */
function row(page, text) {
  return page.locator('tbody tr').filter({ hasText: text });
}

module.exports = { KEY_ID, SECRET, REGION, startServer, launchBrowser, newPage, signIn, shot, row };
