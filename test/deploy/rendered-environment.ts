/**
 * The environment a rendered container gets, resolved the way the kubelet resolves it: envFrom
 * ConfigMaps first, then env (values, Secret and ConfigMap keys of the rendered objects, the
 * downward API), later entries winning. Secrets the release does not create (an existingSecret)
 * come from `external`.
 */
import type { Manifest } from './helm';

// biome-ignore lint/suspicious/noExplicitAny: a rendered container spec
type Container = any;

function secretValue(manifests: readonly Manifest[], external: Record<string, string>, name: string, key: string): string {
  const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === name);
  const value = secret?.stringData?.[key] ?? (secret?.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined) ?? external[`${name}/${key}`];
  if (value === undefined) throw new Error(`Secret ${name} key ${key}: neither rendered nor given as external`);
  return value;
}

export function containerEnvironment(manifests: readonly Manifest[], container: Container, external: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === source.configMapRef?.name);
    if (!configMap) throw new Error(`envFrom ConfigMap ${source.configMapRef?.name} is not rendered`);
    Object.assign(env, configMap.data ?? {});
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = String(entry.value).replace(/\$\(([A-Za-z0-9_]+)\)/g, (_, ref: string) => env[ref] ?? `$(${ref})`);
    else if (entry.valueFrom?.secretKeyRef) env[entry.name] = secretValue(manifests, external, entry.valueFrom.secretKeyRef.name, entry.valueFrom.secretKeyRef.key);
    else if (entry.valueFrom?.fieldRef) env[entry.name] = `field:${entry.valueFrom.fieldRef.fieldPath}`;
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
    for (const item of volume.secret.items ?? []) files[`${mount.mountPath}/${item.path}`] = secretValue(manifests, external, volume.secret.secretName, item.key);
  }
  return files;
}
