// Sign in, the session cookie, the region selector, sign out; and the security of the
// console's writes: no session or CSRF token, another site's page, another account.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const h = require('../helpers');

let server;
let browser;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  await server.seedDemo();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('sign in with an AccessKey pair: errors shown, then a strict HttpOnly session cookie', async () => {
  const page = await h.newPage(browser);
  await page.goto(`${server.base}/console/`);
  await page.getByRole('heading', { name: 'Sign in to the ecsnet console' }).waitFor();
  await h.shot(page, 'sign-in');

  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Enter both the AccessKey ID and the AccessKey Secret.').waitFor();
  await page.getByLabel('AccessKey ID').fill(h.KEY_ID);
  await page.getByLabel('AccessKey Secret').fill('wrong-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('do not match an enabled key').waitFor();
  assert.deepEqual(await page.context().cookies(), []);

  await page.getByLabel('AccessKey Secret').fill(h.SECRET);
  await page.getByLabel('AccessKey Secret').press('Enter');
  await page.getByRole('heading', { name: 'Security Groups' }).waitFor();
  const [cookie] = await page.context().cookies();
  assert.equal(cookie.name, 'ecsnet_console');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/console');
  const hours = (cookie.expires * 1000 - Date.now()) / 3600e3;
  assert.ok(hours > 7.9 && hours <= 8, `the cookie expires in 8 hours, not ${hours}`);
  assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session');

  // A reload keeps the session.
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the region selector persists and every page shows that region', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  await h.row(page, 'web').first().waitFor();
  await page.getByLabel('Region').selectOption('cn-shanghai');
  await page.getByText('There are no security groups in cn-shanghai yet.').waitFor();
  await h.shot(page, 'empty-region');
  await page.getByRole('link', { name: 'ENI' }).click();
  await page.getByText('There are no network interfaces in cn-shanghai.').waitFor();
  await page.reload();
  await page.getByText('There are no network interfaces in cn-shanghai.').waitFor();
  assert.equal(await page.getByLabel('Region').inputValue(), 'cn-shanghai');
  await page.getByLabel('Region').selectOption('cn-hangzhou');
  await h.row(page, 'spare').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('sign out ends the session on the server', async () => {
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  const stolen = (await page.context().cookies())[0].value;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  // The old cookie no longer opens a session.
  const response = await fetch(`${server.base}/console/api/session`, { headers: { cookie: `ecsnet_console=${stolen}` } });
  assert.equal(response.status, 401);
  await page.context().close();
});

test('no write without a session and its CSRF token, and none from another site', async () => {
  const vpcs = async () => (await server.api('DescribeVpcs')).TotalCount;
  const before = await vpcs();
  const page = await h.newPage(browser);
  await h.signIn(page, server.base);
  // The console's own page, but a request without the token.
  const status = await page.evaluate(async () => (await fetch('/console/api/call/CreateVpc', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ RegionId: 'cn-hangzhou', CidrBlock: '10.0.0.0/8' }),
  })).status);
  assert.equal(status, 403);

  // Another site (another port of this host, so the same "site" for cookies) tries a form
  // post and a credentialed fetch while the user is signed in.
  const evil = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><form id="f" method="POST" action="${server.base}/console/api/call/CreateVpc" enctype="text/plain">
      <input name='{"RegionId":"cn-hangzhou","CidrBlock":"10.0.0.0/8","x":"' value='"}'></form>
      <script>
        fetch('${server.base}/console/api/call/CreateVpc', { method: 'POST', mode: 'no-cors', credentials: 'include',
          headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ RegionId: 'cn-hangzhou', CidrBlock: '10.0.0.0/8' }) })
          .finally(() => document.getElementById('f').submit());
      </script>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const attacker = await page.context().newPage();
  await attacker.goto(`http://127.0.0.1:${evil.address().port}/`);
  await attacker.waitForURL(/\/console\/api\/call\/CreateVpc/);
  assert.match(await attacker.content(), /Console\.(InvalidCsrfToken|CrossOriginRefused|SignInRequired)/);
  evil.close();
  assert.equal(await vpcs(), before, 'no VPC was created');
  await page.context().close();
});

test("one account's session never shows another account's resources", async () => {
  const other = await server.createAccount();
  const page = await h.newPage(browser);
  await h.signIn(page, server.base, other.AccessKeyId, other.AccessKeySecret);
  await page.getByText('There are no security groups in cn-hangzhou yet.').waitFor();
  assert.match(await page.locator('.account').textContent(), new RegExp(other.AccountId));
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  await page.getByText('There are no instances in cn-hangzhou.').waitFor();
  await page.getByRole('link', { name: 'ENI' }).click();
  await page.getByText('There are no network interfaces in cn-hangzhou.').waitFor();
  // Even by id, the root account's group is not there for this session.
  const root = await server.api('DescribeSecurityGroups');
  const web = root.SecurityGroups.SecurityGroup.find((g) => g.SecurityGroupName === 'web');
  await page.goto(`${server.base}/console/#/security-groups/${web.SecurityGroupId}/instances`);
  await page.getByText(`There is no security group ${web.SecurityGroupId} in cn-hangzhou.`).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
