/**
 * Offline validation of rendered manifests against the Kubernetes API schemas (and the
 * Prometheus Operator's and Gateway API's CRDs), from the `kubernetes-models` packages'
 * compiled OpenAPI validators. They check types, required fields and formats; like the API
 * server's default, they do not refuse unknown fields.
 */

interface Validatable {
  validate(): void;
}
// `never`: each model takes its own kind's shape; the manifests are checked at run time instead.
type ModelClass = new (data: never) => Validatable;

/** Every kind the chart may render; a kind missing here fails the test that meets it. */
const MODELS: Record<string, () => Promise<ModelClass>> = {
  'apps/v1 Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
  'v1 Service': async () => (await import('kubernetes-models/v1/Service')).Service,
  'v1 ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
  'v1 Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret,
  'v1 ServiceAccount': async () => (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount,
  'v1 Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod,
  'policy/v1 PodDisruptionBudget': async () => (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': async () => (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler,
  'networking.k8s.io/v1 Ingress': async () => (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress,
  'gateway.networking.k8s.io/v1 HTTPRoute': async () => (await import('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute')).HTTPRoute,
  'monitoring.coreos.com/v1 ServiceMonitor': async () => (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor')).ServiceMonitor,
  'monitoring.coreos.com/v1 PrometheusRule': async () => (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule')).PrometheusRule,
};

/** The problem with one manifest, or undefined when the schema accepts it. */
export async function manifestProblem(manifest: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): Promise<string | undefined> {
  const type = `${manifest.apiVersion} ${manifest.kind}`;
  const model = MODELS[type];
  if (!model) return `${type} ${manifest.metadata?.name}: no schema to validate it against`;
  const Model = await model();
  try {
    new Model(manifest as never).validate();
    return undefined;
  } catch (err) {
    return `${type} ${manifest.metadata?.name}: ${(err as Error).message}`;
  }
}
