/**
 * The environment a rendered container gets, resolved the way the kubelet resolves it: envFrom
 * ConfigMaps and Secrets first, then env (values with `$(VAR)` references, Secret and ConfigMap
 * keys of the rendered objects, the downward API), later entries winning. Secrets the release
 * does not create (an existingSecret) come from `external`. A reference to a Secret or key that
 * is not there throws, as the kubelet refuses to start such a container (CreateContainerConfigError).
 */
import type { Manifest } from './helm';

// biome-ignore lint/suspicious/noExplicitAny: a rendered container spec
type Container = any;

/** What the downward API tells a pod about itself. Without it, fieldRefs resolve to `field:<path>`. */
export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly nodeName?: string;
}

function secretValue(manifests: readonly Manifest[], external: Record<string, string>, name: string, key: string): string {
  const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === name);
  const value = secret?.stringData?.[key] ?? (secret?.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined) ?? external[`${name}/${key}`];
  if (value === undefined) throw new Error(`Secret ${name} key ${key}: neither rendered nor given as external`);
  return value;
}

function secretData(manifests: readonly Manifest[], name: string): Record<string, string> {
  const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === name);
  if (!secret) throw new Error(`envFrom Secret ${name} is not rendered`);
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return { ...decoded, ...(secret.stringData ?? {}) };
}

function configMapValue(manifests: readonly Manifest[], name: string, key: string): string {
  const value = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name)?.data?.[key];
  if (value === undefined) throw new Error(`ConfigMap ${name} key ${key} is not rendered`);
  return value;
}

function fieldValue(path: string, pod: PodIdentity | undefined): string {
  if (!pod) return `field:${path}`;
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'status.podIP': pod.ip,
    'status.podIPs': pod.ip,
    'status.hostIP': pod.ip,
    'spec.nodeName': pod.nodeName ?? 'local-node',
  };
  const value = fields[path];
  if (value === undefined) throw new Error(`fieldRef ${path}: not a field this resolver knows`);
  return value;
}

/** A CPU quantity in cores ("1500m" -> 1.5) or a memory quantity in bytes ("512Mi"). */
function quantity(text: string): number {
  const units: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(String(text));
  const unit = match ? (units[match[2]] ?? (match[2] === '' ? 1 : undefined)) : undefined;
  if (!match || unit === undefined) throw new Error(`resource quantity ${text}: not understood`);
  return Number(match[1]) * unit;
}

/** resourceFieldRef as the kubelet computes it: the container's request or limit over the divisor, rounded up. */
function resourceValue(container: Container, ref: { resource: string; divisor?: string; containerName?: string }): string {
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const given = container.resources?.[kind]?.[resource];
  if (given === undefined) throw new Error(`resourceFieldRef ${ref.resource}: the container sets no ${ref.resource} (the kubelet would use the node's allocatable)`);
  return String(Math.ceil(quantity(given) / quantity(ref.divisor ?? '1')));
}

export function containerEnvironment(manifests: readonly Manifest[], container: Container, external: Record<string, string> = {}, pod?: PodIdentity): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.secretRef) {
      for (const [k, v] of Object.entries(secretData(manifests, source.secretRef.name))) env[prefix + k] = v;
      continue;
    }
    const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === source.configMapRef?.name);
    if (!configMap) throw new Error(`envFrom ConfigMap ${source.configMapRef?.name} is not rendered`);
    for (const [k, v] of Object.entries(configMap.data ?? {})) env[prefix + k] = v;
  }
  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    if (entry.value !== undefined) env[entry.name] = String(entry.value).replace(/\$\(([A-Za-z0-9_]+)\)/g, (_, ref: string) => env[ref] ?? `$(${ref})`);
    else if (from?.secretKeyRef) env[entry.name] = secretValue(manifests, external, from.secretKeyRef.name, from.secretKeyRef.key);
    else if (from?.configMapKeyRef) env[entry.name] = configMapValue(manifests, from.configMapKeyRef.name, from.configMapKeyRef.key);
    else if (from?.fieldRef) env[entry.name] = fieldValue(from.fieldRef.fieldPath, pod);
    else if (from?.resourceFieldRef) env[entry.name] = resourceValue(container, from.resourceFieldRef);
    else throw new Error(`env ${entry.name}: a source this helper does not resolve`);
  }
  return env;
}

/** The files a pod's Secret volumes put at their mount paths: mount path + item path -> content. */
export function mountedSecretFiles(manifests: readonly Manifest[], pod: Container, container: Container, external: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find((v: Container) => v.name === mount.name);
    if (!volume?.secret) continue;
    // Without items, a Secret volume holds every key of the Secret as a file.
    const items = volume.secret.items ?? Object.keys(secretData(manifests, volume.secret.secretName)).map((key) => ({ key, path: key }));
    for (const item of items) files[`${mount.mountPath}/${item.path}`] = secretValue(manifests, external, volume.secret.secretName, item.key);
  }
  return files;
}
