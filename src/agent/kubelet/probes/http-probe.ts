// httpGet probe: 200–299 succeeds, 300–399 (a redirect the prober did not follow) succeeds with a
// ProbeWarning, anything else fails with upstream's text, which deliberately omits the body.
import type { HttpGetRequest } from './http-get.ts';
import { sendHttpGet } from './http-get.ts';
import type { ProbeOutcome } from './types.ts';

export async function httpProbe(request: HttpGetRequest, timeoutSeconds: number): Promise<ProbeOutcome> {
  const res = await sendHttpGet(request, timeoutSeconds * 1000);
  if (!res.ok) return { result: 'failure', output: res.error };
  if (res.bodyError) return { result: 'failure', output: '', error: res.bodyError };
  if (res.status >= 200 && res.status < 300) return { result: 'success', output: res.body };
  if (res.status >= 300 && res.status < 400) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
}
