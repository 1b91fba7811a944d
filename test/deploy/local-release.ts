/**
 * A rendered Helm release run on this machine without Kubernetes: every replica of every
 * Deployment started as a local process (pod-launch.ts), each Service a loopback TCP proxy to
 * one of its pods (a Service may send a connection to any ready endpoint), and a pod run to
 * completion as `helm test` runs its test pod. No kubelet, no image, no DNS: see the README.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoggedProcess, spawnLogged } from '../helpers/herald-process';
import { freePort } from '../helpers/local-resources';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';
import { readContainerImage } from './container-image';
import type { Manifest } from './helm';
import { type PodLaunch, planPod, writePodFiles } from './pod-launch';

// biome-ignore lint/suspicious/noExplicitAny: a rendered pod spec
type PodSpec = any;

export interface LocalPod {
  readonly deployment: string;
  readonly name: string;
  readonly spec: PodSpec;
  readonly launch: PodLaunch;
  /** containerPort (and port name) -> the loopback port this replica listens on. */
  port(containerPortOrName: number | string): number;
  readonly process: LoggedProcess;
}

export interface LocalRelease {
  readonly pods: readonly LocalPod[];
  podsOf(deployment: string): LocalPod[];
  /** The loopback port standing in for a Service's port. */
  servicePort(service: string, port: number): number;
  /** Runs a rendered Pod (the `helm test` hook) to completion. */
  runToCompletion(pod: Manifest, timeoutMs: number): Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
}

export interface BootOptions {
  readonly namespace: string;
  /** Names outside the release the pods use (`host:port`) -> `127.0.0.1:port`, e.g. the NATS server. */
  readonly externalHosts: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

interface Replica {
  readonly deployment: Manifest;
  readonly name: string;
  readonly ports: Map<number, number>;
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

export async function bootRelease(manifests: readonly Manifest[], options: BootOptions): Promise<LocalRelease> {
  const image = readContainerImage();
  const root = mkdtempSync(join(tmpdir(), 'herald-release-'));
  const replicas: Replica[] = [];
  for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
    const count = deployment.spec.replicas ?? 1;
    for (let i = 0; i < count; i++) {
      const ports = new Map<number, number>();
      for (const { containerPort } of deployment.spec.template.spec.containers[0].ports ?? []) ports.set(containerPort, await freePort());
      replicas.push({ deployment, name: `${deployment.metadata.name}-local-${i}`, ports });
    }
  }

  const proxies: TcpProxy[] = [];
  const hosts: Record<string, string> = { ...options.externalHosts };
  const servicePorts = new Map<string, number>();
  const pods: LocalPod[] = [];
  const stop = async () => {
    await Promise.all(pods.map((pod) => stopPod(pod)));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    rmSync(root, { recursive: true, force: true });
  };

  try {
    for (const service of manifests.filter((m) => m.kind === 'Service' && m.spec.clusterIP !== 'None')) {
      const endpoints = replicas.filter((r) => matches(service.spec.selector, r.deployment.spec.template.metadata.labels));
      if (endpoints.length === 0) throw new Error(`Service ${service.metadata.name} selects no rendered pod`);
      for (const servicePort of service.spec.ports) {
        const target = containerPortOf(endpoints[0].deployment.spec.template.spec.containers[0], servicePort.targetPort ?? servicePort.port);
        const proxy = await startTcpProxy(endpoints[0].ports.get(target) as number);
        proxies.push(proxy);
        servicePorts.set(`${service.metadata.name}:${servicePort.port}`, proxy.port);
        const { name } = service.metadata;
        for (const host of [name, `${name}.${options.namespace}`, `${name}.${options.namespace}.svc`, `${name}.${options.namespace}.svc.cluster.local`]) {
          hosts[`${host}:${servicePort.port}`] = `127.0.0.1:${proxy.port}`;
        }
      }
    }

    for (const replica of replicas) {
      const spec = replica.deployment.spec.template.spec;
      const launch = planPod(spec, { manifests, image, namespace: options.namespace, podName: replica.name, root: join(root, replica.name), ports: replica.ports, hosts });
      writePodFiles(launch);
      const child = spawnLogged(replica.name, launch.argv, launch.env);
      pods.push({
        deployment: replica.deployment.metadata.name,
        name: replica.name,
        spec,
        launch,
        process: child,
        port: (key) => replica.ports.get(typeof key === 'number' ? key : containerPortOf(spec.containers[0], key)) as number,
      });
    }
    await Promise.all(pods.map((pod) => waitReady(pod, options.readyTimeoutMs ?? 20_000)));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    pods,
    podsOf: (deployment) => pods.filter((pod) => pod.deployment === deployment),
    servicePort: (service, port) => {
      const local = servicePorts.get(`${service}:${port}`);
      if (local === undefined) throw new Error(`no Service ${service} port ${port}`);
      return local;
    },
    runToCompletion: async (pod, timeoutMs) => {
      const name = pod.metadata.name;
      const launch = planPod(pod.spec, { manifests, image, namespace: options.namespace, podName: name, root: join(root, name), ports: new Map(), hosts });
      writePodFiles(launch);
      const child = spawnLogged(name, launch.argv, launch.env);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const { code } = await child.exited.finally(() => clearTimeout(timer));
      return { code, output: child.logs() };
    },
    stop,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a rendered container spec
function containerPortOf(container: any, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = (container.ports ?? []).find((p: { name?: string }) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named ${port}`);
  return named.containerPort;
}

/** The rendered readiness probe's GET answers 200; a process that exits first fails the boot with its log. */
async function waitReady(pod: LocalPod, timeoutMs: number): Promise<void> {
  const probe = pod.launch.readiness;
  if (!probe) throw new Error(`${pod.name}: no readinessProbe; nothing says when it is ready`);
  const exited = pod.process.exited.then((status) => {
    throw new Error(`${pod.name} exited during start-up (${JSON.stringify(status)}):\n${pod.process.logs()}`);
  });
  const ready = waitFor(
    async () => (await fetch(`http://127.0.0.1:${probe.port}${probe.path}`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.status === 200,
    `${pod.name}: GET ${probe.path} on its readiness port to answer 200`,
    timeoutMs,
    50,
  );
  exited.catch(() => undefined); // an exit after readiness is the test's business, not the boot's
  await Promise.race([ready, exited]);
}

/** SIGTERM (Herald's own graceful shutdown), SIGKILL if it outlives its grace period. */
async function stopPod(pod: LocalPod): Promise<void> {
  if (pod.process.hasExited()) return;
  const grace = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  const timer = setTimeout(() => pod.process.kill('SIGKILL'), grace);
  await pod.process.kill('SIGTERM').finally(() => clearTimeout(timer));
}
