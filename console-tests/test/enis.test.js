// Network & Security → ENI: the list, the Modify dialog (rules under each field, checked as
// you type, the server's verdict final), a primary ENI's dialog, and a secondary ENI's
// create → attach → detach → delete, each checked through the API.
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

async function eni(id) {
  return server.api('DescribeNetworkInterfaceAttribute', { NetworkInterfaceId: id });
}

async function enisPage() {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  await page.getByRole('link', { name: 'ENI' }).click();
  await page.getByRole('heading', { name: 'Network Interfaces' }).waitFor();
  return page;
}

test('the list shows type, status, instance and groups', async () => {
  const page = await enisPage();
  const data = demo.NetworkInterfaces['web-1-data'];
  await h.row(page, data).waitFor();
  const cells = await h.row(page, data).locator('td').allTextContents();
  assert.equal(cells[1], 'Secondary InUse');
  assert.equal(cells[2], demo.Instances['web-1']);
  assert.equal(cells[3], demo.SecurityGroups.db);
  assert.equal(await page.locator('tbody tr', { hasText: 'Primary' }).count(), 4);
  await h.shot(page, 'enis');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Modify a secondary ENI: name, groups and description, checked as you type', async () => {
  const page = await enisPage();
  const rules = await (await fetch(`${server.base}/console/api/rules`)).json();
  const spare = demo.NetworkInterfaces.spare;
  await page.getByRole('button', { name: 'Modify spare' }).click();
  const dialog = page.getByRole('dialog', { name: 'Modify ENI' });
  await dialog.getByText(rules.Name).waitFor();
  await dialog.getByText(rules.EniModifyDescription).waitFor();

  const name = dialog.getByLabel('Network Interface Name');
  await name.fill('9lives');
  await dialog.locator('.field-message.error', { hasText: 'InvalidParams.NetworkInterfaceName' }).waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await name.fill('spare-renamed');
  await dialog.locator('.field-message.ok').first().waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), null);

  // Basic and advanced groups never mix: the server says so while picking.
  const groups = dialog.getByRole('group', { name: 'Security Group' });
  await groups.getByLabel(new RegExp(demo.SecurityGroups.isolated)).check();
  await groups.locator('.field-message.error', { hasText: 'InvalidOperation.MultiGroupType' }).waitFor();
  await h.shot(page, 'eni-modify');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.getByRole('alert').getByText('InvalidOperation.MultiGroupType').waitFor();
  assert.equal((await eni(spare)).NetworkInterfaceName, 'spare');

  // Leaving no group is not something the API can express: the dialog says so.
  await groups.getByLabel(new RegExp(demo.SecurityGroups.isolated)).uncheck();
  await groups.getByLabel(new RegExp(demo.SecurityGroups.web)).uncheck();
  await groups.getByText('Select at least one security group').waitFor();
  await groups.getByLabel(new RegExp(demo.SecurityGroups.db)).check();
  await groups.locator('.field-message.ok').waitFor();
  await dialog.getByLabel('Description').fill('Moved to the database tier');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.waitFor({ state: 'detached' });
  await h.row(page, 'spare-renamed').waitFor();
  const after = await eni(spare);
  assert.equal(after.NetworkInterfaceName, 'spare-renamed');
  assert.equal(after.Description, 'Moved to the database tier');
  assert.deepEqual(after.SecurityGroupIds.SecurityGroupId, [demo.SecurityGroups.db]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a primary ENI's dialog explains that its groups follow the instance", async () => {
  const page = await enisPage();
  const web2 = demo.Instances['web-2'];
  const primary = (await server.api('DescribeNetworkInterfaces', { InstanceId: web2, Type: 'Primary' }))
    .NetworkInterfaceSets.NetworkInterfaceSet[0].NetworkInterfaceId;
  await page.getByRole('button', { name: `Modify ${primary}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Modify ENI' });
  await dialog.getByText(`This is the primary ENI of instance ${web2}: its security groups follow the instance.`).waitFor();
  const boxes = dialog.getByRole('group', { name: 'Security Group' }).getByRole('checkbox');
  for (const box of await boxes.all()) assert.equal(await box.isDisabled(), true);
  await h.shot(page, 'eni-modify-primary');
  // Its name is its own.
  await dialog.getByLabel('Network Interface Name').fill('web-2-primary');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await eni(primary)).NetworkInterfaceName, 'web-2-primary');
  assert.deepEqual((await eni(primary)).SecurityGroupIds.SecurityGroupId, [demo.SecurityGroups.web]);
  await page.context().close();
});

test('create, attach, detach and delete a secondary ENI', async () => {
  const page = await enisPage();
  await page.getByRole('button', { name: 'Create ENI' }).click();
  const create = page.getByRole('dialog', { name: 'Create ENI' });
  await create.getByLabel('VSwitch').selectOption(demo.VSwitchIds[0]);
  await create.getByLabel('Network Interface Name').fill('made-in-console');
  await create.getByLabel('Description').fill('From the browser test');
  await h.shot(page, 'eni-create');
  await create.getByRole('button', { name: 'OK' }).click();
  await create.waitFor({ state: 'detached' });
  await h.row(page, 'made-in-console').waitFor();
  const made = (await server.api('DescribeNetworkInterfaces', { NetworkInterfaceName: 'made-in-console' })).NetworkInterfaceSets.NetworkInterfaceSet[0];
  assert.equal(made.Status, 'Available');
  assert.equal(made.VSwitchId, demo.VSwitchIds[0]);
  const id = made.NetworkInterfaceId;

  await page.getByRole('button', { name: 'Attach made-in-console' }).click();
  const attach = page.getByRole('dialog', { name: 'Attach ENI' });
  await attach.getByLabel('Instance').selectOption(demo.Instances['web-2']);
  await attach.getByRole('button', { name: 'Attach' }).click();
  await attach.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Detach made-in-console' }).waitFor();
  assert.equal((await eni(id)).InstanceId, demo.Instances['web-2']);
  assert.equal((await eni(id)).Status, 'InUse');

  await page.getByRole('button', { name: 'Detach made-in-console' }).click();
  const detach = page.getByRole('dialog', { name: 'Detach ENI' });
  await detach.getByRole('button', { name: 'Detach' }).click();
  await detach.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Delete made-in-console' }).waitFor();
  assert.equal((await eni(id)).Status, 'Available');

  await page.getByRole('button', { name: 'Delete made-in-console' }).click();
  const remove = page.getByRole('dialog', { name: 'Delete ENI' });
  await remove.getByRole('button', { name: 'Delete' }).click();
  await remove.waitFor({ state: 'detached' });
  await h.row(page, 'made-in-console').waitFor({ state: 'detached' });
  assert.equal((await server.api('DescribeNetworkInterfaces', { NetworkInterfaceName: 'made-in-console' })).TotalCount, 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
