// Instances with their groups and ENIs; loading and error states; keyboard use; a narrow window.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../helpers');

let server;
let browser;
let demo;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  demo = await server.seedDemo();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the instances list shows each instance with its security groups and ENIs', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  const web1 = h.row(page, demo.Instances['web-1']);
  await web1.waitFor();
  const cells = await web1.locator('td').allTextContents();
  assert.match(cells[4], new RegExp(`${demo.SecurityGroups.web}.*${demo.SecurityGroups.db}`));
  assert.match(cells[5], /Primary/);
  assert.match(cells[5], new RegExp(`${demo.NetworkInterfaces['web-1-data']} Secondary`));
  await h.shot(page, 'instances');
  // A group links to its Instances in Security Group page.
  await web1.getByRole('link', { name: demo.SecurityGroups.db }).click();
  await page.getByRole('heading', { name: 'Instances in Security Group' }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('loading and error states, with a way to try again', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  let release;
  const held = new Promise((r) => { release = r; });
  let fail = true;
  await page.route('**/console/api/call/DescribeInstances', async (route) => {
    await held;
    if (fail) await route.abort('connectionrefused');
    else await route.continue();
  });
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  await page.getByRole('status').getByText('Loading instances…').waitFor();
  await h.shot(page, 'loading');
  release();
  const failure = page.getByRole('alert').filter({ hasText: 'Could not load this page.' });
  await failure.getByText('The ecsnet server cannot be reached.').waitFor();
  await h.shot(page, 'error');
  fail = false;
  await failure.getByRole('button', { name: 'Try again' }).click();
  await h.row(page, demo.Instances['web-1']).waitFor();
  await page.context().close();
});

test('usable by keyboard: navigate, open a dialog, pick, close with Escape', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  await h.row(page, 'web').first().waitFor();
  // The skip link comes first, then the region selector.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'region');

  const manage = page.getByRole('link', { name: 'Manage Instances of web' });
  await manage.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Instances in Security Group' }).waitFor();
  await h.row(page, demo.Instances['web-1']).waitFor();
  const add = page.getByRole('button', { name: 'Add Instance' });
  await add.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add Instance' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.type), 'search', 'focus starts in the dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Add Instance', 'focus returns to the opener');

  // Pick with the keyboard: Tab to the first instance, Space to select, Enter to submit.
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await page.keyboard.type(demo.Instances['db-1']);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  await h.row(page, demo.Instances['db-1']).waitFor();
  const groups = (await server.api('DescribeInstances', { InstanceIds: JSON.stringify([demo.Instances['db-1']]) }))
    .Instances.Instance[0].SecurityGroupIds.SecurityGroupId;
  assert.ok(groups.includes(demo.SecurityGroups.web));

  // Every form control of the console has a label.
  await page.getByRole('link', { name: 'ENI' }).click();
  await page.getByRole('button', { name: 'Modify spare' }).click();
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label')))
    .map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('readable on a narrow window', async () => {
  const page = await h.newPage(browser, { width: 390, height: 844 });
  await h.signIn(page, server.base);
  await h.row(page, 'web').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
  await h.shot(page, 'narrow-security-groups');
  await page.getByRole('link', { name: 'ENI' }).click();
  await page.getByRole('button', { name: 'Modify spare' }).click();
  await page.getByRole('dialog', { name: 'Modify ENI' }).waitFor();
  await h.shot(page, 'narrow-eni-modify');
  await page.context().close();
});
