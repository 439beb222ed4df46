// The `yaml` package, loaded on first use: most requests are JSON, and the library costs
// ~10 MB of memory the server need not carry until someone sends or asks for YAML.
import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');
let loaded: YamlModule | undefined;

export function yaml(): YamlModule {
  loaded ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return loaded;
}
