/**
 * How one rendered pod's container would start, turned into a local process: the command
 * (the image's ENTRYPOINT when the pod gives none) with image paths mapped to this checkout,
 * the environment the kubelet would build (image ENV, HOSTNAME, envFrom, env with the
 * downward API), mounted Secret files written under a directory of the pod's own, Service DNS
 * names replaced by the loopback ports standing in for them, and each containerPort moved to
 * a port of its own through the variable the chart sets it with (several replicas share one
 * host here). Anything that could not be started as rendered throws, naming what.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContainerImage } from './container-image';
import type { Manifest } from './helm';
import { containerEnvironment, mountedSecretFiles } from './rendered-environment';

// biome-ignore lint/suspicious/noExplicitAny: a rendered pod spec
type PodSpec = any;

export interface PodContext {
  readonly manifests: readonly Manifest[];
  readonly image: ContainerImage;
  readonly namespace: string;
  readonly podName: string;
  /** The pod's directory: its volumes are mounted under it, at their mountPath. */
  readonly root: string;
  /** containerPort -> the loopback port this replica listens on instead. */
  readonly ports: ReadonlyMap<number, number>;
  /** `host:port` as the pod names it (a Service's DNS name, an external server) -> `127.0.0.1:port`. */
  readonly hosts: Readonly<Record<string, string>>;
}

export interface PodLaunch {
  readonly podName: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
  /** Local path -> content (the mounted Secret files). */
  readonly files: Record<string, string>;
  /** What the readiness probe GETs: the probe's own path, on this replica's port. */
  readonly readiness?: { readonly path: string; readonly port: number };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const URL_HOST = /\b[a-z][a-z0-9+.-]*:\/\/([^/:,\s]+)/gi;

export function planPod(pod: PodSpec, context: PodContext): PodLaunch {
  if (pod.containers?.length !== 1) throw new Error(`${context.podName}: ${pod.containers?.length ?? 0} containers; this runs pods of one`);
  // Kubernetes would add <SERVICE>_SERVICE_HOST/_PORT variables for every Service; this does not emulate them.
  if (pod.enableServiceLinks !== false) throw new Error(`${context.podName}: enableServiceLinks is not false, so its environment would hold service links this test does not make`);
  const container = pod.containers[0];
  const identity = { name: context.podName, namespace: context.namespace, ip: '127.0.0.1' };
  const mounts: string[] = (container.volumeMounts ?? []).map((m: { mountPath: string }) => m.mountPath);
  const local = (value: string) => {
    const mount = mounts.find((path) => value === path || value.startsWith(`${path}/`));
    return mount ? join(context.root, value) : value;
  };

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...context.image.env,
    HOSTNAME: context.podName,
    ...containerEnvironment(context.manifests, container, {}, identity),
  };
  relocatePorts(container, env, context);
  for (const [name, value] of Object.entries(env)) env[name] = local(mapHosts(name, value, context.hosts));

  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries(mountedSecretFiles(context.manifests, pod, container))) files[join(context.root, path)] = content;
  for (const path of mounts) mkdirSync(join(context.root, path), { recursive: true });

  return { podName: context.podName, argv: commandLine(container, context.image, local), env, files, readiness: readiness(container, context) };
}

/** Writes the pod's mounted files. */
export function writePodFiles(launch: PodLaunch): void {
  for (const [path, content] of Object.entries(launch.files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: 0o600 });
  }
}

/** command (else the image's ENTRYPOINT) + args, as it would run here: tini left out, node = this Node. */
function commandLine(container: PodSpec, image: ContainerImage, local: (value: string) => string): string[] {
  let argv: string[] = [...(container.command ?? image.entrypoint), ...(container.args ?? [])].map(String);
  // tini only forwards signals to its child and reaps; here the test signals node itself.
  if (argv[0] === 'tini') argv = argv.slice(argv.indexOf('--') + 1);
  if (argv[0] !== 'node') throw new Error(`${argv.join(' ')}: not a node command; this runs the image's node programs only`);
  return [process.execPath, ...argv.slice(1).map((arg) => (arg.startsWith('/') && local(arg) === arg ? image.localPath(arg) : local(arg)))];
}

/**
 * Every containerPort must be set by a rendered `*_PORT` variable holding that number: that is
 * the variable this replica gets its own port through. A port set nowhere is hard-coded in the
 * image, and two replicas could not share this host.
 */
function relocatePorts(container: PodSpec, env: Record<string, string>, context: PodContext): void {
  for (const { containerPort, name } of container.ports ?? []) {
    const assigned = context.ports.get(containerPort);
    if (assigned === undefined) throw new Error(`${context.podName}: no local port for containerPort ${containerPort}`);
    const setters = Object.keys(env).filter((variable) => variable.endsWith('_PORT') && env[variable] === String(containerPort));
    if (setters.length === 0) throw new Error(`${context.podName}: containerPort ${containerPort} (${name}) is set by no rendered *_PORT variable`);
    for (const variable of setters) env[variable] = String(assigned);
  }
}

/** Service and external names -> loopback; a URL naming any other host is an error (it would not resolve). */
function mapHosts(variable: string, value: string, hosts: Readonly<Record<string, string>>): string {
  let mapped = value;
  for (const [name, target] of Object.entries(hosts)) mapped = mapped.replace(new RegExp(`(?<=//)${name.replace(/[.]/g, '\\.')}(?![\\w.:-])`, 'g'), target);
  for (const [, host] of mapped.matchAll(URL_HOST)) {
    if (!LOOPBACK.has(host))
      throw new Error(`env ${variable}=${value}: ${host} is neither a Service of the release nor an external name the test maps (${Object.keys(hosts).join(', ')})`);
  }
  return mapped;
}

function readiness(container: PodSpec, context: PodContext): PodLaunch['readiness'] {
  const probe = container.readinessProbe?.httpGet;
  if (!probe) return undefined;
  const named = (container.ports ?? []).find((p: { name?: string }) => p.name === probe.port);
  const containerPort = typeof probe.port === 'number' ? probe.port : named?.containerPort;
  const port = context.ports.get(containerPort);
  if (port === undefined) throw new Error(`${context.podName}: readinessProbe port ${probe.port} is not a port of the container`);
  return { path: probe.path ?? '/', port };
}
