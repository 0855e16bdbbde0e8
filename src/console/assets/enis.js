// Network & Security → ENI: the list, Modify, and create / attach / detach / delete of
// secondary ENIs. Every check is the server's (DryRun as you type, the real call on OK).
import * as api from './api.js';
import {
  h, announce, debounce, empty, errorText, field, kindLabel, loadInto, openDialog, pageHeader,
  pager, statusBadge, table,
} from './ui.js';
import { checkAsYouType } from './groups.js';

const PAGE_SIZE = 20;

export function list(ctx) {
  const body = h('div', {});
  let page = 1;
  const refresh = () => loadInto(body, 'network interfaces', () => eniTable(ctx, page, (p) => { page = p; refresh(); }, refresh));
  const el = h('section', {},
    pageHeader('Network Interfaces', `ENI · region ${ctx.region}`,
      h('button', { type: 'button', onclick: refresh }, 'Refresh'),
      h('button', { type: 'button', class: 'primary', onclick: () => createEni(ctx, refresh) }, 'Create ENI')),
    body);
  refresh();
  return { el, title: 'Network Interfaces' };
}

async function eniTable(ctx, page, go, refresh) {
  const answer = await api.call('DescribeNetworkInterfaces', { RegionId: ctx.region, PageNumber: String(page), PageSize: String(PAGE_SIZE) });
  const enis = answer.NetworkInterfaceSets.NetworkInterfaceSet;
  if (!enis.length && page > 1) return eniTable(ctx, page - 1, go, refresh);
  if (!enis.length) {
    return empty(`There are no network interfaces in ${ctx.region}. Every instance brings its primary ENI; you can also create a secondary ENI and attach it to an instance.`,
      h('button', { type: 'button', class: 'primary', onclick: () => createEni(ctx, refresh) }, 'Create ENI'));
  }
  const label = (e) => e.NetworkInterfaceName || e.NetworkInterfaceId;
  return [table('Network interfaces', [
    { title: 'Name / ID', cell: (e) => h('div', {}, h('div', { class: 'name' }, e.NetworkInterfaceName || '—'), h('code', {}, e.NetworkInterfaceId)) },
    { title: 'Type / Status', cell: (e) => h('div', {}, e.Type, ' ', statusBadge(e.Status)) },
    { title: 'Instance', cell: (e) => (e.InstanceId ? h('code', {}, e.InstanceId) : '—') },
    { title: 'Security Groups', cell: (e) => h('ul', { class: 'plain' }, e.SecurityGroupIds.SecurityGroupId.map((g) => h('li', {}, h('a', { href: `#/security-groups/${g}/instances` }, g)))) },
    { title: 'Private IP / vSwitch', cell: (e) => h('div', {}, e.PrivateIpAddress, h('br'), h('code', { class: 'small' }, e.VSwitchId)) },
    {
      title: 'Actions',
      cell: (e) => {
        const secondary = e.Type === 'Secondary';
        const act = (text, onclick, extra = '') => h('button', { type: 'button', class: `link-button ${extra}`, 'aria-label': `${text} ${label(e)}`, onclick }, text);
        return h('div', { class: 'actions' },
          act('Modify', () => modifyEni(ctx, e, refresh)),
          secondary && e.Status === 'Available' ? act('Attach', () => attachEni(ctx, e, refresh)) : null,
          secondary && e.Status === 'InUse' ? act('Detach', () => detachEni(ctx, e, refresh)) : null,
          secondary && e.Status === 'Available' ? act('Delete', () => deleteEni(ctx, e, refresh), 'danger') : null);
      },
    },
  ], enis), pager(page, PAGE_SIZE, answer.TotalCount, go, 'network interfaces')];
}

/** Checkboxes for the security groups of one VPC, those in `chosen` ticked. */
function groupPicker(groups, chosen, legend, note) {
  const boxes = groups.map((g) => h('label', { class: 'choice' },
    h('input', { type: 'checkbox', value: g.SecurityGroupId, checked: chosen.includes(g.SecurityGroupId) }),
    `${g.SecurityGroupName || '(no name)'} `, h('code', {}, g.SecurityGroupId), ` · ${kindLabel(g.SecurityGroupType)}`));
  const noteId = `note-${Date.now()}`;
  const message = h('p', { class: 'field-message', 'aria-live': 'polite' });
  const set = h('fieldset', { class: 'field picker', 'aria-describedby': noteId },
    h('legend', {}, legend), h('div', { class: 'options' }, boxes), h('p', { class: 'rule', id: noteId }, note), message);
  return {
    set,
    chosen: () => [...set.querySelectorAll('input:checked')].map((b) => b.value),
    message,
  };
}

