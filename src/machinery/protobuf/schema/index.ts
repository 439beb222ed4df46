// Every protobuf field table skiff knows, merged into one lookup by fully-qualified message name.
// Each file covers one proto package (see protobuf.md for the format); a name defined twice is a bug.
import { messages as meta } from './meta.ts';
import { messages as core } from './core.ts';
import { messages as apps } from './apps.ts';
import { messages as batch } from './batch.ts';
import { messages as networking } from './networking.ts';
import { messages as policy } from './policy.ts';
import { messages as autoscaling } from './autoscaling.ts';
import { messages as rbac } from './rbac.ts';
import { messages as scheduling } from './scheduling.ts';
import { messages as storage } from './storage.ts';
import { messages as coordination } from './coordination.ts';
import { messages as discovery } from './discovery.ts';
import { messages as events } from './events.ts';
import { messages as authentication } from './authentication.ts';

function merge(tables: Record<string, string>[]): Record<string, string> {
  const all: Record<string, string> = {};
  for (const table of tables) {
    for (const [name, fields] of Object.entries(table)) {
      if (name in all) throw new Error(`protobuf schema: message ${name} is defined twice`);
      all[name] = fields;
    }
  }
  return all;
}

export const messages: Record<string, string> = merge([
  meta, core, apps, batch, networking, policy, autoscaling, rbac, scheduling, storage, coordination, discovery, events, authentication,
]);
