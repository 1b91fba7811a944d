{{/* Names and labels. */}}
{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-gateway etc. */}}
{{- define "herald.componentName" -}}
{{- printf "%s-%s" (include "herald.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "herald.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: herald
{{- end -}}

{{- define "herald.componentSelectorLabels" -}}
{{ include "herald.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "herald.componentLabels" -}}
{{ include "herald.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "herald.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the apps file (and the helm test's app secret) when the chart makes it. */}}
{{- define "herald.appsSecretName" -}}
{{- printf "%s-apps" (include "herald.fullname" .) -}}
{{- end -}}

{{/* Where Herald reads an apps file inside the pods. */}}
{{- define "herald.appsMountDir" -}}/etc/herald/apps{{- end -}}

{{/* Does the pod mount an apps file (rather than reading apps from PostgreSQL)? */}}
{{- define "herald.mountsAppsFile" -}}
{{- if ne .Values.apps.source "postgres" -}}true{{- end -}}
{{- end -}}

{{/*
Whole gateway workers for a Kubernetes CPU quantity: "2" -> 2, "1500m" -> 1, "2.5" -> 2,
"500m" -> 1 (never fewer than one). More workers than cores would only contend for them.
*/}}
{{- define "herald.workersForCpu" -}}
{{- $cpu := toString . -}}
{{- $milli := 0 -}}
{{- if hasSuffix "m" $cpu -}}
{{- $milli = trimSuffix "m" $cpu | float64 | floor | int -}}
{{- else -}}
{{- $milli = mulf (float64 $cpu) 1000 | floor | int -}}
{{- end -}}
{{- max 1 (div $milli 1000) -}}
{{- end -}}

{{- define "herald.gatewayWorkers" -}}
{{- if gt (int .Values.gateway.workers) 0 -}}
{{- .Values.gateway.workers -}}
{{- else -}}
{{- $limits := default dict .Values.gateway.resources.limits -}}
{{- $requests := default dict .Values.gateway.resources.requests -}}
{{- include "herald.workersForCpu" (default (default "1" $requests.cpu) $limits.cpu) -}}
{{- end -}}
{{- end -}}

{{/*
The gateway's grace period: the preStop sleep, then the paced drain (HERALD_DRAIN_TIMEOUT_MS,
after which the rest are closed at once), then the margin for leases, the bus and exit.
*/}}
{{- define "herald.gatewayGracePeriodSeconds" -}}
{{- $drainSeconds := div (add .Values.gateway.drain.timeoutMs 999) 1000 -}}
{{- add .Values.gateway.preStopSleepSeconds $drainSeconds .Values.gateway.shutdownMarginSeconds -}}
{{- end -}}

{{/* The port a component's probes and scrapes use: the metrics listener when it is on. */}}
{{- define "herald.healthPortName" -}}
{{- if .Values.metrics.port -}}metrics{{- else -}}http{{- end -}}
{{- end -}}

{{/* The default ports of `herald <command>` (services/herald/src/default-ports.ts). */}}
{{- define "herald.componentPort" -}}
{{- get (dict "gateway" 6001 "api" 6002 "presence" 6003 "webhooks" 6004) . -}}
{{- end -}}

{{/*
A checksum of everything the chart configures, so that changing it rolls the pods. Apps from
an existingSecret or PostgreSQL are outside it: Herald re-reads PostgreSQL by itself; an
existingSecret's change needs a rollout (kubectl rollout restart) or a reloader.
*/}}
{{- define "herald.configChecksum" -}}
{{- $config := dict "apps" .Values.apps "env" .Values.env "extraEnv" .Values.extraEnv "nats" .Values.nats "tracing" .Values.tracing "metrics" .Values.metrics "logLevel" .Values.logLevel -}}
{{- toJson $config | sha256sum -}}
{{- end -}}
