'use strict';
// Error cases through each Node SDK: the code, message and HTTP status the SDK surfaces.

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');

const { SDKS, startServer } = require('../ecsnet');

const MULTI_GROUP_TYPE = "The specified instance can't join different types of security group.";

// [case, call on a ready world, code, HTTP status, message]
const CASES = [
  ['instance joins a group of the other kind', (w) => w.sdk.join(w.instance, w.advanced),
    'InvalidOperation.MultiGroupType', 400, MULTI_GROUP_TYPE],
  ['secondary ENI mixes kinds', (w) => w.sdk.modifyEni(w.secondary, { groups: [w.basic, w.advanced] }),
    'InvalidOperation.MultiGroupType', 403, MULTI_GROUP_TYPE],
  ['instance leaves its last group', (w) => w.sdk.leave(w.instance, w.basic),
    'InstanceLastSecurityGroup', 403, 'The specified security group is the last security group for the instance.'],
  ['primary ENI changes groups', (w) => w.sdk.modifyEni(w.primary, { groups: [w.basic] }),
    'InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc', 404,
    'Primary NetworkInterface is only allowed to modify name and description.'],
  ['unknown security group', (w) => w.sdk.join(w.instance, 'sg-bp1doesnotexist0000'),
    'InvalidSecurityGroupId.NotFound', 404, 'The specified SecurityGroupId does not exist.'],
  ['ENI name starts with a digit', (w) => w.sdk.modifyEni(w.secondary, { name: '1eni' }),
    'InvalidParams.NetworkInterfaceName', 403,
    'The parameter NetworkInterfaceName is not valid: it must start with a letter.'],
  ['ENI description is a URL', (w) => w.sdk.modifyEni(w.secondary, { description: 'http://example.com' }),
    'InvalidDescription.Malformed', 400, 'The specified parameter "Description" is not valid.'],
  ['unknown access key', (w) => w.sdk.withKey({ keyId: 'LTAI5tNobodyKnowsThisKey' }).join(w.instance, w.basic),
    'InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'],
  ['wrong secret', (w) => w.sdk.withKey({ secret: 'not-the-secret' }).join(w.instance, w.basic),
    'SignatureDoesNotMatch', 400,
    // the server's string to sign follows the colon; its first line depends on the signature version
    (message, sdk) => message.startsWith('Specified signature is not matched with our calculation. '
      + `server string to sign is:${sdk.method ? `${sdk.method}&%2F&` : 'ACS3-HMAC-SHA256\n'}`)],
];

/** An instance in one basic group with a secondary ENI attached; an advanced group beside. */
async function world(sdk) {
  const vpc = await sdk.createVpc('10.0.0.0/16');
  const vswitch = await sdk.createVSwitch(vpc, '10.0.1.0/24');
  const basic = await sdk.createGroup(vpc, 'normal');
  const advanced = await sdk.createGroup(vpc, 'enterprise');
  const instance = await sdk.runInstance(vswitch, [basic]);
  const secondary = await sdk.createEni(vswitch, [basic]);
  await sdk.attach(secondary, instance);
  return { sdk, basic, advanced, instance, secondary, primary: await sdk.primaryEni(instance) };
}

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

for (const { name: sdkName, connect } of SDKS) {
  describe(`errors through ${sdkName}`, () => {
    let w;
    before(async () => { w = await world(connect(server.endpoint)); });

    for (const [name, call, code, status, message] of CASES) {
      test(name, async () => {
        await assert.rejects(call(w), (err) => {
          const seen = w.sdk.surfaced(err);
          assert.equal(seen.code, code);
          assert.equal(seen.status, status);
          if (typeof message === 'function') assert.ok(message(seen.message, w.sdk), seen.message);
          else assert.equal(seen.message, message);
          return true;
        });
      });
    }
  });
}
