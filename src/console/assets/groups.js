// Network & Security → Security Groups, and a group's "Instances in Security Group" page.
import * as api from './api.js';
import {
  h, announce, debounce, empty, errorText, field, kindLabel, loadInto, openDialog, pageHeader,
  pager, statusBadge, table,
} from './ui.js';

const PAGE_SIZE = 10;

export function list(ctx) {
  const body = h('div', {});
  const refresh = () => loadInto(body, 'security groups', () => groupTable(ctx, refresh));
  const el = h('section', {},
    pageHeader('Security Groups', `Region ${ctx.region}`,
      h('button', { type: 'button', onclick: refresh }, 'Refresh'),
      h('button', { type: 'button', class: 'primary', onclick: () => createGroup(ctx, refresh) }, 'Create Security Group')),
    body);
  refresh();
  return { el, title: 'Security Groups' };
}

async function groupTable(ctx, refresh) {
  const groups = await api.all('DescribeSecurityGroups', { RegionId: ctx.region }, 'SecurityGroups.SecurityGroup');
  if (!groups.length) {
    return empty(`There are no security groups in ${ctx.region} yet. A security group is a virtual firewall: create one, then add instances to it.`,
      h('button', { type: 'button', class: 'primary', onclick: () => createGroup(ctx, refresh) }, 'Create Security Group'));
  }
  return table('Security groups', [
    { title: 'Name / ID', cell: (g) => h('div', {}, h('div', { class: 'name' }, g.SecurityGroupName || '—'), h('code', {}, g.SecurityGroupId)) },
    { title: 'VPC', cell: (g) => h('code', {}, g.VpcId) },
    { title: 'Type', cell: (g) => kindLabel(g.SecurityGroupType) },
    { title: 'Members', cell: (g) => String(g.EcsCount) },
    { title: 'Description', cell: (g) => g.Description || '—' },
    {
      title: 'Actions',
      cell: (g) => h('div', { class: 'actions' },
        h('a', { href: `#/security-groups/${encodeURIComponent(g.SecurityGroupId)}/instances`, 'aria-label': `Manage Instances of ${g.SecurityGroupName || g.SecurityGroupId}` }, 'Manage Instances'),
        h('button', { type: 'button', class: 'link-button danger', 'aria-label': `Delete ${g.SecurityGroupName || g.SecurityGroupId}`, onclick: () => deleteGroup(ctx, g, refresh) }, 'Delete')),
    },
  ], groups);
}

/** Checks `params` with a DryRun of `action` as the user types, showing the verdict under the field. */
export function checkAsYouType(f, action, params) {
  const run = debounce(async () => {
    const value = f.input.value;
    if (!value) { f.verdict(''); return; }
    const verdict = await api.check(action, params(value));
    if (f.input.value === value) f.verdict(verdict);
  });
  f.input.addEventListener('input', run);
}

async function createGroup(ctx, refresh) {
  let vpcs;
  try {
    vpcs = await api.all('DescribeVpcs', { RegionId: ctx.region }, 'Vpcs.Vpc');
  } catch (e) {
    announce(errorText(e));
    return;
  }
  if (!vpcs.length) {
    await openDialog({
      title: 'Create Security Group',
      body: h('p', {}, `A security group belongs to a VPC, and ${ctx.region} has none yet. Create a VPC through the API (CreateVpc) or run ecsnet seed --demo, then come back.`),
      onOk: () => {},
    });
    return;
  }
  const vpc = field('VPC', h('select', {}, vpcs.map((v) => h('option', { value: v.VpcId }, `${v.VpcName || v.VpcId} (${v.VpcId}, ${v.CidrBlock})`))));
  const name = field('Security Group Name', h('input', { name: 'name', autocomplete: 'off' }), ctx.rules.Name);
  const description = field('Description', h('textarea', { name: 'description', rows: '3' }), ctx.rules.Description);
  const typeName = `type-${Date.now()}`;
  const kinds = h('fieldset', { class: 'field' }, h('legend', {}, 'Security Group Type'),
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: typeName, value: 'normal', checked: true }), 'Basic Security Group'),
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: typeName, value: 'enterprise' }), 'Advanced Security Group'));
  const params = () => ({
    RegionId: ctx.region,
    VpcId: vpc.input.value,
    SecurityGroupType: kinds.querySelector('input:checked').value,
  });
  checkAsYouType(name, 'CreateSecurityGroup', (value) => ({ ...params(), SecurityGroupName: value }));
  checkAsYouType(description, 'CreateSecurityGroup', (value) => ({ ...params(), Description: value }));
  await openDialog({
    title: 'Create Security Group',
    body: [name.wrap, vpc.wrap, kinds, description.wrap],
    onOk: async () => {
      const request = params();
      if (name.input.value) request.SecurityGroupName = name.input.value;
      if (description.input.value) request.Description = description.input.value;
      const answer = await api.call('CreateSecurityGroup', request);
      announce(`Security group ${answer.SecurityGroupId} created`);
      refresh();
    },
  });
}

