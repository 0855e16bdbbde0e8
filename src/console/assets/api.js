// The console's only way to the server: its session endpoints and /console/api/call/<Action>,
// which runs the API's own action for the signed-in account. Writes carry the CSRF token.

let csrfToken = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    super(body.Message || `The server answered HTTP ${status}.`);
    this.status = status;
    this.code = body.Code || 'Console.Unknown';
    this.requestId = body.RequestId || '';
  }
}

/** Called when the server says the session is gone (expired, signed out elsewhere). */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, {
      Code: 'Console.Unreachable',
      Message: 'The ecsnet server cannot be reached. Check that it is running, then try again.',
    });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && csrfToken) {
      csrfToken = null;
      onSignedOut(error);
    }
    throw error;
  }
  return data;
}

export async function currentSession() {
  try {
    const session = await request('GET', '/console/api/session');
    csrfToken = session.CsrfToken;
    return session;
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export async function signIn(accessKeyId, accessKeySecret) {
  const session = await request('POST', '/console/api/session', {
    AccessKeyId: accessKeyId,
    AccessKeySecret: accessKeySecret,
  });
  csrfToken = session.CsrfToken;
  return session;
}

export async function signOut() {
  await request('DELETE', '/console/api/session');
  csrfToken = null;
}

export function rules() {
  return request('GET', '/console/api/rules');
}

/** Runs one ECS/VPC action with its API parameters (strings, `X.1`-style lists). */
export function call(action, params = {}) {
  return request('POST', `/console/api/call/${encodeURIComponent(action)}`, params);
}

/**
 * Asks the server whether `params` would pass, without changing anything (`DryRun=true`):
 * resolves to null when they would, or to the error they would get.
 */
export async function check(action, params) {
  try {
    await call(action, { ...params, DryRun: 'true' });
    return null;
  } catch (error) {
    return error.code === 'DryRunOperation' ? null : error;
  }
}

/** Every item of a numbered-page Describe call: `list` names the wrapped list, e.g. `Instances.Instance`. */
export async function all(action, params, list, pageSize = 50) {
  const [outer, inner] = list.split('.');
  const items = [];
  for (let page = 1; ; page++) {
    const answer = await call(action, { ...params, PageNumber: String(page), PageSize: String(pageSize) });
    items.push(...answer[outer][inner]);
    if (page * pageSize >= answer.TotalCount) return items;
  }
}

/** Flattens an id list into the API's `Name.1`, `Name.2`, … parameters. */
export function numbered(name, values) {
  return Object.fromEntries(values.map((value, i) => [`${name}.${i + 1}`, value]));
}
