// Network & Security → Security Groups: list, create, delete; Manage Instances → "Instances
// in Security Group" (paginated) → Add Instance / Remove from Security Group, checked
// against what the API returns afterwards.
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

async function groupsOf(instanceId) {
  const answer = await server.api('DescribeInstances', { InstanceIds: JSON.stringify([instanceId]) });
  return answer.Instances.Instance[0].SecurityGroupIds.SecurityGroupId;
}

async function manage(page, groupName) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Security Groups' }).click();
  await page.getByRole('link', { name: `Manage Instances of ${groupName}` }).click();
  await page.getByRole('heading', { name: 'Instances in Security Group' }).waitFor();
  await page.locator('.subtitle strong', { hasText: groupName }).waitFor();
}

// Members are the instances and secondary ENIs in a group (web: web-1, web-2 and the ENI spare).
test('the list shows name, id, type, VPC and member count', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  const { web, db, isolated } = demo.SecurityGroups;
  for (const [id, type, members] of [[web, 'Basic', '3'], [db, 'Basic', '3'], [isolated, 'Advanced', '2']]) {
    await h.row(page, id).waitFor();
    const cells = await h.row(page, id).locator('td').allTextContents();
    assert.equal(cells[1], demo.VpcId);
    assert.equal(cells[2], type);
    assert.equal(cells[3], members);
  }
  await h.shot(page, 'security-groups');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('create a security group: rules under the fields, checked as you type, then delete it', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  const rules = await (await fetch(`${server.base}/console/api/rules`)).json();
  await page.getByRole('button', { name: 'Create Security Group' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create Security Group' });
  await dialog.getByText(rules.Name).waitFor();
  await dialog.getByText(rules.Description).waitFor();
  const name = dialog.getByLabel('Security Group Name');
  await name.fill('1-starts-with-a-digit');
  await dialog.locator('.field-message.error', { hasText: 'InvalidSecurityGroupName.Malformed' }).waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await dialog.getByLabel('Description').fill('http://not-allowed');
  await dialog.locator('.field-message.error', { hasText: 'InvalidDescription.Malformed' }).waitFor();
  await h.shot(page, 'create-security-group');
  // The server's verdict is final: OK with the bad name is refused in the dialog.
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.getByRole('alert').getByText('InvalidSecurityGroupName.Malformed').waitFor();

  await name.fill('app-tier');
  await dialog.getByText('✓ Accepted by the server').first().waitFor();
  await dialog.getByLabel('Description').fill('Application servers');
  await dialog.getByLabel('Advanced Security Group').check();
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.waitFor({ state: 'detached' });
  await h.row(page, 'app-tier').waitFor();
  const created = (await server.api('DescribeSecurityGroups', { SecurityGroupName: 'app-tier' })).SecurityGroups.SecurityGroup;
  assert.equal(created.length, 1);
  assert.equal(created[0].SecurityGroupType, 'enterprise');
  assert.equal(created[0].Description, 'Application servers');

  await page.getByRole('button', { name: 'Delete app-tier' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete Security Group' });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await confirm.waitFor({ state: 'detached' });
  await h.row(page, 'app-tier').waitFor({ state: 'detached' });
  assert.equal((await server.api('DescribeSecurityGroups', { SecurityGroupName: 'app-tier' })).TotalCount, 0);

  // A group with members is refused, with the API's reason in the dialog.
  await page.getByRole('button', { name: 'Delete web' }).click();
  const refused = page.getByRole('dialog', { name: 'Delete Security Group' });
  await refused.getByRole('button', { name: 'Delete' }).click();
  await refused.getByRole('alert').locator('p').waitFor();
  await h.shot(page, 'delete-security-group-refused');
  await refused.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await server.api('DescribeSecurityGroups', { SecurityGroupId: demo.SecurityGroups.web })).TotalCount, 1);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Add Instance: a searchable pick, OK joins the instance and its primary ENI; refusals shown', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  const db1 = demo.Instances['db-1'];
  await manage(page, 'web');
  await h.row(page, demo.Instances['web-1']).waitFor();
  await h.shot(page, 'instances-in-security-group');

  await page.getByRole('button', { name: 'Add Instance' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add Instance' });
  await dialog.getByLabel('Search instances').fill('db-');
  assert.equal(await dialog.locator('label.choice:visible').count(), 1);
  await dialog.getByLabel(new RegExp(db1)).check();
  await h.shot(page, 'add-instance');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.waitFor({ state: 'detached' });
  await h.row(page, db1).waitFor();
  assert.ok((await groupsOf(db1)).includes(demo.SecurityGroups.web));
  const primary = await server.api('DescribeNetworkInterfaces', { InstanceId: db1, Type: 'Primary' });
  assert.ok(primary.NetworkInterfaceSets.NetworkInterfaceSet[0].SecurityGroupIds.SecurityGroupId.includes(demo.SecurityGroups.web));

  // An instance in basic groups cannot join an advanced one: the API's message, in the dialog.
  await manage(page, 'isolated');
  await page.getByRole('button', { name: 'Add Instance' }).click();
  const refused = page.getByRole('dialog', { name: 'Add Instance' });
  await refused.getByLabel(new RegExp(demo.Instances['web-2'])).check();
  await refused.getByRole('button', { name: 'OK' }).click();
  await refused.getByRole('alert').getByText('InvalidOperation.MultiGroupType').waitFor();
  await h.shot(page, 'add-instance-refused');
  await page.keyboard.press('Escape');
  await refused.waitFor({ state: 'detached' });
  assert.deepEqual(await groupsOf(demo.Instances['web-2']), [demo.SecurityGroups.web]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Remove from Security Group: several at once, each with its own result', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  const { 'web-1': web1, 'web-2': web2 } = demo.Instances;
  await manage(page, 'db');
  // web-1 is in web and db; db-1 (joined web above, or not) — pick web-1 and db-1.
  const db1 = demo.Instances['db-1'];
  const dbOnly = (await groupsOf(db1)).length === 1;
  await page.getByLabel(`Select ${web1}`).check();
  await page.getByLabel(`Select ${db1}`).check();
  await page.getByRole('button', { name: 'Remove from Security Group (2)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove from Security Group' });
  await dialog.getByRole('button', { name: 'OK' }).click();
  await dialog.getByText(`${web1}: removed`).waitFor();
  assert.ok(!(await groupsOf(web1)).includes(demo.SecurityGroups.db));
  if (dbOnly) {
    await dialog.getByText(`${db1}: not removed.`).waitFor();
  } else {
    await dialog.getByText(`${db1}: removed`).waitFor();
  }
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });

  await manage(page, 'web');
  await page.getByLabel(`Select ${web2}`).check();
  await page.getByLabel(`Select ${web1}`).check();
  await page.getByRole('button', { name: 'Remove from Security Group (2)' }).click();
  const second = page.getByRole('dialog', { name: 'Remove from Security Group' });
  await second.getByRole('button', { name: 'OK' }).click();
  // Each instance's last group is web: both stay, each with the API's reason.
  await second.getByText(`${web2}: not removed.`).waitFor();
  await second.getByText(`${web1}: not removed.`).waitFor();
  await second.getByText('0 of 2 instance(s) removed.').waitFor();
  await h.shot(page, 'remove-from-security-group');
  await second.getByRole('button', { name: 'Close' }).click();
  assert.deepEqual(await groupsOf(web2), [demo.SecurityGroups.web]);
  assert.deepEqual(await groupsOf(web1), [demo.SecurityGroups.web]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Instances in Security Group is paginated', async () => {
  const [vswitch] = demo.VSwitchIds;
  for (let i = 0; i < 11; i++) {
    await server.api('RunInstances', {
      VSwitchId: vswitch, SecurityGroupId: demo.SecurityGroups.db, InstanceType: 'ecs.g6.large',
      ImageId: 'aliyun_3_x64_20G_alibase_20240819.vhd', InstanceName: `batch-${i}`,
    });
  }
  const total = (await server.api('DescribeInstances', { SecurityGroupId: demo.SecurityGroups.db })).TotalCount;
  assert.ok(total > 10, `db has ${total} instances`);
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  await manage(page, 'db');
  await page.getByText(`Page 1 of 2 · ${total} instances`).waitFor();
  assert.equal(await page.locator('tbody tr').count(), 10);
  await page.getByRole('button', { name: 'Next ›' }).click();
  await page.getByText(`Page 2 of 2 · ${total} instances`).waitFor();
  assert.equal(await page.locator('tbody tr').count(), total - 10);
  assert.equal(await page.getByRole('button', { name: 'Next ›' }).isDisabled(), true);
  await page.getByRole('button', { name: '‹ Previous' }).click();
  await page.getByText(`Page 1 of 2 · ${total} instances`).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
