// Instances & Images → Instances: each instance with its security groups and ENIs.
import * as api from './api.js';
import { h, empty, loadInto, pageHeader, pager, statusBadge, table } from './ui.js';

const PAGE_SIZE = 20;

export function list(ctx) {
  const body = h('div', {});
  let page = 1;
  const refresh = () => loadInto(body, 'instances', async () => {
    const answer = await api.call('DescribeInstances', { RegionId: ctx.region, PageNumber: String(page), PageSize: String(PAGE_SIZE) });
    const rows = answer.Instances.Instance;
    if (!rows.length) {
      return empty(`There are no instances in ${ctx.region}. Create them through the API (RunInstances) or run ecsnet seed --demo.`);
    }
    return [table('Instances', [
      { title: 'Instance ID / Name', cell: (i) => h('div', {}, h('code', {}, i.InstanceId), h('div', { class: 'name' }, i.InstanceName)) },
      { title: 'Status', cell: (i) => statusBadge(i.Status) },
      { title: 'Zone / Type', cell: (i) => h('div', {}, i.ZoneId, h('br'), i.InstanceType) },
      { title: 'Private IP', cell: (i) => i.VpcAttributes.PrivateIpAddress.IpAddress.join(', ') },
      { title: 'Security Groups', cell: (i) => h('ul', { class: 'plain' }, i.SecurityGroupIds.SecurityGroupId.map((g) => h('li', {}, h('a', { href: `#/security-groups/${g}/instances` }, g)))) },
      {
        title: 'ENIs',
        cell: (i) => h('ul', { class: 'plain' }, i.NetworkInterfaces.NetworkInterface.map((n) => h('li', {}, h('code', {}, n.NetworkInterfaceId), ` ${n.Type} · ${n.PrimaryIpAddress}`))),
      },
      { title: 'VPC / vSwitch', cell: (i) => h('div', {}, h('code', {}, i.VpcAttributes.VpcId), h('br'), h('code', {}, i.VpcAttributes.VSwitchId)) },
    ], rows), pager(page, PAGE_SIZE, answer.TotalCount, (p) => { page = p; refresh(); }, 'instances')];
  });
  const el = h('section', {},
    pageHeader('Instances', `Region ${ctx.region}`, h('button', { type: 'button', onclick: () => refresh() }, 'Refresh')),
    body);
  refresh();
  return { el, title: 'Instances' };
}