async function deleteGroup(ctx, group, refresh) {
  await openDialog({
    title: 'Delete Security Group',
    body: h('p', {}, 'Delete security group ', h('strong', {}, group.SecurityGroupName || group.SecurityGroupId), ' (', h('code', {}, group.SecurityGroupId), ')? This cannot be undone.'),
    okLabel: 'Delete',
    onOk: async () => {
      await api.call('DeleteSecurityGroup', { RegionId: ctx.region, SecurityGroupId: group.SecurityGroupId });
      announce(`Security group ${group.SecurityGroupId} deleted`);
      refresh();
    },
  });
}

/** "Instances in Security Group": the members, a page at a time; Add Instance; Remove. */
export function members(ctx, groupId) {
  const summary = h('p', { class: 'subtitle' }, groupId);
  const body = h('div', {});
  let page = 1;
  let group = null;
  const selected = new Set();
  const remove = h('button', { type: 'button', disabled: true, onclick: () => removeMembers() }, 'Remove from Security Group');
  const add = h('button', { type: 'button', class: 'primary', disabled: true, onclick: () => addInstance() }, 'Add Instance');
  const syncRemove = () => {
    remove.disabled = selected.size === 0;
    remove.textContent = selected.size ? `Remove from Security Group (${selected.size})` : 'Remove from Security Group';
  };

  const load = () => loadInto(body, 'instances in this security group', async () => {
    if (!group) {
      const found = await api.call('DescribeSecurityGroups', { RegionId: ctx.region, SecurityGroupId: groupId });
      group = found.SecurityGroups.SecurityGroup[0];
      if (!group) {
        add.disabled = true;
        return empty(`There is no security group ${groupId} in ${ctx.region}. It may have been deleted, or belong to another region.`,
          h('a', { href: '#/security-groups' }, 'Back to Security Groups'));
      }
      add.disabled = false;
      summary.replaceChildren(h('strong', {}, group.SecurityGroupName || '(no name)'), ' · ', h('code', {}, group.SecurityGroupId), ` · ${kindLabel(group.SecurityGroupType)} · VPC `, h('code', {}, group.VpcId));
    }
    const answer = await api.call('DescribeInstances', {
      RegionId: ctx.region, SecurityGroupId: groupId, PageNumber: String(page), PageSize: String(PAGE_SIZE),
    });
    const rows = answer.Instances.Instance;
    if (!rows.length && page > 1) { page -= 1; return load(); }
    selected.clear();
    syncRemove();
    if (!rows.length) {
      return empty('No instance is in this security group. Use Add Instance to add one: the instance and its primary ENI join the group.');
    }
    const boxes = [];
    const all = h('input', {
      type: 'checkbox', 'aria-label': 'Select all instances on this page',
      onchange: () => boxes.forEach((b) => { b.checked = all.checked; b.dispatchEvent(new Event('change')); }),
    });
    return [table('Instances in this security group', [
      {
        title: all,
        cell: (i) => {
          const box = h('input', {
            type: 'checkbox', value: i.InstanceId, 'aria-label': `Select ${i.InstanceId}`,
            onchange: () => { if (box.checked) selected.add(i.InstanceId); else selected.delete(i.InstanceId); syncRemove(); },
          });
          boxes.push(box);
          return box;
        },
      },
      { title: 'Instance ID / Name', cell: (i) => h('div', {}, h('code', {}, i.InstanceId), h('div', { class: 'name' }, i.InstanceName)) },
      { title: 'Status', cell: (i) => statusBadge(i.Status) },
      { title: 'Private IP', cell: (i) => i.VpcAttributes.PrivateIpAddress.IpAddress.join(', ') },
      { title: 'Primary ENI', cell: (i) => h('code', {}, (i.NetworkInterfaces.NetworkInterface.find((n) => n.Type === 'Primary') || {}).NetworkInterfaceId || '—') },
      { title: 'Security Groups', cell: (i) => String(i.SecurityGroupIds.SecurityGroupId.length) },
    ], rows), pager(page, PAGE_SIZE, answer.TotalCount, (p) => { page = p; load(); }, 'instances')];
  });

  async function addInstance() {
    let candidates;
    try {
      const inVpc = await api.all('DescribeInstances', { RegionId: ctx.region, VpcId: group.VpcId }, 'Instances.Instance', 100);
      candidates = inVpc.filter((i) => !i.SecurityGroupIds.SecurityGroupId.includes(groupId));
    } catch (e) {
      announce(errorText(e));
      return;
    }
    const search = field('Search instances', h('input', { type: 'search', placeholder: 'Instance ID or name', autocomplete: 'off' }));
    const radioName = `instance-${Date.now()}`;
    const options = candidates.map((i) => h('label', { class: 'choice', 'data-search': `${i.InstanceId} ${i.InstanceName}`.toLowerCase() },
      h('input', { type: 'radio', name: radioName, value: i.InstanceId }),
      h('code', {}, i.InstanceId), ` ${i.InstanceName} · ${i.Status} · ${i.SecurityGroupIds.SecurityGroupId.length} group(s)`));
    const none = h('p', { class: 'state empty', hidden: candidates.length > 0 },
      candidates.length ? 'No instance matches your search.' : `Every instance in VPC ${group.VpcId} is already in this security group.`);
    const picker = h('fieldset', { class: 'field picker' }, h('legend', {}, 'Instance ID'), h('div', { class: 'options' }, options), none);
    search.input.addEventListener('input', () => {
      const q = search.input.value.trim().toLowerCase();
      let shown = 0;
      for (const option of options) {
        option.hidden = !option.dataset.search.includes(q);
        if (!option.hidden) shown += 1;
      }
      none.hidden = shown > 0;
    });
    await openDialog({
      title: 'Add Instance',
      body: [h('p', {}, 'Select the instance to add to ', h('strong', {}, group.SecurityGroupName || groupId), '. Its primary ENI joins the group with it.'), search.wrap, picker],
      onOk: async () => {
        const choice = picker.querySelector('input:checked');
        if (!choice) throw new Error('Select an instance first.');
        await api.call('JoinSecurityGroup', { RegionId: ctx.region, SecurityGroupId: groupId, InstanceId: choice.value });
        announce(`${choice.value} added to ${groupId}`);
        load();
      },
    });
  }

  async function removeMembers() {
    const ids = [...selected];
    await openDialog({
      title: 'Remove from Security Group',
      body: [h('p', {}, `Remove ${ids.length} instance(s) from `, h('strong', {}, group.SecurityGroupName || groupId),
        '? Their primary ENIs leave the group with them. An instance must stay in at least one security group.'),
      h('ul', { class: 'id-list' }, ids.map((id) => h('li', {}, h('code', {}, id))))],
      onOk: async (dialog) => {
        const results = [];
        for (const id of ids) {
          try {
            await api.call('LeaveSecurityGroup', { RegionId: ctx.region, SecurityGroupId: groupId, InstanceId: id });
            results.push(h('li', { class: 'result ok' }, h('code', {}, id), ': removed'));
          } catch (e) {
            results.push(h('li', { class: 'result error' }, h('code', {}, id), `: not removed. ${errorText(e)}`));
          }
        }
        const removed = results.filter((r) => r.classList.contains('ok')).length;
        dialog.setBody(h('p', { role: 'status' }, `${removed} of ${ids.length} instance(s) removed.`), h('ul', { class: 'results' }, results));
        dialog.finish();
        announce(`${removed} of ${ids.length} instances removed`);
        load();
        return 'keep';
      },
    });
  }

  const el = h('section', {},
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/security-groups' }, 'Security Groups'), ' › Instances in Security Group'),
    pageHeader('Instances in Security Group', summary, remove, add),
    body);
  load();
  return { el, title: 'Instances in Security Group' };
}
