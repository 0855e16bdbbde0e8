'use strict';
// The seed's story ("Modify an ENI") through each Node SDK, as one readable flow.

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');

const { SDKS, startServer } = require('../ecsnet');

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

describe('Modify an ENI', () => {
  for (const { name, connect } of SDKS) {
    test(name, async () => {
      const sdk = connect(server.endpoint);

      // A VPC and vSwitch (VPC API 2016-04-28), two basic groups and one advanced group.
      const vpc = await sdk.createVpc('192.168.0.0/16');
      const vswitch = await sdk.createVSwitch(vpc, '192.168.1.0/24');
      const basicA = await sdk.createGroup(vpc, 'normal');
      const basicB = await sdk.createGroup(vpc, 'normal');
      const advanced = await sdk.createGroup(vpc, 'enterprise');

      // An instance in A, and a secondary ENI in A attached to it.
      const instance = await sdk.runInstance(vswitch, [basicA]);
      const secondary = await sdk.createEni(vswitch, [basicA]);
      await sdk.attach(secondary, instance);
      const primary = await sdk.primaryEni(instance);
      assert.notEqual(primary, secondary);

      // The instance joins B: its primary ENI follows, the secondary ENI does not.
      await sdk.join(instance, basicB);
      assert.deepEqual(await sdk.instanceGroups(instance), [basicA, basicB]);
      assert.deepEqual((await sdk.eni(primary)).groups, [basicA, basicB]);
      assert.deepEqual((await sdk.eni(secondary)).groups, [basicA]);

      // The instance leaves A: the primary ENI follows again.
      await sdk.leave(instance, basicA);
      assert.deepEqual(await sdk.instanceGroups(instance), [basicB]);
      assert.deepEqual((await sdk.eni(primary)).groups, [basicB]);
      assert.deepEqual((await sdk.eni(secondary)).groups, [basicA]);

      // The secondary ENI is modified on its own: name, description, its whole set of groups.
      await sdk.modifyEni(secondary, { name: 'web-eni:1', description: 'serves the web tier', groups: [basicB, basicA] });
      assert.deepEqual(await sdk.eni(secondary), {
        name: 'web-eni:1', description: 'serves the web tier', groups: [basicB, basicA],
      });
      assert.deepEqual((await sdk.eni(primary)).groups, [basicB]);

      // Joining a group of the other kind is refused, and changes nothing.
      await assert.rejects(sdk.join(instance, advanced), (err) => {
        assert.equal(sdk.surfaced(err).code, 'InvalidOperation.MultiGroupType');
        return true;
      });
      assert.deepEqual(await sdk.instanceGroups(instance), [basicB]);

      // Leaving the last group is refused.
      await assert.rejects(sdk.leave(instance, basicB), (err) => {
        assert.equal(sdk.surfaced(err).code, 'InstanceLastSecurityGroup');
        return true;
      });
      assert.deepEqual(await sdk.instanceGroups(instance), [basicB]);
    });
  }
});
