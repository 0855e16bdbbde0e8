'use strict';
// Start a real ecsnet server, and drive it through the official Node SDKs.
//
// `startServer()` runs the binary cargo built on a free port with a fresh data dir.
// `PopCoreSdk` (@alicloud/pop-core 1.8.0, V1 signatures, GET or POST) and `TeaSdk`
// (@alicloud/ecs20140526 7.11.6 + @alicloud/vpc20160428, ACS3 signatures) offer the same few
// calls the tests need, each made the way a user of that SDK would write it; only the endpoint
// points at ecsnet.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const RPCClient = require('@alicloud/pop-core').RPCClient;
const Ecs = require('@alicloud/ecs20140526');
const Vpc = require('@alicloud/vpc20160428');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const $dara = require('@darabonba/typescript');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const REGION = 'cn-hangzhou';
const ZONE = 'cn-hangzhou-h';
const INSTANCE_TYPE = 'ecs.g6.large';
const IMAGE_ID = 'aliyun_3_x64_20G_alibase_20240819.vhd';
const ACCESS_KEY_ID = 'LTAI5tSdkTestsRootKey01';
const ACCESS_KEY_SECRET = 'sdk-tests/secret+with=odd/chars';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function answers(endpoint) {
  return new Promise((resolve) => {
    const req = http.get(`http://${endpoint}/`, (res) => {
      res.resume();
      resolve(true); // any HTTP answer, an error envelope included
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** An ecsnet server of its own: free port on 127.0.0.1, fresh temporary data dir. */
async function startServer() {
  const binary = path.resolve(REPO_ROOT, process.env.ECSNET_BIN || 'target/debug/ecsnet');
  if (!fs.existsSync(binary)) {
    throw new Error(`ecsnet binary not found at ${binary} (run cargo build or set ECSNET_BIN)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsnet-sdk-node-'));
  const endpoint = `127.0.0.1:${await freePort()}`;
  let log = '';
  const child = spawn(binary, ['serve', '--listen', endpoint, '--data-dir', path.join(dir, 'data')], {
    env: {
      ...process.env,
      ECSNET_ROOT_ACCESS_KEY_ID: ACCESS_KEY_ID,
      ECSNET_ROOT_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20000;
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null) throw new Error(`ecsnet exited with ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ecsnet did not answer on ${endpoint} within 20s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { endpoint, stop, log: () => log };
}

/**
 * @alicloud/pop-core 1.8.0 RPCClient: V1 (HMAC-SHA1) signatures, GET (its default) or POST.
 * It ignores the HTTP status: it throws when the body has a `Code`, with `err.code`,
 * `err.message` = "<Message>, URL: <url>", `err.data` = the body, and the status only in
 * `err.entry.response.statusCode`.
 */
class PopCoreSdk {
  constructor(endpoint, method, { keyId = ACCESS_KEY_ID, secret = ACCESS_KEY_SECRET } = {}) {
    this.name = `@alicloud/pop-core ${method}`;
    this.endpoint = endpoint;
    this.method = method;
    const options = {
      accessKeyId: keyId,
      accessKeySecret: secret,
      endpoint: `http://${endpoint}`, // pop-core wants the scheme
    };
    this.ecs = new RPCClient({ ...options, apiVersion: '2014-05-26' });
    this.vpc = new RPCClient({ ...options, apiVersion: '2016-04-28' });
  }

  withKey(keys) {
    return new PopCoreSdk(this.endpoint, this.method, keys);
  }

  call(client, action, params) {
    return client.request(action, { RegionId: REGION, ...params }, { method: this.method });
  }

  async createVpc(cidr) {
    return (await this.call(this.vpc, 'CreateVpc', { CidrBlock: cidr })).VpcId;
  }

  async createVSwitch(vpc, cidr) {
    const reply = await this.call(this.vpc, 'CreateVSwitch', { VpcId: vpc, ZoneId: ZONE, CidrBlock: cidr });
    return reply.VSwitchId;
  }

  async createGroup(vpc, kind) {
    const reply = await this.call(this.ecs, 'CreateSecurityGroup', { VpcId: vpc, SecurityGroupType: kind });
    return reply.SecurityGroupId;
  }

  async runInstance(vswitch, groups) {
    const reply = await this.call(this.ecs, 'RunInstances', {
      VSwitchId: vswitch, InstanceType: INSTANCE_TYPE, ImageId: IMAGE_ID, SecurityGroupIds: groups,
    });
    return reply.InstanceIdSets.InstanceIdSet[0];
  }

  async createEni(vswitch, groups) {
    const reply = await this.call(this.ecs, 'CreateNetworkInterface', { VSwitchId: vswitch, SecurityGroupIds: groups });
    return reply.NetworkInterfaceId;
  }

  async attach(eni, instance) {
    await this.call(this.ecs, 'AttachNetworkInterface', { NetworkInterfaceId: eni, InstanceId: instance });
  }

  async join(instance, group) {
    await this.call(this.ecs, 'JoinSecurityGroup', { InstanceId: instance, SecurityGroupId: group });
  }

  async leave(instance, group) {
    await this.call(this.ecs, 'LeaveSecurityGroup', { InstanceId: instance, SecurityGroupId: group });
  }

  async modifyEni(eni, { name, description, groups } = {}) {
    const params = { NetworkInterfaceId: eni };
    if (name !== undefined) params.NetworkInterfaceName = name;
    if (description !== undefined) params.Description = description;
    if (groups !== undefined) params.SecurityGroupId = groups; // flattened to SecurityGroupId.N
    await this.call(this.ecs, 'ModifyNetworkInterfaceAttribute', params);
  }

  /** { name, description, groups } of an ENI, from DescribeNetworkInterfaceAttribute. */
  async eni(eni) {
    const reply = await this.call(this.ecs, 'DescribeNetworkInterfaceAttribute', { NetworkInterfaceId: eni });
    return {
      name: reply.NetworkInterfaceName,
      description: reply.Description,
      groups: reply.SecurityGroupIds.SecurityGroupId,
    };
  }

  async instanceGroups(instance) {
    const reply = await this.call(this.ecs, 'DescribeInstances', { InstanceIds: JSON.stringify([instance]) });
    return reply.Instances.Instance[0].SecurityGroupIds.SecurityGroupId;
  }

  async primaryEni(instance) {
    const reply = await this.call(this.ecs, 'DescribeNetworkInterfaces', { InstanceId: instance, Type: 'Primary' });
    return reply.NetworkInterfaceSets.NetworkInterfaceSet[0].NetworkInterfaceId;
  }

  /** What a user of this SDK reads from an error: { code, message, status }. */
  surfaced(err) {
    const suffix = `, URL: ${err.url}`;
    assert.ok(err.message.endsWith(suffix), err.message);
    assert.equal(err.name, `${err.code}Error`);
    return {
      code: err.code,
      message: err.message.slice(0, -suffix.length),
      status: err.entry.response.statusCode,
    };
  }
}

/**
 * @alicloud/ecs20140526 7.11.6 (+ @alicloud/vpc20160428) on @alicloud/openapi-core: ACS3 signatures.
 * A 4xx throws a ClientError with `e.statusCode`, `e.code`, `e.requestId`, `e.data` (the body)
 * and `e.message` = "<Code>: code: <status>, <Message> request id: <RequestId>".
 */
class TeaSdk {
  constructor(endpoint, { keyId = ACCESS_KEY_ID, secret = ACCESS_KEY_SECRET } = {}) {
    this.name = '@alicloud/ecs20140526';
    this.endpoint = endpoint;
    const config = () => new $OpenApiUtil.Config({
      accessKeyId: keyId,
      accessKeySecret: secret,
      endpoint, // host:port, no scheme
      protocol: 'http',
      regionId: REGION,
    });
    this.ecs = new Ecs.default(config());
    this.vpc = new Vpc.default(config());
    this.runtime = new $dara.RuntimeOptions({});
  }

  withKey(keys) {
    return new TeaSdk(this.endpoint, keys);
  }

  async createVpc(cidr) {
    const request = new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: cidr });
    return (await this.vpc.createVpcWithOptions(request, this.runtime)).body.vpcId;
  }

  async createVSwitch(vpc, cidr) {
    const request = new Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId: vpc, zoneId: ZONE, cidrBlock: cidr });
    return (await this.vpc.createVSwitchWithOptions(request, this.runtime)).body.vSwitchId;
  }

  async createGroup(vpc, kind) {
    const request = new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: vpc, securityGroupType: kind });
    return (await this.ecs.createSecurityGroupWithOptions(request, this.runtime)).body.securityGroupId;
  }

  async runInstance(vswitch, groups) {
    const request = new Ecs.RunInstancesRequest({
      regionId: REGION, vSwitchId: vswitch, instanceType: INSTANCE_TYPE, imageId: IMAGE_ID, securityGroupIds: groups,
    });
    const body = (await this.ecs.runInstancesWithOptions(request, this.runtime)).body;
    return body.instanceIdSets.instanceIdSet[0];
  }

  async createEni(vswitch, groups) {
    const request = new Ecs.CreateNetworkInterfaceRequest({ regionId: REGION, vSwitchId: vswitch, securityGroupIds: groups });
    return (await this.ecs.createNetworkInterfaceWithOptions(request, this.runtime)).body.networkInterfaceId;
  }

  async attach(eni, instance) {
    const request = new Ecs.AttachNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId: eni, instanceId: instance });
    await this.ecs.attachNetworkInterfaceWithOptions(request, this.runtime);
  }

  async join(instance, group) {
    const request = new Ecs.JoinSecurityGroupRequest({ regionId: REGION, instanceId: instance, securityGroupId: group });
    await this.ecs.joinSecurityGroupWithOptions(request, this.runtime);
  }

  async leave(instance, group) {
    const request = new Ecs.LeaveSecurityGroupRequest({ regionId: REGION, instanceId: instance, securityGroupId: group });
    await this.ecs.leaveSecurityGroupWithOptions(request, this.runtime);
  }

  async modifyEni(eni, { name, description, groups } = {}) {
    const request = new Ecs.ModifyNetworkInterfaceAttributeRequest({
      regionId: REGION,
      networkInterfaceId: eni,
      networkInterfaceName: name,
      description,
      securityGroupId: groups,
    });
    await this.ecs.modifyNetworkInterfaceAttributeWithOptions(request, this.runtime);
  }

  async eni(eni) {
    const request = new Ecs.DescribeNetworkInterfaceAttributeRequest({ regionId: REGION, networkInterfaceId: eni });
    const body = (await this.ecs.describeNetworkInterfaceAttributeWithOptions(request, this.runtime)).body;
    return {
      name: body.networkInterfaceName,
      description: body.description,
      groups: body.securityGroupIds.securityGroupId,
    };
  }

  async instanceGroups(instance) {
    const request = new Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instance]) });
    const body = (await this.ecs.describeInstancesWithOptions(request, this.runtime)).body;
    return body.instances.instance[0].securityGroupIds.securityGroupId;
  }

  async primaryEni(instance) {
    const request = new Ecs.DescribeNetworkInterfacesRequest({ regionId: REGION, instanceId: instance, type: 'Primary' });
    const body = (await this.ecs.describeNetworkInterfacesWithOptions(request, this.runtime)).body;
    return body.networkInterfaceSets.networkInterfaceSet[0].networkInterfaceId;
  }

  /** { code, message, status }; the message is the server's, checked inside the SDK's text. */
  surfaced(err) {
    const message = err.data.Message;
    const expected = `${err.code}: code: ${err.statusCode}, ${message} request id: ${err.requestId}`;
    assert.equal(err.message, expected);
    return { code: err.code, message, status: err.statusCode };
  }
}

/** The three SDK variants every test runs through: a name, and how to connect one to a server. */
const SDKS = [
  { name: '@alicloud/pop-core GET', connect: (endpoint) => new PopCoreSdk(endpoint, 'GET') },
  { name: '@alicloud/pop-core POST', connect: (endpoint) => new PopCoreSdk(endpoint, 'POST') },
  { name: '@alicloud/ecs20140526', connect: (endpoint) => new TeaSdk(endpoint) },
];

module.exports = { startServer, SDKS, PopCoreSdk, TeaSdk };