function showVerdict(message, verdict) {
  message.className = 'field-message';
  message.textContent = verdict === '' ? '' : verdict === null ? '✓ Accepted by the server' : errorText(verdict);
  if (verdict) message.classList.add('error');
  else if (verdict === null) message.classList.add('ok');
}

async function modifyEni(ctx, eni, refresh) {
  let groups;
  try {
    groups = await api.all('DescribeSecurityGroups', { RegionId: ctx.region, VpcId: eni.VpcId }, 'SecurityGroups.SecurityGroup');
  } catch (e) {
    announce(errorText(e));
    return;
  }
  const primary = eni.Type === 'Primary';
  const current = eni.SecurityGroupIds.SecurityGroupId;
  const base = { RegionId: ctx.region, NetworkInterfaceId: eni.NetworkInterfaceId };
  const name = field('Network Interface Name', h('input', { name: 'name', value: eni.NetworkInterfaceName, autocomplete: 'off' }), ctx.rules.Name);
  const description = field('Description', h('textarea', { name: 'description', rows: '3' }, eni.Description), ctx.rules.EniModifyDescription);
  checkAsYouType(name, 'ModifyNetworkInterfaceAttribute', (value) => ({ ...base, NetworkInterfaceName: value }));
  checkAsYouType(description, 'ModifyNetworkInterfaceAttribute', (value) => ({ ...base, Description: value }));
  const picker = groupPicker(groups, current, 'Security Group', primary
    ? `This is the primary ENI of instance ${eni.InstanceId}: its security groups follow the instance. To change them, open Security Groups → Manage Instances and use Add Instance or Remove from Security Group.`
    : 'Select one or more security groups of this ENI\'s VPC, or clear one to remove the ENI from it. An ENI stays in at least one security group.');
  if (primary) {
    picker.set.disabled = true;
    picker.set.classList.add('follows-instance');
  } else {
    const check = debounce(async () => {
      const chosen = picker.chosen();
      if (!chosen.length) {
        showVerdict(picker.message, { message: 'Select at least one security group: the API cannot leave an ENI in none.' });
        return;
      }
      showVerdict(picker.message, await api.check('ModifyNetworkInterfaceAttribute', { ...base, ...api.numbered('SecurityGroupId', chosen) }));
    });
    picker.set.addEventListener('change', check);
  }
  await openDialog({
    title: 'Modify ENI',
    wide: true,
    body: [h('p', {}, `${eni.Type} ENI `, h('code', {}, eni.NetworkInterfaceId), eni.InstanceId ? [' on ', h('code', {}, eni.InstanceId)] : ' (not attached)'),
      name.wrap, picker.set, description.wrap],
    onOk: async () => {
      const request = { ...base };
      if (name.input.value !== eni.NetworkInterfaceName) request.NetworkInterfaceName = name.input.value;
      if (description.input.value !== eni.Description) request.Description = description.input.value;
      if (!primary) {
        const chosen = picker.chosen();
        if (!chosen.length) throw new Error('Select at least one security group: an ENI stays in at least one.');
        if (chosen.join() !== current.join()) Object.assign(request, api.numbered('SecurityGroupId', chosen));
      }
      await api.call('ModifyNetworkInterfaceAttribute', request);
      announce(`${eni.NetworkInterfaceId} modified`);
      refresh();
    },
  });
}

