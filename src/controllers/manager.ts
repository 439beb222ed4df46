// The controller manager: every controller, sharing one set of informers and one in-process
// client (so their writes pass admission and validation like anyone else's).
import type { ResourceDefinition } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { InformerFactory } from '../client/informer.ts';
import { startGarbageCollector } from './garbage-collector.ts';
import { startNamespaceController } from './namespace-controller.ts';
import { startReplicaSetController } from './replicaset-controller.ts';
import { startDeploymentController } from './deployment-controller.ts';
import { createEventRecorder } from '../client/event-recorder.ts';
import { startResourceQuotaController } from './resource-quota-controller.ts';
import { startEndpointsController } from './endpoints-controller.ts';
import { startEndpointSliceController } from './endpointslice-controller.ts';
import { startServiceAccountController } from './serviceaccount-controller.ts';
import { startRootCAController } from './root-ca-controller.ts';
import { startDisruptionController } from './disruption-controller.ts';
import { startNodeLifecycleController } from './node-lifecycle-controller.ts';
import { startPodGCController } from './pod-gc-controller.ts';
import { startNodeIpamController } from './node-ipam-controller.ts';
import { startLocalPathProvisioner } from './local-path-provisioner.ts';

export interface ControllerManager {
  stop(): void;
}

export interface ControllerManagerOptions {
  /** The cluster CA, published in every namespace's kube-root-ca.crt ConfigMap. */
  caCert: string;
  nodeMonitorGracePeriodMs?: number;
  /** Where nodes' pod CIDRs are allocated from; no allocation without it. */
  clusterCidr?: string;
  /** Where the local-path provisioner keeps volumes (<dataDir>/storage); no provisioning without it. */
  storageDir?: string;
}

export async function startControllerManager(client: Client, informers: InformerFactory, resources: ResourceDefinition[], log: Logger, opts: ControllerManagerOptions): Promise<ControllerManager> {
  const deps = { client, informers, resources, log: log.with({ component: 'controller-manager' }) };
  const recorder = (component: string) => createEventRecorder(client, { component }, deps.log);
  const controllers = [
    startGarbageCollector(deps),
    startNamespaceController(deps),
    startReplicaSetController({ ...deps, recorder: recorder('replicaset-controller') }),
    startDeploymentController({ ...deps, recorder: recorder('deployment-controller') }),
    startResourceQuotaController(deps),
    startEndpointsController({ ...deps, recorder: recorder('endpoint-controller') }),
    startEndpointSliceController(deps),
    startServiceAccountController(deps),
    startRootCAController({ ...deps, caCert: opts.caCert }),
    startDisruptionController(deps),
    startNodeLifecycleController({ ...deps, gracePeriodMs: opts.nodeMonitorGracePeriodMs }),
    startPodGCController(deps),
    ...(opts.clusterCidr ? [startNodeIpamController({ ...deps, recorder: recorder('cidrAllocator'), clusterCidr: opts.clusterCidr })] : []),
    ...(opts.storageDir ? [startLocalPathProvisioner({ ...deps, storageDir: opts.storageDir, recorder: recorder('rancher.io/local-path_skiff') })] : []),
  ];
  await informers.waitForSync();
  log.info('controllers started', { count: controllers.length });
  return {
    stop() {
      for (const c of controllers) c.stop();
    },
  };
}
