// Resolves a probe's port (a number, a named container port, or a number written as a string)
// the way upstream's probe.ResolveContainerPort does, with its error texts.
import type { Container } from 'kubernetes-types/core/v1';

export function resolveContainerPort(port: number | string | undefined, container: Container): number {
  let n: number;
  if (typeof port === 'number') {
    n = port;
  } else if (typeof port === 'string') {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) n = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  } else {
    throw new Error(`intOrString had no kind: ${JSON.stringify(port)}`);
  }
  if (Number.isInteger(n) && n > 0 && n < 65536) return n;
  throw new Error(`invalid port number: ${n}`);
}