async function createEni(ctx, refresh) {
  let vswitches;
  let groups;
  try {
    [vswitches, groups] = await Promise.all([
      api.all('DescribeVSwitches', { RegionId: ctx.region }, 'VSwitches.VSwitch'),
      api.all('DescribeSecurityGroups', { RegionId: ctx.region }, 'SecurityGroups.SecurityGroup'),
    ]);
  } catch (e) {
    announce(errorText(e));
    return;
  }
  if (!vswitches.length) {
    await openDialog({
      title: 'Create ENI',
      body: h('p', {}, `An ENI lives in a vSwitch, and ${ctx.region} has none yet. Create a VPC and a vSwitch through the API (or run ecsnet seed --demo), then come back.`),
      onOk: () => {},
    });
    return;
  }
  const vswitch = field('VSwitch', h('select', {}, vswitches.map((v) => h('option', { value: v.VSwitchId, 'data-vpc': v.VpcId },
    `${v.VSwitchName || v.VSwitchId} (${v.VSwitchId}) · ${v.ZoneId} · ${v.CidrBlock} · VPC ${v.VpcId}`))));
  const name = field('Network Interface Name', h('input', { name: 'name', autocomplete: 'off' }), ctx.rules.Name);
  const description = field('Description', h('textarea', { name: 'description', rows: '3' }), ctx.rules.Description);
  const pickerSlot = h('div', {});
  let picker;
  const showGroups = () => {
    const vpc = vswitch.input.selectedOptions[0].dataset.vpc;
    const inVpc = groups.filter((g) => g.VpcId === vpc);
    picker = groupPicker(inVpc, inVpc.slice(0, 1).map((g) => g.SecurityGroupId), 'Security Group',
      inVpc.length ? 'Select one or more security groups of the vSwitch\'s VPC.' : `VPC ${vpc} has no security group: create one under Security Groups first.`);
    pickerSlot.replaceChildren(picker.set);
  };
  vswitch.input.addEventListener('change', showGroups);
  showGroups();
  const base = () => ({ RegionId: ctx.region, VSwitchId: vswitch.input.value, ...api.numbered('SecurityGroupIds', picker.chosen()) });
  checkAsYouType(name, 'CreateNetworkInterface', (value) => ({ ...base(), NetworkInterfaceName: value }));
  checkAsYouType(description, 'CreateNetworkInterface', (value) => ({ ...base(), Description: value }));
  await openDialog({
    title: 'Create ENI',
    wide: true,
    body: [vswitch.wrap, pickerSlot, name.wrap, description.wrap],
    onOk: async () => {
      const request = base();
      if (name.input.value) request.NetworkInterfaceName = name.input.value;
      if (description.input.value) request.Description = description.input.value;
      const answer = await api.call('CreateNetworkInterface', request);
      announce(`${answer.NetworkInterfaceId} created`);
      refresh();
    },
  });
}

async function attachEni(ctx, eni, refresh) {
  let instances;
  try {
    instances = await api.all('DescribeInstances', { RegionId: ctx.region, VpcId: eni.VpcId }, 'Instances.Instance', 100);
  } catch (e) {
    announce(errorText(e));
    return;
  }
  const select = h('select', {}, instances.map((i) => h('option', { value: i.InstanceId }, `${i.InstanceId} · ${i.InstanceName} · ${i.Status} · ${i.ZoneId}`)));
  const instance = field('Instance', select);
  await openDialog({
    title: 'Attach ENI',
    body: instances.length
      ? [h('p', {}, 'Attach ', h('code', {}, eni.NetworkInterfaceId), ' to an instance of VPC ', h('code', {}, eni.VpcId), '.'), instance.wrap]
      : h('p', {}, `There is no instance in VPC ${eni.VpcId} to attach this ENI to.`),
    okLabel: 'Attach',
    onOk: async () => {
      if (!instances.length) return;
      await api.call('AttachNetworkInterface', { RegionId: ctx.region, NetworkInterfaceId: eni.NetworkInterfaceId, InstanceId: select.value });
      announce(`${eni.NetworkInterfaceId} attached to ${select.value}`);
      refresh();
    },
  });
}

async function detachEni(ctx, eni, refresh) {
  await openDialog({
    title: 'Detach ENI',
    body: h('p', {}, 'Detach ', h('code', {}, eni.NetworkInterfaceId), ' from ', h('code', {}, eni.InstanceId), '? It keeps its security groups and addresses.'),
    okLabel: 'Detach',
    onOk: async () => {
      await api.call('DetachNetworkInterface', { RegionId: ctx.region, NetworkInterfaceId: eni.NetworkInterfaceId, InstanceId: eni.InstanceId });
      announce(`${eni.NetworkInterfaceId} detached`);
      refresh();
    },
  });
}

async function deleteEni(ctx, eni, refresh) {
  await openDialog({
    title: 'Delete ENI',
    body: h('p', {}, 'Delete ', h('code', {}, eni.NetworkInterfaceId), '? Its private addresses are released. This cannot be undone.'),
    okLabel: 'Delete',
    onOk: async () => {
      await api.call('DeleteNetworkInterface', { RegionId: ctx.region, NetworkInterfaceId: eni.NetworkInterfaceId });
      announce(`${eni.NetworkInterfaceId} deleted`);
      refresh();
    },
  });
}
